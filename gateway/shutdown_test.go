package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

// recorder is a session.Subscriber that keeps what it is given: a way to read an order's log
// straight from the Manager.
type recorder struct {
	mu     sync.Mutex
	events []session.Event
}

func (r *recorder) Deliver(ev session.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recorder) Kick(session.KickReason) {}

// orderLog returns the logged events of order id, read through the Manager.
func (e *env) orderLog(id string) []session.Event {
	e.t.Helper()
	ctx, cancel := testCtx()
	defer cancel()
	r := &recorder{}
	detach, err := e.sessions.Attach(ctx, id, 0, r)
	if err != nil {
		e.t.Fatalf("attach to %s: %v", id, err)
	}
	detach()
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// TestF09GracefulShutdown: sockets at every step (waiting for the password, waiting for the
// SMS code, waiting on JXL) when the gateway shuts down. Every app gets a reconnect event with
// a retryAfterMs within [0, RestartJitter], spread out, then close 1012 — never a close without
// a frame (1006). New sockets are refused with 1012. The JXL calls in flight are drained by
// sessions.Shutdown and their answers are in the orders' logs. No goroutine is left.
//
// Not parallel: it counts goroutines.
func TestF09GracefulShutdown(t *testing.T) {
	const (
		perStep = 15
		jitter  = 2 * time.Second
		latency = time.Second // how long the in-flight JXL calls take
	)
	e := newEnv(t, envOptions{ticker: newHandTicker().factory,
		limits: func(c *gateway.Config) { c.RestartJitter = jitter }})
	ords := e.createOrders(3 * perStep)
	base := e.baseline()

	type sock struct {
		o    order
		p    tPeer
		step string
	}
	var socks []sock
	for i, o := range ords {
		s := sock{o: o, p: e.connectPeer(o, "")}
		switch i / perStep {
		case 0:
			s.step = "await_password"
		case 1:
			s.step = "await_sms"
			s.p.send(pw("pass_good"))
			if ev := s.p.until(); ev.Type != session.EventPromptSMS {
				t.Fatalf("got %+v, want prompt_sms", ev)
			}
		case 2:
			if i == 2*perStep {
				e.sim.SetFaults(jxlsim.Faults{Latency: latency, Paths: []string{"collect/req"}})
			}
			s.step = "verifying"
			s.p.send(pw("pass_good"))
			if ev := s.p.next(); ev.Type != session.EventProgress {
				t.Fatalf("got %+v, want progress", ev)
			}
		}
		socks = append(socks, s)
	}
	submitted := time.Now()

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.gw.Shutdown(ctx); err != nil {
		t.Fatalf("gw.Shutdown: %v", err)
	}
	shut := time.Since(submitted)
	answeredEarly := len(e.logLines(`msg="upstream answered"`, "step=password"))
	// perStep password steps answered before the faults; the in-flight ones must not have yet.
	if answeredEarly != perStep {
		t.Fatalf("%d password steps answered by the time gw.Shutdown returned (%v), want %d: "+
			"the in-flight calls (%v each) should still be running", answeredEarly, shut,
			perStep, latency)
	}

	var hints []int64
	for _, s := range socks {
		code := s.p.closed()
		if code != websocket.StatusServiceRestart {
			t.Fatalf("%s socket: close %d, want 1012", s.step, code)
		}
		last := s.p.seen[len(s.p.seen)-1]
		if last.Type != session.EventReconnect || !last.Ephemeral {
			t.Fatalf("%s socket: last frame %+v, want an ephemeral reconnect", s.step, last)
		}
		if last.RetryAfterMs < 0 || last.RetryAfterMs > jitter.Milliseconds() {
			t.Fatalf("%s socket: retryAfterMs %d, want within [0, %d]", s.step,
				last.RetryAfterMs, jitter.Milliseconds())
		}
		if want := s.p.maxSeq(); last.Seq != want {
			t.Fatalf("%s socket: reconnect at seq %d, want the latest seq %d", s.step, last.Seq,
				want)
		}
		hints = append(hints, last.RetryAfterMs)
	}
	slices.Sort(hints)
	distinct := len(slices.Compact(slices.Clone(hints)))
	spread := time.Duration(hints[len(hints)-1]-hints[0]) * time.Millisecond
	t.Logf("gw.Shutdown took %v for %d sockets; retryAfterMs from %d to %d, %d distinct",
		shut, len(socks), hints[0], hints[len(hints)-1], distinct)
	if distinct < len(hints)/2 || spread < jitter/2 {
		t.Fatalf("retryAfterMs %v: want them spread over [0, %v]", hints, jitter)
	}

	// A new socket after shutdown is refused with 1012 right away.
	late := e.peerAt(e.wsURL(ords[0], ords[0].Ticket, "since=0"))
	if code := late.closed(); code != websocket.StatusServiceRestart {
		t.Fatalf("socket after shutdown: close %d, want 1012", code)
	}

	// The JXL calls in flight finish and are logged.
	if err := e.sessions.Shutdown(ctx); err != nil {
		t.Fatalf("sessions.Shutdown: %v", err)
	}
	for _, s := range socks {
		if s.step != "verifying" {
			continue
		}
		log := e.orderLog(s.o.OrderID)
		var types []string
		for _, ev := range log {
			types = append(types, fmt.Sprintf("%s@%d", ev.Type, ev.Seq))
		}
		if len(log) != 2 || log[1].Type != session.EventPromptSMS || log[1].Seq != 2 {
			t.Fatalf("log of an order verifying at shutdown: %v, want progress@1 prompt_sms@2",
				types)
		}
	}

	for _, s := range socks {
		s.p.stop()
	}
	late.stop()
	e.backTo(base)
}

// TestF09ShutdownAbandonsHungCall: a JXL call that does not end within the drain timeout is
// abandoned, and the order gets a retryable error in its log (state back to the one before the
// submission), so a resumed app can try again.
func TestF09ShutdownAbandonsHungCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{ticker: newHandTicker().factory})
	o := e.createOrder()
	p := e.connectPeer(o, "")
	e.sim.SetFaults(jxlsim.Faults{Hang: true, Paths: []string{"collect/req"}})
	p.send(pw("pass_good"))
	if ev := p.next(); ev.Type != session.EventProgress {
		t.Fatalf("got %+v, want progress", ev)
	}

	ctx, cancel := testCtx()
	defer cancel()
	if err := e.gw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if code := p.closed(); code != websocket.StatusServiceRestart {
		t.Fatalf("close %d, want 1012", code)
	}
	drain, cancelDrain := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelDrain()
	if err := e.sessions.Shutdown(drain); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("sessions.Shutdown with a hung call: %v, want the drain deadline", err)
	}
	log := e.orderLog(o.OrderID)
	if len(log) != 2 {
		t.Fatalf("log %+v, want progress and an error", log)
	}
	ev := log[1]
	if ev.Type != session.EventError || ev.Code != session.CodeUpstreamUnavailable ||
		ev.Retryable == nil || !*ev.Retryable || ev.State != session.StateAwaitPassword {
		t.Fatalf("abandoned call logged %+v, want a retryable upstream_unavailable in "+
			"await_password", ev)
	}
}
