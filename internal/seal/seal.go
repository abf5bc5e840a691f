// Package seal encrypts small secrets, such as JXL tokens, before they reach a store, so that a
// dump of the store (or of Redis) does not hand out live credentials.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeySize is the length of a sealing key in bytes (AES-256).
const KeySize = 32

// ErrOpen means a sealed value was tampered with, belongs to another context, or was sealed with
// another key.
var ErrOpen = errors.New("seal: cannot open sealed value")

// Sealer seals and opens values with AES-256-GCM. It is safe for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns a Sealer for a KeySize-byte key.
func New(key []byte) (*Sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// NewRandom returns a Sealer with a fresh random key: what it seals can be opened only by this
// process, which is enough for a store that lives in the same process.
func NewRandom() *Sealer {
	key := make([]byte, KeySize)
	rand.Read(key)
	s, _ := New(key)
	return s
}

// Seal encrypts plaintext bound to context (for example an order id), so that a sealed value
// copied to another order cannot be opened there.
func (s *Sealer) Seal(plaintext, context []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, context)
}

// Open decrypts a value made by Seal with the same context.
func (s *Sealer) Open(sealed, context []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return nil, ErrOpen
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], context)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
