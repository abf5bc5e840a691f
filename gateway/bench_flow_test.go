package gateway_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/internal/gwtest"
	"github.com/jxlgw/jxlgw/session"
)

// BenchmarkFlow is one whole pass_good order over real loopback HTTP and WebSocket: create the
// order, open its socket, send the password and the SMS code, read to finish and close 1000.
// Logging is at Info into a discard handler, as in production minus the I/O.
func BenchmarkFlow(b *testing.B) {
	env := gwtest.Start(b, gwtest.Options{})
	ctx := context.Background()

	b.ReportAllocs()
	for b.Loop() {
		o := env.CreateOrder(b)
		c, _, err := websocket.Dial(ctx, o.WSURL+"?ticket="+o.Ticket, nil)
		if err != nil {
			b.Fatal(err)
		}
		benchUntil(b, c, session.EventState)
		benchSend(b, c, `{"type":"password","password":"pass_good"}`)
		benchUntil(b, c, session.EventPromptSMS)
		benchSend(b, c, `{"type":"sms","code":"123456"}`)
		benchUntil(b, c, session.EventFinish)
		if _, _, err := c.Read(ctx); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
			b.Fatalf("after finish: %v, want close 1000", err)
		}
		c.CloseNow()
	}
}

func benchSend(b *testing.B, c *websocket.Conn, msg string) {
	if err := c.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		b.Fatal(err)
	}
}

// benchUntil reads events until one of type typ.
func benchUntil(b *testing.B, c *websocket.Conn, typ string) {
	for {
		_, raw, err := c.Read(context.Background())
		if err != nil {
			b.Fatalf("waiting for %s: %v", typ, err)
		}
		var ev session.Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			b.Fatal(err)
		}
		if ev.Type == typ {
			return
		}
		if ev.Type == session.EventError {
			b.Fatalf("waiting for %s: %+v", typ, ev)
		}
	}
}
