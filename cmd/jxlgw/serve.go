package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/internal/ticket"
	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/session"
	demo "github.com/jxlgw/jxlgw/web/demo"
	"github.com/jxlgw/jxlgw/web/sdk"
	"github.com/spf13/cobra"
	"golang.org/x/time/rate"
)

type serveOptions struct {
	addr           string
	demo           bool
	jxlURL         string
	jxlOrg         string
	jxlMode        string
	jxlV3          bool
	collectTimeout time.Duration
	breakerFails   uint32
	breakerOpenFor time.Duration
	apiKeysFile    string
	ticketKeysFile string
	orderTTL       time.Duration
	stepTimeout    time.Duration
	pollInterval   time.Duration
	maxAttempts    int
	pingInterval   time.Duration
	pongTimeout    time.Duration
	writeTimeout   time.Duration
	readLimit      int64
	msgRate        float64
	allowedOrigins []string
	trustedProxies []string
	publicURL      string
	drainTimeout   time.Duration
	simDelay       time.Duration
	openWindow     time.Duration
	allowNull      bool
	connRate       float64
	connBurst      int
	orderRate      float64
	orderBurst     int
	tlsCert        string
	tlsKey         string

	randomKey *ticket.Key // made once when no ticket keys are configured, kept across reloads
}

func newServe(lo *logOptions) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the gateway",
		Long: "Run the gateway. Every flag can also be set with JXLGW_<FLAG> (dashes become " +
			"underscores).\nSecrets come from files or the environment: " + envAPIKeys +
			" (comma-separated API keys) and " + envTicketKeys + " (kid:base64 signing keys).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := lo.logger()
			if err != nil {
				return err
			}
			return o.run(cmd.Context(), log)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen address")
	f.BoolVar(&o.demo, "demo", false,
		"embed the JXL simulator on a loopback port and serve the demo page at /demo/")
	f.StringVar(&o.jxlURL, "jxl-url", "", "JXL base URL, e.g. https://www.juxinli.com "+
		"(default with --demo: the embedded simulator)")
	f.StringVar(&o.jxlOrg, "jxl-org", "demo_org", "JXL org account")
	f.StringVar(&o.jxlMode, "jxl-mode", "v2",
		"v2 (blocking collect/req) or legacy (collect/req + collect/resp polling)")
	f.BoolVar(&o.jxlV3, "jxl-v3", false, "create tokens with the v3 applications call")
	f.DurationVar(&o.collectTimeout, "collect-timeout", 200*time.Second,
		"deadline of one JXL collect call (JXL blocks up to about 180s)")
	f.Uint32Var(&o.breakerFails, "breaker-failures", 5,
		"consecutive JXL failures that open the circuit breaker")
	f.DurationVar(&o.breakerOpenFor, "breaker-open-for", 30*time.Second,
		"how long the breaker stays open before one probe call")
	f.StringVar(&o.apiKeysFile, "api-keys-file", "",
		"file of lender API keys, one per line (default: "+envAPIKeys+")")
	f.StringVar(&o.ticketKeysFile, "ticket-keys-file", "", "file of ticket signing keys, "+
		"kid:base64 per line, first signs (default: "+envTicketKeys+", else a random key)")
	f.DurationVar(&o.orderTTL, "order-ttl", 15*time.Minute,
		"how long an order lives after its last activity")
	f.DurationVar(&o.stepTimeout, "step-timeout", 5*time.Minute,
		"deadline of one submission, re-asks while JXL is RUNNING included")
	f.DurationVar(&o.pollInterval, "poll-interval", 2*time.Second,
		"wait between asks while JXL answers RUNNING")
	f.IntVar(&o.maxAttempts, "max-attempts", 5, "inputs of one kind allowed per order")
	f.DurationVar(&o.pingInterval, "ping-interval", 25*time.Second,
		"WebSocket ping period; keep it under every proxy's idle timeout")
	f.DurationVar(&o.pongTimeout, "pong-timeout", 15*time.Second,
		"how long a ping waits for its pong before the socket is dropped")
	f.DurationVar(&o.writeTimeout, "write-timeout", 10*time.Second, "deadline of one socket write")
	f.Int64Var(&o.readLimit, "read-limit", 16<<10, "largest message from an app, in bytes")
	f.Float64Var(&o.msgRate, "msg-rate", 5, "messages per second per socket (burst 20)")
	f.StringSliceVar(&o.allowedOrigins, "allowed-origins", nil,
		"host patterns of pages allowed to open sockets, besides the gateway's own host")
	f.StringSliceVar(&o.trustedProxies, "trusted-proxies", nil,
		"proxies (IPs or CIDRs) whose X-Forwarded-For is believed")
	f.StringVar(&o.publicURL, "public-url", "", "base URL apps reach the gateway at, for wsUrl")
	f.DurationVar(&o.drainTimeout, "drain-timeout", 30*time.Second,
		"on SIGTERM, how long to wait for JXL calls in flight")
	f.DurationVar(&o.simDelay, "sim-delay", 800*time.Millisecond,
		"with --demo, how long the simulator takes to answer a step")
	f.DurationVar(&o.openWindow, "open-window", 5*time.Minute,
		"how long a new ticket may take to open its order (reconnects are fine after that)")
	f.BoolVar(&o.allowNull, "allow-null-origin", false, "let pages with Origin null or "+
		"file:// (H5 bundles loaded from app files) open sockets; a valid ticket is still needed")
	f.Float64Var(&o.connRate, "conn-rate", 10, "socket attempts per second per client IP")
	f.IntVar(&o.connBurst, "conn-burst", 60, "burst of socket attempts per client IP")
	f.Float64Var(&o.orderRate, "order-rate", 50, "orders per second per API key")
	f.IntVar(&o.orderBurst, "order-burst", 200, "burst of orders per API key")
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS/WSS with this certificate (PEM file)")
	f.StringVar(&o.tlsKey, "tls-key", "", "private key (PEM file) for --tls-cert")
	cmd.MarkFlagsRequiredTogether("tls-cert", "tls-key")
	return cmd
}

func (o *serveOptions) run(ctx context.Context, log *slog.Logger) error {
	if o.demo && o.jxlURL == "" {
		url, stopSim, err := startSim(log, o.jxlOrg, o.simDelay)
		if err != nil {
			return err
		}
		o.jxlURL = url
		defer stopSim()
	}

	gw, sessions, err := o.build(log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() {
		if o.tlsCert != "" {
			served <- srv.ServeTLS(ln, o.tlsCert, o.tlsKey)
			return
		}
		served <- srv.Serve(ln)
	}()
	scheme := "http"
	if o.tlsCert != "" {
		scheme = "https"
	}
	log.Info("gateway listening", "addr", ln.Addr().String(), "tls", o.tlsCert != "",
		"demo", o.demo, "version", version)
	if o.demo {
		log.Info("demo page", "url", scheme+"://"+ln.Addr().String()+"/demo/")
		log.Warn("demo mode: POST /demo/orders creates orders without an API key; " +
			"never run --demo where the public can reach it")
	}

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case err = <-served:
			return o.shutdown(log, srv, gw, sessions, err)
		case <-ctx.Done():
			return o.shutdown(log, srv, gw, sessions, nil)
		case <-hup:
			o.reload(log, gw)
		}
	}
}

// shutdown stops accepting, closes every socket with 1012, then waits for JXL calls in flight.
func (o *serveOptions) shutdown(log *slog.Logger, srv *http.Server, gw *gateway.Server,
	sessions *session.Manager, serveErr error) error {
	log.Info("shutting down", "drainTimeout", o.drainTimeout)
	ctx, cancel := context.WithTimeout(context.Background(), o.drainTimeout)
	defer cancel()

	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Shutdown(ctx) }()
	gw.Shutdown(ctx)
	if err := sessions.Shutdown(ctx); err != nil {
		log.Warn("upstream calls abandoned at the drain timeout")
	}
	<-httpDone
	log.Info("stopped")
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

func (o *serveOptions) build(log *slog.Logger) (*gateway.Server, *session.Manager, error) {
	mode := jxlclient.ModeV2
	switch o.jxlMode {
	case "v2":
	case "legacy":
		mode = jxlclient.ModeLegacy
	default:
		return nil, nil, fmt.Errorf("invalid --jxl-mode %q: want v2 or legacy", o.jxlMode)
	}
	if o.jxlURL == "" {
		return nil, nil, errors.New("--jxl-url is required (or use --demo)")
	}
	up, err := jxlclient.New(jxlclient.Config{
		BaseURL: o.jxlURL, Org: o.jxlOrg, Mode: mode, ApplyV3: o.jxlV3,
		CollectTimeout: o.collectTimeout, BreakerFailures: o.breakerFails,
		BreakerOpenFor: o.breakerOpenFor,
		OnBreakerChange: func(from, to string) {
			log.Warn("jxl circuit breaker changed", "from", from, "to", to)
		},
	})
	if err != nil {
		return nil, nil, err
	}

	sessions, err := session.NewManager(session.Config{
		Store: session.NewMemStore(0), Upstream: up, Logger: log,
		OrderTTL: o.orderTTL, StepTimeout: o.stepTimeout, PollInterval: o.pollInterval,
		MaxAttempts: o.maxAttempts,
	})
	if err != nil {
		return nil, nil, err
	}

	tickets, apiKeys, err := o.secrets(log)
	if err != nil {
		return nil, nil, err
	}
	var demoFS fs.FS
	if o.demo {
		demoFS = demo.FS
	}
	gw, err := gateway.New(gateway.Config{
		Sessions: sessions, Tickets: tickets, Logger: log, APIKeys: apiKeys,
		Demo: o.demo, DemoFS: demoFS, SDKFS: sdk.FS, AllowedOrigins: o.allowedOrigins,
		TrustedProxies: o.trustedProxies, PublicURL: o.publicURL,
		ReadLimit: o.readLimit, WriteTimeout: o.writeTimeout,
		PingInterval: o.pingInterval, PongTimeout: o.pongTimeout, MsgRate: rate.Limit(o.msgRate),
		OpenWindow: o.openWindow, AllowNullOrigin: o.allowNull, TLS: o.tlsCert != "",
		ConnRate: rate.Limit(o.connRate), ConnBurst: o.connBurst,
		OrderRate: rate.Limit(o.orderRate), OrderBurst: o.orderBurst,
	})
	if err != nil {
		return nil, nil, err
	}
	return gw, sessions, nil
}

// reload re-reads the API keys and ticket keys on SIGHUP, for rotation without a restart. A
// broken file keeps the old keys.
func (o *serveOptions) reload(log *slog.Logger, gw *gateway.Server) {
	tickets, apiKeys, err := o.secrets(log)
	if err != nil {
		log.Error("reload secrets: keeping the old keys", "err", err)
		return
	}
	if len(apiKeys) == 0 {
		// A file caught half-written, or emptied by mistake, must not lock every lender out.
		log.Error("reload secrets: no API keys in the new configuration; keeping the old keys")
		return
	}
	gw.SetAPIKeys(apiKeys)
	gw.SetTickets(tickets)
	log.Info("secrets reloaded", "apiKeys", len(apiKeys))
}

func (o *serveOptions) secrets(log *slog.Logger) (*ticket.Issuer, []string, error) {
	apiKeys, err := readList(o.apiKeysFile, envAPIKeys)
	if err != nil {
		return nil, nil, err
	}
	if len(apiKeys) == 0 {
		log.Warn("no API keys configured: POST /v1/orders refuses every request")
	} else {
		log.Info("API keys configured", "count", len(apiKeys))
	}

	items, err := readList(o.ticketKeysFile, envTicketKeys)
	if err != nil {
		return nil, nil, err
	}
	keys, err := parseTicketKeys(items)
	if err != nil {
		return nil, nil, err
	}
	if len(keys) == 0 {
		if o.randomKey == nil {
			k := ticket.RandomKey()
			o.randomKey = &k
			log.Warn("no ticket keys configured: using a random key; tickets die with this " +
				"process")
		}
		keys = []ticket.Key{*o.randomKey}
	}
	tickets, err := ticket.NewIssuer(keys, nil)
	return tickets, apiKeys, err
}
