package session

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jxlgw/jxlgw/jxlclient"
)

// TestResultOutcome is docs/protocol.md §4.2 as a table.
func TestResultOutcome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ   jxlclient.ResultType
		code  int
		event string
		ecode string
		next  State
		retry bool
	}{
		{jxlclient.ResultControl, 10002, EventPromptSMS, "", StateAwaitSMS, false},
		{jxlclient.ResultControl, 10001, EventPromptSMS, "", StateAwaitSMS, false},
		{jxlclient.ResultControl, 10006, EventPromptSMS, "", StateAwaitSMS, false},
		{jxlclient.ResultControl, 10017, EventPromptSMS, "", StateAwaitSMS, false},
		{jxlclient.ResultControl, 10018, EventPromptSMS, "", StateAwaitSMS, false},
		{jxlclient.ResultControl, 10024, EventPromptSMS, "", StateAwaitSMS, false},
		{jxlclient.ResultControl, 10022, EventPromptQueryPassword, "", StateAwaitQuery, false},
		{jxlclient.ResultControl, 10008, EventFinish, "", StateFinished, false},
		{jxlclient.ResultControl, 10003, EventError, CodeWrongPassword, StateAwaitPassword, true},
		{jxlclient.ResultControl, 10004, EventError, CodeWrongSMS, StateAwaitSMS, true},
		{jxlclient.ResultControl, 10023, EventError, CodeWrongQueryPassword, StateAwaitQuery, true},
		{jxlclient.ResultControl, 10007, EventError, CodeSimplePassword, StateFailed, false},
		{jxlclient.ResultControl, 30000, EventError, CodeCarrierError, StateFailed, false},
		{jxlclient.ResultControl, 10009, EventError, CodeCarrierRejected, StateFailed, false},
		{jxlclient.ResultControl, 10010, EventError, CodeCarrierRejected, StateFailed, false},
		{jxlclient.ResultControl, 31000, EventError, CodeCarrierRejected, StateFailed, false},
		{jxlclient.ResultControl, 0, EventError, CodeCarrierUnavailable, "", true},
		{jxlclient.ResultControl, 10099, EventError, CodeUnexpectedAnswer, "", true},
		{jxlclient.ResultError, 0, EventError, CodeJXLError, StateFailed, false},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s/%d", c.typ, c.code)
		out := resultOutcome(&jxlclient.CollectResult{Type: c.typ, ProcessCode: c.code})
		if out.ev.Type != c.event || out.ev.Code != c.ecode || out.next != c.next {
			t.Errorf("%s: %s/%s -> %q, want %s/%s -> %q", name, out.ev.Type, out.ev.Code,
				out.next, c.event, c.ecode, c.next)
		}
		if out.ev.ProcessInfo == "" {
			t.Errorf("%s: no processInfo", name)
		}
		if c.event == EventError && (out.ev.Retryable == nil || *out.ev.Retryable != c.retry) {
			t.Errorf("%s: retryable %v, want %v", name, out.ev.Retryable, c.retry)
		}
	}
}

func TestFailureOutcome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		code string
		next State
	}{
		{fmt.Errorf("x: %w", jxlclient.ErrUnavailable), CodeUpstreamUnavailable, ""},
		{context.DeadlineExceeded, CodeUpstreamTimeout, ""},
		{errShutdown, CodeUpstreamUnavailable, ""},
		{&jxlclient.APIError{Message: "token无效"}, CodeJXLRejected, ""},
		{&jxlclient.HTTPError{Status: 502}, CodeUpstreamError, ""},
		{&jxlclient.DecodeError{Err: errors.New("eof")}, CodeUpstreamError, ""},
		{errors.New("dial tcp: refused"), CodeUpstreamError, ""},
	}
	for _, c := range cases {
		out := failure(c.err)
		if out.ev.Code != c.code || out.next != c.next {
			t.Errorf("%v: %s -> %q, want %s -> %q", c.err, out.ev.Code, out.next, c.code, c.next)
		}
		if refund := c.code != CodeJXLRejected; out.refund != refund {
			t.Errorf("%v: refund %v, want %v", c.err, out.refund, refund)
		}
		if out.ev.ProcessInfo == "" || out.ev.ProcessCode != nil {
			t.Errorf("%v: processInfo %q processCode %v", c.err, out.ev.ProcessInfo,
				out.ev.ProcessCode)
		}
	}
}
