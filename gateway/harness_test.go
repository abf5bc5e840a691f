package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/internal/ticket"
	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testAPIKey = "test-api-key-0123456789"

// wait bounds every read in these tests: long enough for a loaded CI machine, short enough that a
// missing event fails the test instead of hanging it.
const wait = 15 * time.Second

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a whole gateway over real loopback HTTP: the JXL simulator as its own server, the
// client with its breaker, the session manager and the gateway's routes.
type env struct {
	t        *testing.T
	sim      *jxlsim.Server
	up       *jxlclient.Client
	sessions *session.Manager
	gw       *gateway.Server
	srv      *httptest.Server
	logs     *syncBuffer
	breaker  chan string // breaker transitions, "from>to"
}

type envOptions struct {
	mode         jxlclient.Mode
	sim          jxlsim.Config
	breakerFails uint32
	openFor      time.Duration
	stepTimeout  time.Duration
	collectLimit time.Duration
	ticker       func(time.Duration) gateway.Ticker
	queueSize    int
	writeTimeout time.Duration
	pongTimeout  time.Duration
	now          func() time.Time
	orderTTL     time.Duration
	logSize      int

	allowNullOrigin bool
	allowedOrigins  []string
	// limits, when set, replaces the generous test limits on connections and orders.
	limits func(c *gateway.Config)
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, logs: &syncBuffer{}, breaker: make(chan string, 64)}
	log := slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	e.sim = jxlsim.New(o.sim)
	simSrv := httptest.NewServer(e.sim)

	var err error
	e.up, err = jxlclient.New(jxlclient.Config{
		BaseURL: simSrv.URL, Org: "demo_org", Mode: o.mode,
		BreakerFailures: orU32(o.breakerFails, 3), BreakerOpenFor: orDur(o.openFor, time.Hour),
		CollectTimeout: orDur(o.collectLimit, 10*time.Second),
		OnBreakerChange: func(from, to string) {
			select {
			case e.breaker <- from + ">" + to:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	e.sessions, err = session.NewManager(session.Config{
		Store: session.NewMemStore(o.logSize), Upstream: e.up, Logger: log,
		PollInterval: time.Millisecond, StepTimeout: orDur(o.stepTimeout, 20*time.Second),
		Now: o.now, OrderTTL: o.orderTTL,
	})
	if err != nil {
		t.Fatal(err)
	}

	tickets, err := ticket.NewIssuer([]ticket.Key{ticket.RandomKey()}, o.now)
	if err != nil {
		t.Fatal(err)
	}
	gwCfg := gateway.Config{
		Sessions: e.sessions, Tickets: tickets, Logger: log, APIKeys: []string{testAPIKey},
		NewTicker: o.ticker, QueueSize: o.queueSize, WriteTimeout: o.writeTimeout,
		PongTimeout: o.pongTimeout, MsgRate: 1000, MsgBurst: 1000, Now: o.now,
		ConnRate: 1e6, ConnBurst: 1e6, OrderRate: 1e6, OrderBurst: 1e6,
		AllowNullOrigin: o.allowNullOrigin, AllowedOrigins: o.allowedOrigins,
	}
	if o.limits != nil {
		o.limits(&gwCfg)
	}
	e.gw, err = gateway.New(gwCfg)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.gw.Handler())

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		e.gw.Shutdown(ctx)
		e.srv.Close()
		e.sessions.Shutdown(ctx)
		e.sim.Close()
		simSrv.Close()
		e.up.CloseIdleConnections()
	})
	return e
}

func orDur(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func orU32(v, def uint32) uint32 {
	if v == 0 {
		return def
	}
	return v
}

type order struct {
	OrderID   string `json:"orderId"`
	Ticket    string `json:"ticket"`
	WSURL     string `json:"wsUrl"`
	ExpiresAt string `json:"expiresAt"`
}

func applicantJSON() map[string]any {
	return map[string]any{
		"name": "测试用户", "idCardNum": "110000200001010000", "phone": "13800000000",
		"contacts": []map[string]any{{"name": "联系人甲", "phone": "13900000000", "relation": "1"}},
		"consent":  map[string]any{"given": true, "at": "2026-12-03T10:00:00Z", "version": "v1"},
	}
}

// post sends a JSON body and returns the status and body.
func (e *env) post(path string, body any, header http.Header) (int, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func (e *env) createOrder() order {
	e.t.Helper()
	status, raw := e.post("/v1/orders", applicantJSON(),
		http.Header{"Authorization": {"Bearer " + testAPIKey}})
	if status != http.StatusCreated {
		e.t.Fatalf("POST /v1/orders = %d %s, want 201", status, raw)
	}
	var o order
	if err := json.Unmarshal(raw, &o); err != nil || o.OrderID == "" || o.Ticket == "" {
		e.t.Fatalf("POST /v1/orders answered %s", raw)
	}
	return o
}

func (e *env) wsURL(o order, ticket, query string) string {
	u := strings.Replace(e.srv.URL, "http", "ws", 1) + "/v1/orders/" + o.OrderID + "/ws?ticket=" +
		ticket
	if query != "" {
		u += "&" + query
	}
	return u
}

// client is an app's socket that records what it reads.
type client struct {
	t      *testing.T
	c      *websocket.Conn
	events []session.Event
}

func (e *env) dial(o order, query string) *client {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	c, _, err := websocket.Dial(ctx, e.wsURL(o, o.Ticket, query), nil)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	cl := &client{t: e.t, c: c}
	e.t.Cleanup(func() { c.CloseNow() })
	return cl
}

// connect opens a socket for o and reads its state snapshot.
func (e *env) connect(o order) *client {
	e.t.Helper()
	cl := e.dial(o, "")
	if ev := cl.next(); ev.Type != session.EventState {
		e.t.Fatalf("first event = %q, want state", ev.Type)
	}
	return cl
}

func (cl *client) send(v any) {
	cl.t.Helper()
	b, _ := json.Marshal(v)
	cl.sendRaw(b)
}

func (cl *client) sendRaw(b []byte) {
	cl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := cl.c.Write(ctx, websocket.MessageText, b); err != nil {
		cl.t.Fatalf("write: %v", err)
	}
}

// read returns the next event or the error that ended the socket.
func (cl *client) read() (session.Event, error) {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, b, err := cl.c.Read(ctx)
	if err != nil {
		return session.Event{}, err
	}
	var ev session.Event
	if err := json.Unmarshal(b, &ev); err != nil {
		cl.t.Fatalf("frame %q is not an event: %v", b, err)
	}
	cl.events = append(cl.events, ev)
	return ev, nil
}

func (cl *client) next() session.Event {
	cl.t.Helper()
	ev, err := cl.read()
	if err != nil {
		cl.t.Fatalf("read: %v", err)
	}
	return ev
}

// until reads past progress, ack and pong events to the next other one.
func (cl *client) until() session.Event {
	cl.t.Helper()
	for {
		ev := cl.next()
		switch ev.Type {
		case session.EventProgress, session.EventAck, session.EventPong:
			continue
		}
		return ev
	}
}

// closed reads until the socket ends and returns its close status.
func (cl *client) closed() websocket.StatusCode {
	cl.t.Helper()
	for {
		if _, err := cl.read(); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func (cl *client) password(p string) session.Event {
	cl.t.Helper()
	cl.send(map[string]any{"type": "password", "password": p})
	return cl.until()
}

func (cl *client) sms(code string) session.Event {
	cl.t.Helper()
	cl.send(map[string]any{"type": "sms", "code": code})
	return cl.until()
}

func pc(ev session.Event) int {
	if ev.ProcessCode == nil {
		return -1
	}
	return *ev.ProcessCode
}

func testCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), wait)
}

// atomicTime is an injectable clock the test moves by hand.
type atomicTime struct {
	mu sync.Mutex
	t  time.Time
}

func (a *atomicTime) get() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.t
}

func (a *atomicTime) set(t time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.t = t
}
