package session

import (
	"context"
	"sync"
	"time"
)

// DefaultLogSize is how many events an order's log keeps.
const DefaultLogSize = 256

// MemStore is a Store in this process's memory: orders die with the process. It is safe for
// concurrent use.
type MemStore struct {
	logSize int

	mu     sync.Mutex // guards orders
	orders map[string]*memOrder
}

type memOrder struct {
	order *Order
	log   []Event // the newest logSize events, oldest first
}

// NewMemStore returns an empty store whose logs keep logSize events (DefaultLogSize if <= 0).
func NewMemStore(logSize int) *MemStore {
	if logSize <= 0 {
		logSize = DefaultLogSize
	}
	return &MemStore{logSize: logSize, orders: make(map[string]*memOrder)}
}

// Create implements Store.
func (s *MemStore) Create(_ context.Context, o *Order) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[o.ID] = &memOrder{order: o.clone()}
	return nil
}

// Get implements Store.
func (s *MemStore) Get(_ context.Context, id string) (*Order, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.orders[id]
	if !ok {
		return nil, ErrNotFound
	}
	return m.order.clone(), nil
}

// Update implements Store.
func (s *MemStore) Update(_ context.Context, id string,
	fn func(o *Order) ([]Event, error)) (*Order, []Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.orders[id]
	if !ok {
		return nil, nil, ErrNotFound
	}

	o := m.order.clone()
	evs, err := fn(o)
	if err != nil {
		return nil, nil, err
	}

	stamp(o, evs)
	m.order = o
	m.log = append(m.log, evs...)
	if over := len(m.log) - s.logSize; over > 0 {
		m.log = append(m.log[:0:0], m.log[over:]...)
	}
	return o.clone(), evs, nil
}

// stamp gives each event the order's id, the next seq and the order's final state.
func stamp(o *Order, evs []Event) {
	for i := range evs {
		o.LastSeq++
		evs[i].OrderID = o.ID
		evs[i].Seq = o.LastSeq
		evs[i].State = o.State
	}
}

// Since implements Store.
func (s *MemStore) Since(_ context.Context, id string, since int64) ([]Event, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.orders[id]
	if !ok {
		return nil, false, ErrNotFound
	}
	if since >= m.order.LastSeq {
		return nil, true, nil
	}
	oldest := m.order.LastSeq - int64(len(m.log)) + 1
	if since+1 < oldest {
		return nil, false, nil
	}
	start := int(since + 1 - oldest)
	return append([]Event(nil), m.log[start:]...), true, nil
}

// Expired implements Store.
func (s *MemStore) Expired(_ context.Context, now time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, m := range s.orders {
		if !m.order.ExpiresAt.After(now) {
			ids = append(ids, id)
			delete(s.orders, id)
		}
	}
	return ids, nil
}
