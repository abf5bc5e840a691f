package jxlclient

import (
	"errors"

	"github.com/sony/gobreaker/v2"
)

// newBreaker builds the Client's circuit breaker. What counts:
//
//   - failure: transport errors, our per-call timeouts, *HTTPError (any
//     status, and HTML on 200) and *DecodeError: JXL or its front is sick;
//   - success: nil and *APIError: JXL answered a well-formed "no", so it is
//     healthy, and process codes are the user's business;
//   - excluded: the caller's own cancellation or deadline, which says
//     nothing about JXL (gobreaker counts context.Canceled as a failure by
//     default).
func newBreaker(cfg Config) *gobreaker.CircuitBreaker[any] {
	threshold := cfg.BreakerFailures
	hook := cfg.OnBreakerChange
	st := gobreaker.Settings{
		Name:        "jxl",
		MaxRequests: 1,
		Timeout:     cfg.BreakerOpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= threshold
		},
		IsSuccessful: func(err error) bool {
			var apiErr *APIError
			return err == nil || errors.As(err, &apiErr)
		},
		IsExcluded: func(err error) bool {
			var done *callerDoneError
			return errors.As(err, &done)
		},
	}
	if hook != nil {
		st.OnStateChange = func(_ string, from, to gobreaker.State) {
			hook(from.String(), to.String())
		}
	}
	return gobreaker.NewCircuitBreaker[any](st)
}

// isRefusal reports whether err is the breaker refusing to run a call.
func isRefusal(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}
