package session

import (
	"context"
	"errors"
)

// NoSince is the since value of a connection that did not ask to resume.
const NoSince = -1

// Attach makes sub the order's one subscriber, replacing (and kicking) any other. Without a
// since (NoSince) sub first gets a state snapshot; with one it gets every logged event after
// since, or a snapshot flagged resync when the log cannot fill the gap. Nothing is sent
// upstream. detach removes sub unless a newer subscriber already replaced it.
//
// ErrNotFound means the order expired or never existed.
func (m *Manager) Attach(ctx context.Context, id string, since int64,
	sub Subscriber) (detach func(), err error) {
	h := m.lockHub(id)
	defer h.mu.Unlock()

	o, err := m.touch(ctx, id)
	if err != nil {
		m.dropHub(id, h)
		return nil, err
	}

	initial, err := m.catchUp(ctx, o, since)
	if err != nil {
		m.dropHub(id, h)
		return nil, err
	}

	old := h.sub
	h.sub = sub
	if old != nil {
		kickReplaced(old, sub)
	}
	for _, ev := range initial {
		sub.Deliver(ev)
	}

	detach = func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.sub == sub {
			h.sub = nil
		}
	}
	return detach, nil
}

// kickReplaced tells old that sub took over, naming sub when both sides care.
func kickReplaced(old, sub Subscriber) {
	r, ok := old.(ReplacedBy)
	if !ok {
		old.Kick(KickReplaced)
		return
	}
	by := ""
	if id, ok := sub.(Identified); ok {
		by = id.ConnID()
	}
	r.ReplacedBy(by)
}

// catchUp is what a subscriber attaching with since must receive before live events.
func (m *Manager) catchUp(ctx context.Context, o *Order, since int64) ([]Event, error) {
	now := m.cfg.Now()
	if since < 0 {
		return []Event{o.snapshot(now)}, nil
	}
	if since > o.LastSeq {
		return []Event{resync(o.snapshot(now), "since_ahead")}, nil
	}

	evs, complete, err := m.store.Since(ctx, o.ID, since)
	if err != nil {
		return nil, err
	}
	if !complete {
		return []Event{resync(o.snapshot(now), "gap")}, nil
	}
	if len(evs) == 0 && o.State.Terminal() {
		// The app has seen everything, but must still learn there is nothing more to come.
		return []Event{o.snapshot(now)}, nil
	}
	return evs, nil
}

func resync(ev Event, reason string) Event {
	ev.Resync = true
	ev.Reason = reason
	return ev
}

// touch extends the order's life and returns it.
func (m *Manager) touch(ctx context.Context, id string) (*Order, error) {
	o, _, err := m.update(ctx, id, func(o *Order) ([]Event, error) {
		now := m.cfg.Now()
		if !o.ExpiresAt.After(now) {
			return nil, ErrNotFound
		}
		if o.OpenedAt.IsZero() {
			o.OpenedAt = now
		}
		return nil, nil
	})
	return o, err
}

// extend pushes the order's expiry to a full TTL from now.
func (m *Manager) extend(o *Order) {
	now := m.cfg.Now()
	o.UpdatedAt = now
	o.ExpiresAt = now.Add(m.cfg.OrderTTL)
}

// Opened reports whether an app has ever attached to the order. A ticket's short window to open
// an order applies only until then.
func (m *Manager) Opened(ctx context.Context, id string) (bool, error) {
	o, err := m.store.Get(ctx, id)
	if err != nil {
		return false, err
	}
	return !o.OpenedAt.IsZero(), nil
}

// IsNotFound reports whether err means the order is gone.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
