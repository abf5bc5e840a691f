package jxlsim_test

import (
	"testing"

	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

type mode string

const (
	v2     mode = "v2"
	legacy mode = "legacy"
)

// drive sends one user action and follows RUNNING to the step result: v2
// re-issues the same body, legacy polls collect/resp. It returns the result
// and how many RUNNING answers came first.
func drive(t *testing.T, base string, m mode, body map[string]any) (map[string]any, int) {
	t.Helper()
	path := pathCollectV2
	if m == legacy {
		path = pathLegacyReq
	}
	reply := post(t, base+path, body).object(t)
	if m == legacy {
		if d := data(t, reply); d["type"] != "RUNNING" {
			return reply, 0
		}
		path = pathLegacyResp
		reply = post(t, base+path, body).object(t)
	}
	for n := 0; n < 20; n++ {
		if reply["success"] != true {
			return reply, n
		}
		if d := data(t, reply); d["type"] != "RUNNING" {
			return reply, n
		}
		reply = post(t, base+path, body).object(t)
	}
	t.Fatalf("still RUNNING after 20 tries")
	return nil, 0
}

type act struct {
	kind, value string
	typ         string
	code        int
	finish      bool
	tpl         string
}

func body(token string, a act) map[string]any {
	b := map[string]any{"token": token, "website": "chinamobilegd"}
	switch a.kind {
	case "password":
		b["account"], b["password"], b["captcha"], b["type"] = "13800000000", a.value, "", ""
	case "sms": // TQB style: no account or password
		b["captcha"], b["type"] = a.value, "SUBMIT_CAPTCHA"
	case "sms_full":
		b["account"], b["password"] = "13800000000", "pass_good"
		b["captcha"], b["type"] = a.value, "SUBMIT_CAPTCHA"
	case "resend":
		b["captcha"], b["type"] = "", "RESEND_CAPTCHA"
	case "query":
		b["queryPwd"], b["type"] = a.value, "SUBMIT_QUERY_PWD"
	case "query_snake":
		b["query_pwd"], b["type"] = a.value, "SUBMIT_QUERY_PWD"
	}
	return b
}

const (
	ctl      = "CONTROL"
	tplSMS   = "SUBMIT_CAPTCHA"
	tplQuery = "SUBMIT_QUERY_PWD"
)

var scriptRows = []struct {
	name  string
	steps []act
}{
	{"pass_good", []act{
		{kind: "password", value: "pass_good", typ: ctl, code: 10002, tpl: tplSMS},
		{kind: "sms", value: "000000", typ: ctl, code: 10004, tpl: tplSMS},
		{kind: "resend", typ: ctl, code: 10002, tpl: tplSMS},
		{kind: "sms_full", value: "123456", typ: ctl, code: 10008, finish: true},
		{kind: "sms", value: "123456", typ: "ERROR"},
	}},
	{"pass_bad", []act{
		{kind: "password", value: "pass_bad", typ: ctl, code: 10003},
		{kind: "password", value: "pass_good", typ: ctl, code: 10002, tpl: tplSMS},
		{kind: "sms", value: "123456", typ: ctl, code: 10008, finish: true},
	}},
	{"pass_query", []act{
		{kind: "password", value: "pass_query", typ: ctl, code: 10022, tpl: tplQuery},
		{kind: "query", value: "nope", typ: ctl, code: 10023, tpl: tplQuery},
		{kind: "query_snake", value: "query_good", typ: ctl, code: 10002, tpl: tplSMS},
		{kind: "sms", value: "123456", typ: ctl, code: 10008, finish: true},
	}},
	{"pass_twosms", []act{
		{kind: "password", value: "pass_twosms", typ: ctl, code: 10002, tpl: tplSMS},
		{kind: "sms", value: "123456", typ: ctl, code: 10001, tpl: tplSMS},
		{kind: "sms", value: "123456", typ: ctl, code: 10008, finish: true},
	}},
	{"pass_expire", []act{
		{kind: "password", value: "pass_expire", typ: ctl, code: 10002, tpl: tplSMS},
		{kind: "sms", value: "123456", typ: ctl, code: 10006, tpl: tplSMS},
		{kind: "sms", value: "123456", typ: ctl, code: 10008, finish: true},
	}},
	{"pass_slow", []act{
		{kind: "password", value: "pass_slow", typ: ctl, code: 10002, tpl: tplSMS},
		{kind: "sms", value: "123456", typ: ctl, code: 10008, finish: true},
	}},
	{"pass_simple", []act{
		{kind: "password", value: "pass_simple", typ: ctl, code: 10007},
		{kind: "password", value: "pass_good", typ: "ERROR"},
	}},
	{"pass_limit", []act{
		{kind: "password", value: "pass_limit", typ: ctl, code: 30000},
	}},
	{"pass_error", []act{
		{kind: "password", value: "pass_error", typ: "ERROR"},
		{kind: "sms", value: "123456", typ: "ERROR"},
	}},
	{"unknown password", []act{
		{kind: "password", value: "hunter2", typ: ctl, code: 10003},
	}},
}

func TestScriptRows(t *testing.T) {
	t.Parallel()
	for _, m := range []mode{v2, legacy} {
		for _, row := range scriptRows {
			t.Run(string(m)+"/"+row.name, func(t *testing.T) {
				t.Parallel()
				_, base := newSim(t, jxlsim.Config{})
				token := newToken(t, base)
				for i, a := range row.steps {
					reply, _ := drive(t, base, m, body(token, a))
					checkStep(t, i, reply, a)
				}
			})
		}
	}
}

// checkStep checks a step answer against the want, including JSON types.
func checkStep(t *testing.T, i int, reply map[string]any, a act) {
	t.Helper()
	d := data(t, reply)
	if d["type"] != a.typ {
		t.Fatalf("step %d (%s %s): type = %v, want %s", i, a.kind, a.value, d["type"], a.typ)
	}
	code, ok := d["process_code"].(float64)
	if !ok {
		t.Fatalf("step %d: process_code = %#v, want a JSON number", i, d["process_code"])
	}
	if int(code) != a.code {
		t.Errorf("step %d (%s %s): process_code = %v, want %d", i, a.kind, a.value, code, a.code)
	}
	if fin, ok := d["finish"].(bool); !ok || fin != a.finish {
		t.Errorf("step %d: finish = %#v, want JSON %t", i, d["finish"], a.finish)
	}
	if c, _ := d["content"].(string); c == "" {
		t.Errorf("step %d: content is empty", i)
	}
	tpl, _ := d["req_msg_tpl"].(map[string]any)
	if got, _ := tpl["type"].(string); got != a.tpl {
		t.Errorf("step %d: req_msg_tpl.type = %q, want %q", i, got, a.tpl)
	}
}

func TestAfterFinishIsError(t *testing.T) {
	t.Parallel()
	_, base := newSim(t, jxlsim.Config{})
	token := newToken(t, base)
	drive(t, base, v2, body(token, act{kind: "password", value: "pass_good"}))
	drive(t, base, v2, body(token, act{kind: "sms", value: "123456"}))

	reply, _ := drive(t, base, v2, body(token, act{kind: "password", value: "pass_good"}))
	d := data(t, reply)
	if d["type"] != "ERROR" || d["content"] != "当前网站已经采集完成,请不要重复采集！" {
		t.Errorf("after 10008: got type %v content %v, want ERROR 采集完成", d["type"], d["content"])
	}
}
