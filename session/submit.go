package session

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient"
)

// submit moves the order to verifying and starts its one upstream call. The caller holds h.mu.
func (m *Manager) submit(ctx context.Context, h *hub, o *Order, sub Subscriber, msg Message) {
	st := steps[msg.Type]
	if h.call != nil {
		// The store says the order is not verifying, yet a call is in flight here: an older
		// call was abandoned by a state change this node did not make.
		h.call.cancel()
		h.call = nil
	}

	c := &call{}
	var callCtx context.Context
	callCtx, c.cancel = context.WithTimeout(m.base, m.cfg.StepTimeout)

	var overLimit bool
	saved, evs, err := m.update(ctx, o.ID, func(o *Order) ([]Event, error) {
		if !o.State.accepts(msg.Type) {
			return nil, errStale
		}
		if count := o.Attempts.count(msg.Type); *count >= m.cfg.MaxAttempts {
			overLimit = true
			info := "尝试次数过多，请稍后重新开始"
			o.State = StateFailed
			o.Info = Info{Code: CodeTooManyAttempts, ProcessInfo: info}
			return []Event{errorEvent(CodeTooManyAttempts, false, nil, info,
				"the order used up its "+msg.Type+" attempts")}, nil
		} else {
			*count++
		}
		o.Prev = o.State
		o.State = StateVerifying
		return []Event{{Type: EventProgress, Step: st.name, ProcessInfo: st.info}}, nil
	})
	if err != nil {
		c.cancel()
		m.refuse(ctx, o, sub, msg, err)
		return
	}

	m.ack(o, sub, msg) // the seq before this change: the ack must not skip the progress event
	h.deliver(evs...)
	if overLimit {
		c.cancel()
		m.log.Info("order failed", "order", o.ID, "code", CodeTooManyAttempts, "step", st.name)
		return
	}

	h.call = c
	m.calls.Add(1)
	go m.run(callCtx, h, c, saved, st, msg)
}

// refuse answers a submission whose update failed.
func (m *Manager) refuse(ctx context.Context, o *Order, sub Subscriber, msg Message, err error) {
	if !errors.Is(err, errStale) {
		m.log.Error("update order", "order", o.ID, "err", err)
	}
	if cur, gerr := m.store.Get(ctx, o.ID); gerr == nil {
		o = cur
	}
	ev := badRequest(wrongStateInfo(o.State), "message "+msg.Type+" is not allowed now")
	ev.ID = msg.ID
	sub.Deliver(m.ephemeral(o, ev))
}

// count returns the counter for a kind of input.
func (a *Attempts) count(msgType string) *int {
	switch msgType {
	case MsgSMS:
		return &a.SMS
	case MsgQueryPassword:
		return &a.Query
	case MsgResendSMS:
		return &a.Resend
	}
	return &a.Password
}

// run is one upstream call: it asks JXL, re-asks while JXL answers RUNNING, and commits the
// outcome. The secrets in msg live only in this goroutine, for as long as the call takes.
func (m *Manager) run(ctx context.Context, h *hub, c *call, o *Order, st step, msg Message) {
	defer m.calls.Done()
	defer c.cancel()
	start := m.cfg.Now()

	token, err := m.seal.Open(o.SealedToken, []byte(o.ID))
	if err != nil {
		m.finish(h, c, o.ID, st, failure(errUnsealed), start)
		return
	}
	req := jxlclient.CollectRequest{
		Token: string(token), Website: o.Website, Account: o.Account, Type: st.reqType,
		Password: msg.Password, Captcha: msg.Code, QueryPwd: msg.QueryPassword,
	}
	if st.name == MsgPassword {
		req.Account = orDefault(msg.Account, o.Account)
		req.Website = orDefault(msg.Website, o.Website)
	}

	res, err := m.ask(ctx, h, o.ID, req)
	if err != nil {
		m.logUpstreamError(o.ID, st, err, req)
		if m.base.Err() != nil {
			err = errShutdown
		}
		m.finish(h, c, o.ID, st, failure(err), start)
		return
	}
	m.finish(h, c, o.ID, st, resultOutcome(res), start)
}

// ask calls Collect and then Poll while JXL says it is still working, until ctx ends.
func (m *Manager) ask(ctx context.Context, h *hub, id string,
	req jxlclient.CollectRequest) (*jxlclient.CollectResult, error) {
	res, err := m.up.Collect(ctx, req)
	var lastProgress time.Time
	for err == nil && res.Type == jxlclient.ResultRunning {
		if now := m.cfg.Now(); now.Sub(lastProgress) >= m.cfg.ProgressEvery {
			lastProgress = now
			m.progress(ctx, h, id, res.Content)
		}

		t := time.NewTimer(m.cfg.PollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		res, err = m.up.Poll(ctx, req)
	}
	return res, err
}

// progress logs a "still working" event, unless the call was abandoned meanwhile.
func (m *Manager) progress(ctx context.Context, h *hub, id, content string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil {
		return
	}
	info := orDefault(content, "运营商正在处理，请耐心等待…")
	_, evs, err := m.update(ctx, id, func(o *Order) ([]Event, error) {
		if o.State != StateVerifying {
			return nil, errStale
		}
		return []Event{{Type: EventProgress, Step: "running", ProcessInfo: info}}, nil
	})
	if err == nil {
		h.deliver(evs...)
	}
}

// logUpstreamError records what JXL sent back, with any secret of req cut out in case the
// upstream echoed the request.
func (m *Manager) logUpstreamError(id string, st step, err error, req jxlclient.CollectRequest) {
	attrs := []any{"order", id, "step", st.name, "err", redact(err.Error(), req)}
	var he *jxlclient.HTTPError
	var de *jxlclient.DecodeError
	switch {
	case errors.As(err, &he):
		attrs = append(attrs, "status", he.Status, "contentType", he.ContentType,
			"body", redact(he.Snippet, req))
	case errors.As(err, &de):
		attrs = append(attrs, "body", redact(de.Snippet, req))
	}
	m.log.Warn("upstream call failed", attrs...)
}

func redact(s string, req jxlclient.CollectRequest) string {
	for _, secret := range []string{req.Token, req.Password, req.Captcha, req.QueryPwd} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "***")
		}
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var (
	errUnsealed = errors.New("jxl token cannot be unsealed")
	errShutdown = errors.New("gateway shutting down")
)
