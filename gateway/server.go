// Package gateway serves jxlgw's HTTP API and WebSockets with gin: order creation for lenders'
// backends, one socket per order for apps, and the demo page. The flow itself lives in session.
package gateway

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jxlgw/jxlgw/internal/ticket"
	"github.com/jxlgw/jxlgw/session"
	"golang.org/x/time/rate"
)

// Config configures a Server. A zero field means its default.
type Config struct {
	Sessions *session.Manager // required
	Tickets  *ticket.Issuer   // required
	Logger   *slog.Logger

	// APIKeys are the bearer keys lenders' backends use for POST /v1/orders. With none, that
	// route refuses everyone.
	APIKeys []string

	// Demo serves the demo page from DemoFS and POST /demo/orders without a key.
	Demo   bool
	DemoFS fs.FS

	// TLS says the gateway serves HTTPS itself, so pages get Strict-Transport-Security.
	TLS bool

	// SDKFS holds the JavaScript SDK, served under /sdk/ to any page; nil serves nothing.
	SDKFS fs.FS

	// AllowedOrigins are host patterns (path.Match) a browser page may open sockets from, besides
	// the gateway's own host. A pattern with "://" is matched against scheme://host.
	AllowedOrigins []string

	// TrustedProxies are the proxies (IPs or CIDRs) whose X-Forwarded-For is believed for the
	// client's address. Default: none.
	TrustedProxies []string

	// PublicURL is the gateway's base URL as apps see it (e.g. https://gw.example.com), used for
	// wsUrl. Default: from the request.
	PublicURL string

	ReadLimit    int64         // largest message from an app, bytes; default 16 KiB
	QueueSize    int           // events queued per socket before it counts as slow; default 256
	WriteTimeout time.Duration // one write to a socket; default 10s
	PingInterval time.Duration // heartbeat ping period; default 25s (under nginx's 60s)
	PongTimeout  time.Duration // how long a ping waits for its pong; default 15s
	MsgRate      rate.Limit    // messages per second per socket; default 5
	MsgBurst     int           // burst of messages per socket; default 20

	// OpenWindow is how long a new ticket may take to open its order's first socket; after
	// that first socket the ticket serves reconnects for the order's lifetime. Default 5m.
	OpenWindow time.Duration

	// AllowNullOrigin lets pages that send "Origin: null" or "file://" (H5 bundles loaded from
	// an app's files) open sockets; they still need a valid ticket. Default off.
	AllowNullOrigin bool

	ConnRate   rate.Limit // socket attempts per second per client IP; default 10
	ConnBurst  int        // burst of socket attempts per client IP; default 60
	OrderRate  rate.Limit // orders per second per API key; default 50
	OrderBurst int        // burst of orders per API key; default 200

	// Now is the clock for ticket windows and limits; default time.Now.
	Now func() time.Time

	// RestartJitter bounds the random wait a reconnect event asks apps for on shutdown, so
	// they do not all come back in the same second; default 5s.
	RestartJitter time.Duration

	// NewTicker makes the heartbeat's ticker; default time.NewTicker. Tests drive it by hand.
	NewTicker func(d time.Duration) Ticker
}

// Server is the gateway's HTTP and WebSocket front. Use Handler to serve it and Shutdown to end
// its sockets.
type Server struct {
	cfg     Config
	log     *slog.Logger
	engine  *gin.Engine
	hb      *heartbeat
	keys    atomic.Pointer[apiKeys]
	tickets atomic.Pointer[ticket.Issuer]
	conns   *keyedLimiter // socket attempts per client IP
	orders  *keyedLimiter // orders per API key
	// messages limits POSTed messages per order, as MsgRate does per socket.
	messages *keyedLimiter

	mu       sync.Mutex // guards live and shutting
	live     map[liveConn]struct{}
	shutting bool
	wg       sync.WaitGroup // socket and stream handlers

	// stopping is cancelled when Shutdown starts: long-polls return at once.
	stopping context.Context
	stop     context.CancelFunc
}

// liveConn is a connection that stays open for an order: a socket or an event stream.
type liveConn interface {
	pinger
	session.Subscriber
	order() string
	restart() // close for a restart (1012), after what is queued
	kill()    // close at once, the drain time being over
}

// New checks cfg, applies defaults and builds the routes.
func New(cfg Config) (*Server, error) {
	if cfg.Sessions == nil || cfg.Tickets == nil {
		return nil, errors.New("gateway: config needs Sessions and Tickets")
	}
	if cfg.Demo && cfg.DemoFS == nil {
		return nil, errors.New("gateway: demo mode needs DemoFS")
	}
	setDefaults(&cfg)

	s := &Server{
		cfg: cfg, log: cfg.Logger, live: make(map[liveConn]struct{}),
		conns:    newKeyedLimiter(cfg.ConnRate, cfg.ConnBurst, cfg.Now),
		orders:   newKeyedLimiter(cfg.OrderRate, cfg.OrderBurst, cfg.Now),
		messages: newKeyedLimiter(cfg.MsgRate, cfg.MsgBurst, cfg.Now),
	}
	s.stopping, s.stop = context.WithCancel(context.Background())
	s.SetAPIKeys(cfg.APIKeys)
	s.SetTickets(cfg.Tickets)
	engine, err := s.routes()
	if err != nil {
		return nil, err
	}
	s.engine = engine
	s.hb = newHeartbeat(cfg.NewTicker(cfg.PingInterval / wheelSlots))
	return s, nil
}

func setDefaults(cfg *Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = 16 << 10
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.WriteTimeout, 10*time.Second)
	def(&cfg.PingInterval, 25*time.Second)
	def(&cfg.PongTimeout, 15*time.Second)
	def(&cfg.RestartJitter, 5*time.Second)
	if cfg.MsgRate <= 0 {
		cfg.MsgRate = 5
	}
	if cfg.MsgBurst <= 0 {
		cfg.MsgBurst = 20
	}
	if cfg.NewTicker == nil {
		cfg.NewTicker = newRealTicker
	}
	def(&cfg.OpenWindow, 5*time.Minute)
	if cfg.ConnRate <= 0 {
		cfg.ConnRate, cfg.ConnBurst = 10, max(cfg.ConnBurst, 60)
	}
	if cfg.OrderRate <= 0 {
		cfg.OrderRate, cfg.OrderBurst = 50, max(cfg.OrderBurst, 200)
	}
	cfg.ConnBurst = max(cfg.ConnBurst, 1)
	cfg.OrderBurst = max(cfg.OrderBurst, 1)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) newMsgLimiter() *rate.Limiter {
	return rate.NewLimiter(s.cfg.MsgRate, s.cfg.MsgBurst)
}

// SetAPIKeys replaces the lenders' API keys, for rotation without a restart: configure the new
// key beside the old one, move the backends over, then drop the old one.
func (s *Server) SetAPIKeys(keys []string) {
	ks := newAPIKeys(keys)
	s.keys.Store(&ks)
}

// SetTickets replaces the ticket issuer, for rotating signing keys without a restart: the new
// issuer signs with its first key and should still accept the previous one for a while.
func (s *Server) SetTickets(is *ticket.Issuer) {
	if is != nil {
		s.tickets.Store(is)
	}
}

// register adds a socket or stream unless the server is shutting down.
func (s *Server) register(c liveConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting {
		return false
	}
	s.live[c] = struct{}{}
	s.wg.Add(1)
	s.hb.add(c)
	return true
}

func (s *Server) unregister(c liveConn) {
	s.hb.remove(c)
	s.mu.Lock()
	delete(s.live, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown sends every socket and stream a reconnect event with a random wait and closes it with
// 1012 (restart), ends long-polls, and waits, until ctx ends, for their handlers to finish. New
// connections are refused from the first call on. http.Server.Shutdown does not see hijacked
// connections, and would wait out streams, which is why this exists.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.shutting
	s.shutting = true
	live := make([]liveConn, 0, len(s.live))
	for c := range s.live {
		live = append(live, c)
	}
	s.mu.Unlock()
	s.stop()

	for _, c := range live {
		s.cfg.Sessions.Notify(ctx, c.order(), c, s.reconnectHint())
		c.restart()
	}
	if first {
		s.log.Info("closing connections for shutdown", "connections", len(live))
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		for _, c := range live {
			c.kill()
		}
		<-done
	}
	if first {
		s.hb.close()
	}
	return err
}

// reconnectHint asks an app to come back after a random wait, so that apps do not all return
// in the same second.
func (s *Server) reconnectHint() session.Event {
	return session.Event{Type: session.EventReconnect,
		RetryAfterMs: rand.Int64N(s.cfg.RestartJitter.Milliseconds() + 1)}
}
