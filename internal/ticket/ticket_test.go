package ticket

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func key(id string, b byte) Key { return Key{ID: id, Secret: bytes.Repeat([]byte{b}, MinKeySize)} }

func TestVerify(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	is, err := NewIssuer([]Key{key("k1", 1)}, clock)
	if err != nil {
		t.Fatal(err)
	}
	good, err := is.Mint("ord_a", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := is.Mint("ord_a", now.Add(-Leeway-time.Second))
	other, _ := NewIssuer([]Key{key("k1", 2)}, clock)
	forged, _ := other.Mint("ord_a", now.Add(time.Hour))
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.RegisteredClaims{Subject: "ord_a",
		Audience: jwt.ClaimStrings{Audience}, ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))})
	unsigned, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)

	cases := []struct {
		name, raw, order string
		want             error
	}{
		{"good", good, "ord_a", nil},
		{"missing", "", "ord_a", ErrMissing},
		{"garbage", "not-a-ticket", "ord_a", ErrInvalid},
		{"other order", good, "ord_b", ErrWrongOrder},
		{"expired", expired, "ord_a", ErrExpired},
		{"wrong key", forged, "ord_a", ErrInvalid},
		{"alg none", unsigned, "ord_a", ErrInvalid},
		{"tampered", good[:len(good)-3] + "AAA", "ord_a", ErrInvalid},
	}
	for _, c := range cases {
		if _, got := is.Verify(c.raw, c.order); !errors.Is(got, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	oldIs, _ := NewIssuer([]Key{key("old", 1)}, nil)
	minted, _ := oldIs.Mint("ord_a", time.Now().Add(time.Hour))

	// The new key signs; the old one still verifies tickets already handed out.
	both, err := NewIssuer([]Key{key("new", 2), key("old", 1)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := both.Verify(minted, "ord_a"); err != nil {
		t.Fatalf("old ticket after rotation: %v, want nil", err)
	}
	fresh, _ := both.Mint("ord_a", time.Now().Add(time.Hour))
	newOnly, _ := NewIssuer([]Key{key("new", 2)}, nil)
	if _, err := newOnly.Verify(fresh, "ord_a"); err != nil {
		t.Fatalf("new ticket with the new key alone: %v, want nil", err)
	}
	if _, err := newOnly.Verify(minted, "ord_a"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("old ticket once the old key is retired: %v, want ErrInvalid", err)
	}
}

func TestNewIssuerRefusesWeakKeys(t *testing.T) {
	t.Parallel()
	if _, err := NewIssuer([]Key{{ID: "k", Secret: []byte("short")}}, nil); err == nil {
		t.Fatal("NewIssuer accepted a 5-byte key")
	}
	if _, err := NewIssuer([]Key{key("k", 1), key("k", 2)}, nil); err == nil {
		t.Fatal("NewIssuer accepted a duplicate kid")
	}
}

// TestClaimsRules: clock skew within the leeway is fine; tickets without a subject, from the
// future or valid for too long are not.
func TestClaimsRules(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	is, _ := NewIssuer([]Key{key("k1", 1)}, func() time.Time { return now })
	mint := func(sub string, iat, exp time.Time) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{Subject: sub,
			Audience: jwt.ClaimStrings{Audience}, IssuedAt: jwt.NewNumericDate(iat),
			ExpiresAt: jwt.NewNumericDate(exp)})
		tok.Header["kid"] = "k1"
		s, _ := tok.SignedString(key("k1", 1).Secret)
		return s
	}
	cases := []struct {
		name string
		raw  string
		want error
	}{
		{"lender clock 30s ahead", mint("ord_a", now.Add(30*time.Second), now.Add(time.Hour)), nil},
		{"iat 5 min ahead", mint("ord_a", now.Add(5*time.Minute), now.Add(time.Hour)), ErrInvalid},
		{"no subject", mint("", now, now.Add(time.Hour)), ErrInvalid},
		{"valid for 48 h", mint("ord_a", now, now.Add(48*time.Hour)), ErrInvalid},
		{"exactly 24 h", mint("ord_a", now, now.Add(24*time.Hour)), nil},
	}
	for _, c := range cases {
		if _, err := is.Verify(c.raw, "ord_a"); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}
