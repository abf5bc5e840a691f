package session

import (
	"context"
	"time"
)

// sweepLoop drops expired orders until Shutdown.
func (m *Manager) sweepLoop() {
	defer m.sweeper.Done()
	t := time.NewTicker(m.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			m.Sweep(m.base)
		}
	}
}

// Sweep drops the orders that expired by now, kicking their subscribers. The sweeper calls it on
// its own; tests call it with an injected clock.
func (m *Manager) Sweep(ctx context.Context) {
	ids, err := m.store.Expired(ctx, m.cfg.Now())
	if err != nil {
		m.log.Error("sweep expired orders", "err", err)
		return
	}
	for _, id := range ids {
		m.mu.Lock()
		h := m.hubs[id]
		m.mu.Unlock()
		if h != nil {
			h.mu.Lock()
			if h.call != nil {
				h.call.cancel()
				h.call = nil
			}
			if h.sub != nil {
				m.gone(h, id, h.sub, ErrNotFound)
			}
			for ch := range h.watchers {
				close(ch) // long-polls look again and find the order gone
			}
			clear(h.watchers)
			m.dropHub(id, h)
			h.mu.Unlock()
		}
		m.log.Info("order expired", "order", id)
	}
}

// Shutdown stops the sweeper and waits for upstream calls in flight, until ctx ends; then it
// abandons the rest, which end with a retryable error event. It is safe to call more than once.
func (m *Manager) Shutdown(ctx context.Context) error {
	m.stopOnce.Do(func() { close(m.stop) })
	m.sweeper.Wait()

	done := make(chan struct{})
	go func() {
		m.calls.Wait()
		close(done)
	}()

	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
		m.stopBase()
		<-done
	}
	m.stopBase()
	return err
}
