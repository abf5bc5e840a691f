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
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/internal/ticket"
	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

// BenchmarkFlow is one whole pass_good order over real loopback HTTP and WebSocket: create the
// order, open its socket, send the password and the SMS code, read to finish and close 1000.
// Logging is at Info into a discard handler, as in production minus the I/O.
func BenchmarkFlow(b *testing.B) {
	srv := newBenchGateway(b)
	wsBase := strings.Replace(srv.URL, "http", "ws", 1)
	body, _ := json.Marshal(applicantJSON())
	client := srv.Client()
	ctx := context.Background()

	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/orders", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testAPIKey)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var o order
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &o) != nil {
			b.Fatalf("POST /v1/orders = %d %s, want 201", resp.StatusCode, raw)
		}

		c, _, err := websocket.Dial(ctx, wsBase+"/v1/orders/"+o.OrderID+"/ws?ticket="+o.Ticket,
			nil)
		if err != nil {
			b.Fatal(err)
		}
		benchUntil(b, c, session.EventState)
		benchSend(b, c, `{"type":"password","password":"pass_good"}`)
		benchUntil(b, c, session.EventPromptSMS)
		benchSend(b, c, `{"type":"sms","code":"123456"}`)
		benchUntil(b, c, session.EventFinish)
		if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			b.Fatalf("after finish: %v, want close 1000", err)
		}
		c.CloseNow()
	}
}

func benchSend(b *testing.B, c *websocket.Conn, msg string) {
	if err := c.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		b.Fatal(err)
	}
}

// benchUntil reads events until one of type typ.
func benchUntil(b *testing.B, c *websocket.Conn, typ string) {
	for {
		_, raw, err := c.Read(context.Background())
		if err != nil {
			b.Fatalf("waiting for %s: %v", typ, err)
		}
		var ev session.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			b.Fatal(err)
		}
		if ev.Type == typ {
			return
		}
		if ev.Type == session.EventError {
			b.Fatalf("waiting for %s: %+v", typ, ev)
		}
	}
}

// newBenchGateway is newEnv for benchmarks: the same stack, logging at Info into nothing.
func newBenchGateway(b *testing.B) *httptest.Server {
	log := slog.New(slog.DiscardHandler)
	sim := jxlsim.New(jxlsim.Config{})
	simSrv := httptest.NewServer(sim)
	up, err := jxlclient.New(jxlclient.Config{BaseURL: simSrv.URL, Org: "demo_org"})
	if err != nil {
		b.Fatal(err)
	}
	sessions, err := session.NewManager(session.Config{
		Store: session.NewMemStore(0), Upstream: up, Logger: log, PollInterval: time.Millisecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	tickets, err := ticket.NewIssuer([]ticket.Key{ticket.RandomKey()}, nil)
	if err != nil {
		b.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{
		Sessions: sessions, Tickets: tickets, Logger: log, APIKeys: []string{testAPIKey},
		ConnRate: 1e6, ConnBurst: 1e6, OrderRate: 1e6, OrderBurst: 1e6,
	})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler())
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		gw.Shutdown(ctx)
		srv.Close()
		sessions.Shutdown(ctx)
		sim.Close()
		simSrv.Close()
		up.CloseIdleConnections()
	})
	return srv
}
