package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jxlgw/jxlgw/session"
)

// Long-poll waits: the default keeps under common 30 s proxy and carrier timeouts.
const (
	defaultPollWait = 25 * time.Second
	maxPollWait     = 30 * time.Second
)

// bearer reads "Authorization: Bearer <ticket>". Messages and long-polls take the ticket only
// there: a header that a page on another origin can send only after a CORS preflight.
func bearer(c *gin.Context) string {
	if t, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// streamTicket reads an event stream's ticket: the header, or the ticket query parameter for
// EventSource, which cannot set headers.
func streamTicket(c *gin.Context) string {
	if t := bearer(c); t != "" {
		return t
	}
	return c.Query("ticket")
}

// recorder is the Subscriber of one POSTed message: it collects the connection events the
// message gets (ack, pong, bad_request), which become the HTTP answer.
type recorder struct {
	events []session.Event
	gone   bool
}

func (r *recorder) Deliver(ev session.Event)       { r.events = append(r.events, ev) }
func (r *recorder) Kick(reason session.KickReason) { r.gone = reason == session.KickExpired }

// eventsBody is the JSON answer of the message and long-poll routes.
type eventsBody struct {
	Events []session.Event `json:"events"`
}

// postMessage serves POST /v1/orders/:orderId/messages: one app message, the same JSON as on
// the socket. Logged events it causes go to the order's stream or socket and log, as usual.
func (s *Server) postMessage(c *gin.Context) {
	id := c.Param("orderId")
	if !s.authorize(c, id, bearer(c)) {
		return
	}
	if !s.messages.allow(id) {
		c.AbortWithStatusJSON(http.StatusTooManyRequests,
			apiError{"rate_limited", "too many messages for this order; slow down"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.cfg.ReadLimit))
	if err != nil {
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge,
			apiError{"too_big", "message larger than the read limit"})
		return
	}

	rec := &recorder{}
	s.cfg.Sessions.HandleFrame(c.Request.Context(), id, rec, body)
	status := http.StatusOK
	if rec.gone {
		status = http.StatusGone
	}
	c.JSON(status, eventsBody{Events: orEmpty(rec.events)})
}

// pollEvents serves GET /v1/orders/:orderId/events?since=N&wait=25s: the long-poll transport.
func (s *Server) pollEvents(c *gin.Context) {
	id := c.Param("orderId")
	if !s.authorize(c, id, bearer(c)) {
		return
	}
	since, err := parseSince(c.Query("since"))
	if err != nil {
		c.AbortWithStatusJSON(http.StatusBadRequest, apiError{"bad_request", err.Error()})
		return
	}
	wait := defaultPollWait
	if raw := c.Query("wait"); raw != "" {
		if wait, err = time.ParseDuration(raw); err != nil || wait < 0 {
			c.AbortWithStatusJSON(http.StatusBadRequest,
				apiError{"bad_request", "wait must be a duration such as 25s"})
			return
		}
	}

	ctx, cancel := context.WithCancel(c.Request.Context())
	defer cancel()
	defer context.AfterFunc(s.stopping, cancel)()
	evs, err := s.cfg.Sessions.Events(ctx, id, since, min(wait, maxPollWait))
	switch {
	case s.stopping.Err() != nil:
		// The gateway is restarting: come back, after a random wait, to another instance.
		hint := s.stamped(c, id, s.reconnectHint())
		c.JSON(http.StatusOK, eventsBody{Events: []session.Event{hint}})
	case session.IsNotFound(err):
		c.JSON(http.StatusGone, eventsBody{Events: []session.Event{session.ExpiredEvent(id, s.cfg.Now())}})
	case err != nil && c.Request.Context().Err() == nil:
		s.log.Error("long-poll", "order", id, "err", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, apiError{"internal", "try again"})
	case err == nil:
		c.JSON(http.StatusOK, eventsBody{Events: orEmpty(evs)})
	}
}

// lastEventID reads where an event stream resumes: EventSource's Last-Event-ID header on its own
// reconnects, else the since query parameter.
func lastEventID(c *gin.Context) (int64, error) {
	if raw := c.GetHeader("Last-Event-ID"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return 0, errors.New("Last-Event-ID must be a non-negative integer")
		}
		return n, nil
	}
	return parseSince(c.Query("since"))
}

func orEmpty(evs []session.Event) []session.Event {
	if evs == nil {
		return []session.Event{}
	}
	return evs
}
