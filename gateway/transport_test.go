package gateway_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/session"
)

// transport is one way for an app to read an order's events and send it messages.
type transport interface {
	send(msg map[string]any)
	// next returns the next event, skipping connection events.
	next() session.Event
	close()
}

// wsTransport is the socket.
type wsTransport struct{ cl *client }

func (w *wsTransport) send(msg map[string]any) { w.cl.send(msg) }
func (w *wsTransport) close()                  { w.cl.c.CloseNow() }
func (w *wsTransport) next() session.Event {
	for {
		if ev := w.cl.next(); !ev.Ephemeral && ev.Type != session.EventState {
			return ev
		}
	}
}

// httpSender POSTs messages, as both HTTP transports do.
type httpSender struct {
	e *env
	o order
}

func (h httpSender) send(msg map[string]any) {
	h.e.t.Helper()
	status, body := h.e.post("/v1/orders/"+h.o.OrderID+"/messages", msg,
		http.Header{"Authorization": {"Bearer " + h.o.Ticket}})
	if status != http.StatusOK {
		h.e.t.Fatalf("POST messages: %d %s", status, body)
	}
}

// sseTransport reads the event stream.
type sseTransport struct {
	httpSender
	resp   *http.Response
	sc     *bufio.Scanner
	cancel context.CancelFunc
}

func (e *env) openSSE(o order, since int64) *sseTransport {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	u := fmt.Sprintf("%s/v1/orders/%s/events/stream?since=%d", e.srv.URL, o.OrderID, since)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	req.Header.Set("Authorization", "Bearer "+o.Ticket)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		e.t.Fatalf("SSE answered %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	st := &sseTransport{httpSender: httpSender{e, o}, resp: resp, sc: bufio.NewScanner(resp.Body),
		cancel: cancel}
	e.t.Cleanup(st.close)
	return st
}

func (s *sseTransport) close() { s.cancel(); s.resp.Body.Close() }

func (s *sseTransport) next() session.Event {
	s.e.t.Helper()
	var id string
	for s.sc.Scan() {
		line := s.sc.Text()
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			id = v
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var ev session.Event
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			s.e.t.Fatalf("SSE data %q: %v", data, err)
		}
		if ev.Ephemeral || ev.Type == session.EventState {
			id = ""
			continue
		}
		if id != fmt.Sprint(ev.Seq) {
			s.e.t.Fatalf("SSE id %q for an event with seq %d", id, ev.Seq)
		}
		return ev
	}
	s.e.t.Fatalf("SSE stream ended: %v", s.sc.Err())
	return session.Event{}
}

// pollTransport long-polls.
type pollTransport struct {
	httpSender
	since   int64
	pending []session.Event
}

func (p *pollTransport) close() {}

func (p *pollTransport) next() session.Event {
	p.e.t.Helper()
	for len(p.pending) == 0 {
		u := fmt.Sprintf("%s/v1/orders/%s/events?since=%d&wait=10s", p.e.srv.URL, p.o.OrderID,
			p.since)
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+p.o.Ticket)
		resp, err := p.e.srv.Client().Do(req)
		if err != nil {
			p.e.t.Fatal(err)
		}
		var body struct{ Events []session.Event }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			p.e.t.Fatalf("long-poll: %d %v", resp.StatusCode, err)
		}
		for _, ev := range body.Events {
			if ev.Type != session.EventState {
				p.pending = append(p.pending, ev)
			}
		}
	}
	ev := p.pending[0]
	p.pending = p.pending[1:]
	p.since = ev.Seq
	return ev
}

// flowSteps is the flow every transport must carry: a wrong password, then the good path.
var flowSteps = []map[string]any{pw("pass_bad"), pw("pass_good"), sms("000000"), sms("123456")}

// walkFlow sends each step and reads up to the next non-progress event, over transports chosen
// by pick (step index -> transport), and returns the event types and seqs seen.
func walkFlow(t *testing.T, pick func(i int, since int64) transport) []string {
	t.Helper()
	var seen []string
	var since int64
	for i, msg := range flowSteps {
		tr := pick(i, since)
		tr.send(msg)
		for {
			ev := tr.next()
			seen = append(seen, fmt.Sprintf("%d:%s:%s", ev.Seq, ev.Type, ev.Code))
			since = ev.Seq
			if ev.Type != session.EventProgress {
				break
			}
		}
	}
	return seen
}

// TestTransportsCarryTheSameFlow runs one flow over each transport, and one that switches
// transport at every step, and compares the event sequences.
func TestTransportsCarryTheSameFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	open := map[string]func(o order, since int64) transport{
		"websocket": func(o order, since int64) transport {
			return &wsTransport{e.dial(o, fmt.Sprintf("since=%d", since))}
		},
		"sse": func(o order, since int64) transport { return e.openSSE(o, since) },
		"poll": func(o order, since int64) transport {
			return &pollTransport{httpSender: httpSender{e, o}, since: since}
		},
	}

	var want []string
	for _, name := range []string{"websocket", "sse", "poll"} {
		o := e.createOrder()
		var tr transport
		got := walkFlow(t, func(i int, since int64) transport {
			if tr == nil {
				tr = open[name](o, since)
			}
			return tr
		})
		tr.close()
		if want == nil {
			want = got
			continue
		}
		if !equal(got, want) {
			t.Fatalf("%s saw %v, websocket saw %v", name, got, want)
		}
	}

	o := e.createOrder()
	order := []string{"websocket", "sse", "poll", "websocket"}
	var prev transport
	got := walkFlow(t, func(i int, since int64) transport {
		if prev != nil {
			prev.close()
		}
		prev = open[order[i]](o, since)
		return prev
	})
	if !equal(got, want) {
		t.Fatalf("switching transports saw %v, want %v", got, want)
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, ",") == strings.Join(b, ",")
}

// TestMessageAnswers: POSTed messages answer with their connection events, like the socket.
func TestMessageAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	auth := http.Header{"Authorization": {"Bearer " + o.Ticket}}
	cases := []struct {
		body   any
		status int
		typ    string
	}{
		{map[string]any{"type": "ping", "id": "p1"}, 200, session.EventPong},
		{map[string]any{"type": "sms", "code": "123456"}, 200, session.EventError},
		{"not an object", 200, session.EventError},
	}
	for _, c := range cases {
		status, raw := e.post("/v1/orders/"+o.OrderID+"/messages", c.body, auth)
		var body struct{ Events []session.Event }
		json.Unmarshal(raw, &body)
		if status != c.status || len(body.Events) != 1 || body.Events[0].Type != c.typ {
			t.Fatalf("%v: %d %s, want %d with one %s", c.body, status, raw, c.status, c.typ)
		}
	}
	big := map[string]any{"type": "ping", "pad": strings.Repeat("x", 20<<10)}
	if status, _ := e.post("/v1/orders/"+o.OrderID+"/messages", big, auth); status != 413 {
		t.Fatalf("20 KiB message: %d, want 413", status)
	}
	if status, _ := e.post("/v1/orders/"+o.OrderID+"/messages", map[string]any{"type": "ping"},
		nil); status != http.StatusUnauthorized {
		t.Fatalf("no ticket: %d, want 401", status)
	}
	b, _ := json.Marshal(map[string]any{"type": "ping"})
	req, _ := http.NewRequest(http.MethodOptions, e.srv.URL+"/v1/orders/"+o.OrderID+"/messages",
		bytes.NewReader(b))
	req.Header.Set("Origin", "https://evil.example.net")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Fatalf("CORS preflight from a foreign origin allowed %q", got)
	}
}

// TestShutdownEndsStreamsAndPolls: a restart sends event streams a reconnect event and a
// closed 1012, and long-polls a reconnect event, instead of leaving them to the drain timeout.
func TestShutdownEndsStreamsAndPolls(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	o := e.createOrder()
	st := e.openSSE(o, 0)

	polled := make(chan []session.Event, 1)
	go func() {
		u := fmt.Sprintf("%s/v1/orders/%s/events?since=0&wait=30s", e.srv.URL, o.OrderID)
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer "+o.Ticket)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			polled <- nil
			return
		}
		defer resp.Body.Close()
		var body struct{ Events []session.Event }
		json.NewDecoder(resp.Body).Decode(&body)
		polled <- body.Events
	}()
	waitFor(t, func() bool { return e.sessions.Watching(o.OrderID) })

	ctx, cancel := testCtx()
	defer cancel()
	if err := e.gw.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v (a stream or poll held it up)", err)
	}
	var types []string
	for st.sc.Scan() {
		if data, ok := strings.CutPrefix(st.sc.Text(), "data: "); ok {
			var ev session.Event
			json.Unmarshal([]byte(data), &ev)
			types = append(types, ev.Type)
			if ev.Type == session.EventClosed && ev.CloseCode != 1012 {
				t.Fatalf("stream closed with %d, want 1012", ev.CloseCode)
			}
		}
	}
	if got := strings.Join(types, ","); got != "reconnect,closed" {
		t.Fatalf("stream events %s, want reconnect,closed", got)
	}
	evs := <-polled
	if len(evs) != 1 || evs[0].Type != session.EventReconnect {
		t.Fatalf("long-poll answered %+v, want one reconnect event", evs)
	}
}

// waitFor polls cond for a bounded time: for conditions with no event to wait on.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
	}
}
