package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Message types the app sends. See docs/protocol.md §3.
const (
	MsgPassword      = "password"
	MsgSMS           = "sms"
	MsgQueryPassword = "query_password"
	MsgResendSMS     = "resend_sms"
	MsgCancel        = "cancel"
	MsgPing          = "ping"
)

// Limits on message fields. Carrier passwords are short; anything longer is a client bug.
const (
	maxSecretLen = 64
	maxIDLen     = 64
	maxFieldLen  = 64
)

// Message is one decoded message from the app. Password, Code and QueryPassword are secrets: the
// String and GoString methods leave them out so that a stray %v cannot leak them.
type Message struct {
	Type          string
	ID            string
	Account       string
	Website       string
	Password      string
	Code          string
	QueryPassword string
}

// String describes the message without its secrets.
func (m Message) String() string {
	return fmt.Sprintf("message{type:%q id:%q}", m.Type, m.ID)
}

// GoString is String, so that %#v is as safe as %v.
func (m Message) GoString() string { return m.String() }

// DecodeError says why a frame is not an acceptable message. Its text is safe to show the app
// developer: it names fields, never their values.
type DecodeError struct {
	ID     string // the message's id, when it could be read
	Field  string // the field at fault, when there is one
	Detail string
}

// info is the text for the applicant: what to type again, when a field is at fault.
func (e *DecodeError) info() string {
	switch e.Field {
	case "code":
		return "请输入4到8位数字的短信验证码"
	case "password":
		return "请输入正确的服务密码"
	case "queryPassword":
		return "请输入正确的查询密码"
	}
	return "请求格式有误，请刷新页面后重试"
}

func (e *DecodeError) Error() string { return "bad message: " + e.Detail }

// wireMessage uses json.RawMessage for the secret fields so that a number sent where a string
// belongs is refused instead of silently turned into text ("012345" must keep its zero).
type wireMessage struct {
	Type          json.RawMessage `json:"type"`
	ID            json.RawMessage `json:"id"`
	Account       json.RawMessage `json:"account"`
	Website       json.RawMessage `json:"website"`
	Password      json.RawMessage `json:"password"`
	Code          json.RawMessage `json:"code"`
	QueryPassword json.RawMessage `json:"queryPassword"`
}

// DecodeMessage parses and validates one text frame. Unknown fields are ignored so that newer
// apps can talk to older gateways.
func DecodeMessage(frame []byte) (Message, error) {
	var w wireMessage
	if !utf8.Valid(frame) {
		return Message{}, &DecodeError{Detail: "frame is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(frame))
	if err := dec.Decode(&w); err != nil {
		return Message{}, &DecodeError{Detail: "frame is not a JSON object"}
	}
	if dec.More() {
		return Message{}, &DecodeError{Detail: "frame holds more than one JSON value"}
	}

	var m Message
	var err error
	fields := []struct {
		name string
		raw  json.RawMessage
		dst  *string
		max  int
	}{
		{"id", w.ID, &m.ID, maxIDLen},
		{"type", w.Type, &m.Type, maxFieldLen},
		{"account", w.Account, &m.Account, maxFieldLen},
		{"website", w.Website, &m.Website, maxFieldLen},
		{"password", w.Password, &m.Password, maxSecretLen},
		{"code", w.Code, &m.Code, maxSecretLen},
		{"queryPassword", w.QueryPassword, &m.QueryPassword, maxSecretLen},
	}
	for _, f := range fields {
		if *f.dst, err = stringField(f.name, f.raw, f.max); err != nil {
			return Message{ID: m.ID}, &DecodeError{ID: m.ID, Field: f.name, Detail: err.Error()}
		}
	}

	if field, err := m.validate(); err != nil {
		return Message{ID: m.ID}, &DecodeError{ID: m.ID, Field: field, Detail: err.Error()}
	}
	return m, nil
}

// stringField reads an optional JSON string of at most max runes.
func stringField(name string, raw json.RawMessage, max int) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("field %s must be a string", name)
	}
	if utf8.RuneCountInString(s) > max {
		return "", fmt.Errorf("field %s is longer than %d characters", name, max)
	}
	return s, nil
}

// validate checks the fields m's type needs and names the one at fault.
func (m Message) validate() (field string, err error) {
	switch m.Type {
	case "":
		return "type", errors.New("field type is missing")
	case MsgPassword:
		if m.Password == "" {
			return "password", errors.New("field password is missing")
		}
	case MsgSMS:
		if !isSMSCode(m.Code) {
			return "code", errors.New("field code must be a string of 4 to 8 digits")
		}
	case MsgQueryPassword:
		if m.QueryPassword == "" {
			return "queryPassword", errors.New("field queryPassword is missing")
		}
	case MsgResendSMS, MsgCancel, MsgPing:
	default:
		return "type", errors.New("unknown message type")
	}
	return "", nil
}

func isSMSCode(s string) bool {
	if len(s) < 4 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
