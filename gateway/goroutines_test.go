package gateway_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// TestGoroutinesPerIdleConn opens idle sockets (each has had its state event, nobody sends
// anything) and counts the goroutines they cost the gateway. The clients live in this process
// too, so the figure that is asserted counts only goroutines whose stack is in the gateway
// package (the socket's read loop runs inside the net/http connection goroutine, under
// serveWS); the whole-process figure is logged beside it. The goal is 1: the read loop only,
// with the writer gone while there is nothing to send.
//
// Not parallel: it counts goroutines.
func TestGoroutinesPerIdleConn(t *testing.T) {
	const sockets = 200
	e := newEnv(t, envOptions{ticker: newHandTicker().factory})
	ords := e.createOrders(sockets)
	base := e.baseline()
	gwBase := countStacks(gatewayCode)

	conns := make([]*websocket.Conn, sockets)
	errs := make(chan error, sockets)
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i, o := range ords {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := testCtx()
			defer cancel()
			c, _, err := websocket.Dial(ctx, e.wsURL(o, o.Ticket, ""), nil)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = c
			if _, _, err := c.Read(ctx); err != nil { // the state event
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.CloseNow()
			}
		}
	}()
	for err := range errs {
		t.Fatal(err)
	}

	// Every writer has sent its state event and gone.
	waitCount(t, "socket writers", func() int { return countStacks("gateway.(*conn).writeLoop") },
		0)
	e.settle()
	gw := float64(countStacks(gatewayCode)-gwBase) / sockets
	all := float64(runtime.NumGoroutine()-base.total) / sockets
	t.Logf("idle sockets: %.2f goroutines each in the gateway; %.2f each in the whole process "+
		"(the in-process clients included)", gw, all)
	if gw > 1.5 {
		t.Fatalf("%.2f gateway goroutines per idle socket, want at most 1.5 (goal 1)", gw)
	}
	if gw < 1 {
		t.Fatalf("%.2f gateway goroutines per idle socket: the count missed the read loops", gw)
	}

	for _, c := range conns {
		c.CloseNow()
	}
	e.backTo(base)
}
