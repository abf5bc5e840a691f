package session

// State is where an order stands in the carrier authorisation.
type State string

// The states of an order. See docs/protocol.md §4.1.
const (
	StateAwaitPassword State = "await_password"
	StateVerifying     State = "verifying"
	StateAwaitSMS      State = "await_sms"
	StateAwaitQuery    State = "await_query_password"
	StateFinished      State = "finished"
	StateFailed        State = "failed"
)

// Terminal reports whether no input can change the order any more.
func (s State) Terminal() bool {
	return s == StateFinished || s == StateFailed
}

// Expect names the input the app should ask for in this state, or "" when there is none.
func (s State) Expect() string {
	switch s {
	case StateAwaitPassword:
		return "password"
	case StateAwaitSMS:
		return "sms"
	case StateAwaitQuery:
		return "query_password"
	}
	return ""
}

// accepts reports whether a message of type typ may be sent in this state.
func (s State) accepts(typ string) bool {
	switch typ {
	case MsgPing:
		return true
	case MsgCancel:
		return !s.Terminal()
	case MsgPassword:
		return s == StateAwaitPassword
	case MsgSMS, MsgResendSMS:
		return s == StateAwaitSMS
	case MsgQueryPassword:
		return s == StateAwaitQuery
	}
	return false
}
