package seal

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealRoundTrip(t *testing.T) {
	t.Parallel()
	s := NewRandom()
	secret := []byte("tok_0123456789abcdef")

	sealed := s.Seal(secret, []byte("ord_a"))
	if bytes.Contains(sealed, secret) {
		t.Fatalf("sealed value contains the plaintext")
	}
	got, err := s.Open(sealed, []byte("ord_a"))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v; want %q, nil", got, err, secret)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	s := NewRandom()
	sealed := s.Seal([]byte("tok"), []byte("ord_a"))
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1

	cases := map[string]struct {
		s       *Sealer
		sealed  []byte
		context string
	}{
		"other context": {s, sealed, "ord_b"},
		"tampered":      {s, tampered, "ord_a"},
		"other key":     {NewRandom(), sealed, "ord_a"},
		"too short":     {s, sealed[:4], "ord_a"},
	}
	for name, c := range cases {
		if _, err := c.s.Open(c.sealed, []byte(c.context)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open error = %v, want ErrOpen", name, err)
		}
	}
}

func TestNewKeySize(t *testing.T) {
	t.Parallel()
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatalf("New accepted a 16-byte key, want an error")
	}
}
