package jxlclient_test

import (
	"errors"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

const jsonCT = "application/json;charset=UTF-8"

var dummyReq = jxlclient.CollectRequest{Token: "t", Website: "chinamobilegd"}

type outcome int

const (
	wantOK outcome = iota
	wantDecodeErr
	wantAPIErr
)

// checkOutcome checks err's class.
func checkOutcome(t *testing.T, name string, err error, want outcome) {
	t.Helper()
	var de *jxlclient.DecodeError
	var ae *jxlclient.APIError
	switch {
	case want == wantOK && err != nil:
		t.Errorf("%s: err = %v, want none", name, err)
	case want == wantDecodeErr && !errors.As(err, &de):
		t.Errorf("%s: err = %v, want *DecodeError", name, err)
	case want == wantAPIErr && !errors.As(err, &ae):
		t.Errorf("%s: err = %v, want *APIError", name, err)
	}
}

// TestLenientCollectDecoding replays F11 a–g and the edges around them.
func TestLenientCollectDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		want   outcome
		typ    jxlclient.ResultType
		code   int
		finish bool
	}{
		{"a number", `{"success":true,"data":{"type":"CONTROL","process_code":10002,` +
			`"content":"短信验证码已发送","finish":false}}`, wantOK, "CONTROL", 10002, false},
		{"b string", `{"success":true,"data":{"type":"CONTROL","process_code":"10002",` +
			`"finish":false}}`, wantOK, "CONTROL", 10002, false},
		{"c float", `{"success":true,"data":{"type":"CONTROL","process_code":10002.0}}`,
			wantOK, "CONTROL", 10002, false},
		{"d null", `{"success":true,"data":{"type":"CONTROL","process_code":null}}`,
			wantDecodeErr, "", 0, false},
		{"d missing", `{"success":true,"data":{"type":"CONTROL","finish":true}}`,
			wantDecodeErr, "", 0, false},
		{"e finish string", `{"success":true,"data":{"type":"CONTROL","process_code":10008,` +
			`"finish":"false"}}`, wantOK, "CONTROL", 10008, false},
		{"e finish TRUE", `{"success":true,"data":{"type":"CONTROL","process_code":10008,` +
			`"finish":"TRUE"}}`, wantOK, "CONTROL", 10008, true},
		{"f unknown code", `{"success":true,"data":{"type":"CONTROL","process_code":10099}}`,
			wantOK, "CONTROL", 10099, false},
		{"g success string", `{"success":"true","data":{"type":"CONTROL","process_code":10002}}`,
			wantOK, "CONTROL", 10002, false},
		{"running no code", `{"success":true,"data":{"type":"RUNNING","content":"采集中",` +
			`"finish":false}}`, wantOK, "RUNNING", 0, false},
		{"error no code", `{"success":true,"data":{"type":"ERROR","content":"x"}}`,
			wantOK, "ERROR", 0, false},
		{"finish number", `{"success":true,"data":{"type":"CONTROL","process_code":1,"finish":1}}`,
			wantDecodeErr, "", 0, false},
		{"success yes", `{"success":"yes","data":{}}`, wantDecodeErr, "", 0, false},
		{"no success", `{"data":{"type":"CONTROL","process_code":10002}}`,
			wantDecodeErr, "", 0, false},
		{"code letters", `{"success":true,"data":{"type":"CONTROL","process_code":"abc"}}`,
			wantDecodeErr, "", 0, false},
		{"code fraction", `{"success":true,"data":{"type":"CONTROL","process_code":10002.5}}`,
			wantDecodeErr, "", 0, false},
		{"unknown type", `{"success":true,"data":{"type":"DONE","process_code":10008}}`,
			wantDecodeErr, "", 0, false},
		{"no data", `{"success":true}`, wantDecodeErr, "", 0, false},
		{"null data", `{"success":true,"data":null}`, wantDecodeErr, "", 0, false},
		{"refused", `{"success":false,"message":"token无效"}`, wantAPIErr, "", 0, false},
		{"refused string", `{"success":"false","message":"token无效","data":null}`,
			wantAPIErr, "", 0, false},
		{"trailing garbage", `{"success":true,"data":{"type":"RUNNING"}} x`,
			wantDecodeErr, "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(t, fixed(t, 200, jsonCT, []byte(tt.body)), jxlclient.Config{})
			res, err := c.Collect(t.Context(), dummyReq)
			checkOutcome(t, tt.name, err, tt.want)
			if tt.want != wantOK {
				if res != nil {
					t.Errorf("result = %+v, want nil with an error", res)
				}
				return
			}
			if res == nil || res.Type != tt.typ || res.ProcessCode != tt.code ||
				res.Finish != tt.finish {
				t.Errorf("got %+v, want %s %d finish=%t", res, tt.typ, tt.code, tt.finish)
			}
		})
	}
}

func TestNextDatasourceLenient(t *testing.T) {
	t.Parallel()
	body := `{"success":true,"data":{"type":"CONTROL","content":"开始采集行为数据",` +
		`"process_code":10008,"finish":false,"next_datasource":{"id":"x","website":"jingdong",` +
		`"name":"京东","category":"e_business","status":"1","website_code":4,"sms_required":0,` +
		`"create_time":{"year":2014}}}}`
	c := newClient(t, fixed(t, 200, jsonCT, []byte(body)), jxlclient.Config{})
	res, err := c.Collect(t.Context(), dummyReq)
	if err != nil {
		t.Fatal(err)
	}
	nd := res.NextDatasource
	if nd == nil || nd.Website != "jingdong" || nd.Status != 1 || nd.WebsiteCode != 4 ||
		res.Finish {
		t.Errorf("next_datasource = %+v finish=%t, want jingdong status 1 code 4", nd, res.Finish)
	}
}

func TestLegacyAcceptShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want outcome
		typ  jxlclient.ResultType
	}{
		{"running", `{"success":true,"data":{"type":"RUNNING","process_code":0}}`,
			wantOK, "RUNNING"},
		{"empty object", `{"success":true,"data":{}}`, wantOK, "RUNNING"},
		{"string data", `{"success":true,"data":"accepted"}`, wantOK, "RUNNING"},
		{"error at once", `{"success":true,"data":{"type":"ERROR","content":"x"}}`,
			wantOK, "ERROR"},
		{"control at once", `{"success":true,"data":{"type":"CONTROL","process_code":10003}}`,
			wantOK, "CONTROL"},
		{"null data", `{"success":true,"data":null}`, wantDecodeErr, ""},
		{"refused", `{"success":false,"message":"token无效"}`, wantAPIErr, ""},
	}
	for _, tt := range tests {
		c := newClient(t, fixed(t, 200, jsonCT, []byte(tt.body)),
			jxlclient.Config{Mode: jxlclient.ModeLegacy})
		res, err := c.Collect(t.Context(), dummyReq)
		checkOutcome(t, tt.name, err, tt.want)
		if tt.want == wantOK && (res == nil || res.Type != tt.typ) {
			t.Errorf("%s: got %+v, want type %s", tt.name, res, tt.typ)
		}
	}
}

func TestApplyV3Decoding(t *testing.T) {
	t.Parallel()
	okData := `"data":{"token":"11111111111111111111111111111111","cell_phone_num":"13800000000",` +
		`"datasource":{"website":"chinamobilegd","status":1}}`
	tests := []struct {
		name string
		body string
		want outcome
		code int
	}{
		{"code number", `{"success":true,"code":65557,"message":"ok",` + okData + `}`, wantOK, 0},
		{"code string", `{"success":"true","code":"65557",` + okData + `}`, wantOK, 0},
		{"no code", `{"success":true,` + okData + `}`, wantDecodeErr, 0},
		{"other code", `{"success":true,"code":65555,"message":"运营商正在维护",` + okData + `}`,
			wantAPIErr, 65555},
		{"refused", `{"success":false,"code":"65545","message":"联系人手机号码不合法"}`,
			wantAPIErr, 65545},
		{"no token", `{"success":true,"code":65557,"data":{"token":""}}`, wantDecodeErr, 0},
	}
	for _, tt := range tests {
		c := newClient(t, fixed(t, 200, jsonCT, []byte(tt.body)), jxlclient.Config{ApplyV3: true})
		_, err := c.Apply(t.Context(), applicant())
		checkOutcome(t, tt.name, err, tt.want)
		var ae *jxlclient.APIError
		if errors.As(err, &ae) && ae.Code != tt.code {
			t.Errorf("%s: code %d, want %d", tt.name, ae.Code, tt.code)
		}
	}
}

func TestCharsets(t *testing.T) {
	t.Parallel()
	utf := `{"success":true,"data":{"type":"CONTROL","process_code":10003,` +
		`"content":"服务密码错误,请重新输入"}}`
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(utf))
	if err != nil {
		t.Fatal(err)
	}
	gb18030, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(utf))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ctype string
		body        []byte
	}{
		{"utf-8", jsonCT, []byte(utf)},
		{"declared gbk", "application/json;charset=GBK", gbk},
		{"declared gb2312", "application/json; charset=gb2312", gbk},
		{"declared gb18030", "application/json; charset=GB18030", gb18030},
		{"undeclared gbk", "application/json", gbk},
		{"gbk declared utf-8", jsonCT, gbk},
		{"bom", jsonCT, append([]byte("\xef\xbb\xbf"), utf...)},
	}
	for _, tt := range tests {
		c := newClient(t, fixed(t, 200, tt.ctype, tt.body), jxlclient.Config{})
		res, err := c.Collect(t.Context(), dummyReq)
		if err != nil || res.Content != "服务密码错误,请重新输入" {
			t.Errorf("%s: got %+v, %v; want the Chinese content", tt.name, res, err)
		}
	}
}

func TestSimulatorGBKAndStringCodes(t *testing.T) {
	t.Parallel()
	faults := []jxlsim.Faults{{GBK: true}, {StringCodes: true}, {GBK: true, StringCodes: true}}
	for _, f := range faults {
		sim, base := newSim(t, jxlsim.Config{})
		sim.SetFaults(f)
		c := newClient(t, base, jxlclient.Config{ApplyV3: true})
		app := mustApply(t, c)
		res, _ := run(t, c, pwReq(app, "pass_good"))
		req := pwReq(app, "pass_good")
		req.Type, req.Captcha = jxlclient.TypeCaptcha, "123456"
		done, _ := run(t, c, req)
		if res.ProcessCode != 10002 || res.Content != "短信验证码已发送,请输入短信验证码" ||
			done.ProcessCode != 10008 || !done.Finish {
			t.Errorf("faults %+v: got %+v then %+v, want 10002 then 10008 finish", f, res, done)
		}
	}
}
