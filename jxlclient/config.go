package jxlclient

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Mode selects how collect steps reach JXL.
type Mode int

// The two collect styles seen in public integrations.
const (
	// ModeV2 posts to /orgApi/rest/v2/messages/collect/req, which blocks
	// until a step result exists (or answers RUNNING on JXL's own timeout).
	ModeV2 Mode = iota
	// ModeLegacy posts to /orgApi/rest/messages/collect/req, which only
	// accepts, and polls /orgApi/rest/messages/collect/resp for the result.
	ModeLegacy
)

// String returns "v2" or "legacy".
func (m Mode) String() string {
	switch m {
	case ModeV2:
		return "v2"
	case ModeLegacy:
		return "legacy"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Default values applied by New to zero Config fields.
const (
	DefaultApplyTimeout    = 60 * time.Second
	DefaultCollectTimeout  = 200 * time.Second // JXL blocks up to ~180 s
	DefaultPollTimeout     = 30 * time.Second
	DefaultBreakerFailures = 5
	DefaultBreakerOpenFor  = 30 * time.Second
)

// Config configures a Client. The zero value of every optional field means
// its default.
type Config struct {
	// BaseURL is JXL's origin, e.g. https://www.juxinli.com. Required.
	BaseURL string
	// Org is the org account, the {org} path segment. Required.
	Org string
	// Mode selects v2 blocking collect or the legacy accept-and-poll style.
	Mode Mode
	// ApplyV3 uses /orgApi/rest/v3/applications/{org}, whose success needs
	// code 65557; otherwise the v2 path is used. Applies to both modes.
	ApplyV3 bool
	// HTTPClient sends the requests. nil means a client of our own with
	// dial, TLS-handshake and response-header timeouts. Per-call deadlines
	// come from the timeouts below either way.
	HTTPClient *http.Client
	// ApplyTimeout bounds one applications or datasources call; default 60s.
	ApplyTimeout time.Duration
	// CollectTimeout bounds one collect/req call (v2 Collect and Poll, and
	// the legacy accept); default 200s, above JXL's ~180s blocking limit.
	CollectTimeout time.Duration
	// PollTimeout bounds one legacy collect/resp call; default 30s.
	PollTimeout time.Duration
	// BreakerFailures is how many consecutive upstream failures open the
	// circuit breaker; default 5.
	BreakerFailures uint32
	// BreakerOpenFor is how long the breaker stays open before it lets one
	// half-open probe through; default 30s.
	BreakerOpenFor time.Duration
	// OnBreakerChange, if set, is called with "closed", "open" or
	// "half-open" on every state change. It runs synchronously while the
	// breaker's lock is held: it must not block and must not call back into
	// the Client. The open to half-open change is noticed lazily, on the
	// next call or BreakerState.
	OnBreakerChange func(from, to string)
}

// withDefaults validates cfg and fills in defaults.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.BaseURL == "" {
		return cfg, errors.New("base url is required")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return cfg, fmt.Errorf("parse base url: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return cfg, fmt.Errorf("base url %q: want http(s)://host", cfg.BaseURL)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return cfg, fmt.Errorf("base url %q: query and fragment not allowed", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")

	if cfg.Org == "" {
		return cfg, errors.New("org is required")
	}
	if cfg.Mode != ModeV2 && cfg.Mode != ModeLegacy {
		return cfg, fmt.Errorf("unknown mode %d", int(cfg.Mode))
	}

	durations := []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{
		{"apply timeout", &cfg.ApplyTimeout, DefaultApplyTimeout},
		{"collect timeout", &cfg.CollectTimeout, DefaultCollectTimeout},
		{"poll timeout", &cfg.PollTimeout, DefaultPollTimeout},
		{"breaker open duration", &cfg.BreakerOpenFor, DefaultBreakerOpenFor},
	}
	for _, f := range durations {
		if *f.d < 0 {
			return cfg, fmt.Errorf("%s %v is negative", f.name, *f.d)
		}
		if *f.d == 0 {
			*f.d = f.def
		}
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = DefaultBreakerFailures
	}
	return cfg, nil
}

// defaultHTTPClient builds a client whose transport cannot hang on connect,
// TLS or headers even if a caller forgets a deadline (F12). The header
// timeout sits above the longest per-call timeout so the per-call deadline,
// with its clearer error, normally fires first.
func defaultHTTPClient(cfg Config) *http.Client {
	longest := max(cfg.ApplyTimeout, cfg.CollectTimeout, cfg.PollTimeout)
	return &http.Client{
		Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: (&net.Dialer{
				Timeout:   10 * time.Second,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: longest + 5*time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       90 * time.Second,
			MaxIdleConnsPerHost:   32,
			ForceAttemptHTTP2:     true,
		},
	}
}
