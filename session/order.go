package session

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// Order is one applicant's carrier authorisation as the store keeps it. It holds no password or
// code; the JXL token is kept only sealed (see Sealer).
type Order struct {
	ID          string
	State       State
	Prev        State // the state to return to when a submission fails in a retryable way
	SealedToken []byte
	Account     string // the carrier account: the applicant's phone number
	Website     string // JXL's datasource code for the applicant's carrier
	UID         string
	Consent     Consent
	Attempts    Attempts

	// Info describes the current prompt, or the error that ended the order, for state snapshots.
	Info Info

	LastSeq   int64
	CreatedAt time.Time
	OpenedAt  time.Time // when an app first attached; zero until then
	UpdatedAt time.Time
	ExpiresAt time.Time
}

// Consent records that the applicant agreed to the carrier-data check, and to which text.
type Consent struct {
	Given   bool      `json:"given"`
	At      time.Time `json:"at"`
	Version string    `json:"version"`
}

// Attempts counts the inputs an order has sent upstream, to cap guessing.
type Attempts struct {
	Password int
	SMS      int
	Query    int
	Resend   int
}

// Info is the user-facing text attached to the current state.
type Info struct {
	Code        string
	ProcessCode *int
	ProcessInfo string
}

// clone returns a deep enough copy for callers to read without holding any lock.
func (o *Order) clone() *Order {
	c := *o
	c.SealedToken = append([]byte(nil), o.SealedToken...)
	if o.Info.ProcessCode != nil {
		c.Info.ProcessCode = intPtr(*o.Info.ProcessCode)
	}
	return &c
}

// snapshot is the state event that tells a (re)connecting app where the order stands.
func (o *Order) snapshot(now time.Time) Event {
	expect := o.State.Expect()
	ev := Event{
		Type: EventState, OrderID: o.ID, Seq: o.LastSeq, State: o.State, TS: now.UnixMilli(),
		Expect: &expect, ProcessCode: o.Info.ProcessCode, ProcessInfo: o.Info.ProcessInfo,
		Code: o.Info.Code,
	}
	return ev
}

var orderIDEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").
	WithPadding(base32.NoPadding)

// newOrderID returns "ord_" and 26 random characters: 128 bits, unguessable and URL-safe.
func newOrderID() string {
	var b [16]byte
	rand.Read(b[:])
	return "ord_" + strings.ToLower(orderIDEncoding.EncodeToString(b[:]))
}
