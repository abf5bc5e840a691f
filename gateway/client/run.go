package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/coder/websocket"
)

// ErrDisconnected means the socket dropped before the gateway answered a ping. Messages that
// meet a drop are sorted out by the client itself (see send).
var ErrDisconnected = errors.New("client: disconnected before the ack")

// final reports whether a close code tells the app not to reconnect (docs/protocol.md §8).
func final(code websocket.StatusCode) bool {
	switch code {
	case websocket.StatusNormalClosure, 4001, 4004, websocket.StatusUnsupportedData,
		websocket.StatusPolicyViolation, websocket.StatusMessageTooBig:
		return true
	}
	return false
}

// run reads the socket and reconnects it until the client ends.
func (c *Client) run(ctx context.Context, ws *websocket.Conn) {
	defer c.wg.Done()
	defer close(c.done)
	if c.cfg.OnEvent == nil {
		defer close(c.events)
	}

	for {
		retryAfter, err := c.read(ctx, ws)
		ws.CloseNow()
		c.setSocket(nil)
		c.failAcks()
		if ctx.Err() != nil {
			return
		}
		var ce websocket.CloseError
		errors.As(err, &ce)
		code := websocket.CloseStatus(err)
		if final(code) && !(code == 4001 && c.ownDial(ce.Reason)) {
			c.stop(&CloseError{Code: int(code), Reason: ce.Reason})
			return
		}

		if ws = c.reconnect(ctx, retryAfter); ws == nil {
			return
		}
		c.setSocket(ws)
	}
}

// reconnect dials again after retryAfter (or a backoff) until it succeeds, the gateway refuses
// for good, or the client ends.
func (c *Client) reconnect(ctx context.Context, retryAfter time.Duration) *websocket.Conn {
	for n := 0; ; n++ {
		wait := c.backoff(n)
		if n == 0 && retryAfter > 0 {
			wait = retryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}

		ws, err := c.dial(ctx)
		var ce *CloseError
		switch {
		case err == nil:
			return ws
		case errors.As(err, &ce):
			c.stop(ce)
			return nil
		}
	}
}

// read delivers the socket's events until it ends, and returns the gateway's reconnect hint.
func (c *Client) read(ctx context.Context, ws *websocket.Conn) (time.Duration, error) {
	var retryAfter time.Duration
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			return retryAfter, err
		}
		var ev Event
		if err := json.Unmarshal(b, &ev); err != nil {
			return retryAfter, fmt.Errorf("client: frame is not an event: %w", err)
		}
		if ev.Type == "reconnect" {
			retryAfter = time.Duration(ev.RetryAfterMs) * time.Millisecond
		}
		if !c.accept(ev) {
			continue
		}
		if !c.emit(ctx, ev) {
			return retryAfter, ctx.Err()
		}
	}
}

// accept records ev and reports whether it is new: a logged event at or below the last seq is
// a replay the app has already seen.
func (c *Client) accept(ev Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ev.Logged() && ev.Seq <= c.lastSeq:
		return false
	case ev.Logged():
		c.lastSeq = ev.Seq
		if ev.Type == "progress" && ev.Step != "" {
			c.steps = append(c.steps[max(0, len(c.steps)-15):], step{ev.Seq, ev.Step})
		}
	case ev.Type == "state" && (c.lastSeq < 0 || ev.Resync):
		// A snapshot is the order as of its seq: resume from there.
		c.lastSeq = ev.Seq
	}
	if ev.State != "" {
		c.state = ev.State
	}
	if ev.ID != "" && (ev.Type == "ack" || ev.Type == "error" || ev.Type == "pong") {
		if ch, ok := c.acks[ev.ID]; ok {
			ch <- ev
			delete(c.acks, ev.ID)
		}
	}
	return true
}

func (c *Client) emit(ctx context.Context, ev Event) bool {
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(ev)
		return true
	}
	select {
	case c.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// failAcks releases the messages still waiting for an ack on a socket that dropped.
func (c *Client) failAcks() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, ch := range c.acks {
		close(ch)
		delete(c.acks, id)
	}
}
