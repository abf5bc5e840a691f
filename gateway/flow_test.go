package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

var modes = []struct {
	name string
	mode jxlclient.Mode
}{{"v2", jxlclient.ModeV2}, {"legacy", jxlclient.ModeLegacy}}

// step is one input of a scenario and the event it must produce.
type step struct {
	msg       map[string]any
	event     string
	code      string // error code, for error events
	pcode     int    // processCode, or 0 to skip
	state     session.State
	retryable bool
}

func pw(p string) map[string]any  { return map[string]any{"type": "password", "password": p} }
func sms(c string) map[string]any { return map[string]any{"type": "sms", "code": c} }
func qp(p string) map[string]any {
	return map[string]any{"type": "query_password", "queryPassword": p}
}

// scenarios walk every row of the simulator's table (jxlclient/jxlsim/doc.go).
var scenarios = map[string][]step{
	"pass_good": {
		{msg: pw("pass_good"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
		{msg: sms("123456"), event: "finish", pcode: 10008, state: session.StateFinished},
	},
	"pass_good wrong sms": {
		{msg: pw("pass_good"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
		{msg: sms("000000"), event: "error", code: "wrong_sms", pcode: 10004,
			state: session.StateAwaitSMS, retryable: true},
		{msg: sms("123456"), event: "finish", pcode: 10008, state: session.StateFinished},
	},
	"pass_good resend": {
		{msg: pw("pass_good"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
		{msg: map[string]any{"type": "resend_sms"}, event: "prompt_sms", pcode: 10002,
			state: session.StateAwaitSMS},
		{msg: sms("123456"), event: "finish", pcode: 10008, state: session.StateFinished},
	},
	"pass_bad then good": {
		{msg: pw("pass_bad"), event: "error", code: "wrong_password", pcode: 10003,
			state: session.StateAwaitPassword, retryable: true},
		{msg: pw("pass_good"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
	},
	"pass_query": {
		{msg: pw("pass_query"), event: "prompt_query_password", pcode: 10022,
			state: session.StateAwaitQuery},
		{msg: qp("wrong"), event: "error", code: "wrong_query_password", pcode: 10023,
			state: session.StateAwaitQuery, retryable: true},
		{msg: qp("query_good"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
		{msg: sms("123456"), event: "finish", pcode: 10008, state: session.StateFinished},
	},
	"pass_twosms": {
		{msg: pw("pass_twosms"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
		{msg: sms("123456"), event: "prompt_sms", pcode: 10001, state: session.StateAwaitSMS},
		{msg: sms("123456"), event: "finish", pcode: 10008, state: session.StateFinished},
	},
	"pass_expire": {
		{msg: pw("pass_expire"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
		{msg: sms("111111"), event: "prompt_sms", pcode: 10006, state: session.StateAwaitSMS},
		{msg: sms("123456"), event: "finish", pcode: 10008, state: session.StateFinished},
	},
	"pass_slow": {
		{msg: pw("pass_slow"), event: "prompt_sms", pcode: 10002, state: session.StateAwaitSMS},
		{msg: sms("123456"), event: "finish", pcode: 10008, state: session.StateFinished},
	},
	"pass_simple": {
		{msg: pw("pass_simple"), event: "error", code: "simple_password", pcode: 10007,
			state: session.StateFailed},
	},
	"pass_limit": {
		{msg: pw("pass_limit"), event: "error", code: "carrier_error", pcode: 30000,
			state: session.StateFailed},
	},
	"pass_error": {
		{msg: pw("pass_error"), event: "error", code: "jxl_error", state: session.StateFailed},
	},
}

func TestScenarios(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		e := newEnv(t, envOptions{mode: m.mode})
		for name, steps := range scenarios {
			t.Run(m.name+"/"+name, func(t *testing.T) {
				t.Parallel()
				runScenario(t, e, steps)
			})
		}
	}
}

func runScenario(t *testing.T, e *env, steps []step) {
	o := e.createOrder()
	cl := e.connect(o)
	for i, s := range steps {
		cl.send(s.msg)
		ev := cl.until()
		if err := s.check(ev); err != nil {
			t.Fatalf("step %d (%v): %v; event %+v", i, s.msg["type"], err, ev)
		}
	}
	last := steps[len(steps)-1]
	if last.state.Terminal() {
		if got := cl.closed(); got != websocket.StatusNormalClosure {
			t.Fatalf("close after %s = %d, want 1000", last.state, got)
		}
	}
	checkEnvelope(t, o.OrderID, cl.events)
}

func (s step) check(ev session.Event) error {
	switch {
	case ev.Type != s.event:
		return fmt.Errorf("event %q, want %q", ev.Type, s.event)
	case ev.State != s.state:
		return fmt.Errorf("state %q, want %q", ev.State, s.state)
	case s.code != "" && ev.Code != s.code:
		return fmt.Errorf("code %q, want %q", ev.Code, s.code)
	case s.pcode != 0 && pc(ev) != s.pcode:
		return fmt.Errorf("processCode %d, want %d", pc(ev), s.pcode)
	case ev.ProcessInfo == "":
		return fmt.Errorf("no processInfo")
	case strings.ContainsRune(ev.ProcessInfo, utf8.RuneError):
		return fmt.Errorf("processInfo %q was not decoded", ev.ProcessInfo)
	case ev.Type == "error" && (ev.Retryable == nil || *ev.Retryable != s.retryable):
		return fmt.Errorf("retryable %v, want %v", ev.Retryable, s.retryable)
	}
	return nil
}

// checkEnvelope asserts every event names the order, has a ts, and that logged events have
// strictly increasing seqs while ephemeral ones never run ahead of them.
func checkEnvelope(t *testing.T, orderID string, evs []session.Event) {
	t.Helper()
	var last int64 = -1
	for _, ev := range evs {
		if ev.OrderID != orderID || ev.TS == 0 || ev.State == "" {
			t.Fatalf("event without orderId, ts or state: %+v", ev)
		}
		switch {
		case ev.Ephemeral || ev.Type == session.EventState:
			if ev.Seq < last {
				t.Fatalf("%s seq %d below the last logged %d", ev.Type, ev.Seq, last)
			}
		case ev.Seq != last+1 && last >= 0:
			t.Fatalf("%s seq %d after %d, want %d", ev.Type, ev.Seq, last, last+1)
		}
		last = ev.Seq
	}
}

// TestOneSubmissionPerAction checks the simulator saw exactly one new submission per message,
// however many RUNNING re-asks the slow path took.
func TestOneSubmissionPerAction(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{mode: m.mode})
			runScenario(t, e, scenarios["pass_slow"])
			st := e.sim.Stats()
			if st.Submits[jxlsim.KindPassword] != 1 || st.Submits[jxlsim.KindSMS] != 1 {
				t.Fatalf("submits = %v, want one password and one sms", st.Submits)
			}
			if st.Concurrent != 0 {
				t.Fatalf("simulator refused %d concurrent collects, want 0", st.Concurrent)
			}
			if m.mode == jxlclient.ModeV2 && st.Reissues == 0 {
				t.Fatalf("pass_slow took no re-asks in v2: %+v", st)
			}
		})
	}
}
