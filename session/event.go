package session

import "time"

// Event types sent to the app. See docs/protocol.md §4.
const (
	EventState               = "state"
	EventAck                 = "ack"
	EventProgress            = "progress"
	EventPromptSMS           = "prompt_sms"
	EventPromptQueryPassword = "prompt_query_password"
	EventError               = "error"
	EventFinish              = "finish"
	EventPong                = "pong"
	EventReconnect           = "reconnect"
	EventClosed              = "closed"
)

// Error codes carried by error events. See docs/protocol.md §4.3.
const (
	CodeBadRequest          = "bad_request"
	CodeWrongPassword       = "wrong_password"
	CodeWrongSMS            = "wrong_sms"
	CodeWrongQueryPassword  = "wrong_query_password"
	CodeTooManyAttempts     = "too_many_attempts"
	CodeSimplePassword      = "simple_password"
	CodeCarrierError        = "carrier_error"
	CodeCarrierRejected     = "carrier_rejected"
	CodeJXLError            = "jxl_error"
	CodeJXLRejected         = "jxl_rejected"
	CodeCarrierUnavailable  = "carrier_unavailable"
	CodeUnexpectedAnswer    = "unexpected_answer"
	CodeUpstreamTimeout     = "upstream_timeout"
	CodeUpstreamError       = "upstream_error"
	CodeUpstreamUnavailable = "upstream_unavailable"
	CodeCancelled           = "cancelled"
	CodeSessionExpired      = "session_expired"
)

// Event is one frame from the gateway to the app. Logged events get the next seq of their order;
// ephemeral ones (acks, pongs, bad_request) carry the latest logged seq and are never replayed.
//
// An Event never holds a password, SMS code, query password or JXL token: it is stored, replayed
// and logged at Debug.
type Event struct {
	Type      string `json:"type"`
	OrderID   string `json:"orderId"`
	Seq       int64  `json:"seq"`
	State     State  `json:"state"`
	TS        int64  `json:"ts"`
	Ephemeral bool   `json:"ephemeral,omitempty"`

	// Expect is set on state events only, where "" is meaningful, hence the pointer.
	Expect *string `json:"expect,omitempty"`
	Resync bool    `json:"resync,omitempty"`
	Reason string  `json:"reason,omitempty"`

	ID          string `json:"id,omitempty"`
	Step        string `json:"step,omitempty"`
	Code        string `json:"code,omitempty"`
	ProcessCode *int   `json:"processCode,omitempty"`
	ProcessInfo string `json:"processInfo,omitempty"`
	Retryable   *bool  `json:"retryable,omitempty"`
	Detail      string `json:"detail,omitempty"`

	// RetryAfterMs is set on reconnect events: how long the app should wait before it
	// reconnects, spread at random so that apps do not all return in the same second.
	RetryAfterMs int64 `json:"retryAfterMs,omitempty"`

	// CloseCode and CloseReason are set on closed events, which end an HTTP event stream the
	// way a close frame ends a socket (same codes), so the app knows whether to come back.
	CloseCode   int    `json:"closeCode,omitempty"`
	CloseReason string `json:"closeReason,omitempty"`
}

// badRequest builds the ephemeral error for a message the gateway will not act on.
func badRequest(info, detail string) Event {
	no := false
	return Event{
		Type: EventError, Code: CodeBadRequest, Ephemeral: true,
		ProcessInfo: info, Detail: detail, Retryable: &no,
	}
}

// errorEvent builds a logged error event.
func errorEvent(code string, retryable bool, processCode *int, info, detail string) Event {
	return Event{
		Type: EventError, Code: code, Retryable: &retryable,
		ProcessCode: processCode, ProcessInfo: info, Detail: detail,
	}
}

// ExpiredEvent is the connection event that tells an app its order no longer exists, sent
// just before its connection closes with 4004. Its seq is 0: the order's log is gone.
func ExpiredEvent(orderID string, now time.Time) Event {
	no := false
	return Event{
		Type: EventError, OrderID: orderID, Code: CodeSessionExpired, Retryable: &no,
		Ephemeral: true, State: StateFailed, ProcessInfo: "订单已过期，请重新开始",
		TS: now.UnixMilli(),
	}
}

func intPtr(v int) *int { return &v }
