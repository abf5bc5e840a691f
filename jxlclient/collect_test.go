package jxlclient_test

import (
	"testing"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

// run submits req with Collect and Polls while the answer is RUNNING, as
// the session layer does. It returns the result and the RUNNING count.
func run(t *testing.T, c *jxlclient.Client, req jxlclient.CollectRequest,
) (*jxlclient.CollectResult, int) {
	t.Helper()
	res, err := c.Collect(t.Context(), req)
	for n := 0; ; n++ {
		if err != nil {
			t.Fatalf("step %v: %v", req, err)
		}
		if res.Type != jxlclient.ResultRunning {
			return res, n
		}
		if n == 20 {
			t.Fatalf("step %v: still RUNNING after 20 polls", req)
		}
		res, err = c.Poll(t.Context(), req)
	}
}

type step struct {
	typ, value string // request type and password / captcha / query password
	want       jxlclient.ResultType
	code       int
	finish     bool
	next       string // req_msg_tpl.type
}

func (s step) request(app *jxlclient.Application) jxlclient.CollectRequest {
	req := pwReq(app, "pass_good")
	req.Type = s.typ
	switch s.typ {
	case jxlclient.TypePassword:
		req.Password = s.value
	case jxlclient.TypeCaptcha:
		req.Captcha = s.value
	case jxlclient.TypeQueryPwd:
		req.QueryPwd = s.value
	}
	return req
}

const (
	ctl = jxlclient.ResultControl
	er  = jxlclient.ResultError
	pw  = jxlclient.TypePassword
	sms = jxlclient.TypeCaptcha
	qp  = jxlclient.TypeQueryPwd
	rs  = jxlclient.TypeResend
	tpS = jxlclient.TypeCaptcha
	tpQ = jxlclient.TypeQueryPwd
)

var flows = []struct {
	name  string
	steps []step
}{
	{"pass_good", []step{
		{pw, "pass_good", ctl, jxlclient.CodeSMSSent, false, tpS},
		{sms, "000000", ctl, jxlclient.CodeWrongSMS, false, tpS},
		{rs, "", ctl, jxlclient.CodeSMSSent, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeCollecting, true, ""},
		{sms, "123456", er, jxlclient.CodeTimeout, false, ""},
	}},
	{"pass_bad", []step{
		{pw, "pass_bad", ctl, jxlclient.CodeWrongPassword, false, ""},
		{pw, "pass_good", ctl, jxlclient.CodeSMSSent, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeCollecting, true, ""},
	}},
	{"pass_query", []step{
		{pw, "pass_query", ctl, jxlclient.CodeQueryPassword, false, tpQ},
		{qp, "wrong", ctl, jxlclient.CodeWrongQueryPassword, false, tpQ},
		{qp, "query_good", ctl, jxlclient.CodeSMSSent, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeCollecting, true, ""},
	}},
	{"pass_twosms", []step{
		{pw, "pass_twosms", ctl, jxlclient.CodeSMSSent, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeSecondSMS, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeCollecting, true, ""},
	}},
	{"pass_expire", []step{
		{pw, "pass_expire", ctl, jxlclient.CodeSMSSent, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeSMSExpired, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeCollecting, true, ""},
	}},
	{"pass_slow", []step{
		{pw, "pass_slow", ctl, jxlclient.CodeSMSSent, false, tpS},
		{sms, "123456", ctl, jxlclient.CodeCollecting, true, ""},
	}},
	{"pass_simple", []step{{pw, "pass_simple", ctl, jxlclient.CodeSimplePassword, false, ""}}},
	{"pass_limit", []step{{pw, "pass_limit", ctl, jxlclient.CodeCarrierError, false, ""}}},
	{"pass_error", []step{
		{pw, "pass_error", er, 0, false, ""},
		{pw, "pass_good", er, 0, false, ""},
	}},
	{"unknown", []step{{pw, "letmein", ctl, jxlclient.CodeWrongPassword, false, ""}}},
}

func TestFlows(t *testing.T) {
	t.Parallel()
	for _, mode := range []jxlclient.Mode{jxlclient.ModeV2, jxlclient.ModeLegacy} {
		for _, f := range flows {
			t.Run(mode.String()+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				sim, base := newSim(t, jxlsim.Config{})
				c := newClient(t, base, jxlclient.Config{Mode: mode})
				app := mustApply(t, c)
				for i, s := range f.steps {
					res, _ := run(t, c, s.request(app))
					checkResult(t, i, res, s)
				}
				if st := sim.Stats(); st.Concurrent != 0 {
					t.Errorf("concurrent = %d, want 0", st.Concurrent)
				}
			})
		}
	}
}

func checkResult(t *testing.T, i int, res *jxlclient.CollectResult, s step) {
	t.Helper()
	if res.Type != s.want || res.ProcessCode != s.code || res.Finish != s.finish {
		t.Errorf("step %d (%q %q): got %s %d finish=%t, want %s %d finish=%t", i, s.typ, s.value,
			res.Type, res.ProcessCode, res.Finish, s.want, s.code, s.finish)
	}
	if res.Content == "" {
		t.Errorf("step %d: empty content", i)
	}
	var next string
	if res.ReqMsgTpl != nil {
		next = res.ReqMsgTpl.Type
	}
	if next != s.next {
		t.Errorf("step %d: req_msg_tpl.type = %q, want %q", i, next, s.next)
	}
}

func TestSlowCountsOneSubmit(t *testing.T) {
	t.Parallel()
	for _, mode := range []jxlclient.Mode{jxlclient.ModeV2, jxlclient.ModeLegacy} {
		sim, base := newSim(t, jxlsim.Config{SlowRunning: 3, LegacyPolls: 2})
		c := newClient(t, base, jxlclient.Config{Mode: mode})
		app := mustApply(t, c)

		res, runs := run(t, c, pwReq(app, "pass_slow"))
		st := sim.Stats()
		wantRuns, wantReissues, wantPolls := 3, 3, 0
		if mode == jxlclient.ModeLegacy {
			// The accept answers RUNNING too, then 5 RUNNING polls.
			wantRuns, wantReissues, wantPolls = 6, 0, 6
		}
		if res.ProcessCode != jxlclient.CodeSMSSent || runs != wantRuns {
			t.Errorf("%s: code %d after %d RUNNING, want 10002 after %d",
				mode, res.ProcessCode, runs, wantRuns)
		}
		if st.Submits[jxlsim.KindPassword] != 1 || st.Reissues != wantReissues ||
			st.Polls != wantPolls {
			t.Errorf("%s: stats %+v, want 1 submit, %d reissues, %d polls",
				mode, st, wantReissues, wantPolls)
		}
	}
}

func TestRunningForeverKeepsRunning(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	c := newClient(t, base, jxlclient.Config{})
	app := mustApply(t, c)
	sim.SetFaults(jxlsim.Faults{RunningForever: true})

	req := pwReq(app, "pass_good")
	res, err := c.Collect(t.Context(), req)
	for i := 0; i < 5 && err == nil; i++ {
		if res.Type != jxlclient.ResultRunning || res.Finish {
			t.Fatalf("poll %d: got %s finish=%t, want RUNNING not finished",
				i, res.Type, res.Finish)
		}
		res, err = c.Poll(t.Context(), req)
	}
	if err != nil {
		t.Fatal(err)
	}
}
