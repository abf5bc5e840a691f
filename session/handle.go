package session

import (
	"context"
	"errors"

	"github.com/jxlgw/jxlgw/jxlclient"
)

// step is one kind of submission: what the app sent and what JXL is asked.
type step struct {
	name    string // the message type, also the progress event's step
	reqType string // JXL collect request type
	info    string // progress text for the applicant
}

var steps = map[string]step{
	MsgPassword:      {MsgPassword, jxlclient.TypePassword, "正在验证服务密码，请稍候…"},
	MsgSMS:           {MsgSMS, jxlclient.TypeCaptcha, "正在验证短信验证码，请稍候…"},
	MsgQueryPassword: {MsgQueryPassword, jxlclient.TypeQueryPwd, "正在验证查询密码，请稍候…"},
	MsgResendSMS:     {MsgResendSMS, jxlclient.TypeResend, "正在重新发送短信验证码…"},
}

// HandleFrame decodes one text frame from sub's app and acts on it. Replies that concern only
// this connection (ack, pong, bad_request) go to sub; logged events go to the order's current
// subscriber, which is sub unless another connection replaced it.
func (m *Manager) HandleFrame(ctx context.Context, id string, sub Subscriber, frame []byte) {
	m.handleFrame(ctx, id, sub, frame, false)
}

// HandleAttachedFrame is HandleFrame for a frame read from the connection Attach made sub:
// once another subscriber has replaced sub, the frame is dropped. The app has learnt from the
// new connection's replay that the order never got it, and may have sent it again there;
// acting on the old copy would be a second submission. The check is made under the order's
// lock, so a frame read just before the takeover cannot slip in after it.
func (m *Manager) HandleAttachedFrame(ctx context.Context, id string, sub Subscriber,
	frame []byte) {
	m.handleFrame(ctx, id, sub, frame, true)
}

func (m *Manager) handleFrame(ctx context.Context, id string, sub Subscriber, frame []byte,
	attached bool) {
	msg, err := DecodeMessage(frame)
	h := m.lockHub(id)
	defer h.mu.Unlock()
	if attached && h.sub != sub {
		m.log.Debug("frame from a replaced connection dropped", "order", id)
		return
	}

	o, gerr := m.store.Get(ctx, id)
	if gerr != nil {
		m.gone(h, id, sub, gerr)
		return
	}

	var derr *DecodeError
	if errors.As(err, &derr) {
		ev := badRequest(derr.info(), derr.Detail)
		ev.ID = derr.ID
		sub.Deliver(m.ephemeral(o, ev))
		return
	}
	m.handle(ctx, h, o, sub, msg)
}

func (m *Manager) handle(ctx context.Context, h *hub, o *Order, sub Subscriber, msg Message) {
	if !o.State.accepts(msg.Type) {
		ev := badRequest(wrongStateInfo(o.State), "message "+msg.Type+" is not allowed in state "+
			string(o.State))
		ev.ID = msg.ID
		sub.Deliver(m.ephemeral(o, ev))
		return
	}

	switch msg.Type {
	case MsgPing:
		sub.Deliver(m.ephemeral(o, Event{Type: EventPong, ID: msg.ID}))
	case MsgCancel:
		m.ack(o, sub, msg)
		m.cancel(ctx, h, o.ID)
	default:
		m.submit(ctx, h, o, sub, msg)
	}
}

// ephemeral stamps a connection event with the order's latest logged seq and state.
func (m *Manager) ephemeral(o *Order, ev Event) Event {
	ev.OrderID = o.ID
	ev.Seq = o.LastSeq
	ev.State = o.State
	ev.TS = m.cfg.Now().UnixMilli()
	ev.Ephemeral = true
	return ev
}

// Notify sends sub a connection event about the order, stamped with its latest seq and state
// and queued after every logged event already delivered.
func (m *Manager) Notify(ctx context.Context, id string, sub Subscriber, ev Event) {
	h := m.lockHub(id)
	defer h.mu.Unlock()
	o, err := m.store.Get(ctx, id)
	if err != nil {
		m.dropHub(id, h)
		return
	}
	sub.Deliver(m.ephemeral(o, ev))
}

func (m *Manager) ack(o *Order, sub Subscriber, msg Message) {
	if msg.ID != "" {
		sub.Deliver(m.ephemeral(o, Event{Type: EventAck, ID: msg.ID}))
	}
}

// gone tells sub the order no longer exists and kicks it.
func (m *Manager) gone(h *hub, id string, sub Subscriber, err error) {
	if !IsNotFound(err) {
		m.log.Error("load order", "order", id, "err", err)
		return
	}
	sub.Deliver(ExpiredEvent(id, m.cfg.Now()))
	sub.Kick(KickExpired)
	if h.sub == sub {
		h.sub = nil
	}
	m.dropHub(id, h)
}

// cancel ends the order at the app's request, abandoning any upstream call. The caller holds h.mu.
func (m *Manager) cancel(ctx context.Context, h *hub, id string) {
	if h.call != nil {
		h.call.cancel()
		h.call = nil
	}
	info := "已取消授权"
	_, evs, err := m.update(ctx, id, func(o *Order) ([]Event, error) {
		if o.State.Terminal() {
			return nil, errStale
		}
		o.State = StateFailed
		o.Info = Info{Code: CodeCancelled, ProcessInfo: info}
		return []Event{errorEvent(CodeCancelled, false, nil, info, "cancelled by the app")}, nil
	})
	if err != nil {
		m.log.Warn("cancel order", "order", id, "err", err)
		return
	}
	m.log.Info("order cancelled", "order", id)
	h.deliver(evs...)
}

// errStale aborts an update whose premise no longer holds (the order moved on meanwhile).
var errStale = errors.New("order changed meanwhile")

func wrongStateInfo(s State) string {
	switch s {
	case StateVerifying:
		return "正在处理上一次提交，请稍候"
	case StateFinished:
		return "授权已完成"
	case StateFailed:
		return "授权已结束，请重新开始"
	}
	return "当前步骤不能提交该内容"
}
