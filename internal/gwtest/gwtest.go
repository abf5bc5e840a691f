// Package gwtest starts a whole gateway for tests outside the gateway package: the JXL
// simulator as its own loopback server, the JXL client, the session manager and the gateway's
// routes on a loopback HTTP server.
package gwtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/internal/ticket"
	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
	"github.com/jxlgw/jxlgw/web/demo"
	"github.com/jxlgw/jxlgw/web/sdk"
)

// APIKey is the lender key every Env accepts.
const APIKey = "gwtest-api-key-0123456789"

// Env is a running gateway. Everything stops when the test ends.
type Env struct {
	URL      string // the gateway's http:// base
	Sim      *jxlsim.Server
	Gateway  *gateway.Server
	Sessions *session.Manager
}

// Options tune an Env; the zero value is a healthy v2 simulator with the demo page on.
type Options struct {
	Mode   jxlclient.Mode
	Sim    jxlsim.Config
	Logger *slog.Logger
}

// Start runs an Env for t.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sim := jxlsim.New(o.Sim)
	simSrv := httptest.NewServer(sim)
	up, err := jxlclient.New(jxlclient.Config{BaseURL: simSrv.URL, Org: "demo_org", Mode: o.Mode})
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.NewManager(session.Config{
		Store: session.NewMemStore(0), Upstream: up, Logger: log, PollInterval: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	tickets, _ := ticket.NewIssuer([]ticket.Key{ticket.RandomKey()}, nil)
	gw, err := gateway.New(gateway.Config{
		Sessions: sessions, Tickets: tickets, Logger: log, APIKeys: []string{APIKey},
		Demo: true, DemoFS: demo.FS, SDKFS: sdk.FS,
		MsgRate: 1000, MsgBurst: 1000, ConnRate: 1e6, ConnBurst: 1e6, OrderRate: 1e6,
		OrderBurst: 1e6,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())

	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		gw.Shutdown(ctx)
		srv.Close()
		sessions.Shutdown(ctx)
		sim.Close()
		simSrv.Close()
		up.CloseIdleConnections()
	})
	return &Env{URL: srv.URL, Sim: sim, Gateway: gw, Sessions: sessions}
}

// Order is POST /v1/orders' answer.
type Order struct {
	OrderID   string `json:"orderId"`
	Ticket    string `json:"ticket"`
	WSURL     string `json:"wsUrl"`
	ExpiresAt string `json:"expiresAt"`
}

// CreateOrder creates an order for a fixed fake applicant.
func (e *Env) CreateOrder(t testing.TB) Order {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"name": "测试用户", "idCardNum": "110000200001010000", "phone": "13800000000",
		"consent": map[string]any{"given": true, "at": "2026-12-03T10:00:00Z", "version": "v1"},
	})
	req, _ := http.NewRequest(http.MethodPost, e.URL+"/v1/orders", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+APIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var o Order
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &o) != nil {
		t.Fatalf("create order: %d %s", resp.StatusCode, raw)
	}
	return o
}
