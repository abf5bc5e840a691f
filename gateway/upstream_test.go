package gateway_test

import (
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

// TestBreakerOpensAndCloses fails the upstream until the breaker opens, checks a submission is
// then refused at once without reaching JXL, and that the breaker closes after recovery.
func TestBreakerOpensAndCloses(t *testing.T) {
	t.Parallel()
	const openFor = 200 * time.Millisecond
	e := newEnv(t, envOptions{breakerFails: 3, openFor: openFor})
	cl := e.connect(e.createOrder())
	e.sim.SetFaults(jxlsim.Faults{Status: 502, Paths: []string{"collect/req"}})

	for i := 0; i < 3; i++ {
		ev := cl.password("pass_good")
		if ev.Code != session.CodeUpstreamError || !*ev.Retryable ||
			ev.State != session.StateAwaitPassword {
			t.Fatalf("failure %d: %+v, want retryable upstream_error back in await_password", i, ev)
		}
	}
	if got := <-e.breaker; got != "closed>open" {
		t.Fatalf("breaker transition %q, want closed>open", got)
	}

	before := e.sim.Stats().Requests
	ev := cl.password("pass_good")
	if ev.Code != session.CodeUpstreamUnavailable || !*ev.Retryable {
		t.Fatalf("while open: %+v, want retryable upstream_unavailable", ev)
	}
	if after := e.sim.Stats().Requests; after != before {
		t.Fatalf("while open the upstream got %d requests, want 0", after-before)
	}

	e.sim.SetFaults(jxlsim.Faults{})
	waitBreaker(t, e.up, "half-open", openFor)
	if ev := cl.password("pass_good"); ev.Type != session.EventPromptSMS {
		t.Fatalf("after recovery: %+v, want prompt_sms", ev)
	}
	if got := e.up.BreakerState(); got != "closed" {
		t.Fatalf("breaker after a good probe = %s, want closed", got)
	}
}

// waitBreaker polls the breaker until it reaches state; gobreaker moves from open to half-open
// only when asked after its timeout, and has no clock to inject.
func waitBreaker(t *testing.T, up *jxlclient.Client, state string, openFor time.Duration) {
	t.Helper()
	deadline := time.Now().Add(openFor + wait)
	tick := time.NewTicker(openFor / 10)
	defer tick.Stop()
	for up.BreakerState() != state {
		if time.Now().After(deadline) {
			t.Fatalf("breaker stayed %s, want %s", up.BreakerState(), state)
		}
		<-tick.C
	}
}

// TestBusinessAnswersKeepBreakerClosed: wrong passwords are JXL saying no, not JXL failing.
func TestBusinessAnswersKeepBreakerClosed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{breakerFails: 2})
	for i := 0; i < 3; i++ {
		cl := e.connect(e.createOrder())
		for j := 0; j < 3; j++ {
			if ev := cl.password("pass_bad"); ev.Code != session.CodeWrongPassword {
				t.Fatalf("got %+v, want wrong_password", ev)
			}
		}
	}
	if got := e.up.BreakerState(); got != "closed" {
		t.Fatalf("breaker = %s after business answers, want closed", got)
	}
}

// TestUpstreamFaults: every kind of upstream garbage ends in a retryable error event (never a
// finish, never a hang), and the order can carry on once the upstream is healthy.
func TestUpstreamFaults(t *testing.T) {
	t.Parallel()
	faults := map[string]struct {
		f    jxlsim.Faults
		code string
	}{
		"html 500":     {jxlsim.Faults{Status: 500}, session.CodeUpstreamError},
		"html 200":     {jxlsim.Faults{HTMLPage: true}, session.CodeUpstreamError},
		"empty":        {jxlsim.Faults{Empty: true}, session.CodeUpstreamError},
		"invalid json": {jxlsim.Faults{InvalidJSON: true}, session.CodeUpstreamError},
		"hang":         {jxlsim.Faults{Hang: true}, session.CodeUpstreamTimeout},
		"running":      {jxlsim.Faults{RunningForever: true}, session.CodeUpstreamTimeout},
	}
	for name, c := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{breakerFails: 100, collectLimit: 300 * time.Millisecond,
				stepTimeout: 600 * time.Millisecond})
			cl := e.connect(e.createOrder())
			f := c.f
			f.Paths = []string{"collect/req", "collect/resp"}
			e.sim.SetFaults(f)

			ev := cl.password("pass_good")
			if ev.Code != c.code || ev.Retryable == nil || !*ev.Retryable ||
				ev.State != session.StateAwaitPassword {
				t.Fatalf("got %+v, want retryable %s in await_password", ev, c.code)
			}
			e.sim.SetFaults(jxlsim.Faults{})
			if ev := cl.password("pass_good"); ev.Type != session.EventPromptSMS {
				t.Fatalf("after the fault cleared: %+v, want prompt_sms", ev)
			}
		})
	}
}

// TestLenientAnswers: GBK bodies and codes sent as strings decode to the same flow (F11).
func TestLenientAnswers(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]jxlsim.Faults{
		"gbk": {GBK: true}, "string codes": {StringCodes: true},
		"both": {GBK: true, StringCodes: true},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			e.sim.SetFaults(f)
			runScenario(t, e, scenarios["pass_good wrong sms"])
		})
	}
}
