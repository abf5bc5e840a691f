// Package ticket mints and checks the short-lived credentials that let an app open one order's
// socket. A ticket is a JWT (HS256) whose subject is the order id; the signing key is picked by
// the `kid` header so keys can be rotated with two valid at once.
package ticket

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Audience is the aud claim of every ticket, so that a JWT minted for something else with the
// same key is not accepted as a ticket.
const Audience = "jxlgw-ws"

// Leeway is how far the issuer's clock may be from the gateway's, for iat and exp.
const Leeway = time.Minute

// MaxLifetime is the longest a ticket may be valid (exp - iat); a longer one is refused.
const MaxLifetime = 24 * time.Hour

// MinKeySize is the shortest signing key accepted, in bytes.
const MinKeySize = 32

// Errors of Verify. ErrWrongOrder is the only one that maps to 403: the holder proved who they
// are, for another order.
var (
	ErrMissing    = errors.New("ticket missing")
	ErrInvalid    = errors.New("ticket invalid")
	ErrExpired    = errors.New("ticket expired")
	ErrWrongOrder = errors.New("ticket is for another order")
)

// Key is one HMAC signing key and its id.
type Key struct {
	ID     string
	Secret []byte
}

// Issuer mints tickets with its first key and accepts tickets signed with any of its keys. It is
// safe for concurrent use.
type Issuer struct {
	signing Key
	keys    map[string][]byte
	now     func() time.Time
}

// NewIssuer returns an Issuer. now may be nil for time.Now.
func NewIssuer(keys []Key, now func() time.Time) (*Issuer, error) {
	if len(keys) == 0 {
		return nil, errors.New("ticket: no signing key")
	}
	if now == nil {
		now = time.Now
	}
	is := &Issuer{signing: keys[0], keys: make(map[string][]byte, len(keys)), now: now}
	for _, k := range keys {
		if k.ID == "" || len(k.Secret) < MinKeySize {
			return nil, fmt.Errorf("ticket: key %q needs an id and at least %d bytes",
				k.ID, MinKeySize)
		}
		if _, dup := is.keys[k.ID]; dup {
			return nil, fmt.Errorf("ticket: key id %q given twice", k.ID)
		}
		is.keys[k.ID] = k.Secret
	}
	return is, nil
}

// RandomKey returns a fresh key: tickets signed with it die with the process.
func RandomKey() Key {
	secret := make([]byte, MinKeySize)
	rand.Read(secret)
	id := make([]byte, 4)
	rand.Read(id)
	return Key{ID: "r" + hex.EncodeToString(id), Secret: secret}
}

// Mint returns a ticket for orderID that expires at exp.
func (is *Issuer) Mint(orderID string, exp time.Time) (string, error) {
	now := is.now()
	claims := jwt.RegisteredClaims{
		Subject:   orderID,
		Audience:  jwt.ClaimStrings{Audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = is.signing.ID
	s, err := tok.SignedString(is.signing.Secret)
	if err != nil {
		return "", fmt.Errorf("sign ticket: %w", err)
	}
	return s, nil
}

// Claims is what a valid ticket says.
type Claims struct {
	OrderID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Verify checks that raw is a valid, unexpired ticket for orderID and returns its claims. A
// ticket must carry sub, aud, iat and exp, and a kid naming one of the issuer's keys.
func (is *Issuer) Verify(raw, orderID string) (Claims, error) {
	if raw == "" {
		return Claims{}, ErrMissing
	}
	var claims jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(raw, &claims, is.key,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(is.now),
		jwt.WithStrictDecoding(),
		// Tickets minted by a lender's backend come from another clock.
		jwt.WithLeeway(Leeway),
	)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return Claims{}, ErrExpired
	case err != nil || claims.IssuedAt == nil || claims.Subject == "" ||
		claims.ExpiresAt.Sub(claims.IssuedAt.Time) > MaxLifetime:
		return Claims{}, ErrInvalid
	case claims.Subject != orderID:
		return Claims{}, ErrWrongOrder
	}
	return Claims{
		OrderID: claims.Subject, IssuedAt: claims.IssuedAt.Time,
		ExpiresAt: claims.ExpiresAt.Time,
	}, nil
}

func (is *Issuer) key(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	secret, ok := is.keys[kid]
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return secret, nil
}
