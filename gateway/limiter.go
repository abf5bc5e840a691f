package gateway

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// keyedLimiter is one token bucket per key (a client IP, an API key), forgotten after a while
// unused so that a scan of many addresses cannot grow it without bound.
type keyedLimiter struct {
	limit rate.Limit
	burst int
	idle  time.Duration
	now   func() time.Time

	mu      sync.Mutex // guards buckets and sweepAt
	buckets map[string]*bucket
	sweepAt time.Time
}

type bucket struct {
	lim  *rate.Limiter
	used time.Time
}

func newKeyedLimiter(limit rate.Limit, burst int, now func() time.Time) *keyedLimiter {
	return &keyedLimiter{
		limit: limit, burst: burst, idle: 10 * time.Minute, now: now,
		buckets: make(map[string]*bucket),
	}
}

// allow takes one token from key's bucket.
func (k *keyedLimiter) allow(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if now.After(k.sweepAt) {
		k.sweep(now)
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.used = now
	return b.lim.AllowN(now, 1)
}

// sweep drops buckets unused for k.idle; a bucket that idle is full again anyway.
func (k *keyedLimiter) sweep(now time.Time) {
	for key, b := range k.buckets {
		if now.Sub(b.used) > k.idle {
			delete(k.buckets, key)
		}
	}
	k.sweepAt = now.Add(k.idle / 2)
}
