package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestTicketRefusedBeforeUpgrade checks every bad ticket gets a plain HTTP status and no socket.
func TestTicketRefusedBeforeUpgrade(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a, b := e.createOrder(), e.createOrder()
	tampered := []byte(a.Ticket)
	tampered[len(tampered)-3] ^= 1

	cases := []struct {
		name   string
		o      order
		ticket string
		want   int
	}{
		{"missing", a, "", http.StatusUnauthorized},
		{"garbage", a, "not-a-ticket", http.StatusUnauthorized},
		{"tampered", a, string(tampered), http.StatusUnauthorized},
		{"other order's", b, a.Ticket, http.StatusForbidden},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		conn, resp, err := websocket.Dial(ctx, e.wsURL(c.o, c.ticket, ""), nil)
		cancel()
		if err == nil {
			conn.CloseNow()
			t.Fatalf("%s ticket: socket opened", c.name)
		}
		if resp == nil || resp.StatusCode != c.want {
			t.Fatalf("%s ticket: status %v, want %d", c.name, resp, c.want)
		}
	}
	e.connect(b) // the control: b's own ticket opens b
}

// TestExpiredTicket moves the clock past the ticket's life.
func TestExpiredTicket(t *testing.T) {
	t.Parallel()
	var now atomicTime
	now.set(time.Now())
	e := newEnv(t, envOptions{now: now.get, orderTTL: 48 * time.Hour})
	o := e.createOrder()
	now.set(now.get().Add(25 * time.Hour))

	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, e.wsURL(o, o.Ticket, ""), nil)
	if err == nil {
		conn.CloseNow()
		t.Fatal("expired ticket: socket opened")
	}
	if resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("expired ticket: status %v, want 401", resp)
	}
}

func TestCreateOrderRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	key := http.Header{"Authorization": {"Bearer " + testAPIKey}}
	withoutConsent := applicantJSON()
	delete(withoutConsent, "consent")
	badPhone := applicantJSON()
	badPhone["phone"] = "123"
	future := applicantJSON()
	future["consent"] = map[string]any{"given": true, "at": "2099-01-01T00:00:00Z", "version": "v1"}
	blankName := applicantJSON()
	blankName["name"] = "   "
	conflict := applicantJSON()
	conflict["idCard"] = "110000200001010001"
	numberPhone := applicantJSON()
	numberPhone["phone"] = 13800000000
	noConsent := applicantJSON()
	noConsent["consent"] = map[string]any{"given": false, "at": "2026-12-03T10:00:00Z",
		"version": "v1"}

	cases := []struct {
		name   string
		body   any
		header http.Header
		want   int
	}{
		{"no key", applicantJSON(), nil, http.StatusUnauthorized},
		{"wrong key", applicantJSON(), http.Header{"Authorization": {"Bearer nope"}}, 401},
		{"not bearer", applicantJSON(), http.Header{"Authorization": {testAPIKey}}, 401},
		{"not json", "just a string", key, http.StatusBadRequest},
		{"no consent", withoutConsent, key, http.StatusBadRequest},
		{"consent not given", noConsent, key, http.StatusBadRequest},
		{"bad phone", badPhone, key, http.StatusBadRequest},
		{"consent in the future", future, key, http.StatusBadRequest},
		{"blank name", blankName, key, http.StatusBadRequest},
		{"two different id numbers", conflict, key, http.StatusBadRequest},
		{"phone as a number", numberPhone, key, http.StatusBadRequest},
		{"good", applicantJSON(), key, http.StatusCreated},
	}
	for _, c := range cases {
		if got, body := e.post("/v1/orders", c.body, c.header); got != c.want {
			t.Errorf("%s: status %d (%s), want %d", c.name, got, body, c.want)
		}
	}
	if got, _ := e.post("/demo/orders", applicantJSON(), nil); got != http.StatusNotFound {
		t.Errorf("/demo/orders without --demo: %d, want 404", got)
	}
}
