package gateway_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

// Marker inputs: values no log line, event or error may ever contain.
const (
	markerPassword = "Marker#Pw-77310"
	markerSMS      = "987123"
	markerQuery    = "Marker#Qp-55210"
)

// TestSecretsNeverLogged drives every scenario, marker inputs, refused handshakes and upstream
// faults included, with Debug logging on, and scans the logs and every event for the inputs,
// the API key, the tickets and JXL tokens.
func TestSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{mode: m.mode, breakerFails: 100})
			var events, tickets []string
			record := func(cl *client) {
				for _, ev := range cl.events {
					b, _ := json.Marshal(ev)
					events = append(events, string(b))
				}
			}

			for _, steps := range scenarios {
				o := e.createOrder()
				tickets = append(tickets, o.Ticket)
				cl := e.connect(o)
				for _, s := range steps {
					cl.send(s.msg)
					cl.until()
				}
				record(cl)
			}

			o := e.createOrder()
			tickets = append(tickets, o.Ticket)
			e.handshake(o, "forged."+o.Ticket, "https://evil.example.net")
			e.handshake(o, o.Ticket, "https://evil.example.net")
			cl := e.connect(o)
			cl.password(markerPassword)
			cl.password("pass_query")
			cl.send(qp(markerQuery))
			cl.until()
			cl.send(qp("query_good"))
			cl.until()
			cl.sms(markerSMS)
			e.sim.SetFaults(jxlsim.Faults{Status: 502})
			cl.sms(markerSMS)
			e.sim.SetFaults(jxlsim.Faults{InvalidJSON: true})
			cl.sms(markerSMS)
			e.sim.SetFaults(jxlsim.Faults{})
			record(cl)

			secrets := []string{markerPassword, markerSMS, markerQuery, "123456", "query_good",
				testAPIKey}
			secrets = append(secrets, tickets...)
			for p := range scenarioPasswords() {
				secrets = append(secrets, p)
			}
			scan(t, "logs", e.logs.String(), secrets)
			scan(t, "events", strings.Join(events, "\n"), secrets)
		})
	}
}

// jxlToken matches the simulator's tokens: 32 hex digits.
var jxlToken = regexp.MustCompile(`[0-9a-f]{32}`)

func scan(t *testing.T, what, text string, secrets []string) {
	t.Helper()
	if strings.TrimSpace(text) == "" {
		t.Fatalf("%s: nothing captured, so nothing was scanned", what)
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("%s contain the secret %q", what, s)
		}
	}
	if tok := jxlToken.FindString(text); tok != "" {
		t.Errorf("%s contain what looks like a JXL token: %s", what, tok)
	}
}

func scenarioPasswords() map[string]bool {
	out := map[string]bool{}
	for _, steps := range scenarios {
		for _, s := range steps {
			if p, ok := s.msg["password"].(string); ok {
				out[p] = true
			}
		}
	}
	return out
}
