package session

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound means the order does not exist: it never did, or it expired.
var ErrNotFound = errors.New("order not found")

// Store keeps orders and their event logs. Several gateway nodes may share one store, so every
// change goes through Update, which applies a function and appends its events atomically.
type Store interface {
	// Create adds a new order.
	Create(ctx context.Context, o *Order) error

	// Get returns a copy of the order, or ErrNotFound.
	Get(ctx context.Context, id string) (*Order, error)

	// Update loads the order, calls fn on it and, if fn returns nil, saves the order and appends
	// the events fn returned, giving each the next seq and the order's new state. It returns the
	// saved order and the stamped events. An error from fn is returned as is and saves nothing.
	Update(ctx context.Context, id string,
		fn func(o *Order) ([]Event, error)) (*Order, []Event, error)

	// Since returns the logged events with seq > since, oldest first. complete is false when
	// some of them have already been dropped from the log.
	Since(ctx context.Context, id string, since int64) (events []Event, complete bool, err error)

	// Expired removes the orders whose ExpiresAt is not after now and returns their ids.
	Expired(ctx context.Context, now time.Time) ([]string, error)
}
