package gateway_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

// walk runs pass_good to finish on one socket and returns its logged events.
func walk(t *testing.T, e *env, o order) []session.Event {
	t.Helper()
	cl := e.connect(o)
	cl.password("pass_good")
	cl.sms("123456")
	cl.closed()
	var logged []session.Event
	for _, ev := range cl.events {
		if !ev.Ephemeral && ev.Type != session.EventState {
			logged = append(logged, ev)
		}
	}
	return logged
}

func TestResumeReplaysExactlyAfterSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	logged := walk(t, e, o)
	if len(logged) < 4 {
		t.Fatalf("logged %d events, want at least 4", len(logged))
	}

	for since := int64(0); since <= int64(len(logged)); since++ {
		cl := e.dial(o, fmt.Sprintf("since=%d", since))
		if got := cl.closed(); got != websocket.StatusNormalClosure {
			t.Fatalf("since=%d: close %d, want 1000 (the order is finished)", since, got)
		}
		want := logged[since:]
		if since == int64(len(logged)) {
			// Nothing to replay, but the app learns the order is over.
			want = []session.Event{{Type: session.EventState, Seq: since}}
		}
		if len(cl.events) != len(want) {
			t.Fatalf("since=%d: got %d events, want %d", since, len(cl.events), len(want))
		}
		for i := range want {
			if cl.events[i].Seq != want[i].Seq || cl.events[i].Type != want[i].Type {
				t.Fatalf("since=%d: event %d = %s/%d, want %s/%d", since, i,
					cl.events[i].Type, cl.events[i].Seq, want[i].Type, want[i].Seq)
			}
		}
	}
	if got := e.sim.Stats().Submits; got[jxlsim.KindPassword] != 1 || got[jxlsim.KindSMS] != 1 {
		t.Fatalf("submits after resumes = %v, want one password and one sms", got)
	}
}

func TestSnapshotAndResync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{logSize: 2})
	o := e.createOrder()
	logged := walk(t, e, o)
	last := logged[len(logged)-1].Seq

	cases := []struct {
		query  string
		resync bool
		reason string
	}{
		{"", false, ""},
		{fmt.Sprintf("since=%d", last+5), true, "since_ahead"},
		{"since=0", true, "gap"},
	}
	for _, c := range cases {
		cl := e.dial(o, c.query)
		ev := cl.next()
		if ev.Type != session.EventState || ev.Seq != last || ev.State != session.StateFinished {
			t.Fatalf("%q: got %+v, want a state snapshot at seq %d", c.query, ev, last)
		}
		if ev.Resync != c.resync || ev.Reason != c.reason {
			t.Fatalf("%q: resync %v %q, want %v %q", c.query, ev.Resync, ev.Reason, c.resync,
				c.reason)
		}
		if ev.Expect == nil || *ev.Expect != "" {
			t.Fatalf("%q: expect %v, want \"\" for a finished order", c.query, ev.Expect)
		}
		cl.closed()
	}
}

// TestFlowOutlivesSocket drops the socket while JXL is working: the answer lands in the log and
// the resumed socket gets it, with no second submission.
func TestFlowOutlivesSocket(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	cl := e.connect(o)
	e.sim.SetFaults(jxlsim.Faults{Latency: 300 * time.Millisecond})
	cl.send(pw("pass_good"))
	progress := cl.next()
	if progress.Type != session.EventProgress {
		t.Fatalf("got %+v, want progress", progress)
	}
	cl.c.CloseNow()

	cl = e.dial(o, fmt.Sprintf("since=%d", progress.Seq))
	if ev := cl.until(); ev.Type != session.EventPromptSMS || ev.Seq != progress.Seq+1 {
		t.Fatalf("after resume: %+v, want prompt_sms at seq %d", ev, progress.Seq+1)
	}
	if got := e.sim.Stats().Submits[jxlsim.KindPassword]; got != 1 {
		t.Fatalf("password submits = %d, want 1", got)
	}
}

func TestNewestSocketWins(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	first := e.connect(o)
	second := e.connect(o)
	if got := first.closed(); got != 4001 {
		t.Fatalf("older socket closed with %d, want 4001", got)
	}
	if ev := second.password("pass_good"); ev.Type != session.EventPromptSMS {
		t.Fatalf("newer socket: %+v, want prompt_sms", ev)
	}
	for _, ev := range first.events {
		if ev.Type == session.EventPromptSMS || ev.Type == session.EventProgress {
			t.Fatalf("the replaced socket got %s", ev.Type)
		}
	}
}

func TestExpiredOrder(t *testing.T) {
	t.Parallel()
	var now atomicTime
	now.set(time.Now())
	e := newEnv(t, envOptions{now: now.get, orderTTL: time.Minute})
	o := e.createOrder()
	cl := e.connect(o)
	now.set(now.get().Add(2 * time.Minute))
	e.sessions.Sweep(t.Context())

	ev := cl.next()
	if ev.Type != session.EventError || ev.Code != session.CodeSessionExpired ||
		ev.State != session.StateFailed {
		t.Fatalf("open socket at expiry: %+v, want session_expired in failed", ev)
	}
	if got := cl.closed(); got != 4004 {
		t.Fatalf("close at expiry = %d, want 4004", got)
	}

	cl = e.dial(o, "")
	if ev := cl.next(); ev.Code != session.CodeSessionExpired {
		t.Fatalf("new socket for an expired order: %+v, want session_expired", ev)
	}
	if got := cl.closed(); got != 4004 {
		t.Fatalf("close = %d, want 4004", got)
	}
}

// TestReplacedReasonNamesTheNewerConn: an app that names its dials (conn=…) learns which one
// replaced it, so it can tell its own abandoned dial from another device.
func TestReplacedReasonNamesTheNewerConn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	first := e.dial(o, "conn=app1-a")
	first.next()
	e.dial(o, "conn=app1-b").next()
	_, err := first.read()
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "replaced:app1-b" {
		t.Fatalf("older socket ended with %v, want 4001 replaced:app1-b", err)
	}
}
