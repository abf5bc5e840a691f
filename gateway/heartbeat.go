package gateway

import (
	"sync"
	"time"
)

// Ticker is a source of ticks; the heartbeat takes one so tests can drive it by hand.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

type realTicker struct{ t *time.Ticker }

func (r realTicker) C() <-chan time.Time { return r.t.C }
func (r realTicker) Stop()               { r.t.Stop() }

func newRealTicker(d time.Duration) Ticker { return realTicker{time.NewTicker(d)} }

// wheelSlots is how many slots the heartbeat spreads sockets over, so that pings go out in small
// batches instead of all at once.
const wheelSlots = 32

// pinger is what the heartbeat keeps alive: a socket (ping frame) or an event stream (comment).
type pinger interface {
	ping()
}

// heartbeat pings every registered socket once per interval from one goroutine: a hashed timing
// wheel, not a ticker per connection. A socket that misses the pong deadline is dropped by its
// own writer.
type heartbeat struct {
	ticker Ticker

	mu    sync.Mutex // guards slots, cur and where
	slots [wheelSlots]map[pinger]struct{}
	cur   int
	where map[pinger]int

	stop chan struct{}
	done chan struct{}
}

// newHeartbeat starts a heartbeat that advances one slot per tick of t; with ticks every
// interval/wheelSlots, each socket is pinged once per interval.
func newHeartbeat(t Ticker) *heartbeat {
	h := &heartbeat{
		ticker: t, where: make(map[pinger]int),
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	for i := range h.slots {
		h.slots[i] = make(map[pinger]struct{})
	}
	go h.run()
	return h
}

// add schedules c for its first ping one full turn from now.
// TODO(jxlgw): a wave of reconnects lands in one slot and is pinged as one batch; spreading new
// sockets over the slots would smooth that.
func (h *heartbeat) add(c pinger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	slot := (h.cur + wheelSlots - 1) % wheelSlots
	h.slots[slot][c] = struct{}{}
	h.where[c] = slot
}

func (h *heartbeat) remove(c pinger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if slot, ok := h.where[c]; ok {
		delete(h.slots[slot], c)
		delete(h.where, c)
	}
}

func (h *heartbeat) run() {
	defer close(h.done)
	defer h.ticker.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-h.ticker.C():
			h.tick()
		}
	}
}

// tick pings the sockets of the current slot and advances the wheel.
func (h *heartbeat) tick() {
	h.mu.Lock()
	due := make([]pinger, 0, len(h.slots[h.cur]))
	for c := range h.slots[h.cur] {
		due = append(due, c)
	}
	h.cur = (h.cur + 1) % wheelSlots
	h.mu.Unlock()

	for _, c := range due {
		c.ping()
	}
}

func (h *heartbeat) close() {
	close(h.stop)
	<-h.done
}
