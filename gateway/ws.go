package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"time"

	"github.com/coder/websocket"
	"github.com/gin-gonic/gin"
	"github.com/jxlgw/jxlgw/session"
)

// serveWS upgrades an app's request for one order. The ticket is checked before the upgrade,
// so a refused app gets a plain HTTP status and never a socket.
func (s *Server) serveWS(c *gin.Context) {
	orderID := c.Param("orderId")
	since, ok := s.admit(c, orderID)
	if !ok {
		return
	}

	hw := &hijackRecorder{ResponseWriter: c.Writer}
	ws, err := websocket.Accept(hw, c.Request, &websocket.AcceptOptions{
		OriginPatterns:  s.cfg.AllowedOrigins,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		// Accept has answered already (403 for a foreign Origin, 426 without an upgrade).
		s.log.Info("socket refused", "order", orderID, "reason", err.Error(),
			"origin", c.Request.Header.Get("Origin"))
		return
	}
	ws.SetReadLimit(s.cfg.ReadLimit)

	cn := &conn{srv: s, ws: ws, raw: hw.conn, orderID: orderID, connID: connParam(c),
		log: s.log, opened: time.Now()}
	if !s.register(cn) {
		ws.Close(websocket.StatusServiceRestart, "restart")
		return
	}
	defer s.unregister(cn)
	s.run(cn, since)
}

// run attaches the socket to its order and reads until the socket ends. A panic in here closes
// this socket with 1011 and leaves the rest of the gateway alone.
func (s *Server) run(cn *conn, since int64) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var readErr error
	readDone := false
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("socket handler panicked", "order", cn.orderID, "panic", fmt.Sprint(p))
			cn.closeWith(websocket.StatusInternalError, "internal", false)
		}
		if readDone {
			// The peer is gone or broke the protocol. A writer waiting for a pong (which only
			// the read loop could take in) or for a write must not hold this handler until its
			// own timeout.
			cn.ws.CloseNow()
		}
		cn.end()
		cn.ws.CloseNow()
		code, reason := cn.closeInfo(readErr)
		s.log.Info("socket closed", "order", cn.orderID, "code", int(code), "reason", reason,
			"duration", time.Since(cn.opened).Round(time.Millisecond))
	}()

	detach, err := s.cfg.Sessions.Attach(ctx, cn.orderID, since, cn)
	if err != nil {
		s.log.Info("socket for a missing order", "order", cn.orderID, "err", err.Error())
		s.refuseGone(cn, err)
		return
	}
	defer detach()
	s.log.Info("socket opened", "order", cn.orderID, "since", since)

	readErr = cn.readLoop(ctx)
	readDone = true
}

// refuseGone tells the app its order no longer exists, then closes with 4004.
func (s *Server) refuseGone(cn *conn, err error) {
	if !session.IsNotFound(err) {
		cn.closeWith(websocket.StatusInternalError, "internal", false)
		return
	}
	cn.Deliver(session.ExpiredEvent(cn.orderID, s.cfg.Now()))
	cn.Kick(session.KickExpired)
	cn.end()
}

// hijackRecorder keeps the connection coder/websocket hijacks, so that a close handshake the
// library would hold for its own 5+5 s against a peer that reads nothing can be cut at the
// gateway's write deadline.
type hijackRecorder struct {
	gin.ResponseWriter
	conn net.Conn
}

// Hijack implements http.Hijacker.
func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := h.ResponseWriter.Hijack()
	h.conn = c
	return c, rw, err
}

// connParam is the app's name for this connection attempt: up to 64 letters, digits, '-' and
// '_', or "" when absent or not of that form (it is only ever echoed in a close reason).
func connParam(c *gin.Context) string {
	v := c.Query("conn")
	if len(v) > 64 {
		return ""
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			r == '-' || r == '_') {
			return ""
		}
	}
	return v
}

func parseSince(raw string) (int64, error) {
	if raw == "" {
		return session.NoSince, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	var ne *strconv.NumError
	if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && raw[0] != '-' {
		return math.MaxInt64, nil // beyond any seq: the app gets a since_ahead snapshot
	}
	if err != nil || n < 0 {
		return 0, errors.New("since must be a non-negative integer")
	}
	return n, nil
}
