package gateway_test

// Helpers for the failure-case tests (failures_test.go, heartbeat_test.go, slow_test.go,
// shutdown_test.go, goroutines_test.go). Unlike the harness's client, everything here is safe to
// call from goroutines other than the test's: errors are returned, not t.Fatal'd.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/session"
)

// defaultPingInterval is gateway.Config's default PingInterval; the hand ticker uses it to work
// out how many slots the heartbeat's wheel has from the period the gateway asks for.
const defaultPingInterval = 25 * time.Second

// handTicker is a heartbeat Ticker that only ticks when the test says so.
type handTicker struct {
	ch      chan time.Time
	period  atomic.Int64 // what the gateway asked for
	stopped chan struct{}
	once    sync.Once
}

func newHandTicker() *handTicker {
	return &handTicker{ch: make(chan time.Time), stopped: make(chan struct{})}
}

// factory is the envOptions.ticker that hands the gateway this ticker.
func (h *handTicker) factory(d time.Duration) gateway.Ticker {
	h.period.Store(int64(d))
	return h
}

func (h *handTicker) C() <-chan time.Time { return h.ch }
func (h *handTicker) Stop()               { h.once.Do(func() { close(h.stopped) }) }

// slots is how many ticks make one turn of the wheel: every socket is pinged once per turn.
func (h *handTicker) slots(t *testing.T) int {
	t.Helper()
	p := time.Duration(h.period.Load())
	if p <= 0 {
		t.Fatal("the gateway never asked for a ticker")
	}
	n := int((defaultPingInterval + p/2) / p)
	if n < 1 {
		t.Fatalf("ticker period %v is longer than the ping interval %v", p, defaultPingInterval)
	}
	return n
}

// tick hands the heartbeat one tick. It returns once the heartbeat has taken it, which also
// means the heartbeat finished the tick before it.
func (h *handTicker) tick(t *testing.T) {
	t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case h.ch <- time.Now():
	case <-h.stopped:
		t.Fatal("tick after the heartbeat stopped")
	case <-timer.C:
		t.Fatalf("the heartbeat took no tick within %v", wait)
	}
}

// turn ticks one full turn of the wheel.
func (h *handTicker) turn(t *testing.T) {
	t.Helper()
	for range h.slots(t) {
		h.tick(t)
	}
}

// fixedTicker is a real ticker with a period of the test's choosing.
type fixedTicker struct{ t *time.Ticker }

func (f fixedTicker) C() <-chan time.Time { return f.t.C }
func (f fixedTicker) Stop()               { f.t.Stop() }

// peer is an app's socket with a reader goroutine that keeps control frames flowing (so pings
// are answered) and hands events over a channel. It is safe to use from any goroutine.
type peer struct {
	c      *websocket.Conn
	pings  atomic.Int64 // ping frames received
	silent atomic.Bool  // do not answer pings
	events chan session.Event
	done   chan struct{} // closed when the reader ends; err is set then
	err    error
	seen   []session.Event // what next returned, in order; for the owner goroutine only
}

// dialPeer opens a socket to u; hdr may be nil. The reader starts at once.
func dialPeer(ctx context.Context, u string, hdr http.Header) (*peer, *http.Response, error) {
	p := &peer{events: make(chan session.Event, 1024), done: make(chan struct{})}
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPHeader: hdr,
		OnPingReceived: func(context.Context, []byte) bool {
			p.pings.Add(1)
			return !p.silent.Load()
		},
	})
	if err != nil {
		return nil, resp, err
	}
	p.c = c
	go p.read()
	return p, resp, nil
}

func (p *peer) read() {
	defer close(p.done)
	for {
		_, b, err := p.c.Read(context.Background())
		if err != nil {
			p.err = err
			return
		}
		var ev session.Event
		if err := json.Unmarshal(b, &ev); err != nil {
			p.err = fmt.Errorf("frame %q is not an event: %w", b, err)
			p.c.CloseNow()
			return
		}
		p.events <- ev
	}
}

// errSocketEnded is next's error when the socket ended before another event came.
var errSocketEnded = errors.New("socket ended")

// next returns the next event, or errSocketEnded once the socket is over and drained.
func (p *peer) next(ctx context.Context) (session.Event, error) {
	select {
	case ev := <-p.events:
		p.seen = append(p.seen, ev)
		return ev, nil
	case <-ctx.Done():
		return session.Event{}, ctx.Err()
	case <-p.done:
	}
	select {
	case ev := <-p.events:
		p.seen = append(p.seen, ev)
		return ev, nil
	default:
		return session.Event{}, errSocketEnded
	}
}

// until returns the next event that is not progress, ack or pong.
func (p *peer) until(ctx context.Context) (session.Event, error) {
	for {
		ev, err := p.next(ctx)
		if err != nil {
			return ev, err
		}
		switch ev.Type {
		case session.EventProgress, session.EventAck, session.EventPong:
			continue
		}
		return ev, nil
	}
}

// send writes one JSON message.
func (p *peer) send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return p.c.Write(ctx, websocket.MessageText, b)
}

// closeStatus drains the socket until it ends and returns its close status (-1 when it ended
// without a close frame, which a browser reports as 1006).
func (p *peer) closeStatus(ctx context.Context) (websocket.StatusCode, error) {
	for {
		if _, err := p.next(ctx); err != nil {
			if errors.Is(err, errSocketEnded) {
				return websocket.CloseStatus(p.err), nil
			}
			return 0, err
		}
	}
}

// ended reports whether the reader has stopped, without waiting.
func (p *peer) ended() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop closes the socket at once and waits for the reader.
func (p *peer) stop() {
	p.c.CloseNow()
	<-p.done
}

// maxSeq is the highest seq among the events next returned.
func (p *peer) maxSeq() int64 {
	var m int64
	for _, ev := range p.seen {
		m = max(m, ev.Seq)
	}
	return m
}

// tPeer wraps a peer with test-goroutine helpers that fail the test.
type tPeer struct {
	*peer
	t *testing.T
}

func (e *env) peerAt(u string) tPeer {
	e.t.Helper()
	ctx, cancel := testCtx()
	defer cancel()
	p, _, err := dialPeer(ctx, u, nil)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(p.stop)
	return tPeer{p, e.t}
}

// connectPeer opens a socket for o (directly, or through addr when it is not "") and reads the
// state snapshot.
func (e *env) connectPeer(o order, addr string) tPeer {
	e.t.Helper()
	p := e.peerAt(e.urlVia(addr, o, ""))
	if ev := p.next(); ev.Type != session.EventState {
		e.t.Fatalf("first event = %+v, want state", ev)
	}
	return p
}

func (p tPeer) next() session.Event {
	p.t.Helper()
	ctx, cancel := testCtx()
	defer cancel()
	ev, err := p.peer.next(ctx)
	if err != nil {
		p.t.Fatalf("read: %v (socket error %v)", err, p.err)
	}
	return ev
}

func (p tPeer) until() session.Event {
	p.t.Helper()
	ctx, cancel := testCtx()
	defer cancel()
	ev, err := p.peer.until(ctx)
	if err != nil {
		p.t.Fatalf("read: %v (socket error %v)", err, p.err)
	}
	return ev
}

func (p tPeer) send(v any) {
	p.t.Helper()
	ctx, cancel := testCtx()
	defer cancel()
	if err := p.peer.send(ctx, v); err != nil {
		p.t.Fatalf("write: %v", err)
	}
}

func (p tPeer) closed() websocket.StatusCode {
	p.t.Helper()
	ctx, cancel := testCtx()
	defer cancel()
	code, err := p.peer.closeStatus(ctx)
	if err != nil {
		p.t.Fatalf("socket did not end: %v", err)
	}
	return code
}

// pong sends a JSON ping and waits for its pong: proof the socket works both ways, and a barrier
// behind everything queued for it before.
func (p tPeer) pong(id string) {
	p.t.Helper()
	p.send(map[string]any{"type": "ping", "id": id})
	for {
		ev := p.next()
		if ev.Type == session.EventPong && ev.ID == id {
			return
		}
	}
}

// urlVia is the socket URL of o through the proxy at addr, or straight to the gateway when addr
// is "".
func (e *env) urlVia(addr string, o order, query string) string {
	u := e.wsURL(o, o.Ticket, query)
	if addr == "" {
		return u
	}
	pu, err := url.Parse(u)
	if err != nil {
		e.t.Fatal(err)
	}
	pu.Host = addr
	return pu.String()
}

// gwAddr is the gateway's listening address.
func (e *env) gwAddr() string { return e.srv.Listener.Addr().String() }

// tryCreateOrder is createOrder for goroutines.
func (e *env) tryCreateOrder(ctx context.Context) (order, error) {
	b, _ := json.Marshal(applicantJSON())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.srv.URL+"/v1/orders",
		strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		return order{}, err
	}
	defer resp.Body.Close()
	var o order
	if resp.StatusCode != http.StatusCreated {
		return o, fmt.Errorf("POST /v1/orders = %d, want 201", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&o); err != nil {
		return o, err
	}
	return o, nil
}

// createOrders makes n orders, a few at a time.
func (e *env) createOrders(n int) []order {
	e.t.Helper()
	ctx, cancel := testCtx()
	defer cancel()
	out := make([]order, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			o, err := e.tryCreateOrder(ctx)
			out[i] = o
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatalf("create order: %v", err)
	}
	return out
}

// logLines returns the gateway's log lines that hold every one of parts.
func (e *env) logLines(parts ...string) []string {
	var out []string
	for line := range strings.SplitSeq(e.logs.String(), "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok && line != "" {
			out = append(out, line)
		}
	}
	return out
}

// waitLog polls the gateway's log until a line holds every one of parts, and returns that
// line, or fails the test when none does by the deadline.
func (e *env) waitLog(within time.Duration, parts ...string) string {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if lines := e.logLines(parts...); len(lines) > 0 {
			return lines[0]
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no log line with %q within %v", parts, within)
		}
		poll()
	}
}

// socketClosedLine is the gateway's log line for a socket of order id that ended.
func socketClosedParts(id string) []string {
	return []string{`msg="socket closed"`, "order=" + id + " "}
}

// poll is the pause between two looks in a bounded polling loop.
func poll() { <-time.After(2 * time.Millisecond) }

// goroutine stacks

// stacks returns one string per goroutine.
func stacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(buf[:n]), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// countStacks counts the goroutines whose stack holds any of subs.
func countStacks(subs ...string) int {
	n := 0
	for _, s := range stacks() {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				n++
				break
			}
		}
	}
	return n
}

// Stack markers. gatewayCode matches the gateway package's own functions (the socket read
// loops, writers and the heartbeat), not this test package (gateway_test).
const (
	gatewayCode = "github.com/jxlgw/jxlgw/gateway."
	sessionCode = "github.com/jxlgw/jxlgw/session."
	clientConns = "net/http.(*persistConn)"
)

// serverGoroutines counts the goroutines running gateway or session code.
func serverGoroutines() int { return countStacks(gatewayCode, sessionCode) }

// settle closes idle keep-alive connections (ours to the gateway and the gateway's to the
// simulator) and waits for their goroutines, so that goroutine counts compare like with like.
func (e *env) settle() {
	e.t.Helper()
	e.srv.Client().CloseIdleConnections()
	e.up.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	waitCount(e.t, "client keep-alive connections", func() int { return countStacks(clientConns) }, 0)
}

// baseline is a goroutine count to come back to.
type baseline struct{ total, server int }

func (e *env) baseline() baseline {
	e.t.Helper()
	e.settle()
	return baseline{total: runtime.NumGoroutine(), server: serverGoroutines()}
}

// backTo waits until the goroutine counts are back to b, or fails the test.
func (e *env) backTo(b baseline) {
	e.t.Helper()
	e.settle()
	waitCount(e.t, "gateway and session goroutines", serverGoroutines, b.server)
	waitCount(e.t, "goroutines", runtime.NumGoroutine, b.total)
}

// waitCount polls count until it is at most want; on the deadline it fails with the stacks of
// gateway code.
func waitCount(t *testing.T, what string, count func() int, want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := count()
		if got <= want {
			return
		}
		if time.Now().After(deadline) {
			var dump []string
			for _, s := range stacks() {
				if strings.Contains(s, gatewayCode) || strings.Contains(s, sessionCode) {
					dump = append(dump, s)
				}
			}
			t.Fatalf("%s = %d, want at most %d (the baseline); gateway stacks:\n%s", what,
				got, want, strings.Join(dump, "\n\n"))
		}
		poll()
	}
}

// rawHandshake opens a TCP connection to the gateway and sends a WebSocket upgrade request for
// path with the given extra headers; it returns the connection, a reader positioned after the
// response headers, and the response.
func rawHandshake(t *testing.T, addr, path string, hdr http.Header) (net.Conn, *bufio.Reader,
	*http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(wait))
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	for k, v := range hdr {
		req.Header[k] = v
	}
	if err := req.Write(c); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		t.Fatal(err)
	}
	return c, br, resp
}

// frame is one WebSocket frame as read off the wire.
type frame struct {
	fin     bool
	rsv     byte // RSV1..3 bits, 0x70 of the first byte
	opcode  byte
	payload []byte
}

// readFrame reads one unmasked (server) frame.
func readFrame(br *bufio.Reader) (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return frame{}, err
	}
	f := frame{fin: h[0]&0x80 != 0, rsv: h[0] & 0x70, opcode: h[0] & 0x0f}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		n = uint64(b[0])<<8 | uint64(b[1])
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, err
		}
		n = 0
		for _, x := range b {
			n = n<<8 | uint64(x)
		}
	}
	if h[1]&0x80 != 0 {
		return f, errors.New("server frame is masked")
	}
	if n > 1<<20 {
		return f, fmt.Errorf("server frame of %d bytes", n)
	}
	f.payload = make([]byte, n)
	_, err := io.ReadFull(br, f.payload)
	return f, err
}

// clientFrameHeader is the header of a masked client text frame of n bytes, with a zero mask
// key (so the payload goes on the wire as is).
func clientFrameHeader(n uint64) []byte {
	h := []byte{0x81}
	switch {
	case n < 126:
		h = append(h, 0x80|byte(n))
	case n < 1<<16:
		h = append(h, 0x80|126, byte(n>>8), byte(n))
	default:
		h = append(h, 0x80|127)
		for i := 7; i >= 0; i-- {
			h = append(h, byte(n>>(8*i)))
		}
	}
	return append(h, 0, 0, 0, 0)
}
