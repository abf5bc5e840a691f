// Package jxlclient is a typed client for the 聚信立 (Juxinli, "JXL") org API:
// the applications call that yields a collection token, and the interactive
// collect steps (service password, SMS code, resend, query password).
//
// JXL never published a spec; the wire format follows what public
// integrations show (see /work/shared/reference/jxl-api.md in the repo's
// shared notes). Decoding is lenient exactly where those integrations
// disagree: success, finish, process_code and the v3 code may each arrive as
// a JSON bool/number or as a string.
//
// A Client never returns a zero-valued success. Every failure is one of:
//
//   - *HTTPError: non-2xx status, or a 2xx whose body is not JSON (a WAF page);
//   - *DecodeError: empty, truncated or malformed JSON, or a reply that breaks
//     the envelope contract (no data, unknown data.type, CONTROL without a
//     process_code);
//   - *APIError: a well-formed "no" from JXL (success:false, v3 code != 65557);
//   - an error wrapping ErrUnavailable when the circuit breaker is open;
//   - an error wrapping context.DeadlineExceeded when the per-call timeout
//     passed, or the caller's context error when the caller gave up.
//
// A CONTROL reply with an unknown process_code is not an error: the caller
// decides what it means.
//
// Requests are secrets: CollectRequest, ApplyRequest (and their parts) and
// Application format themselves without passwords, SMS codes, tokens or
// personal data, and no error string carries a request body.
//
// The package does not log. State changes of the circuit breaker are reported
// through Config.OnBreakerChange.
package jxlclient
