package gateway_test

// Replays of the real-world failure cases in /work/shared/reference/failure-cases.md. Each test
// names its case (F01…); slow_test.go has F07 and F08, shutdown_test.go F09.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/internal/tcpproxy"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

func newProxy(t *testing.T, target string, opts ...tcpproxy.Option) *tcpproxy.Proxy {
	t.Helper()
	p, err := tcpproxy.New(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestF01HalfOpenLinkDetected: the link to the app goes dark without a FIN (the proxy stops
// forwarding both ways). The gateway must find out within one heartbeat budget (one turn of the
// wheel, then the pong timeout), drop the socket, keep the order for a resume, and leave no
// goroutine behind. Several sockets per round, several rounds.
func TestF01HalfOpenLinkDetected(t *testing.T) {
	const (
		pongTimeout = 200 * time.Millisecond
		rounds      = 3
		perRound    = 5
	)
	hand := newHandTicker()
	e := newEnv(t, envOptions{ticker: hand.factory, pongTimeout: pongTimeout})
	proxy := newProxy(t, e.gwAddr())

	// A healthy app on a good link, there all along.
	healthy := e.connectPeer(e.createOrder(), "")
	base := e.baseline()

	var slowest time.Duration
	for round := range rounds {
		orders := e.createOrders(perRound)
		peers := make([]tPeer, perRound)
		since := make([]int64, perRound)
		for i, o := range orders {
			peers[i] = e.connectPeer(o, proxy.Addr())
			peers[i].send(pw("pass_good"))
			ev := peers[i].until()
			if ev.Type != session.EventPromptSMS {
				t.Fatalf("round %d: %+v, want prompt_sms", round, ev)
			}
			since[i] = ev.Seq
		}

		proxy.Stall()
		hand.turn(t)
		turned := time.Now()
		for _, o := range orders {
			line := e.waitLog(pongTimeout+wait, socketClosedParts(o.OrderID)...)
			took := time.Since(turned)
			slowest = max(slowest, took)
			if !strings.Contains(line, "code=1013 reason=unresponsive") {
				t.Fatalf("round %d: close log %q, want 1013 unresponsive", round, line)
			}
			if took > pongTimeout+2*time.Second {
				t.Fatalf("round %d: dead peer found %v after the turn, want within the pong "+
					"timeout %v (+2s)", round, took, pongTimeout)
			}
		}
		healthy.pong(fmt.Sprintf("round%d", round))

		// The link finally gives up; the apps come back with since and finish their flows.
		proxy.CutAll()
		proxy.Resume()
		for i, o := range orders {
			peers[i].stop()
			p := e.peerAt(e.urlVia(proxy.Addr(), o, fmt.Sprintf("since=%d", since[i])))
			p.send(sms("123456"))
			if ev := p.next(); ev.Type != session.EventProgress || ev.Seq != since[i]+1 {
				t.Fatalf("round %d after resume: %+v, want progress at seq %d", round, ev,
					since[i]+1)
			}
			if ev := p.next(); ev.Type != session.EventFinish || ev.Seq != since[i]+2 {
				t.Fatalf("round %d after resume: %+v, want finish at seq %d", round, ev,
					since[i]+2)
			}
			if code := p.closed(); code != websocket.StatusNormalClosure {
				t.Fatalf("round %d: close after finish = %d, want 1000", round, code)
			}
			p.stop()
		}
	}
	t.Logf("dead peers found at most %v after the wheel's turn (pong timeout %v)", slowest,
		pongTimeout)
	if got := e.sim.Stats().Submits[jxlsim.KindPassword]; got != rounds*perRound {
		t.Fatalf("password submits = %d, want %d: a resume must not resubmit", got,
			rounds*perRound)
	}
	e.backTo(base)
}

// TestF02ProxyIdleTimeout puts a proxy that cuts after idle of silence from the gateway (nginx's
// proxy_read_timeout) in front of the socket, and makes the SMS step take three times that.
// With pings more often than the idle timeout, the socket survives and finish arrives with
// 1000; without pings (the control), the proxy cuts it and the app sees 1006, and the order
// resumes.
func TestF02ProxyIdleTimeout(t *testing.T) {
	t.Parallel()
	const (
		idle     = 2 * time.Second // wide, so that a starved process does not look idle
		silence  = 5 * idle / 2
		pingTurn = idle / 8
	)
	for _, pings := range []bool{true, false} {
		name := "pings under the idle timeout"
		if !pings {
			name = "control without pings"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := envOptions{ticker: newHandTicker().factory} // never ticked: no pings
			if pings {
				o = envOptions{ticker: func(d time.Duration) gateway.Ticker {
					// One turn of the wheel every pingTurn.
					return fixedTicker{time.NewTicker(pingTurn / (defaultPingInterval / d))}
				}}
			}
			e := newEnv(t, o)
			proxy := newProxy(t, e.gwAddr(), tcpproxy.WithIdleTimeout(idle))
			ord := e.createOrder()
			p := e.connectPeer(ord, proxy.Addr())
			p.send(pw("pass_good"))
			if ev := p.until(); ev.Type != session.EventPromptSMS {
				t.Fatalf("got %+v, want prompt_sms", ev)
			}

			e.sim.SetFaults(jxlsim.Faults{Latency: silence, Paths: []string{"collect/req"}})
			p.send(sms("123456"))
			progress := p.next()
			if progress.Type != session.EventProgress {
				t.Fatalf("got %+v, want progress", progress)
			}
			quiet := time.Now()
			pingsBefore := p.pings.Load()

			if pings {
				if ev := p.until(); ev.Type != session.EventFinish {
					t.Fatalf("after %v of silence: %+v, want finish", time.Since(quiet), ev)
				}
				if code := p.closed(); code != websocket.StatusNormalClosure {
					t.Fatalf("close = %d, want 1000", code)
				}
				got := p.pings.Load() - pingsBefore
				t.Logf("%d pings during %v of upstream silence", got, silence)
				if min := int64(silence/pingTurn) / 2; got < min {
					t.Fatalf("%d pings during the silent step, want at least %d", got, min)
				}
				if cuts := proxy.IdleCuts(); cuts != 0 {
					t.Fatalf("proxy idle cuts = %d, want 0", cuts)
				}
				return
			}

			// Control: no pings, so the proxy's idle timeout ends the socket before finish.
			code := p.closed()
			cut := time.Since(quiet)
			t.Logf("without pings the proxy cut the socket after %v of silence", cut)
			if code != -1 {
				t.Fatalf("close = %d, want none (1006)", code)
			}
			for _, ev := range p.seen {
				if ev.Type == session.EventFinish {
					t.Fatal("finish arrived through a proxy that should have cut the socket")
				}
			}
			if cuts := proxy.IdleCuts(); cuts != 1 {
				t.Fatalf("proxy idle cuts = %d, want 1", cuts)
			}
			if cut >= silence {
				t.Fatalf("cut after %v, want before the step's end at %v", cut, silence)
			}
			// The flow went on without the socket; a resume gets finish once.
			r := e.peerAt(e.wsURL(ord, ord.Ticket, fmt.Sprintf("since=%d", progress.Seq)))
			if ev := r.next(); ev.Type != session.EventFinish || ev.Seq != progress.Seq+1 {
				t.Fatalf("resume: %+v, want finish at seq %d", ev, progress.Seq+1)
			}
			if code := r.closed(); code != websocket.StatusNormalClosure {
				t.Fatalf("resume close = %d, want 1000", code)
			}
		})
	}
}

// TestF03EventsWhileBlackHoled: the link goes dark (Doze) right after a submission; the
// upstream answers meanwhile and the gateway writes the event into the dead link. Then the link
// is reset and the app resumes with since: it gets the event exactly once.
func TestF03EventsWhileBlackHoled(t *testing.T) {
	t.Parallel()
	type variant struct {
		password string        // the service password; pass_limit ends at once with 30000
		sms      string        // the SMS code submitted before the link dies; "" for none
		event    string        // the event produced while the link is dark
		code     string        // its error code
		state    session.State // its state
		after    func(p tPeer) // what the resumed socket does next
		close    websocket.StatusCode
	}
	variants := map[string]variant{
		"finish": {password: "pass_good", sms: "123456", event: session.EventFinish,
			state: session.StateFinished, close: websocket.StatusNormalClosure},
		"terminal error": {password: "pass_limit", event: session.EventError,
			code: session.CodeCarrierError, state: session.StateFailed,
			close: websocket.StatusNormalClosure},
		"retryable error": {password: "pass_good", sms: "000000", event: session.EventError,
			code: session.CodeWrongSMS, state: session.StateAwaitSMS,
			after: func(p tPeer) {
				p.send(sms("123456"))
				if ev := p.until(); ev.Type != session.EventFinish {
					p.t.Fatalf("retry after resume: %+v, want finish", ev)
				}
			},
			close: websocket.StatusNormalClosure},
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{ticker: newHandTicker().factory})
			proxy := newProxy(t, e.gwAddr())
			o := e.createOrder()
			p := e.connectPeer(o, proxy.Addr())

			submit := map[string]any{"type": "password", "password": v.password, "id": "m1"}
			if v.sms != "" {
				p.send(pw(v.password))
				if ev := p.until(); ev.Type != session.EventPromptSMS {
					t.Fatalf("got %+v, want prompt_sms", ev)
				}
				submit = map[string]any{"type": "sms", "code": v.sms, "id": "m1"}
			}
			// The answer comes late enough for the link to be dark by then.
			e.sim.SetFaults(jxlsim.Faults{Latency: 300 * time.Millisecond,
				Paths: []string{"collect/req"}})
			p.send(submit)
			if ev := p.next(); ev.Type != session.EventAck {
				t.Fatalf("got %+v, want ack", ev)
			}
			if ev := p.next(); ev.Type != session.EventProgress {
				t.Fatalf("got %+v, want progress", ev)
			}
			proxy.Stall()
			since := p.maxSeq()

			parts := []string{`msg="upstream answered"`, "order=" + o.OrderID + " ",
				"event=" + v.event}
			if v.code != "" {
				parts = append(parts, "code="+v.code)
			}
			e.waitLog(wait, parts...)

			proxy.CutAll()
			proxy.Resume()
			if _, err := p.closeStatus(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, ev := range p.seen {
				if ev.Seq > since {
					t.Fatalf("the dark link delivered %+v", ev)
				}
			}

			r := e.peerAt(e.urlVia(proxy.Addr(), o, fmt.Sprintf("since=%d", since)))
			ev := r.next()
			if ev.Type != v.event || ev.Seq != since+1 || ev.Code != v.code || ev.State != v.state {
				t.Fatalf("resume with since=%d: %+v, want %s %s at seq %d in %s", since, ev,
					v.event, v.code, since+1, v.state)
			}
			if v.after != nil {
				v.after(r)
			}
			if code := r.closed(); code != v.close {
				t.Fatalf("close = %d, want %d", code, v.close)
			}
			seen := map[int64]string{}
			for _, ev := range append(append([]session.Event{}, p.seen...), r.seen...) {
				if ev.Ephemeral || ev.Type == session.EventState {
					continue
				}
				if prev, dup := seen[ev.Seq]; dup {
					t.Fatalf("seq %d delivered twice (%s, %s)", ev.Seq, prev, ev.Type)
				}
				seen[ev.Seq] = ev.Type
			}
		})
	}
}

// TestF05NoCompression: even when the app offers permessage-deflate (as iOS Safari does), the
// 101 carries no Sec-WebSocket-Extensions and no frame has RSV1 (compressed) set.
func TestF05NoCompression(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	path := "/v1/orders/" + o.OrderID + "/ws?ticket=" + o.Ticket

	c, br, resp := rawHandshake(t, e.gwAddr(), path, http.Header{
		"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits"},
		"User-Agent": {"Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) " +
			"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/15.0 Mobile/15E148 Safari/604.1"},
	})
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake = %d, want 101", resp.StatusCode)
	}
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != "" {
		t.Fatalf("101 has Sec-WebSocket-Extensions %q, want none", got)
	}
	f, err := readFrame(br)
	if err != nil {
		t.Fatal(err)
	}
	var ev session.Event
	if f.rsv != 0 || f.opcode != 1 || !f.fin || json.Unmarshal(f.payload, &ev) != nil ||
		ev.Type != session.EventState {
		t.Fatalf("first frame: fin %v rsv %#x opcode %d %q; want a plain text state event",
			f.fin, f.rsv, f.opcode, f.payload)
	}
	c.Close()

	// coder/websocket's own client offering compression: still none, and a ~300-byte Chinese
	// error text arrives intact.
	ctx, cancel := testCtx()
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, e.wsURL(o, o.Ticket, ""),
		&websocket.DialOptions{CompressionMode: websocket.CompressionContextTakeover})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != "" {
		t.Fatalf("101 to a compressing client has Sec-WebSocket-Extensions %q, want none", got)
	}
	cl := &client{t: t, c: ws}
	cl.next() // state
	cl.sendRaw([]byte(`{"type":"sms","code":"123456"}`))
	if ev := cl.next(); ev.Code != session.CodeBadRequest || !strings.ContainsRune(ev.ProcessInfo,
		'步') {
		t.Fatalf("got %+v, want a bad_request with its Chinese text", ev)
	}
	if ev := cl.password("pass_simple"); ev.Code != session.CodeSimplePassword ||
		len(ev.ProcessInfo) < 60 {
		t.Fatalf("got %+v, want simple_password with its long Chinese text", ev)
	}
}

// TestF06FrameSizeLimit: the documented limit is 16 KiB. A message of exactly 16 KiB passes; one
// byte more, 32,000, 40,000 bytes and a 10 MB frame close the socket with 1009 at once, the
// 10 MB frame without being read, and none of them reaches JXL, however often the app
// reconnects and resends.
func TestF06FrameSizeLimit(t *testing.T) {
	t.Parallel()
	const limit = 16 << 10
	e := newEnv(t, envOptions{})

	// padded is a password message of exactly n bytes.
	padded := func(n int) []byte {
		b := []byte(`{"type":"password","password":"pass_good","pad":""}`)
		return append(b[:len(b)-2], append(bytes.Repeat([]byte("x"), n-len(b)), `"}`...)...)
	}

	ok := e.createOrder()
	cl := e.connect(ok)
	cl.sendRaw(padded(limit))
	if ev := cl.until(); ev.Type != session.EventPromptSMS {
		t.Fatalf("a %d-byte password message: %+v, want prompt_sms", limit, ev)
	}

	o := e.createOrder()
	path := "/v1/orders/" + o.OrderID + "/ws?ticket=" + o.Ticket
	for _, n := range []int{limit + 1, 32000, 40000} {
		r := sendOversize(t, e.gwAddr(), path, padded(n))
		if r.code != int(websocket.StatusMessageTooBig) {
			t.Fatalf("%d bytes: close %d, want 1009", n, r.code)
		}
		if r.took > 2*time.Second {
			t.Fatalf("%d bytes: closed after %v, want at once", n, r.took)
		}
	}

	// An app that reconnects and resends in a loop gets 1009 every time.
	for i := range 20 {
		if r := sendOversize(t, e.gwAddr(), path, padded(40000)); r.code != 1009 {
			t.Fatalf("resend %d: close %d, want 1009", i, r.code)
		}
	}

	// 10 MB: the gateway closes after the first 16 KiB and never reads the rest, so the app
	// cannot even finish sending it.
	const big = 10 << 20
	r := sendOversize(t, e.gwAddr(), path, bytes.Repeat([]byte("x"), big))
	t.Logf("10 MB frame: close %d after %v; %d bytes got out before the gateway hung up",
		r.code, r.took, r.sent)
	if r.code != int(websocket.StatusMessageTooBig) {
		t.Fatalf("10 MB frame: close %d, want 1009", r.code)
	}
	if r.took > 2*time.Second {
		t.Fatalf("10 MB frame: closed after %v, want at once", r.took)
	}
	if r.sent >= big {
		t.Fatalf("the whole 10 MB frame was taken in, want the gateway to stop reading")
	}

	if got := e.sim.Stats().Submits[jxlsim.KindPassword]; got != 1 {
		t.Fatalf("password submits = %d, want 1 (only the 16 KiB message)", got)
	}
}

// oversize is what became of one oversized frame.
type oversize struct {
	code int           // close code the gateway sent, or -1
	took time.Duration // from the first byte sent to the close frame
	sent int           // payload bytes the gateway's side took before it hung up
}

// sendOversize opens a raw socket on path, reads the state event, then writes payload as one
// text frame from another goroutine while this one reads the gateway's answer. A raw socket,
// because the gateway stops reading a too-big frame and resets the connection, and a WebSocket
// client that is still writing then sees only the reset.
func sendOversize(t *testing.T, addr, path string, payload []byte) oversize {
	t.Helper()
	c, br, resp := rawHandshake(t, addr, path, nil)
	defer c.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake = %d, want 101", resp.StatusCode)
	}
	if f, err := readFrame(br); err != nil || f.opcode != 1 {
		t.Fatalf("first frame: %+v, %v; want the state event", f, err)
	}
	r := oversize{code: -1}
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := c.Write(clientFrameHeader(uint64(len(payload)))); err != nil {
			return
		}
		for off := 0; off < len(payload); {
			n, err := c.Write(payload[off:min(off+64<<10, len(payload))])
			off += n
			r.sent = off
			if err != nil {
				return
			}
		}
	}()
	for {
		f, err := readFrame(br)
		if err != nil {
			t.Fatalf("reading the answer to %d bytes: %v", len(payload), err)
		}
		if f.opcode == 8 {
			if len(f.payload) >= 2 {
				r.code = int(f.payload[0])<<8 | int(f.payload[1])
			}
			break
		}
	}
	r.took = time.Since(start)
	c.Close()
	wg.Wait()
	return r
}

// TestF12UpstreamHangAndRunning: a JXL that never answers, answers too late, or keeps answering
// RUNNING ends the step with a retryable upstream_timeout at its deadline, never a finish;
// RUNNING ten times and then an answer is a normal slow step. After a timeout the order can
// carry on, and no upstream call goroutine is left.
//
// Not parallel: it counts upstream call goroutines.
func TestF12UpstreamHangAndRunning(t *testing.T) {
	const (
		collectLimit = 300 * time.Millisecond
		stepTimeout  = 700 * time.Millisecond
	)
	cases := map[string]struct {
		faults   jxlsim.Faults
		earliest time.Duration // the timeout cannot come before this
	}{
		"never answers": {jxlsim.Faults{Hang: true}, collectLimit},
		"answers late":  {jxlsim.Faults{Latency: 5 * time.Second}, collectLimit},
		"running":       {jxlsim.Faults{RunningForever: true}, stepTimeout},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, envOptions{breakerFails: 100, collectLimit: collectLimit,
				stepTimeout: stepTimeout})
			p := e.connectPeer(e.createOrder(), "")
			f := c.faults
			f.Paths = []string{"collect/req", "collect/resp"}
			e.sim.SetFaults(f)

			start := time.Now()
			p.send(pw("pass_good"))
			ev := p.until()
			took := time.Since(start)
			if ev.Type != session.EventError || ev.Code != session.CodeUpstreamTimeout ||
				ev.Retryable == nil || !*ev.Retryable || ev.State != session.StateAwaitPassword {
				t.Fatalf("got %+v, want a retryable upstream_timeout back in await_password", ev)
			}
			t.Logf("upstream_timeout after %v", took)
			if took < c.earliest || took > stepTimeout+2*time.Second {
				t.Fatalf("upstream_timeout after %v, want between %v and the step deadline "+
					"%v (+2s)", took, c.earliest, stepTimeout)
			}
			for _, ev := range p.seen {
				if ev.Type == session.EventFinish {
					t.Fatal("finish during a step that never got a terminal answer")
				}
			}
			waitCount(t, "upstream call goroutines",
				func() int { return countStacks("session.(*Manager).run(") }, 0)

			e.sim.SetFaults(jxlsim.Faults{})
			p.send(pw("pass_good"))
			if ev := p.until(); ev.Type != session.EventPromptSMS {
				t.Fatalf("after the fault cleared: %+v, want prompt_sms", ev)
			}
		})
	}

	t.Run("running ten times then an answer", func(t *testing.T) {
		e := newEnv(t, envOptions{sim: jxlsim.Config{SlowRunning: 10}})
		p := e.connectPeer(e.createOrder(), "")
		p.send(pw("pass_slow"))
		if ev := p.until(); ev.Type != session.EventPromptSMS {
			t.Fatalf("got %+v, want prompt_sms after the RUNNING answers", ev)
		}
		if got := e.sim.Stats().Reissues; got < 10 {
			t.Fatalf("the gateway asked again %d times, want at least 10", got)
		}
		p.send(sms("123456"))
		if ev := p.until(); ev.Type != session.EventFinish {
			t.Fatalf("got %+v, want finish", ev)
		}
	})
}

// TestF13NoHijackBreakage: the socket route goes through the gateway's real middleware. A
// browser-like handshake (Accept-Encoding: gzip, deflate, br; lower-case "Connection: upgrade",
// which trips gin-contrib/gzip) gets a clean 101, lives through heartbeats, and closes without
// net/http ever complaining about writes to a hijacked connection.
func TestF13NoHijackBreakage(t *testing.T) {
	t.Parallel()
	hand := newHandTicker()
	e := newEnv(t, envOptions{ticker: hand.factory})
	var errLog syncBuffer
	srv := httptest.NewUnstartedServer(e.gw.Handler())
	srv.Config.ErrorLog = log.New(&errLog, "", 0)
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()

	o := e.createOrder()
	path := "/v1/orders/" + o.OrderID + "/ws?ticket=" + o.Ticket
	for _, connection := range []string{"Upgrade", "upgrade", "keep-alive, Upgrade"} {
		c, br, resp := rawHandshake(t, addr, path, http.Header{
			"Connection":      {connection},
			"Accept-Encoding": {"gzip, deflate, br"},
		})
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("Connection: %s: handshake = %d, want 101", connection, resp.StatusCode)
		}
		if got := resp.Header.Get("Content-Encoding"); got != "" {
			t.Fatalf("Connection: %s: 101 with Content-Encoding %q", connection, got)
		}
		if f, err := readFrame(br); err != nil || f.opcode != 1 || f.rsv != 0 {
			t.Fatalf("Connection: %s: first frame %+v, %v; want a text frame", connection, f, err)
		}
		c.Close()
	}

	// A real client through the same server: idle with heartbeats for three turns, then a
	// normal close from the app.
	ctx, cancel := testCtx()
	defer cancel()
	u := strings.Replace(srv.URL, "http", "ws", 1) + path
	p, resp, err := dialPeer(ctx, u, http.Header{"Accept-Encoding": {"gzip, deflate, br"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake = %d, want 101", resp.StatusCode)
	}
	tp := tPeer{p, t}
	tp.next()
	for range 3 {
		hand.turn(t)
	}
	hand.tick(t) // the last turn's pings are queued
	tp.pong("alive")
	if got := p.pings.Load(); got != 3 {
		t.Fatalf("pings over three turns = %d, want 3", got)
	}
	p.c.Close(websocket.StatusNormalClosure, "bye")
	<-p.done

	// Wait for every socket's handler to return through the middleware (its access log line
	// comes after), then look.
	waitCount(t, "socket handlers still running", func() int {
		return 4 - len(e.logLines(`msg="http request"`, "route=/v1/orders/:orderId/ws",
			"order="+o.OrderID))
	}, 0)
	for _, logs := range []string{errLog.String(), e.logs.String()} {
		if strings.Contains(logs, "hijacked") {
			t.Fatalf("log mentions a hijacked connection:\n%s", logs)
		}
	}
	if got := errLog.String(); got != "" {
		t.Fatalf("http.Server error log: %q, want nothing", got)
	}
}
