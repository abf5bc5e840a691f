package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway/client"
	"github.com/jxlgw/jxlgw/internal/gwtest"
	"github.com/jxlgw/jxlgw/internal/tcpproxy"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return c
}

func dial(t *testing.T, o gwtest.Order, url string) *client.Client {
	t.Helper()
	c, err := client.Dial(ctx(t), client.Config{URL: url, Ticket: o.Ticket,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func next(t *testing.T, c *client.Client, types ...string) client.Event {
	t.Helper()
	ev, err := c.Next(ctx(t), types...)
	if err != nil {
		t.Fatalf("waiting for %v: %v", types, err)
	}
	return ev
}

func TestFlow(t *testing.T) {
	t.Parallel()
	env := gwtest.Start(t, gwtest.Options{})
	o := env.CreateOrder(t)
	c := dial(t, o, o.WSURL)
	if ev := next(t, c, "state"); ev.Expect == nil || *ev.Expect != "password" {
		t.Fatalf("first event %+v, want a state expecting password", ev)
	}

	if err := c.SubmitPassword(ctx(t), "pass_bad", "", ""); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, c, "error", "prompt_sms"); ev.Code != "wrong_password" {
		t.Fatalf("after pass_bad: %+v, want wrong_password", ev)
	}
	c.SubmitPassword(ctx(t), "pass_good", "", "")
	next(t, c, "prompt_sms")
	c.SubmitSMS(ctx(t), "123456")
	next(t, c, "finish")

	<-c.Done()
	var ce *client.CloseError
	if !errors.As(c.Err(), &ce) || ce.Code != 1000 {
		t.Fatalf("end: %v, want a 1000 CloseError", c.Err())
	}
}

func TestRefusal(t *testing.T) {
	t.Parallel()
	env := gwtest.Start(t, gwtest.Options{})
	o := env.CreateOrder(t)
	c := dial(t, o, o.WSURL)
	var refused *client.Error
	err := c.SubmitSMS(ctx(t), "123456")
	if !errors.As(err, &refused) || refused.Event.Code != "bad_request" {
		t.Fatalf("sms before password: %v, want a bad_request *Error", err)
	}
}

// TestResumeAfterDrop cuts the connection after the SMS prompt: the client reconnects with
// since, the prompt is not shown twice, and the flow finishes.
func TestResumeAfterDrop(t *testing.T) {
	t.Parallel()
	env := gwtest.Start(t, gwtest.Options{})
	proxy, err := tcpproxy.New(strings.TrimPrefix(env.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	o := env.CreateOrder(t)
	url := strings.Replace(o.WSURL, strings.TrimPrefix(env.URL, "http://"), proxy.Addr(), 1)

	var seen []client.Event
	c := dial(t, o, url)
	c.SubmitPassword(ctx(t), "pass_good", "", "")
	seen = append(seen, next(t, c, "prompt_sms"))
	proxy.CutAll()

	// The SMS waits for the new socket; the resumed socket must not replay the prompt.
	if err := c.SubmitSMS(ctx(t), "123456"); err != nil {
		t.Fatalf("sms after the drop: %v (client ended: %v)", err, c.Err())
	}
	for {
		ev, err := c.Next(ctx(t))
		if err != nil {
			break
		}
		seen = append(seen, ev)
	}
	prompts, finishes := 0, 0
	for _, ev := range seen {
		switch ev.Type {
		case "prompt_sms":
			prompts++
		case "finish":
			finishes++
		}
	}
	if prompts != 1 || finishes != 1 {
		t.Fatalf("saw %d prompts and %d finishes, want one each", prompts, finishes)
	}
	if got := env.Sim.Stats().Submits["sms"]; got != 1 {
		t.Fatalf("sms submits upstream = %d, want 1", got)
	}
}

func TestReplacedClientStops(t *testing.T) {
	t.Parallel()
	env := gwtest.Start(t, gwtest.Options{})
	o := env.CreateOrder(t)
	first := dial(t, o, o.WSURL)
	next(t, first, "state") // attached: the next socket is the newer one
	dial(t, o, o.WSURL)
	select {
	case <-first.Done():
	case <-ctx(t).Done():
		t.Fatal("the replaced client kept running")
	}
	var ce *client.CloseError
	if !errors.As(first.Err(), &ce) || ce.Code != 4001 {
		t.Fatalf("replaced client ended with %v, want 4001", first.Err())
	}
}

// TestOwnZombieDoesNotStopTheClient: a dial of this client's that attached late (the network made
// it look dead to the client) replaces the live socket; the client sees its own dial's name in
// the 4001 and resumes, where a 4001 from another device would stop it.
func TestOwnZombieDoesNotStopTheClient(t *testing.T) {
	t.Parallel()
	env := gwtest.Start(t, gwtest.Options{})
	o := env.CreateOrder(t)
	c, err := client.Dial(ctx(t), client.Config{URL: o.WSURL, Ticket: o.Ticket, Name: "app7",
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	next(t, c, "state")

	// The zombie: the server side of the client's first dial, attaching late.
	z, _, err := websocket.Dial(ctx(t), o.WSURL+"?ticket="+o.Ticket+"&conn=app7-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	z.CloseNow()

	if err := c.SubmitPassword(ctx(t), "pass_good", "", ""); err != nil {
		t.Fatalf("after its own zombie took over: %v (client ended: %v)", err, c.Err())
	}
	next(t, c, "prompt_sms")
}
