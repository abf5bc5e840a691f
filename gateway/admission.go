package gateway

import (
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/jxlgw/jxlgw/internal/ticket"
)

// admit decides, before any upgrade, whether this request may open a socket for orderID: the
// client's rate, the ticket, the ticket's window to open the order, and the Origin policy. On
// refusal it has answered already.
func (s *Server) admit(c *gin.Context, orderID string) (since int64, ok bool) {
	if !s.authorize(c, orderID, c.Query("ticket")) {
		return 0, false
	}

	since, err := parseSince(c.Query("since"))
	if err != nil {
		s.refuse(c, orderID, http.StatusBadRequest, "bad_request", err.Error())
		return 0, false
	}

	if s.cfg.AllowNullOrigin && isLocalOrigin(c.GetHeader("Origin")) {
		// An H5 bundle loaded from the app's own files has no web origin to check. The ticket
		// above is what authenticates it; coder/websocket then treats it like a native client.
		c.Request.Header.Del("Origin")
	}
	return since, true
}

// authorize checks the client's rate, the ticket and the ticket's window to open the order. On
// refusal it has answered already.
func (s *Server) authorize(c *gin.Context, orderID, raw string) bool {
	// A browser page may act on an order only from an allowed origin, whatever the transport:
	// CORS alone would stop a foreign page from reading an answer, not from acting. This runs
	// before coder/websocket's own check (which it matches), so a refusal gets a JSON body.
	if origin := c.GetHeader("Origin"); origin != "" && !s.originAllowed(c.Request, origin) {
		s.refuse(c, orderID, http.StatusForbidden, "forbidden_origin",
			"this page's origin may not use the order")
		return false
	}
	if !s.conns.allow(c.ClientIP()) {
		s.refuse(c, orderID, http.StatusTooManyRequests, "rate_limited",
			"too many connection attempts; retry later")
		return false
	}

	claims, err := s.tickets.Load().Verify(raw, orderID)
	if err != nil {
		status := http.StatusUnauthorized
		if errors.Is(err, ticket.ErrWrongOrder) {
			status = http.StatusForbidden
		}
		s.refuse(c, orderID, status, "unauthorized", err.Error())
		return false
	}
	if !s.withinOpenWindow(c, claims) {
		s.refuse(c, orderID, http.StatusUnauthorized, "unauthorized",
			"ticket expired: it was not used to open the order in time")
		return false
	}
	return true
}

// withinOpenWindow reports whether the ticket may open its order: while new, or at any time once
// an app has opened the order (reconnects for the order's lifetime).
func (s *Server) withinOpenWindow(c *gin.Context, claims ticket.Claims) bool {
	if s.cfg.Now().Before(claims.IssuedAt.Add(s.cfg.OpenWindow)) {
		return true
	}
	opened, err := s.cfg.Sessions.Opened(c.Request.Context(), claims.OrderID)
	// A missing order is let through: the socket then says session_expired, which tells the
	// app more than a 401 would.
	return opened || err != nil
}

// isLocalOrigin reports whether origin is what WebViews send for pages loaded from local files.
func isLocalOrigin(origin string) bool {
	o := strings.ToLower(strings.TrimSpace(origin))
	return o == "null" || strings.HasPrefix(o, "file://")
}

// originAllowed applies the socket's Origin rules to cross-origin HTTP requests (CORS), so the
// HTTP fallbacks are open to exactly the pages the socket is.
func (s *Server) originAllowed(r *http.Request, origin string) bool {
	if s.cfg.AllowNullOrigin && isLocalOrigin(origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, pattern := range s.cfg.AllowedOrigins {
		target := u.Host
		if strings.Contains(pattern, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}

// refuse answers a socket request that is not admitted, and logs why with the origin.
func (s *Server) refuse(c *gin.Context, orderID string, status int, code, msg string) {
	s.log.Info("socket refused", "order", orderID, "status", status, "reason", msg,
		"origin", c.GetHeader("Origin"), "client", c.ClientIP())
	c.AbortWithStatusJSON(status, apiError{Error: code, Message: msg})
}
