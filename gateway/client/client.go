// Package client is a Go client of jxlgw's WebSocket protocol, and the reference for native apps
// that speak it: it dials an order's socket with its ticket, resumes after drops with the last
// logged seq (so nothing is missed or seen twice), reconnects with jittered exponential backoff,
// and waits for the gateway's ack of every message it sends.
package client

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// Config configures a Client. A zero field means its default.
type Config struct {
	URL    string // the order's wsUrl, without the ticket (required)
	Ticket string // the order's ticket (required)

	HTTPClient *http.Client // for the handshake; default http.DefaultClient
	Header     http.Header  // extra handshake headers, such as Origin

	MinBackoff time.Duration // first reconnect delay; default 500ms
	MaxBackoff time.Duration // reconnect delay cap; default 10s
	AckTimeout time.Duration // how long a message waits for its ack; default 15s

	// Name prefixes the names of this client's dials (the conn parameter, "<Name>-<n>"), by
	// which it recognises a 4001 caused by one of its own late dials. Letters, digits, '-' and
	// '_'; default random.
	Name string

	// OnEvent, when set, is called with every event, in order, from the client's goroutine;
	// it must not block for long. Otherwise read Events.
	OnEvent func(Event)
}

// Client is one order's connection. It keeps reconnecting until the order ends, the gateway
// says not to come back (4001, 4004, or a protocol error), or Close. It is safe for concurrent
// use.
type Client struct {
	cfg    Config
	events chan Event
	done   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex // guards the fields below
	ws      *websocket.Conn
	lastSeq int64 // -1 before any event: connect without since
	state   string
	nextID  int
	acks    map[string]chan Event
	err     error
	steps   []step        // progress events seen, newest last, to tell if a message arrived
	dials   []string      // names of this client's recent dials (the conn parameter)
	name    string        // random prefix of those names
	opened  chan struct{} // closed when a socket is open; replaced when it drops
	dropped chan struct{} // closed when the open socket drops; replaced when one opens
}

// step is one progress event: the gateway took a message of that type upstream.
type step struct {
	seq  int64
	name string
}

// ErrClosed is returned by calls on a client that has ended.
var ErrClosed = errors.New("client: closed")

// CloseError is why the client stopped: the gateway's close code and reason.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("client: gateway closed the order's socket: %d %s", e.Code, e.Reason)
}

// Dial opens the order's socket and starts the client. The first connection must succeed;
// later drops are reconnected.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.URL == "" || cfg.Ticket == "" {
		return nil, errors.New("client: URL and Ticket are required")
	}
	setDefaults(&cfg)
	c := &Client{
		cfg: cfg, events: make(chan Event, 64), done: make(chan struct{}), lastSeq: -1,
		acks: make(map[string]chan Event), opened: make(chan struct{}),
		dropped: make(chan struct{}), name: cfg.Name,
	}
	ws, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	c.setSocket(ws)
	c.wg.Add(1)
	go c.run(runCtx, ws)
	return c, nil
}

func setDefaults(cfg *Config) {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.MinBackoff, 500*time.Millisecond)
	def(&cfg.MaxBackoff, 10*time.Second)
	def(&cfg.AckTimeout, 15*time.Second)
	if cfg.Name == "" {
		cfg.Name = fmt.Sprintf("go%08x", rand.Uint32())
	}
}

// Events delivers every event in order, ephemeral ones included, with replayed duplicates
// dropped. It is closed when the client ends. Unused when Config.OnEvent is set.
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the client has ended; Err then says why.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is nil while the client runs, then why it ended: a *CloseError (1000 when the order is
// over), or ErrClosed after Close.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// LastSeq is the seq of the last logged event received, or -1.
func (c *Client) LastSeq() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSeq
}

// State is the order's state as of the last event.
func (c *Client) State() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Close stops the client and closes its socket.
func (c *Client) Close() error {
	c.stop(ErrClosed)
	c.wg.Wait()
	return nil
}

func (c *Client) stop(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	ws := c.ws
	c.mu.Unlock()
	c.cancel()
	if ws != nil {
		ws.Close(websocket.StatusNormalClosure, "bye")
	}
}

// dial connects once, resuming from the last logged seq seen.
func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	u, err := url.Parse(c.cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("client: parse URL: %w", err)
	}
	q := u.Query()
	q.Set("ticket", c.cfg.Ticket)
	q.Set("conn", c.nameDial())
	if seq := c.LastSeq(); seq >= 0 {
		q.Set("since", strconv.FormatInt(seq, 10))
	}
	u.RawQuery = q.Encode()

	ws, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient: c.cfg.HTTPClient, HTTPHeader: c.cfg.Header,
	})
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized ||
			resp.StatusCode == http.StatusForbidden) {
			return nil, &CloseError{Code: resp.StatusCode, Reason: "refused"}
		}
		return nil, fmt.Errorf("client: dial: %w", err)
	}
	ws.SetReadLimit(1 << 20)
	return ws, nil
}

// nameDial names a new dial and remembers the name, so that a 4001 naming it is known to come
// from one of this client's own dials: one that the network made look dead, whose server side
// attached late.
func (c *Client) nameDial() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := fmt.Sprintf("%s-%d", c.name, len(c.dials)+1)
	c.dials = append(c.dials, name)
	return name
}

// ownDial reports whether a 4001 close reason names one of this client's own dials.
func (c *Client) ownDial(reason string) bool {
	by, ok := strings.CutPrefix(reason, "replaced:")
	if !ok {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Contains(c.dials, by)
}

func (c *Client) setSocket(ws *websocket.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws = ws
	if ws != nil {
		close(c.opened)
		c.dropped = make(chan struct{})
	} else {
		close(c.dropped)
		c.opened = make(chan struct{})
	}
}

// backoff is the wait before reconnect attempt n (0-based): exponential, capped, with full
// jitter so that many apps dropped at once do not come back at once.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.MaxBackoff
	if n < 16 {
		d = min(c.cfg.MinBackoff<<n, c.cfg.MaxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}
