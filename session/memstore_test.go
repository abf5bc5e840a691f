package session

import (
	"context"
	"testing"
	"time"
)

func appendN(t *testing.T, s *MemStore, id string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		_, _, err := s.Update(context.Background(), id, func(o *Order) ([]Event, error) {
			return []Event{{Type: EventProgress}}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestMemStoreSince(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewMemStore(3)
	s.Create(ctx, &Order{ID: "o", State: StateAwaitPassword})
	appendN(t, s, "o", 5) // seqs 1..5, the log keeps 3..5

	cases := []struct {
		since    int64
		seqs     []int64
		complete bool
	}{
		{5, nil, true}, {9, nil, true}, {4, []int64{5}, true}, {2, []int64{3, 4, 5}, true},
		{1, nil, false}, {0, nil, false},
	}
	for _, c := range cases {
		evs, complete, err := s.Since(ctx, "o", c.since)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, ev := range evs {
			seqs = append(seqs, ev.Seq)
		}
		if complete != c.complete || len(seqs) != len(c.seqs) {
			t.Fatalf("since %d: seqs %v complete %v, want %v %v", c.since, seqs, complete,
				c.seqs, c.complete)
		}
		for i := range seqs {
			if seqs[i] != c.seqs[i] {
				t.Fatalf("since %d: seqs %v, want %v", c.since, seqs, c.seqs)
			}
		}
	}
}

func TestMemStoreUpdateIsAtomic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewMemStore(0)
	s.Create(ctx, &Order{ID: "o", State: StateAwaitPassword})

	_, _, err := s.Update(ctx, "o", func(o *Order) ([]Event, error) {
		o.State = StateFailed
		return []Event{{Type: EventError}}, errStale
	})
	if err != errStale {
		t.Fatalf("Update error = %v, want errStale", err)
	}
	o, _ := s.Get(ctx, "o")
	if o.State != StateAwaitPassword || o.LastSeq != 0 {
		t.Fatalf("a failed update changed the order: %+v", o)
	}

	o, evs, _ := s.Update(ctx, "o", func(o *Order) ([]Event, error) {
		o.State = StateAwaitSMS
		return []Event{{Type: EventPromptSMS}}, nil
	})
	if evs[0].Seq != 1 || evs[0].State != StateAwaitSMS || evs[0].OrderID != "o" {
		t.Fatalf("stamped event %+v, want seq 1, await_sms, order o", evs[0])
	}
	if o.LastSeq != 1 {
		t.Fatalf("LastSeq %d, want 1", o.LastSeq)
	}
}

func TestMemStoreExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Now()
	s := NewMemStore(0)
	s.Create(ctx, &Order{ID: "old", ExpiresAt: now.Add(-time.Second)})
	s.Create(ctx, &Order{ID: "new", ExpiresAt: now.Add(time.Minute)})

	ids, _ := s.Expired(ctx, now)
	if len(ids) != 1 || ids[0] != "old" {
		t.Fatalf("Expired = %v, want [old]", ids)
	}
	if _, err := s.Get(ctx, "old"); !IsNotFound(err) {
		t.Fatalf("Get(old) = %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "new"); err != nil {
		t.Fatalf("Get(new) = %v, want the order", err)
	}
}
