package gateway_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
)

// handshake opens a socket for o with the given ticket and Origin and returns the HTTP status
// (101 when it opened).
func (e *env) handshake(o order, ticket, origin string) int {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	c, resp, err := websocket.Dial(ctx, e.wsURL(o, ticket, ""), &websocket.DialOptions{
		HTTPHeader: h,
	})
	if err == nil {
		c.CloseNow()
		return http.StatusSwitchingProtocols
	}
	if resp == nil {
		e.t.Fatalf("handshake with Origin %q: no answer: %v", origin, err)
	}
	return resp.StatusCode
}

// TestOrigins replays F04: six handshakes differing only in Origin, against a written allowlist.
func TestOrigins(t *testing.T) {
	t.Parallel()
	cases := []struct {
		origin       string
		strict, h5ok int // without and with AllowNullOrigin
	}{
		{"https://demo.example.test", 101, 101},
		{"null", 403, 101},
		{"file://", 403, 101},
		{"", 101, 101}, // native apps send no Origin
		{"https://evil.example.net", 403, 403},
		{"http://localhost:8080", 403, 403},
	}
	for _, allowNull := range []bool{false, true} {
		e := newEnv(t, envOptions{allowedOrigins: []string{"demo.example.test"},
			allowNullOrigin: allowNull})
		o := e.createOrder()
		for _, c := range cases {
			want := c.strict
			if allowNull {
				want = c.h5ok
			}
			if got := e.handshake(o, o.Ticket, c.origin); got != want {
				t.Errorf("allowNull=%v Origin %q: status %d, want %d", allowNull, c.origin, got,
					want)
			}
		}
		// Refusals are JSON like every other.
		status, body := e.refusalBody(o, "https://evil.example.net")
		if status != 403 || body["error"] == "" {
			t.Errorf("foreign origin: %d %v, want 403 with a JSON error", status, body)
		}
		// A local-file page still needs a valid ticket (and without the switch, the origin is
		// refused before the ticket is looked at).
		want := http.StatusForbidden
		if allowNull {
			want = http.StatusUnauthorized
		}
		if got := e.handshake(o, "forged", "null"); got != want {
			t.Errorf("allowNull=%v Origin null with a bad ticket: %d, want %d", allowNull, got,
				want)
		}
	}
}

// TestTicketOpenWindow: a ticket must open its order within the window; once opened, it serves
// reconnects for the order's lifetime.
func TestTicketOpenWindow(t *testing.T) {
	t.Parallel()
	var now atomicTime
	now.set(time.Now())
	e := newEnv(t, envOptions{now: now.get, orderTTL: time.Hour})
	unused, used := e.createOrder(), e.createOrder()
	e.connect(used).c.Close(websocket.StatusNormalClosure, "")

	now.set(now.get().Add(6 * time.Minute))
	if got := e.handshake(unused, unused.Ticket, ""); got != http.StatusUnauthorized {
		t.Fatalf("ticket unused for 6 min: %d, want 401", got)
	}
	if got := e.handshake(used, used.Ticket, ""); got != http.StatusSwitchingProtocols {
		t.Fatalf("reconnect to an opened order after 6 min: %d, want 101", got)
	}
}

func TestConnectionRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{limits: func(c *gateway.Config) {
		c.ConnRate, c.ConnBurst = 1e-9, 3
	}})
	o := e.createOrder()
	for i := 0; i < 3; i++ {
		if got := e.handshake(o, o.Ticket, ""); got != http.StatusSwitchingProtocols {
			t.Fatalf("attempt %d: %d, want 101", i+1, got)
		}
	}
	if got := e.handshake(o, o.Ticket, ""); got != http.StatusTooManyRequests {
		t.Fatalf("fourth attempt: %d, want 429", got)
	}
}

func TestOrderRateLimitPerKey(t *testing.T) {
	t.Parallel()
	const other = "second-api-key-0123456789"
	e := newEnv(t, envOptions{limits: func(c *gateway.Config) {
		c.OrderRate, c.OrderBurst = 1e-9, 2
		c.APIKeys = append(c.APIKeys, other)
	}})
	key := func(k string) http.Header { return http.Header{"Authorization": {"Bearer " + k}} }
	for i := 0; i < 2; i++ {
		if got, body := e.post("/v1/orders", applicantJSON(), key(testAPIKey)); got != 201 {
			t.Fatalf("order %d: %d %s, want 201", i+1, got, body)
		}
	}
	if got, _ := e.post("/v1/orders", applicantJSON(), key(testAPIKey)); got != 429 {
		t.Fatalf("third order: %d, want 429", got)
	}
	if got, _ := e.post("/v1/orders", applicantJSON(), key(other)); got != 201 {
		t.Fatalf("another key's first order: %d, want 201 (its own bucket)", got)
	}
}

// TestAPIKeyRotation: two keys valid at once, then the old one retired, without a restart.
func TestAPIKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	const newKey = "rotated-api-key-9876543210"
	key := func(k string) http.Header { return http.Header{"Authorization": {"Bearer " + k}} }

	e.gw.SetAPIKeys([]string{testAPIKey, newKey})
	for _, k := range []string{testAPIKey, newKey} {
		if got, _ := e.post("/v1/orders", applicantJSON(), key(k)); got != 201 {
			t.Fatalf("during rotation, key %q...: %d, want 201", k[:6], got)
		}
	}
	e.gw.SetAPIKeys([]string{newKey})
	if got, _ := e.post("/v1/orders", applicantJSON(), key(testAPIKey)); got != 401 {
		t.Fatalf("retired key: %d, want 401", got)
	}
	if got, _ := e.post("/v1/orders", applicantJSON(), key(newKey)); got != 201 {
		t.Fatalf("new key after rotation: %d, want 201", got)
	}
}

// refusalBody makes a plain-HTTP upgrade request and decodes the JSON refusal.
func (e *env) refusalBody(o order, origin string) (int, map[string]string) {
	e.t.Helper()
	u := strings.Replace(e.wsURL(o, o.Ticket, ""), "ws", "http", 1)
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range map[string]string{"Origin": origin, "Connection": "Upgrade",
		"Upgrade": "websocket", "Sec-WebSocket-Version": "13",
		"Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="} {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestFallbacksCheckOrigin: a foreign page holding a leaked ticket can act through the HTTP
// fallbacks no more than through the socket; and messages take the ticket from the header only,
// which a foreign page cannot send without a CORS preflight.
func TestFallbacksCheckOrigin(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{allowedOrigins: []string{"h5.example.test"}})
	o := e.createOrder()
	base := e.srv.URL + "/v1/orders/" + o.OrderID
	cases := []struct {
		name, method, url, origin string
		header                    bool
		want                      int
	}{
		{"message from a foreign page", "POST", base + "/messages", "https://evil.example.net",
			true, 403},
		{"message, null origin", "POST", base + "/messages", "null", true, 403},
		{"message, ticket in the query", "POST", base + "/messages?ticket=" + o.Ticket,
			"https://h5.example.test", false, 401},
		{"message from the allowed page", "POST", base + "/messages",
			"https://h5.example.test", true, 200},
		{"long-poll from a foreign page", "GET", base + "/events?wait=0s",
			"https://evil.example.net", true, 403},
		{"stream from a foreign page", "GET", base + "/events/stream?ticket=" + o.Ticket,
			"https://evil.example.net", false, 403},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, c.url, strings.NewReader(`{"type":"cancel"}`))
		req.Header.Set("Origin", c.origin)
		req.Header.Set("Content-Type", "text/plain")
		if c.header {
			req.Header.Set("Authorization", "Bearer "+o.Ticket)
		}
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
}
