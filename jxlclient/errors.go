package jxlclient

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// ErrUnavailable is wrapped by every error returned while the circuit breaker
// refuses calls (open, or half-open with its single probe already running).
// Callers should show a "temporarily unavailable" message and not retry at
// once.
var ErrUnavailable = errors.New("upstream unavailable")

// snippetLimit bounds HTTPError.Snippet and DecodeError.Snippet so that a
// large HTML page does not flood the logs.
const snippetLimit = 512

// HTTPError reports a non-2xx answer, or a 2xx answer whose body is not JSON
// (for example a load balancer or WAF page served with status 200).
type HTTPError struct {
	Method      string // HTTP method of the call
	Path        string // request path; JXL paths carry no token
	Status      int    // HTTP status code
	ContentType string // Content-Type header as received
	Snippet     string // first 512 bytes of the body (JXL's text, safe to log)
}

// Error implements error. The body snippet is left out so that an HTML page
// never reaches a user-facing message; log Snippet separately.
func (e *HTTPError) Error() string {
	ct := e.ContentType
	if ct == "" {
		ct = "no content type"
	}
	if e.Status >= 200 && e.Status < 300 {
		return fmt.Sprintf("%s %s: status %d with non-json body (%s)",
			e.Method, e.Path, e.Status, ct)
	}
	return fmt.Sprintf("%s %s: unexpected status %d (%s)", e.Method, e.Path, e.Status, ct)
}

// DecodeError reports a 2xx JSON answer that could not be decoded or that
// breaks the envelope contract.
type DecodeError struct {
	Snippet string // first 512 bytes of the body (JXL's text, safe to log)
	Err     error  // what was wrong
}

// Error implements error.
func (e *DecodeError) Error() string { return "decode response: " + e.Err.Error() }

// Unwrap returns the underlying cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// APIError is JXL's business "no": a well-formed reply with success:false,
// or a v3 applications reply whose code is not 65557. The upstream is
// healthy, so it does not count against the circuit breaker.
type APIError struct {
	Code    int    // v3 code (e.g. 65543) or 0 when JXL sent none
	Message string // JXL's message, e.g. "token无效"
}

// Error implements error.
func (e *APIError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("jxl refused: code %d: %s", e.Code, e.Message)
	}
	return "jxl refused: " + e.Message
}

// callerDoneError marks a failure caused by the caller's own context, so the
// breaker can exclude it; a cancelled request says nothing about JXL.
type callerDoneError struct{ err error }

// Error returns the wrapped message unchanged.
func (e *callerDoneError) Error() string { return e.err.Error() }

// Unwrap returns the caller's context error, wrapped with the operation.
func (e *callerDoneError) Unwrap() error { return e.err }

// snippet returns at most snippetLimit bytes of b, cut on a rune boundary.
func snippet(b []byte) string {
	if len(b) <= snippetLimit {
		return string(b)
	}
	cut := snippetLimit
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return string(b[:cut])
}
