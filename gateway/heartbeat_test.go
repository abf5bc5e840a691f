package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/session"
)

// TestHeartbeatJSONPing: browsers cannot send ping frames, so a JSON ping gets an ephemeral pong
// carrying its id and the order's latest seq, and the socket stays open.
func TestHeartbeatJSONPing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{ticker: newHandTicker().factory})
	p := e.connectPeer(e.createOrder(), "")
	for i := range 3 {
		id := fmt.Sprintf("hb%d", i)
		p.send(map[string]any{"type": "ping", "id": id})
		ev := p.next()
		if ev.Type != session.EventPong || ev.ID != id || !ev.Ephemeral || ev.Seq != 0 {
			t.Fatalf("ping %s: got %+v, want an ephemeral pong with id %s at seq 0", id, ev, id)
		}
	}
	if ev := func() session.Event { p.send(pw("pass_good")); return p.until() }(); ev.Type !=
		session.EventPromptSMS {
		t.Fatalf("after pings: %+v, want prompt_sms", ev)
	}
}

// TestHeartbeatWheelPingsOncePerTurn adds sockets at different points of the wheel and drives
// it by hand: each socket is pinged exactly once per turn, one full turn after it was added, and
// sockets that answer their pings are kept.
func TestHeartbeatWheelPingsOncePerTurn(t *testing.T) {
	t.Parallel()
	hand := newHandTicker()
	e := newEnv(t, envOptions{ticker: hand.factory, pongTimeout: 2 * time.Second})
	slots := hand.slots(t)
	if slots < 8 {
		t.Fatalf("the wheel has %d slots; this test wants at least 8", slots)
	}

	// Six sockets, added three ticks apart: tick n pings the sockets added at tick a with
	// n > a and (n-a) a multiple of slots.
	const apart = 3
	var (
		peers []tPeer
		added []int
		ticks int
	)
	for range 6 {
		peers = append(peers, e.connectPeer(e.createOrder(), ""))
		added = append(added, ticks)
		for range apart {
			hand.tick(t)
			ticks++
		}
	}
	want := func(i, n int) int64 { // pings socket i has had once tick n is done
		if n <= added[i] {
			return 0
		}
		return int64((n - added[i]) / slots)
	}

	last := added[len(added)-1] + 2*slots
	if (last+1-added[0])%slots == 0 {
		t.Fatal("test setup: the barrier tick would ping a socket")
	}
	for ticks < last {
		hand.tick(t)
		ticks++
		for i, p := range peers {
			w := want(i, ticks)
			if got := p.pings.Load(); got > w {
				t.Fatalf("after tick %d socket %d (added at tick %d) had %d pings, want %d",
					ticks, i, added[i], got, w)
			}
			if w > want(i, ticks-1) {
				waitPings(t, p, w, fmt.Sprintf("socket %d at tick %d", i, ticks))
			}
		}
	}
	// Barrier: one more tick (whose slot is empty) means tick `last` is done; a JSON ping round
	// trip then comes after any ping frame it queued.
	hand.tick(t)
	for i, p := range peers {
		p.pong(fmt.Sprintf("barrier%d", i))
		if got := p.pings.Load(); got != 2 {
			t.Fatalf("socket %d: %d pings over two turns, want 2", i, got)
		}
		if p.ended() {
			t.Fatalf("socket %d ended: %v", i, p.err)
		}
	}
	if got := e.logLines("dropping unresponsive socket"); len(got) != 0 {
		t.Fatalf("sockets that answer pings were dropped: %q", got)
	}
}

// waitPings waits until p has received n pings.
func waitPings(t *testing.T, p tPeer, n int64, what string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for p.pings.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d pings, want %d", what, p.pings.Load(), n)
		}
		poll()
	}
}

// TestHeartbeatDropsSilentPeer: a peer that reads but never answers ping frames is dropped one
// pong timeout after its ping, with 1013 "unresponsive" on the gateway's side, while a peer
// that answers is kept; the dropped order resumes.
func TestHeartbeatDropsSilentPeer(t *testing.T) {
	t.Parallel()
	const pongTimeout = 500 * time.Millisecond
	hand := newHandTicker()
	e := newEnv(t, envOptions{ticker: hand.factory, pongTimeout: pongTimeout})

	good := e.connectPeer(e.createOrder(), "")
	o := e.createOrder()
	silent := e.connectPeer(o, "")
	silent.silent.Store(true)

	// Both sockets were added before the first tick, so the last tick of the turn pings them.
	slots := hand.slots(t)
	for range slots - 1 {
		hand.tick(t)
	}
	hand.tick(t)
	pinged := time.Now()
	line := e.waitLog(pongTimeout+wait, socketClosedParts(o.OrderID)...)
	took := time.Since(pinged)
	t.Logf("silent peer dropped %v after its ping (pong timeout %v)", took, pongTimeout)
	if want := "code=1013 reason=unresponsive"; !strings.Contains(line, want) {
		t.Fatalf("close log %q, want %q", line, want)
	}
	if took < pongTimeout {
		t.Fatalf("dropped %v after the ping, before the pong timeout %v", took, pongTimeout)
	}
	if took > pongTimeout+2*time.Second {
		t.Fatalf("dropped %v after the ping, want within the pong timeout %v (+2s)", took,
			pongTimeout)
	}
	if code := silent.closed(); code != -1 {
		t.Fatalf("silent peer's close = %d, want none (dropped without a handshake)", code)
	}
	if silent.pings.Load() != 1 || good.pings.Load() != 1 {
		t.Fatalf("pings: silent %d, good %d; want 1 each", silent.pings.Load(), good.pings.Load())
	}
	good.pong("still-there")

	// The order itself is untouched: a resume carries on.
	p := e.peerAt(e.wsURL(o, o.Ticket, "since=0"))
	p.send(pw("pass_good"))
	if ev := p.until(); ev.Type != session.EventPromptSMS {
		t.Fatalf("after resume: %+v, want prompt_sms", ev)
	}
	p.send(sms("123456"))
	if ev := p.until(); ev.Type != session.EventFinish {
		t.Fatalf("after resume: %+v, want finish", ev)
	}
	if code := p.closed(); code != websocket.StatusNormalClosure {
		t.Fatalf("close = %d, want 1000", code)
	}
}

// TestHeartbeatPeerGoneDuringPing: the app disappears (its TCP connection closes) while the
// gateway's ping waits for its pong. The socket's handler must end at once, not when the pong
// timeout runs out: the pong could only have come through the read loop, which is over.
func TestHeartbeatPeerGoneDuringPing(t *testing.T) {
	t.Parallel()
	const pongTimeout = 10 * time.Second
	hand := newHandTicker()
	e := newEnv(t, envOptions{ticker: hand.factory, pongTimeout: pongTimeout})
	o := e.createOrder()
	p := e.connectPeer(o, "")
	p.silent.Store(true)
	hand.turn(t)
	waitPings(t, p, 1, "the silent peer")

	gone := time.Now()
	p.stop()
	e.waitLog(5*time.Second, socketClosedParts(o.OrderID)...)
	took := time.Since(gone)
	t.Logf("handler ended %v after the peer left with a ping in flight", took)
	if took >= 3*time.Second {
		t.Fatalf("handler ended %v after the peer left, want at once (pong timeout %v)", took,
			pongTimeout)
	}
}
