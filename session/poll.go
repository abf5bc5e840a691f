package session

import (
	"context"
	"time"
)

// Events is the long-poll read of an order's log: what a socket attaching with since would be
// sent first (a snapshot when since is NoSince or cannot be served, else the logged events after
// since), waiting up to wait for the next event when there is nothing yet. It returns no events
// when wait passes quietly. It does not attach: a socket open for the order stays open.
func (m *Manager) Events(ctx context.Context, id string, since int64,
	wait time.Duration) ([]Event, error) {
	timer := time.NewTimer(wait)
	defer timer.Stop()

	for first := true; ; first = false {
		evs, woken, err := m.eventsOrWatch(ctx, id, since, first)
		if err != nil || len(evs) > 0 || woken == nil {
			return evs, err
		}
		select {
		case <-woken:
		case <-timer.C:
			m.unwatch(id, woken)
			return nil, nil
		case <-ctx.Done():
			m.unwatch(id, woken)
			return nil, ctx.Err()
		}
	}
}

// eventsOrWatch returns the events for since, or a channel closed when the next event is logged.
func (m *Manager) eventsOrWatch(ctx context.Context, id string, since int64,
	first bool) ([]Event, chan struct{}, error) {
	h := m.lockHub(id)
	defer h.mu.Unlock()

	var o *Order
	var err error
	if first {
		o, err = m.touch(ctx, id) // a poll is activity, and counts as opening the order
	} else {
		o, err = m.store.Get(ctx, id)
	}
	if err != nil {
		m.dropHub(id, h)
		return nil, nil, err
	}

	evs, err := m.catchUp(ctx, o, since)
	if err != nil || len(evs) > 0 {
		return evs, nil, err
	}
	ch := make(chan struct{})
	if h.watchers == nil {
		h.watchers = make(map[chan struct{}]struct{})
	}
	h.watchers[ch] = struct{}{}
	return nil, ch, nil
}

// unwatch forgets a long-poll that gave up.
func (m *Manager) unwatch(id string, ch chan struct{}) {
	h := m.lockHub(id)
	defer h.mu.Unlock()
	delete(h.watchers, ch)
	m.dropHub(id, h)
}

// Watching reports whether a long-poll is waiting on the order; tests use it to know a poll has
// reached the point where only a new event or its timeout ends it.
func (m *Manager) Watching(id string) bool {
	m.mu.Lock()
	h := m.hubs[id]
	m.mu.Unlock()
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.watchers) > 0
}
