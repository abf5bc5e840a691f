package gateway

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
	"github.com/jxlgw/jxlgw/session"
)

// stream is one Server-Sent Events connection: a session.Subscriber like a socket, written by
// its own HTTP handler goroutine. It replaces, and is replaced by, sockets of the same order.
type stream struct {
	orderID string
	connID  string
	limit   int
	wake    chan struct{} // signalled when there is something to write
	pinged  chan struct{} // signalled by the heartbeat
	killed  chan struct{} // closed to end the stream at once
	once    sync.Once

	mu     sync.Mutex // guards queue, closed, code and reason
	queue  []session.Event
	closed bool
	code   int
	reason string
}

func newStream(orderID string, limit int) *stream {
	return &stream{orderID: orderID, limit: limit, wake: make(chan struct{}, 1),
		pinged: make(chan struct{}, 1), killed: make(chan struct{})}
}

func (st *stream) order() string { return st.orderID }

func (st *stream) restart() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closeLocked(int(websocket.StatusServiceRestart), "restart")
}

func (st *stream) kill() { st.once.Do(func() { close(st.killed) }) }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Deliver implements session.Subscriber.
func (st *stream) Deliver(ev session.Event) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	if len(st.queue) >= st.limit {
		st.closeLocked(1013, "slow")
		return
	}
	st.queue = append(st.queue, ev)
	signal(st.wake)
}

// Kick implements session.Subscriber.
func (st *stream) Kick(reason session.KickReason) {
	if reason == session.KickReplaced {
		st.ReplacedBy("")
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.closeLocked(int(StatusSessionExpired), "session_expired")
}

// ConnID implements session.Identified.
func (st *stream) ConnID() string { return st.connID }

// ReplacedBy implements session.ReplacedBy.
func (st *stream) ReplacedBy(by string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.queue = nil // the newer connection replays these; one event, one connection
	st.closeLocked(int(StatusReplaced), replacedReason(by))
}

func (st *stream) ping() { signal(st.pinged) }

func (st *stream) closeLocked(code int, reason string) {
	if !st.closed {
		st.closed, st.code, st.reason = true, code, reason
		signal(st.wake)
	}
}

// take returns what is queued and, once everything is out, how the stream must end.
func (st *stream) take() (evs []session.Event, closed bool, code int, reason string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	evs, st.queue = st.queue, nil
	return evs, st.closed, st.code, st.reason
}

// streamEvents serves GET /v1/orders/:orderId/events/stream.
func (s *Server) streamEvents(c *gin.Context) {
	id := c.Param("orderId")
	if !s.authorize(c, id, streamTicket(c)) {
		return
	}
	since, err := lastEventID(c)
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, apiError{"bad_request", err.Error()})
		return
	}

	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // nginx must not hold events back
	w := &sseWriter{c: c, rc: http.NewResponseController(c.Writer), timeout: s.cfg.WriteTimeout}
	if err := w.raw("retry: 2000\n\n"); err != nil {
		return
	}

	st := newStream(id, s.cfg.QueueSize)
	st.connID = connParam(c)
	if !s.register(st) {
		w.event(s.stamped(c, id, s.reconnectHint()))
		w.closed(s.stamped(c, id, closedEvent(int(websocket.StatusServiceRestart), "restart")))
		return
	}
	defer s.unregister(st)
	detach, err := s.cfg.Sessions.Attach(c.Request.Context(), id, since, st)
	if err != nil {
		w.event(session.ExpiredEvent(id, s.cfg.Now()))
		w.closed(s.stamped(c, id, closedEvent(int(StatusSessionExpired), "session_expired")))
		return
	}
	defer detach()
	s.log.Info("event stream opened", "order", id, "since", since)
	code, reason := s.pump(c, w, st, id)
	s.log.Info("event stream closed", "order", id, "code", code, "reason", reason)
}

// pump writes the stream's events until it ends: a terminal event, a kick, the client leaving.
func (s *Server) pump(c *gin.Context, w *sseWriter, st *stream, id string) (int, string) {
	for {
		select {
		case <-c.Request.Context().Done():
			return -1, "gone"
		case <-st.killed:
			return int(websocket.StatusServiceRestart), "killed"
		case <-st.pinged:
			if w.raw(": ping\n\n") != nil {
				return -1, "unresponsive"
			}
			continue
		case <-st.wake:
		}

		evs, closed, code, reason := st.take()
		for _, ev := range evs {
			if w.event(ev) != nil {
				return -1, "unresponsive"
			}
			if !ev.Ephemeral && ev.State.Terminal() {
				w.closed(s.stamped(c, id, closedEvent(1000, string(ev.State))))
				return 1000, string(ev.State)
			}
		}
		if closed {
			w.closed(s.stamped(c, id, closedEvent(code, reason)))
			return code, reason
		}
	}
}

// sseWriter writes Server-Sent Events, each under the write deadline and flushed at once.
type sseWriter struct {
	c       *gin.Context
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *sseWriter) raw(s string) error {
	w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	if _, err := w.c.Writer.WriteString(s); err != nil {
		return err
	}
	return w.rc.Flush()
}

// event writes ev; logged events carry their seq as the SSE id, so EventSource resumes from it.
// Snapshots carry none: Last-Event-ID is the last logged event the app has.
func (w *sseWriter) event(ev session.Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	id := ""
	if !ev.Ephemeral && ev.Type != session.EventState {
		id = fmt.Sprintf("id: %d\n", ev.Seq)
	}
	return w.raw(id + "data: " + string(b) + "\n\n")
}

// closed ends the stream with a closed event, the stream's close frame.
func (w *sseWriter) closed(ev session.Event) { w.event(ev) }

// closedEvent is a stream's close frame, with the codes a socket would close with.
func closedEvent(code int, reason string) session.Event {
	return session.Event{Type: session.EventClosed, CloseCode: code, CloseReason: reason}
}

// stamped gives a connection event the order's latest seq and state, as on a socket; an order
// that is gone leaves seq 0 and state failed.
func (s *Server) stamped(c *gin.Context, id string, ev session.Event) session.Event {
	rec := &recorder{}
	s.cfg.Sessions.Notify(c.Request.Context(), id, rec, ev)
	if len(rec.events) == 1 {
		return rec.events[0]
	}
	ev.OrderID, ev.Ephemeral, ev.State = id, true, session.StateFailed
	ev.TS = time.Now().UnixMilli()
	return ev
}
