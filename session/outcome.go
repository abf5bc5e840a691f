package session

import (
	"context"
	"errors"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient"
)

// outcome is what one upstream answer does to an order: the event to log and the next state.
type outcome struct {
	ev   Event
	next State // "" means back to the state before the submission
	// refund gives the attempt back: JXL never judged the input (it failed, timed out or was
	// not called), so the applicant must not lose one of their tries to an outage.
	refund bool
}

func prompt(typ string, next State, code int, content, def string) outcome {
	return outcome{
		ev:   Event{Type: typ, ProcessCode: intPtr(code), ProcessInfo: orDefault(content, def)},
		next: next,
	}
}

func fail(code string, retryable bool, next State, pc *int, content, def, detail string) outcome {
	return outcome{
		ev:   errorEvent(code, retryable, pc, orDefault(content, def), detail),
		next: next,
	}
}

// resultOutcome maps a JXL step result to an outcome (docs/protocol.md §4.2).
func resultOutcome(res *jxlclient.CollectResult) outcome {
	pc := intPtr(res.ProcessCode)
	c := res.Content
	if res.Type == jxlclient.ResultError {
		return fail(CodeJXLError, false, StateFailed, pc, c, "认证流程已失效，请重新开始",
			"JXL answered type ERROR: the token is spent")
	}

	switch res.ProcessCode {
	case jxlclient.CodeSMSSent, jxlclient.CodeSecondSMS, jxlclient.CodeSMSExpired,
		jxlclient.CodeSendCXXD, jxlclient.CodeCXXDExpired, jxlclient.CodeTwoSMS:
		return prompt(EventPromptSMS, StateAwaitSMS, res.ProcessCode, c, "请输入短信验证码")
	case jxlclient.CodeQueryPassword:
		return prompt(EventPromptQueryPassword, StateAwaitQuery, res.ProcessCode, c, "请输入查询密码")
	case jxlclient.CodeCollecting:
		// TODO(jxlgw): with finish false JXL names a next_datasource (an e-commerce site) to
		// authorise too; orders are carrier-only today, so the flow ends here either way.
		return outcome{
			ev: Event{Type: EventFinish, ProcessCode: pc,
				ProcessInfo: orDefault(c, "授权成功，正在采集数据")},
			next: StateFinished,
		}
	case jxlclient.CodeWrongPassword:
		return fail(CodeWrongPassword, true, StateAwaitPassword, pc, c, "服务密码错误，请重新输入", "")
	case jxlclient.CodeWrongSMS:
		return fail(CodeWrongSMS, true, StateAwaitSMS, pc, c, "短信验证码错误，请重新输入", "")
	case jxlclient.CodeWrongQueryPassword:
		return fail(CodeWrongQueryPassword, true, StateAwaitQuery, pc, c, "查询密码错误，请重新输入", "")
	case jxlclient.CodeSimplePassword:
		return fail(CodeSimplePassword, false, StateFailed, pc, c,
			"简单密码或初始密码无法登录，请先到运营商修改服务密码", "")
	case jxlclient.CodeCarrierError:
		return fail(CodeCarrierError, false, StateFailed, pc, c, "运营商返回错误，请稍后再试", "")
	case jxlclient.CodeVerifyFailed, jxlclient.CodeBadNewPassword, jxlclient.CodeResetFailed:
		return fail(CodeCarrierRejected, false, StateFailed, pc, c, "运营商认证失败", "")
	case jxlclient.CodeTimeout:
		return refunded(fail(CodeCarrierUnavailable, true, "", pc, c, "运营商系统繁忙，请稍后重试", ""))
	}
	return refunded(fail(CodeUnexpectedAnswer, true, "", pc, c, "认证服务返回了未知结果，请稍后重试",
		"JXL answered an unknown process_code"))
}

func refunded(o outcome) outcome {
	o.refund = true
	return o
}

// failure maps an upstream error to an outcome. Its texts never hold the error itself: that
// may name hosts and is not for applicants.
func failure(err error) outcome {
	var rej *jxlclient.APIError
	switch {
	case errors.Is(err, jxlclient.ErrUnavailable):
		return refunded(fail(CodeUpstreamUnavailable, true, "", nil, "",
			"认证服务暂时不可用，请稍后重试", "the upstream breaker is open"))
	case errors.Is(err, errShutdown):
		return refunded(fail(CodeUpstreamUnavailable, true, "", nil, "",
			"服务正在重启，请稍后重新提交", "the gateway restarted during the call"))
	case errors.Is(err, context.DeadlineExceeded):
		return refunded(fail(CodeUpstreamTimeout, true, "", nil, "", "运营商响应超时，请稍后重试",
			"no final answer from JXL within the deadline"))
	case errors.As(err, &rej):
		// JXL refused the call itself (success:false): a spent token, or a request it still
		// works on. The applicant may try again; the attempt counts, so a dead token ends in
		// too_many_attempts rather than looping.
		return fail(CodeJXLRejected, true, "", nil, "", "认证请求被拒绝，请稍后重试",
			"JXL answered success:false")
	}
	return refunded(fail(CodeUpstreamError, true, "", nil, "", "认证服务异常，请稍后重试",
		"JXL's answer was an error page or could not be read"))
}

// finish commits an outcome, unless the call was abandoned meanwhile.
func (m *Manager) finish(h *hub, c *call, id string, st step, out outcome, start time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.call != c {
		return
	}
	h.call = nil

	// The app's context is gone; the store write must not depend on it or on the call's.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, evs, err := m.update(ctx, id, func(o *Order) ([]Event, error) {
		if o.State != StateVerifying {
			return nil, errStale
		}
		o.State = out.next
		if o.State == "" {
			o.State = o.Prev
		}
		if n := o.Attempts.count(st.name); out.refund && *n > 0 {
			*n--
		}
		o.Info = Info{Code: out.ev.Code, ProcessCode: out.ev.ProcessCode,
			ProcessInfo: out.ev.ProcessInfo}
		return []Event{out.ev}, nil
	})
	if err != nil {
		// TODO(jxlgw): with a shared store that can fail, an order whose answer could not be
		// saved stays verifying until it expires; retry the write, or hand it to a janitor.
		m.log.Warn("commit upstream answer", "order", id, "step", st.name, "err", err)
		return
	}

	ev := evs[0]
	attrs := []any{"order", id, "step", st.name, "event", ev.Type, "state", ev.State,
		"elapsed", m.cfg.Now().Sub(start).Round(time.Millisecond)}
	if ev.ProcessCode != nil {
		attrs = append(attrs, "processCode", *ev.ProcessCode)
	}
	if ev.Code != "" {
		attrs = append(attrs, "code", ev.Code)
	}
	m.log.Info("upstream answered", attrs...)
	h.deliver(evs...)
}
