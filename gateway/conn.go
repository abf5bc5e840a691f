package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/session"
)

// Close codes of the protocol beyond RFC 6455's (docs/protocol.md §7).
const (
	StatusReplaced       websocket.StatusCode = 4001
	StatusSessionExpired websocket.StatusCode = 4004
)

// conn is one app's WebSocket: a session.Subscriber with a bounded outbound queue. Only the read
// loop runs while the socket is idle; a writer goroutine runs while the queue is not empty.
type conn struct {
	srv     *Server
	ws      *websocket.Conn
	raw     net.Conn // the hijacked connection under ws, to cut a close that drags on
	orderID string
	connID  string // the app's name for this dial (the conn parameter), or ""
	log     *slog.Logger
	opened  time.Time

	writers sync.WaitGroup

	mu      sync.Mutex // guards the fields below
	queue   []outItem
	writing bool // a writer goroutine is running
	closing bool // a close is decided; nothing more is queued
	closed  bool // the close was carried out
	ended   bool // the read loop is over; no writer may start any more
	final   bool // a terminal event is queued: the socket closes after it, nothing may follow
	code    websocket.StatusCode
	reason  string
}

// outItem is one job for the writer: an event, or a heartbeat ping.
type outItem struct {
	ev   session.Event
	ping bool
}

// Deliver implements session.Subscriber.
func (c *conn) Deliver(ev session.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || c.final {
		return
	}
	if len(c.queue) >= c.srv.cfg.QueueSize {
		// The app is not reading. Its events stay in the order's log for a resume.
		c.closeLocked(websocket.StatusTryAgainLater, "slow", false)
		return
	}
	c.queue = append(c.queue, outItem{ev: ev})
	if !ev.Ephemeral && ev.State.Terminal() {
		// writeLoop closes with 1000 right after it: a pong or ack delivered meanwhile must not
		// come after the terminal event (docs/protocol.md §5).
		c.final = true
	}
	c.startWriterLocked()
}

// Kick implements session.Subscriber.
func (c *conn) Kick(reason session.KickReason) {
	if reason == session.KickReplaced {
		c.ReplacedBy("")
		return
	}
	c.closeWith(StatusSessionExpired, "session_expired", true)
}

// ConnID implements session.Identified.
func (c *conn) ConnID() string { return c.connID }

// ReplacedBy implements session.ReplacedBy: close 4001 with reason "replaced", or
// "replaced:<conn>" naming the newer connection when the app named it.
func (c *conn) ReplacedBy(by string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Whatever is still queued is for the new socket to replay; sending it here too would
	// deliver one event to two sockets.
	c.closeLocked(StatusReplaced, replacedReason(by), false)
}

// replacedReason is the close reason of a replaced connection.
func replacedReason(by string) string {
	if by == "" {
		return "replaced"
	}
	return "replaced:" + by
}

func (c *conn) order() string { return c.orderID }

func (c *conn) restart() { c.closeWith(websocket.StatusServiceRestart, "restart", true) }

func (c *conn) kill() { c.ws.CloseNow() }

// ping queues a heartbeat ping unless the writer is busy anyway or the socket is closing.
func (c *conn) ping() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.queue = append(c.queue, outItem{ping: true})
	c.startWriterLocked()
}

// closeWith decides to close the socket after what is queued (flush) or at once.
func (c *conn) closeWith(code websocket.StatusCode, reason string, flush bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeLocked(code, reason, flush)
}

func (c *conn) closeLocked(code websocket.StatusCode, reason string, flush bool) {
	if c.closing {
		return
	}
	c.closing = true
	c.code, c.reason = code, reason
	if !flush {
		c.queue = nil
	}
	c.startWriterLocked()
}

func (c *conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}

func (c *conn) startWriterLocked() {
	if c.writing || c.closed || c.ended {
		return
	}
	c.writing = true
	c.writers.Add(1)
	go c.writeLoop()
}

// writeLoop sends queued items in order and exits when the queue is empty, or closes the socket
// once a close is decided and the queue is flushed.
func (c *conn) writeLoop() {
	defer c.writers.Done()
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.writing = false
			if !c.closing || c.closed {
				c.mu.Unlock()
				return
			}
			c.closed = true
			code, reason := c.code, c.reason
			c.mu.Unlock()
			c.closeBounded(code, reason)
			return
		}
		it := c.queue[0]
		c.queue = c.queue[1:]
		c.mu.Unlock()

		if err := c.write(it); err != nil {
			c.fail(err)
			return
		}
		if !it.ping && !it.ev.Ephemeral && it.ev.State.Terminal() {
			c.closeWith(websocket.StatusNormalClosure, string(it.ev.State), true)
		}
	}
}

// closeBounded closes with a handshake, so that a reading app learns the code, but cuts the
// connection at the write deadline: the handshake would otherwise wait up to 5 s to send the
// close frame and 5 s more for the answer of a peer that reads nothing.
func (c *conn) closeBounded(code websocket.StatusCode, reason string) {
	if c.raw != nil {
		cut := time.AfterFunc(c.srv.cfg.WriteTimeout, func() { c.raw.Close() })
		defer cut.Stop()
	}
	c.ws.Close(code, reason)
}

func (c *conn) write(it outItem) error {
	if it.ping {
		ctx, cancel := context.WithTimeout(context.Background(), c.srv.cfg.PongTimeout)
		defer cancel()
		return c.ws.Ping(ctx)
	}

	b, err := json.Marshal(it.ev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.cfg.WriteTimeout)
	defer cancel()
	if c.log.Enabled(ctx, slog.LevelDebug) {
		c.log.Debug("event sent", "order", c.orderID, "event", it.ev.Type, "seq", it.ev.Seq,
			"state", it.ev.State)
	}
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// fail drops a peer that did not take a write or answer a ping in time: no close handshake, since
// a peer that does not read would hold it for seconds.
func (c *conn) fail(err error) {
	c.mu.Lock()
	already := c.closed
	c.closing, c.closed, c.writing = true, true, false
	c.queue = nil
	if !already {
		c.code, c.reason = websocket.StatusTryAgainLater, "unresponsive"
	}
	c.mu.Unlock()
	if !already {
		c.log.Info("dropping unresponsive socket", "order", c.orderID, "err", err)
	}
	c.ws.CloseNow()
}

// readLoop reads the app's frames until the socket ends. It is the connection's one long-lived
// goroutine, and it keeps control frames (pongs, close) flowing.
func (c *conn) readLoop(ctx context.Context) error {
	limiter := c.srv.newMsgLimiter()
	for {
		typ, data, err := c.ws.Read(ctx)
		if err != nil {
			return err
		}
		if c.isClosing() {
			continue
		}
		if typ != websocket.MessageText {
			c.closeWith(websocket.StatusUnsupportedData, "binary", false)
			continue
		}
		if !limiter.Allow() {
			// Flush: replies to the messages that were accepted still go out first.
			c.closeWith(websocket.StatusPolicyViolation, "rate_limited", true)
			continue
		}
		c.log.Debug("frame received", "order", c.orderID, "bytes", len(data))
		c.srv.cfg.Sessions.HandleAttachedFrame(ctx, c.orderID, c, data)
	}
}

// end stops new writers from starting and waits for the running one: after the read loop the
// socket is done for, and WaitGroup.Add must not race with Wait.
func (c *conn) end() {
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
	c.writers.Wait()
}

// closeInfo returns how the socket ended, for the log line.
func (c *conn) closeInfo(readErr error) (websocket.StatusCode, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return c.code, c.reason
	}
	var ce websocket.CloseError
	if errors.As(readErr, &ce) {
		return ce.Code, "peer"
	}
	if errors.Is(readErr, websocket.ErrMessageTooBig) {
		return websocket.StatusMessageTooBig, "too_big"
	}
	return -1, "gone"
}
