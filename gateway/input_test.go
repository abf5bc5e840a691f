package gateway_test

import (
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

// TestBadInputKeepsSocket sends every kind of unacceptable message: each gets an ephemeral
// bad_request error that does not advance the log, and the socket carries on.
func TestBadInputKeepsSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	cl := e.connect(o)

	frames := map[string]string{
		"not json":          `{not json`,
		"two values":        `{"type":"ping"} {"type":"ping"}`,
		"array":             `[1,2]`,
		"no type":           `{"password":"x"}`,
		"unknown type":      `{"type":"hello"}`,
		"number type":       `{"type":5}`,
		"password missing":  `{"type":"password"}`,
		"password number":   `{"type":"password","password":123456}`,
		"password too long": `{"type":"password","password":"` + strings.Repeat("x", 65) + `"}`,
		"sms wrong state":   `{"type":"sms","code":"123456"}`,
		"resend wrong":      `{"type":"resend_sms"}`,
		"query wrong state": `{"type":"query_password","queryPassword":"x"}`,
	}
	for name, frame := range frames {
		cl.sendRaw([]byte(frame))
		ev := cl.next()
		if ev.Type != session.EventError || ev.Code != session.CodeBadRequest || !ev.Ephemeral {
			t.Fatalf("%s: got %+v, want an ephemeral bad_request error", name, ev)
		}
		if ev.Seq != 0 || ev.State != session.StateAwaitPassword || ev.ProcessInfo == "" {
			t.Fatalf("%s: got seq %d state %s info %q, want seq 0, await_password, a text",
				name, ev.Seq, ev.State, ev.ProcessInfo)
		}
	}

	if ev := cl.password("pass_good"); ev.Type != session.EventPromptSMS {
		t.Fatalf("after bad input: %+v, want prompt_sms", ev)
	}
	if got := e.sim.Stats().Submits[jxlsim.KindPassword]; got != 1 {
		t.Fatalf("upstream saw %d password submits, want 1: bad input must not go upstream", got)
	}
}

// TestSMSCodeMustBeDigits covers F11 on the way in: a code sent as a JSON number, with a letter
// or missing is refused and nothing goes upstream.
func TestSMSCodeMustBeDigits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cl := e.connect(e.createOrder())
	if ev := cl.password("pass_good"); ev.Type != session.EventPromptSMS {
		t.Fatalf("got %+v, want prompt_sms", ev)
	}
	for _, frame := range []string{
		`{"type":"sms","code":12345}`, `{"type":"sms","code":"01234a"}`, `{"type":"sms"}`,
		`{"type":"sms","code":"12"}`,
	} {
		cl.sendRaw([]byte(frame))
		if ev := cl.next(); ev.Code != session.CodeBadRequest {
			t.Fatalf("%s: got %+v, want bad_request", frame, ev)
		}
	}
	if got := e.sim.Stats().Submits[jxlsim.KindSMS]; got != 0 {
		t.Fatalf("upstream saw %d sms submits, want 0", got)
	}
	// A string code keeps its leading zero: 012345 is not the simulator's 123456.
	if ev := cl.sms("012345"); ev.Code != session.CodeWrongSMS {
		t.Fatalf("sms 012345: got %+v, want wrong_sms", ev)
	}
}

func TestAckAndPong(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cl := e.connect(e.createOrder())

	cl.send(map[string]any{"type": "ping", "id": "p1"})
	if ev := cl.next(); ev.Type != session.EventPong || ev.ID != "p1" || !ev.Ephemeral {
		t.Fatalf("got %+v, want an ephemeral pong with id p1", ev)
	}
	cl.send(map[string]any{"type": "password", "password": "pass_good", "id": "m1"})
	if ev := cl.next(); ev.Type != session.EventAck || ev.ID != "m1" {
		t.Fatalf("got %+v, want ack m1 first", ev)
	}
	if ev := cl.next(); ev.Type != session.EventProgress || ev.State != session.StateVerifying {
		t.Fatalf("got %+v, want progress in verifying", ev)
	}
}

// TestBusyAndCancel holds an upstream call open (the simulator hangs), checks that a second
// submission is refused while it runs, and that cancel ends the order at once.
func TestBusyAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cl := e.connect(e.createOrder())
	e.sim.SetFaults(jxlsim.Faults{Hang: true, Paths: []string{"collect/req"}})

	cl.send(pw("pass_good"))
	if ev := cl.next(); ev.Type != session.EventProgress {
		t.Fatalf("got %+v, want progress", ev)
	}
	cl.send(pw("pass_good"))
	if ev := cl.next(); ev.Code != session.CodeBadRequest || ev.State != session.StateVerifying {
		t.Fatalf("second password while verifying: %+v, want bad_request", ev)
	}

	cl.send(map[string]any{"type": "cancel"})
	ev := cl.next()
	if ev.Type != session.EventError || ev.Code != session.CodeCancelled ||
		ev.State != session.StateFailed {
		t.Fatalf("after cancel: %+v, want error cancelled in failed", ev)
	}
	if got := cl.closed(); got != websocket.StatusNormalClosure {
		t.Fatalf("close after cancel = %d, want 1000", got)
	}
}

func TestAttemptsCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cl := e.connect(e.createOrder())
	for i := 0; i < 5; i++ {
		if ev := cl.password("pass_bad"); ev.Code != session.CodeWrongPassword {
			t.Fatalf("attempt %d: %+v, want wrong_password", i+1, ev)
		}
	}
	ev := cl.password("pass_good")
	if ev.Code != session.CodeTooManyAttempts || ev.State != session.StateFailed {
		t.Fatalf("sixth attempt: %+v, want too_many_attempts in failed", ev)
	}
	if got := e.sim.Stats().Submits[jxlsim.KindPassword]; got != 5 {
		t.Fatalf("upstream saw %d password submits, want 5", got)
	}
}

func TestFrameLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()

	cl := e.connect(o)
	cl.send(map[string]any{"type": "ping", "pad": strings.Repeat("x", 12<<10)})
	if ev := cl.next(); ev.Type != session.EventPong {
		t.Fatalf("12 KiB ping: %+v, want pong", ev)
	}
	cl.send(map[string]any{"type": "ping", "pad": strings.Repeat("x", 17<<10)})
	if got := cl.closed(); got != websocket.StatusMessageTooBig {
		t.Fatalf("17 KiB frame: close %d, want 1009", got)
	}

	cl = e.connect(o)
	ctx, cancel := testCtx()
	defer cancel()
	if err := cl.c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if got := cl.closed(); got != websocket.StatusUnsupportedData {
		t.Fatalf("binary frame: close %d, want 1003", got)
	}
}

// TestOutagesDoNotUseAttempts: inputs JXL never judged (errors, timeouts, an open breaker) give
// the attempt back, so an outage cannot end an applicant's order.
func TestOutagesDoNotUseAttempts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{breakerFails: 100})
	cl := e.connect(e.createOrder())
	e.sim.SetFaults(jxlsim.Faults{Status: 502, Paths: []string{"collect/req"}})
	for i := 0; i < 7; i++ {
		if ev := cl.password("pass_good"); ev.Code != session.CodeUpstreamError {
			t.Fatalf("failure %d: %+v, want upstream_error", i+1, ev)
		}
	}
	e.sim.SetFaults(jxlsim.Faults{})
	if ev := cl.password("pass_good"); ev.Type != session.EventPromptSMS {
		t.Fatalf("after the outage: %+v, want prompt_sms", ev)
	}
}

// TestAckDoesNotSkipItsProgress: an ack carries the seq before the event it causes, so an app
// resuming from the highest seq it saw still gets that event.
func TestAckDoesNotSkipItsProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cl := e.connect(e.createOrder())
	cl.send(map[string]any{"type": "password", "password": "pass_good", "id": "m1"})
	ack, progress := cl.next(), cl.next()
	if ack.Type != session.EventAck || progress.Type != session.EventProgress {
		t.Fatalf("got %s then %s, want ack then progress", ack.Type, progress.Type)
	}
	if ack.Seq >= progress.Seq {
		t.Fatalf("ack seq %d, progress seq %d: the ack must carry the seq before", ack.Seq,
			progress.Seq)
	}
}
