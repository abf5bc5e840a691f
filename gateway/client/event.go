package client

import "encoding/json"

// Event is one event from the gateway, as docs/protocol.md §4 describes it. Fields that an
// event type does not carry are zero.
type Event struct {
	Type      string `json:"type"`
	OrderID   string `json:"orderId"`
	Seq       int64  `json:"seq"`
	State     string `json:"state"`
	TS        int64  `json:"ts"`
	Ephemeral bool   `json:"ephemeral,omitempty"`

	Expect       *string `json:"expect,omitempty"`
	Resync       bool    `json:"resync,omitempty"`
	Reason       string  `json:"reason,omitempty"`
	ID           string  `json:"id,omitempty"`
	Step         string  `json:"step,omitempty"`
	Code         string  `json:"code,omitempty"`
	ProcessCode  *int    `json:"processCode,omitempty"`
	ProcessInfo  string  `json:"processInfo,omitempty"`
	Retryable    *bool   `json:"retryable,omitempty"`
	Detail       string  `json:"detail,omitempty"`
	RetryAfterMs int64   `json:"retryAfterMs,omitempty"`
}

// Logged reports whether the event is in the order's log: it has a seq of its own, and a
// resume with since below it replays it.
func (e Event) Logged() bool { return !e.Ephemeral && e.Type != "state" }

// Terminal reports whether the order can change no more after this event.
func (e Event) Terminal() bool { return e.State == "finished" || e.State == "failed" }

// Error is the gateway refusing a message: the bad_request event it answered with.
type Error struct{ Event Event }

func (e *Error) Error() string {
	return "gateway refused the message: " + e.Event.Code + ": " + e.Event.Detail
}

// message is one message to the gateway (docs/protocol.md §3).
type message struct {
	Type          string `json:"type"`
	ID            string `json:"id,omitempty"`
	Account       string `json:"account,omitempty"`
	Website       string `json:"website,omitempty"`
	Password      string `json:"password,omitempty"`
	Code          string `json:"code,omitempty"`
	QueryPassword string `json:"queryPassword,omitempty"`
}

func (m message) encode() []byte {
	b, _ := json.Marshal(m)
	return b
}
