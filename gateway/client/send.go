package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/coder/websocket"
)

// SubmitPassword sends the carrier service password. account and website may be "" for the
// order's own.
func (c *Client) SubmitPassword(ctx context.Context, password, account, website string) error {
	return c.send(ctx, message{Type: "password", Password: password, Account: account,
		Website: website})
}

// SubmitSMS sends the SMS code, as the string the applicant typed.
func (c *Client) SubmitSMS(ctx context.Context, code string) error {
	return c.send(ctx, message{Type: "sms", Code: code})
}

// SubmitQueryPassword sends the carrier query password.
func (c *Client) SubmitQueryPassword(ctx context.Context, queryPassword string) error {
	return c.send(ctx, message{Type: "query_password", QueryPassword: queryPassword})
}

// ResendSMS asks for a new SMS code.
func (c *Client) ResendSMS(ctx context.Context) error {
	return c.send(ctx, message{Type: "resend_sms"})
}

// Cancel ends the order.
func (c *Client) Cancel(ctx context.Context) error {
	return c.send(ctx, message{Type: "cancel"})
}

// Ping asks the gateway for a pong, which proves the socket is alive end to end.
func (c *Client) Ping(ctx context.Context) error {
	return c.send(ctx, message{Type: "ping"})
}

// send writes m with a fresh id and waits for its ack (or pong). While the client is
// reconnecting it waits for the new socket first. When a socket drops before the ack, it finds
// out on the next socket whether m arrived, and sends it again only if it did not: a message
// is submitted upstream once. A refusal is an *Error.
func (c *Client) send(ctx context.Context, m message) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.AckTimeout)
	defer cancel()
	for {
		mark := c.LastSeq()
		err := c.sendOnce(ctx, m)
		if !errors.Is(err, ErrDisconnected) || m.Type == "ping" {
			return err
		}
		if arrived, err := c.arrived(ctx, m, mark); arrived || err != nil {
			return err
		}
	}
}

// arrived tells, after a drop, whether m reached the gateway: a ping on the new socket is
// answered after the replay, so by then a progress event for m has been seen if it arrived.
func (c *Client) arrived(ctx context.Context, m message, mark int64) (bool, error) {
	var err error
	for {
		// The order may end (and the socket close) before the pong: then the events already
		// seen are all there is, and they still tell.
		if err = c.Ping(ctx); !errors.Is(err, ErrDisconnected) {
			break
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if m.Type == "cancel" && c.state == "failed" {
		return true, nil
	}
	for _, s := range c.steps {
		if s.seq > mark && s.name == m.Type {
			return true, nil
		}
	}
	return false, err
}

// sendOnce writes m on the current socket and waits for its ack.
func (c *Client) sendOnce(ctx context.Context, m message) error {
	c.mu.Lock()
	c.nextID++
	m.ID = fmt.Sprintf("g%d", c.nextID)
	ack := make(chan Event, 1)
	c.acks[m.ID] = ack
	c.mu.Unlock()

	for {
		ws, err := c.socket(ctx)
		if err != nil {
			c.forget(m.ID)
			return err
		}
		// A frame that failed to write never reached the gateway, which acts on whole frames
		// only: sending it again on the next socket cannot submit twice.
		if err := ws.Write(ctx, websocket.MessageText, m.encode()); err != nil {
			ws.CloseNow() // the read loop notices and reconnects
			if ctx.Err() != nil {
				c.forget(m.ID)
				return fmt.Errorf("client: send %s: %w", m.Type, err)
			}
			c.waitDropped(ctx, ws)
			continue
		}
		break
	}
	select {
	case ev, ok := <-ack:
		switch {
		case !ok:
			return ErrDisconnected
		case ev.Type == "error":
			return &Error{Event: ev}
		}
		return nil
	case <-ctx.Done():
		c.forget(m.ID)
		return fmt.Errorf("client: no ack for %s: %w", m.Type, ctx.Err())
	case <-c.done:
		return ErrClosed
	}
}

// socket returns the open socket, waiting while the client reconnects.
func (c *Client) socket(ctx context.Context) (*websocket.Conn, error) {
	for {
		c.mu.Lock()
		ws, opened, err := c.ws, c.opened, c.err
		c.mu.Unlock()
		switch {
		case err != nil:
			return nil, ErrClosed
		case ws != nil:
			return ws, nil
		}
		select {
		case <-opened:
		case <-ctx.Done():
			return nil, fmt.Errorf("client: not connected: %w", ctx.Err())
		case <-c.done:
			return nil, ErrClosed
		}
	}
}

// waitDropped waits until the client has let go of ws, so socket does not hand it out again.
func (c *Client) waitDropped(ctx context.Context, ws *websocket.Conn) {
	c.mu.Lock()
	current, dropped := c.ws, c.dropped
	c.mu.Unlock()
	if current != ws {
		return
	}
	select {
	case <-dropped:
	case <-ctx.Done():
	case <-c.done:
	}
}

func (c *Client) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.acks, id)
}

// Next reads Events until one of the given types arrives, skipping the rest; with no types it
// returns the next event.
func (c *Client) Next(ctx context.Context, types ...string) (Event, error) {
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return Event{}, c.Err()
			}
			if len(types) == 0 {
				return ev, nil
			}
			for _, t := range types {
				if ev.Type == t {
					return ev, nil
				}
			}
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}
