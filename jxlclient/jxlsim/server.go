package jxlsim

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Config configures a Server. Zero fields mean their defaults.
type Config struct {
	// Org is the only org account accepted; default "demo_org".
	Org string
	// Delay is how long v2 collect/req blocks before answering.
	Delay time.Duration
	// SlowRunning is how many RUNNING answers pass_slow gives; 0 means 3,
	// negative means none.
	SlowRunning int
	// LegacyPolls is how many legacy polls answer RUNNING before the result;
	// 0 means 2, negative means none.
	LegacyPolls int
	// LegacyAbandon is how long an unanswered legacy request keeps its token
	// busy without being polled; default 30s.
	LegacyAbandon time.Duration
}

func (c Config) withDefaults() Config {
	if c.Org == "" {
		c.Org = "demo_org"
	}
	if c.SlowRunning == 0 {
		c.SlowRunning = 3
	}
	c.SlowRunning = max(c.SlowRunning, 0)
	if c.LegacyPolls == 0 {
		c.LegacyPolls = 2
	}
	c.LegacyPolls = max(c.LegacyPolls, 0)
	if c.LegacyAbandon <= 0 {
		c.LegacyAbandon = 30 * time.Second
	}
	return c
}

// Server is the simulator; it is an http.Handler. It is safe for concurrent
// use. Call Close before closing the HTTP server in front of it, so that
// hanging and delayed requests return.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	done      chan struct{} // closed by Close; ends hangs and delays
	closeOnce sync.Once

	mu       sync.Mutex // guards the fields below
	faults   Faults
	stats    Stats
	inFlight int
	tokens   map[string]*tokenState
}

// New returns a simulator with the given config.
func New(cfg Config) *Server {
	s := &Server{
		cfg:    cfg.withDefaults(),
		mux:    http.NewServeMux(),
		done:   make(chan struct{}),
		tokens: make(map[string]*tokenState),
		stats:  Stats{Submits: map[string]int{}},
	}
	s.routes()
	return s
}

func (s *Server) routes() {
	jxl := func(pattern string, h http.HandlerFunc, ownLatency bool) {
		s.mux.Handle(pattern, s.withFaults(h, ownLatency))
	}
	jxl("POST /orgApi/rest/v2/applications/{org}", s.apply(false), false)
	jxl("POST /orgApi/rest/v3/applications/{org}", s.apply(true), false)
	jxl("POST /orgApi/rest/applications/{org}", s.apply(false), false)
	jxl("GET /orgApi/rest/v2/orgs/{org}/datasources", s.datasources, false)
	jxl("GET /orgApi/rest/orgs/{org}/datasources", s.datasources, false)
	jxl("POST /orgApi/rest/v2/messages/collect/req", s.collectV2, true)
	jxl("POST /orgApi/rest/messages/collect/req", s.legacyAccept, true)
	jxl("POST /orgApi/rest/messages/collect/resp", s.legacyPoll, true)

	s.mux.HandleFunc("GET /_sim/faults", s.getFaults)
	s.mux.HandleFunc("PUT /_sim/faults", s.putFaults)
	s.mux.HandleFunc("GET /_sim/stats", s.getStats)
	s.mux.HandleFunc("POST /_sim/reset", s.postReset)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Close ends every hanging or delayed request; each ends with an empty 200
// (net/http's default when a handler writes nothing), which a client reads
// as an empty body. It is idempotent. The Server keeps serving afterwards, without
// hangs or delays.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.done) })
}

// Reset clears faults and stats. Tokens and their state are kept, so flows
// in progress can go on.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = Faults{}
	s.stats = Stats{Submits: map[string]int{}}
}

// sleep waits d unless the request or the Server ends first; it reports
// whether the full d passed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	return false
}

// hang blocks until the request or the Server ends.
func (s *Server) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.done:
	}
}
