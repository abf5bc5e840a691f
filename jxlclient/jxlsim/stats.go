package jxlsim

import "maps"

// Submit kinds, the keys of Stats.Submits.
const (
	KindPassword      = "password"       // type ""
	KindSMS           = "sms"            // SUBMIT_CAPTCHA
	KindQueryPassword = "query_password" // SUBMIT_QUERY_PWD
	KindResend        = "resend"         // RESEND_CAPTCHA
	KindOther         = "other"          // any other type
)

// Stats counts what the simulator saw since New or the last Reset.
type Stats struct {
	// Requests counts every request to a JXL route, faulted or not.
	Requests int `json:"requests"`
	// Applications counts tokens handed out.
	Applications int `json:"applications"`
	// Submits counts new user actions by kind: a v2 collect whose body
	// differs from the one last answered RUNNING, or a legacy accept.
	Submits map[string]int `json:"submits"`
	// Reissues counts v2 collects repeating the body last answered RUNNING.
	Reissues int `json:"reissues"`
	// Polls counts legacy collect/resp calls.
	Polls int `json:"polls"`
	// Concurrent counts collects refused because the token already had one
	// in flight. A gateway that keeps one upstream call per order keeps it 0.
	Concurrent int `json:"concurrent"`
	// InFlight is how many collects are being processed right now. It is a
	// gauge: Reset does not clear it.
	InFlight int `json:"in_flight"`
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Submits = maps.Clone(s.stats.Submits)
	st.InFlight = s.inFlight
	return st
}

// TokenSubmits returns the submits by kind for one token since it was
// issued (Reset does not clear them), or nil for an unknown token.
func (s *Server) TokenSubmits(token string) map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tokens[token]
	if ts == nil {
		return nil
	}
	return maps.Clone(ts.submits)
}

// countSubmit records a new user action. Callers hold s.mu.
func (s *Server) countSubmit(ts *tokenState, req collectReq) {
	k := kindOf(req.Type)
	s.stats.Submits[k]++
	ts.submits[k]++
}

func kindOf(typ string) string {
	switch typ {
	case typePassword:
		return KindPassword
	case typeCaptcha:
		return KindSMS
	case typeQueryPwd:
		return KindQueryPassword
	case typeResend:
		return KindResend
	}
	return KindOther
}
