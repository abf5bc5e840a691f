package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/session"
)

// smallSendBuffers is a listener whose connections have a small, fixed send buffer, so that a
// peer that stops reading blocks the gateway's writes after a few KiB instead of the megabytes
// Linux would otherwise buffer on loopback.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4 << 10)
	}
	return c, err
}

// TestF07SlowConsumer: app A stops reading (a frozen WebView) while the gateway keeps producing
// events for it (answers to its own JSON pings). A's writer blocks on the full socket; A is
// dropped within the write timeout, with 1013. Meanwhile apps B…K run whole flows and none of
// their steps waits on A.
//
// A's queue is larger than what its socket buffers hold, so the writer blocks on a write (whose
// deadline is WriteTimeout) before the queue overflows; TestF07SlowReaderGets1013 covers the
// overflow.
//
// Not parallel: it measures latencies and counts goroutines.
func TestF07SlowConsumer(t *testing.T) {
	const (
		writeTimeout = 2 * time.Second
		others       = 10
	)
	e := newEnv(t, envOptions{
		ticker: newHandTicker().factory, queueSize: 4096, writeTimeout: writeTimeout,
		limits: func(c *gateway.Config) { c.MsgRate, c.MsgBurst = 1e6, 1e6 },
	})
	slow := httptest.NewUnstartedServer(e.gw.Handler())
	slow.Listener = smallSendBuffers{slow.Listener}
	slow.Start()
	defer slow.Close()

	a := e.createOrder()
	bk := e.createOrders(others)
	base := e.baseline()

	// A's socket has a 4 KiB receive buffer (as in the case's replay), and A never reads.
	tr := &http.Transport{DialContext: (&net.Dialer{
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			if err := rc.Control(func(fd uintptr) { serr = setRcvBuf(fd, 4<<10) }); err != nil {
				return err
			}
			return serr
		},
	}).DialContext}
	defer tr.CloseIdleConnections()
	ctx, cancel := testCtx()
	defer cancel()
	aws, _, err := websocket.Dial(ctx, slowURL(slow, a),
		&websocket.DialOptions{HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	defer aws.CloseNow()

	// A asks for pong after pong and reads none of them.
	sent, flooded := flood(aws, 20000)

	// Wait until A's writer has been blocked on the full socket for a while: short waits for
	// the kernel to move bytes along do not count.
	const held = 100 * time.Millisecond
	deadline := time.Now().Add(wait)
	var since time.Time
	for {
		if countStacks2("gateway.(*conn).writeLoop", "waitWrite") == 0 {
			since = time.Time{}
		} else if since.IsZero() {
			since = time.Now()
		} else if time.Since(since) >= held {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A's writer never stayed blocked after %d pings", sent.Load())
		}
		poll()
	}
	stuck := since

	// B…K run their flows while A's writer is stuck.
	lat := make(chan time.Duration, 4*others)
	errs := make(chan error, others)
	var wg sync.WaitGroup
	for _, o := range bk {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- flow(e, o, lat)
		}()
	}
	wg.Wait()
	othersDone := time.Now()
	close(errs)
	close(lat)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var lats []time.Duration
	for d := range lat {
		lats = append(lats, d)
	}
	slices.Sort(lats)
	p99 := lats[(len(lats)*99+99)/100-1]

	line := e.waitLog(writeTimeout+wait, socketClosedParts(a.OrderID)...)
	dropped := time.Since(stuck)
	<-flooded
	t.Logf("A sent %d pings; its writer blocked, and A was dropped %v later (write timeout "+
		"%v): %s", sent.Load(), dropped, writeTimeout, line[strings.Index(line, "code="):])
	t.Logf("B…K: %d steps, p99 %v, max %v, all done %v after A got stuck", len(lats), p99,
		lats[len(lats)-1], othersDone.Sub(stuck))

	if !strings.Contains(line, "code=1013") {
		t.Fatalf("A's close: %q, want 1013", line)
	}
	// The drop itself is bounded by the write deadline (closeBounded); the margin is for a
	// loaded machine's scheduling, not for the close handshake.
	if dropped > writeTimeout+2*time.Second {
		t.Fatalf("A dropped %v after its writer blocked, want within the write timeout %v "+
			"(+2s)", dropped, writeTimeout)
	}
	if p99 >= time.Second {
		t.Fatalf("B…K step latency p99 = %v, want under 1s", p99)
	}
	if othersDone.Sub(stuck) >= dropped {
		t.Fatalf("B…K finished %v after A got stuck, after A was dropped (%v): the test did "+
			"not overlap them", othersDone.Sub(stuck), dropped)
	}

	aws.CloseNow()
	e.backTo(base)
}

// TestF07SlowReaderGets1013: an app that falls behind by more than the queue (a burst of events
// it does not read) gets what was already on the wire, then close 1013 "slow" as soon as it
// reads again: its queue was dropped, not grown. It then resumes with since.
func TestF07SlowReaderGets1013(t *testing.T) {
	t.Parallel()
	const (
		queue = 16
		pings = 2000
	)
	e := newEnv(t, envOptions{
		ticker: newHandTicker().factory, queueSize: queue, writeTimeout: 5 * time.Second,
		limits: func(c *gateway.Config) { c.MsgRate, c.MsgBurst = 1e6, 1e6 },
	})
	slow := httptest.NewUnstartedServer(e.gw.Handler())
	slow.Listener = smallSendBuffers{slow.Listener}
	slow.Start()
	defer slow.Close()

	o := e.createOrder()
	ctx, cancel := testCtx()
	defer cancel()
	aws, _, err := websocket.Dial(ctx, slowURL(slow, o), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer aws.CloseNow()
	sent, flooded := flood(aws, pings)
	<-flooded
	if sent.Load() != pings {
		t.Fatalf("sent %d pings, want %d", sent.Load(), pings)
	}

	// Now read: what was on the wire, then the close.
	a := &client{t: t, c: aws}
	var readErr error
	for readErr == nil {
		_, readErr = a.read()
	}
	pongs := 0
	for _, ev := range a.events {
		if ev.Type == session.EventPong {
			pongs++
		}
	}
	t.Logf("%d pings, %d pongs delivered before the close", pings, pongs)
	var ce websocket.CloseError
	if !errors.As(readErr, &ce) || ce.Code != websocket.StatusTryAgainLater || ce.Reason != "slow" {
		t.Fatalf("socket ended with %v, want close 1013 slow", readErr)
	}
	if pongs >= pings/2 {
		t.Fatalf("%d of %d pongs delivered: the queue did not stay bounded", pongs, pings)
	}

	p := e.peerAt(e.wsURL(o, o.Ticket, "since=0"))
	p.send(pw("pass_good"))
	if ev := p.until(); ev.Type != session.EventPromptSMS {
		t.Fatalf("after resume: %+v, want prompt_sms", ev)
	}
}

func slowURL(srv *httptest.Server, o order) string {
	return strings.Replace(srv.URL, "http", "ws", 1) + "/v1/orders/" + o.OrderID +
		"/ws?ticket=" + o.Ticket
}

// flood sends up to n JSON pings on c from a goroutine, stopping at the first error. sent counts
// them; done is closed at the end.
func flood(c *websocket.Conn, n int) (sent *atomic.Int64, done chan struct{}) {
	sent, done = new(atomic.Int64), make(chan struct{})
	go func() {
		defer close(done)
		ping := []byte(`{"type":"ping","id":"` + strings.Repeat("p", 60) + `"}`)
		for range n {
			if err := c.Write(context.Background(), websocket.MessageText, ping); err != nil {
				return
			}
			sent.Add(1)
		}
	}()
	return sent, done
}

// countStacks2 counts the goroutines whose stack holds both a and b.
func countStacks2(a, b string) int {
	n := 0
	for _, s := range stacks() {
		if strings.Contains(s, a) && strings.Contains(s, b) {
			n++
		}
	}
	return n
}

// flow runs pass_good to its end on a new socket for o, sending each latency from a message to
// its answer on lat.
func flow(e *env, o order, lat chan<- time.Duration) error {
	ctx, cancel := testCtx()
	defer cancel()
	p, _, err := dialPeer(ctx, e.wsURL(o, o.Ticket, ""), nil)
	if err != nil {
		return err
	}
	defer p.stop()
	if ev, err := p.next(ctx); err != nil || ev.Type != session.EventState {
		return fmt.Errorf("%s: first event %+v, %v; want state", o.OrderID, ev, err)
	}
	for _, s := range []struct {
		msg  map[string]any
		want string
	}{{pw("pass_good"), session.EventPromptSMS}, {sms("123456"), session.EventFinish}} {
		start := time.Now()
		if err := p.send(ctx, s.msg); err != nil {
			return err
		}
		ev, err := p.until(ctx)
		if err != nil || ev.Type != s.want {
			return fmt.Errorf("%s: got %+v, %v; want %s", o.OrderID, ev, err, s.want)
		}
		lat <- time.Since(start)
	}
	if code, err := p.closeStatus(ctx); err != nil || code != websocket.StatusNormalClosure {
		return fmt.Errorf("%s: close %d, %v; want 1000", o.OrderID, code, err)
	}
	return nil
}

// TestF08OrderingUnderLoad runs hundreds of orders at once through flows that produce events
// back to back (ack, progress, answer; wrong codes and second SMS prompts), while each app
// pings in lockstep. Every order's events must come in seq order, logged seqs without a gap, ephemeral
// ones never ahead of the log, nothing after the terminal event, and then close 1000.
func TestF08OrderingUnderLoad(t *testing.T) {
	t.Parallel()
	const orders = 300
	e := newEnv(t, envOptions{ticker: newHandTicker().factory,
		limits: func(c *gateway.Config) { c.MsgRate, c.MsgBurst = 1e6, 1e6 }})

	type msgStep struct {
		msg  map[string]any
		want string // the logged event that ends the step
	}
	scripts := [][]msgStep{
		{{pw("pass_good"), session.EventPromptSMS}, {sms("123456"), session.EventFinish}},
		{{pw("pass_good"), session.EventPromptSMS}, {sms("000000"), session.EventError},
			{sms("123456"), session.EventFinish}},
		{{pw("pass_twosms"), session.EventPromptSMS}, {sms("123456"), session.EventPromptSMS},
			{sms("123456"), session.EventFinish}},
		{{pw("pass_limit"), session.EventError}},
	}
	// wantLogged is the logged events of a script: each step logs progress, then its answer.
	wantLogged := func(s []msgStep) []string {
		var out []string
		for _, st := range s {
			out = append(out, session.EventProgress, st.want)
		}
		return out
	}

	ords := e.createOrders(orders)
	errs := make(chan error, orders)
	var wg sync.WaitGroup
	for i, o := range ords {
		wg.Add(1)
		go func() {
			defer wg.Done()
			script := scripts[i%len(scripts)]
			errs <- func() error {
				ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
				defer cancel()
				p, _, err := dialPeer(ctx, e.wsURL(o, o.Ticket, ""), nil)
				if err != nil {
					return err
				}
				defer p.stop()
				for k, st := range script {
					msg := maps(st.msg, "id", fmt.Sprintf("m%d", k))
					if err := p.send(ctx, msg); err != nil {
						return err
					}
					// Ping in lockstep until the answer comes, so that a ping is in flight
					// whenever the answer is produced.
					for j, done, pinging := 0, false, true; !done; j++ {
						id := fmt.Sprintf("p%d.%d", k, j)
						if pinging = pinging && j < 200; pinging {
							ping := map[string]any{"type": "ping", "id": id}
							// After the terminal event the gateway closes the socket, and
							// a ping sent meanwhile fails; the events are still to be read.
							pinging = p.send(ctx, ping) == nil
						}
						for {
							ev, err := p.next(ctx)
							if err != nil {
								return fmt.Errorf("step %d: %v (socket: %v)", k, err, p.err)
							}
							if !ev.Ephemeral && ev.Type == st.want {
								done = true
								break
							}
							if ev.Type == session.EventPong && ev.ID == id {
								break
							}
						}
					}
				}
				code, err := p.closeStatus(ctx)
				if err != nil {
					return err
				}
				return checkOrder(o.OrderID, p.seen, wantLogged(script), code)
			}()
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			if failed <= 5 {
				t.Error(err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d orders broke the order of events", failed, orders)
	}
}

// checkOrder checks one order's frames as the app saw them.
func checkOrder(id string, evs []session.Event, wantLogged []string,
	code websocket.StatusCode) error {
	if len(evs) == 0 || evs[0].Type != session.EventState {
		return fmt.Errorf("%s: first frame is not the state snapshot: %+v", id, evs)
	}
	var logged []string
	var last int64
	for i, ev := range evs {
		if ev.OrderID != id {
			return fmt.Errorf("%s: frame %d is for order %q", id, i, ev.OrderID)
		}
		switch {
		case ev.Ephemeral || ev.Type == session.EventState:
			if ev.Seq < last {
				return fmt.Errorf("%s: frame %d %s at seq %d, behind the log's %d", id, i,
					ev.Type, ev.Seq, last)
			}
		default:
			if ev.Seq != last+1 {
				return fmt.Errorf("%s: frame %d %s at seq %d after seq %d, want %d", id, i,
					ev.Type, ev.Seq, last, last+1)
			}
			last = ev.Seq
			logged = append(logged, ev.Type)
		}
		if ev.State.Terminal() && !ev.Ephemeral && ev.Type != session.EventState &&
			i != len(evs)-1 {
			return fmt.Errorf("%s: %d frames after the terminal %s: %+v", id, len(evs)-1-i,
				ev.Type, evs[i+1:])
		}
	}
	if !slices.Equal(logged, wantLogged) {
		return fmt.Errorf("%s: logged events %v, want %v", id, logged, wantLogged)
	}
	if code != websocket.StatusNormalClosure {
		return fmt.Errorf("%s: close %d after %s, want 1000", id, code, logged[len(logged)-1])
	}
	return nil
}

// maps returns a copy of m with k set to v.
func maps(m map[string]any, k string, v any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}
