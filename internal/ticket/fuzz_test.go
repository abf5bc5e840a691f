package ticket

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary strings to the ticket parser: it must never panic, must answer
// one of its documented errors, and must accept nothing but the tickets it minted itself.
func FuzzVerify(f *testing.F) {
	now := time.Unix(1_800_000_000, 0)
	is, err := NewIssuer([]Key{{ID: "k1", Secret: bytes.Repeat([]byte{7}, MinKeySize)}},
		func() time.Time { return now })
	if err != nil {
		f.Fatal(err)
	}
	good, _ := is.Mint("ord_a", now.Add(time.Hour))
	f.Add(good, "ord_a")
	f.Add(good, "ord_b")
	f.Add(good[:len(good)-1], "ord_a")
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJvcmRfYSJ9.", "ord_a")
	f.Add("a.b.c", "ord_a")
	f.Add("", "ord_a")

	f.Fuzz(func(t *testing.T, raw, order string) {
		claims, err := is.Verify(raw, order)
		if err != nil {
			for _, known := range []error{ErrMissing, ErrInvalid, ErrExpired, ErrWrongOrder} {
				if errors.Is(err, known) {
					return
				}
			}
			t.Fatalf("undocumented error %v", err)
		}
		if claims.OrderID != order {
			t.Fatalf("accepted a ticket for %q as one for %q", claims.OrderID, order)
		}
		if raw != good {
			// HS256 with a fixed key and strict base64: any other accepted string is a forgery.
			t.Fatalf("accepted a ticket other than the minted one: %q", raw)
		}
	})
}
