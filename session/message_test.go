package session

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestDecodeMessage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		frame string
		want  Message
		err   string // substring of the error detail, "" for success
	}{
		{`{"type":"password","password":"p","account":"13800000000","id":"m1"}`,
			Message{Type: "password", Password: "p", Account: "13800000000", ID: "m1"}, ""},
		{`{"type":"sms","code":"012345"}`, Message{Type: "sms", Code: "012345"}, ""},
		{`{"type":"query_password","queryPassword":"q"}`,
			Message{Type: "query_password", QueryPassword: "q"}, ""},
		{`{"type":"ping","extra":{"x":1}}`, Message{Type: "ping"}, ""},
		{`{"type":"cancel"}`, Message{Type: "cancel"}, ""},
		{`{"type":"resend_sms"}`, Message{Type: "resend_sms"}, ""},
		{`{"type":"sms","code":12345}`, Message{}, "code must be a string"},
		{`{"type":"sms","code":"01234a"}`, Message{}, "4 to 8 digits"},
		{`{"type":"sms","code":"123"}`, Message{}, "4 to 8 digits"},
		{`{"type":"sms"}`, Message{}, "4 to 8 digits"},
		{`{"type":"password"}`, Message{}, "password is missing"},
		{`{"type":"password","password":""}`, Message{}, "password is missing"},
		{`{"type":"query_password"}`, Message{}, "queryPassword is missing"},
		{`{"type":"nope"}`, Message{}, "unknown message type"},
		{`{}`, Message{}, "type is missing"},
		{`{"type":null}`, Message{}, "type is missing"},
		{`{"type":1}`, Message{}, "type must be a string"},
		{`{"id":5,"type":"ping"}`, Message{}, "id must be a string"},
		{`[]`, Message{}, "not a JSON object"},
		{`"ping"`, Message{}, "not a JSON object"},
		{`{"type":"ping"`, Message{}, "not a JSON object"},
		{`{"type":"ping"}{}`, Message{}, "more than one"},
		{"{\"type\":\"ping\",\"x\":\"\xff\"}", Message{}, "UTF-8"},
		{`{"type":"password","password":"` + strings.Repeat("密", 65) + `"}`, Message{},
			"longer than 64"},
	}
	for _, c := range cases {
		got, err := DecodeMessage([]byte(c.frame))
		if c.err == "" {
			if err != nil || got != c.want {
				t.Errorf("%s: got %+v, %v; want %+v", c.frame, got, err, c.want)
			}
			continue
		}
		var derr *DecodeError
		if !errors.As(err, &derr) || !strings.Contains(derr.Detail, c.err) {
			t.Errorf("%s: error %v, want one containing %q", c.frame, err, c.err)
		}
	}
}

func TestDecodeErrorKeepsID(t *testing.T) {
	t.Parallel()
	_, err := DecodeMessage([]byte(`{"id":"m7","type":"sms","code":1}`))
	var derr *DecodeError
	if !errors.As(err, &derr) || derr.ID != "m7" {
		t.Fatalf("error %v, want a DecodeError with id m7", err)
	}
}

func TestMessageFormattingHidesSecrets(t *testing.T) {
	t.Parallel()
	m := Message{Type: "password", Password: "Secret#1", Code: "654321", QueryPassword: "QP#9"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, m)
		for _, secret := range []string{"Secret#1", "654321", "QP#9"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s printed %q, which holds %q", verb, out, secret)
			}
		}
	}
}

func FuzzDecodeMessage(f *testing.F) {
	for _, seed := range []string{
		`{"type":"password","password":"p"}`, `{"type":"sms","code":"012345"}`,
		`{"type":"query_password","queryPassword":"q"}`, `{"type":"ping","id":"x"}`,
		`{not json`, `[]`, `{"type":"sms","code":1e3}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := DecodeMessage(frame)
		if err != nil {
			var derr *DecodeError
			if !errors.As(err, &derr) {
				t.Fatalf("error %T, want *DecodeError", err)
			}
			return
		}
		if _, err := m.validate(); err != nil {
			t.Fatalf("accepted an invalid message %+v", m)
		}
	})
}
