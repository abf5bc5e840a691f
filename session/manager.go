// Package session runs each order's carrier authorisation: its state machine, its event log and
// the one upstream call it may have in flight. It knows nothing of WebSockets or HTTP: transports
// attach a Subscriber and pass in the app's frames.
package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jxlgw/jxlgw/internal/seal"
	"github.com/jxlgw/jxlgw/jxlclient"
)

// Upstream is the part of JXL's API the flow needs; *jxlclient.Client implements it.
type Upstream interface {
	Apply(ctx context.Context, req jxlclient.ApplyRequest) (*jxlclient.Application, error)
	Collect(ctx context.Context, req jxlclient.CollectRequest) (*jxlclient.CollectResult, error)
	Poll(ctx context.Context, req jxlclient.CollectRequest) (*jxlclient.CollectResult, error)
}

// Subscriber receives an order's events: one transport connection. Both methods are called with
// the order's lock held, so they must not block or call back into the Manager.
type Subscriber interface {
	// Deliver queues ev for the app, in call order.
	Deliver(ev Event)
	// Kick tells the subscriber it no longer serves the order and should close.
	Kick(reason KickReason)
}

// Identified is a Subscriber that carries the app's own name for its connection. When it
// replaces another subscriber that implements ReplacedBy, that one learns the name, so an app
// can tell its own abandoned dial (which it may replace in turn) from another device.
type Identified interface {
	ConnID() string
}

// ReplacedBy is a Subscriber that wants the newer connection's name when it is replaced; the
// Manager calls ReplacedBy instead of Kick(KickReplaced). Like Kick, it must not block.
type ReplacedBy interface {
	ReplacedBy(connID string)
}

// KickReason says why a subscriber was detached by the Manager.
type KickReason int

// Reasons for Kick.
const (
	KickReplaced KickReason = iota + 1 // a newer subscriber took over the order
	KickExpired                        // the order expired
)

// Config configures a Manager. A zero field means its default.
type Config struct {
	Store    Store    // required
	Upstream Upstream // required
	Logger   *slog.Logger
	Sealer   *seal.Sealer // seals JXL tokens before they reach the store; default a random key

	OrderTTL      time.Duration // order lifetime after its last activity; default 15m
	StepTimeout   time.Duration // one submission, RUNNING re-asks included; default 5m
	PollInterval  time.Duration // wait between asks while JXL answers RUNNING; default 2s
	ProgressEvery time.Duration // at most one progress event this often while RUNNING; default 15s
	MaxAttempts   int           // inputs of one kind per order; default 5
	SweepEvery    time.Duration // how often expired orders are dropped; default 30s

	Now func() time.Time // default time.Now
}

// Manager owns the orders of this gateway node. It is safe for concurrent use.
type Manager struct {
	cfg   Config
	log   *slog.Logger
	store Store
	up    Upstream
	seal  *seal.Sealer

	base     context.Context // parent of every upstream call; cancelled by Shutdown
	stopBase context.CancelFunc
	calls    sync.WaitGroup // upstream calls in flight
	sweeper  sync.WaitGroup
	stop     chan struct{}
	stopOnce sync.Once

	mu   sync.Mutex // guards hubs
	hubs map[string]*hub
}

// hub is the node-local side of one order: its lock, its subscriber, the long-polls waiting for
// its next event, and its upstream call.
type hub struct {
	mu       sync.Mutex // serialises changes and deliveries, so events reach the app in seq order
	sub      Subscriber
	watchers map[chan struct{}]struct{}
	call     *call
}

// call is one upstream submission in flight.
type call struct {
	cancel context.CancelFunc
}

// NewManager checks cfg, applies defaults and starts the expiry sweeper. Call Shutdown to stop it.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Store == nil || cfg.Upstream == nil {
		return nil, errors.New("session: config needs a Store and an Upstream")
	}
	setDefaults(&cfg)

	base, stop := context.WithCancel(context.Background())
	m := &Manager{
		cfg: cfg, log: cfg.Logger, store: cfg.Store, up: cfg.Upstream, seal: cfg.Sealer,
		base: base, stopBase: stop, stop: make(chan struct{}), hubs: make(map[string]*hub),
	}
	m.sweeper.Add(1)
	go m.sweepLoop()
	return m, nil
}

func setDefaults(cfg *Config) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Sealer == nil {
		cfg.Sealer = seal.NewRandom()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.OrderTTL, 15*time.Minute)
	def(&cfg.StepTimeout, 5*time.Minute)
	def(&cfg.PollInterval, 2*time.Second)
	def(&cfg.ProgressEvery, 15*time.Second)
	def(&cfg.SweepEvery, 30*time.Second)
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 5
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// OrderTTL is how long an order lives after its last activity.
func (m *Manager) OrderTTL() time.Duration { return m.cfg.OrderTTL }

// consentSkew is how far ahead of this node's clock a lender's consent time may be.
const consentSkew = 5 * time.Minute

// CreateError is why Create failed upstream; Code is an error code of docs/protocol.md.
type CreateError struct {
	Code    string // CodeUpstreamUnavailable, CodeUpstreamError or CodeJXLRejected
	Message string // JXL's own words for a rejection; never personal data
	Err     error
}

func (e *CreateError) Error() string { return "create order: " + e.Code + ": " + e.Err.Error() }
func (e *CreateError) Unwrap() error { return e.Err }

// Create asks JXL for a collection token for the applicant and stores a new order.
func (m *Manager) Create(ctx context.Context, a Applicant) (*Order, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if a.Consent.At.After(m.cfg.Now().Add(consentSkew)) {
		return nil, &ValidationError{"consent.at", "is in the future"}
	}

	app, err := m.up.Apply(ctx, a.applyRequest())
	if err != nil {
		return nil, createError(err)
	}

	now := m.cfg.Now()
	o := &Order{
		ID: newOrderID(), State: StateAwaitPassword, Account: a.Phone,
		Website: app.Datasource.Website, UID: a.UID, Consent: a.Consent,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(m.cfg.OrderTTL),
	}
	o.SealedToken = m.seal.Seal([]byte(app.Token), []byte(o.ID))
	if err := m.store.Create(ctx, o); err != nil {
		return nil, fmt.Errorf("store order: %w", err)
	}
	m.log.Info("order created", "order", o.ID, "website", o.Website,
		"consentVersion", a.Consent.Version)
	return o.clone(), nil
}

func createError(err error) *CreateError {
	var rej *jxlclient.APIError
	switch {
	case errors.As(err, &rej):
		return &CreateError{Code: CodeJXLRejected, Message: rej.Message, Err: err}
	case errors.Is(err, jxlclient.ErrUnavailable):
		return &CreateError{Code: CodeUpstreamUnavailable, Err: err}
	default:
		return &CreateError{Code: CodeUpstreamError, Err: err}
	}
}

// lockHub returns the order's hub, made on first use, with its lock held. It retries when the
// hub it locked was dropped meanwhile, so that an order never has two hubs at once.
func (m *Manager) lockHub(id string) *hub {
	for {
		m.mu.Lock()
		h := m.hubs[id]
		if h == nil {
			h = &hub{}
			m.hubs[id] = h
		}
		m.mu.Unlock()

		h.mu.Lock()
		m.mu.Lock()
		current := m.hubs[id] == h
		m.mu.Unlock()
		if current {
			return h
		}
		h.mu.Unlock()
	}
}

// dropHub forgets a hub that serves nobody, so unknown ids do not pile up. The caller holds h.mu.
func (m *Manager) dropHub(id string, h *hub) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hubs[id] == h && h.sub == nil && h.call == nil && len(h.watchers) == 0 {
		delete(m.hubs, id)
	}
}

// deliver sends newly logged events to the hub's subscriber, if any, and wakes the long-polls
// waiting for them. The caller holds h.mu.
func (h *hub) deliver(evs ...Event) {
	for ch := range h.watchers {
		close(ch)
	}
	clear(h.watchers)
	if h.sub == nil {
		return
	}
	for _, ev := range evs {
		h.sub.Deliver(ev)
	}
}

// update is Store.Update that also stamps the new events with the time they were made, and
// extends the order's life: every change is activity.
func (m *Manager) update(ctx context.Context, id string,
	fn func(o *Order) ([]Event, error)) (*Order, []Event, error) {
	return m.store.Update(ctx, id, func(o *Order) ([]Event, error) {
		evs, err := fn(o)
		if err != nil {
			return nil, err
		}
		m.extend(o)
		ts := m.cfg.Now().UnixMilli()
		for i := range evs {
			evs[i].TS = ts
		}
		return evs, nil
	})
}
