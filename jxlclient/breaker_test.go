package jxlclient_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

// watch returns a hook that reports breaker changes as "from>to".
func watch() (func(from, to string), <-chan string) {
	ch := make(chan string, 32)
	return func(from, to string) {
		select {
		case ch <- from + ">" + to:
		default: // never block: the hook runs under the breaker's lock
		}
	}, ch
}

func expectChange(t *testing.T, ch <-chan string, want string) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("breaker change %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no breaker change, want %q", want)
	}
}

// awaitHalfOpen polls BreakerState, which is what notices the open period
// has passed, for a bounded time.
func awaitHalfOpen(t *testing.T, c *jxlclient.Client, ch <-chan string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for c.BreakerState() != "half-open" {
		if time.Now().After(deadline) {
			t.Fatalf("breaker %s, want half-open", c.BreakerState())
		}
		time.Sleep(5 * time.Millisecond)
	}
	expectChange(t, ch, "open>half-open")
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	hook, changes := watch()
	c := newClient(t, base, jxlclient.Config{
		BreakerFailures: 3, BreakerOpenFor: 50 * time.Millisecond, OnBreakerChange: hook,
	})
	app := mustApply(t, c)
	req := pwReq(app, "pass_good")

	sim.SetFaults(jxlsim.Faults{Status: 502})
	for i := range 3 {
		if _, err := c.Collect(t.Context(), req); err == nil {
			t.Fatalf("call %d: no error under 502", i)
		}
	}
	expectChange(t, changes, "closed>open")

	before := sim.Stats().Requests
	_, err := c.Collect(t.Context(), req)
	if !errors.Is(err, jxlclient.ErrUnavailable) || !strings.Contains(err.Error(), "unavailable") {
		t.Errorf("open breaker: err = %v, want ErrUnavailable", err)
	}
	if got := sim.Stats().Requests; got != before {
		t.Errorf("open breaker sent %d requests, want 0", got-before)
	}

	// A failed probe reopens at once.
	awaitHalfOpen(t, c, changes)
	if _, err := c.Collect(t.Context(), req); err == nil {
		t.Fatal("probe under 502: no error")
	}
	expectChange(t, changes, "half-open>open")

	sim.SetFaults(jxlsim.Faults{})
	awaitHalfOpen(t, c, changes)
	res, err := c.Collect(t.Context(), req)
	if err != nil || res.ProcessCode != jxlclient.CodeSMSSent {
		t.Fatalf("probe after recovery: %+v, %v; want 10002", res, err)
	}
	expectChange(t, changes, "half-open>closed")
}

func TestBreakerHalfOpenAllowsOneProbe(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	hook, changes := watch()
	c := newClient(t, base, jxlclient.Config{
		BreakerFailures: 1, BreakerOpenFor: 50 * time.Millisecond, OnBreakerChange: hook,
	})
	app := mustApply(t, c)

	sim.SetFaults(jxlsim.Faults{Empty: true})
	if _, err := c.Collect(t.Context(), pwReq(app, "pass_good")); err == nil {
		t.Fatal("no error on empty body")
	}
	expectChange(t, changes, "closed>open")
	sim.SetFaults(jxlsim.Faults{Latency: 300 * time.Millisecond})
	awaitHalfOpen(t, c, changes)

	var wg sync.WaitGroup
	var probeErr error
	wg.Go(func() { _, probeErr = c.Collect(context.Background(), pwReq(app, "pass_good")) })
	waitUntil(t, "probe in flight", func() bool { return sim.Stats().InFlight == 1 })

	if _, err := c.Apply(t.Context(), applicant()); !errors.Is(err, jxlclient.ErrUnavailable) {
		t.Errorf("second call in half-open: err = %v, want ErrUnavailable", err)
	}
	wg.Wait()
	if probeErr != nil {
		t.Errorf("probe: %v", probeErr)
	}
	expectChange(t, changes, "half-open>closed")
}

func TestBreakerCountsOnlyUpstreamFailures(t *testing.T) {
	t.Parallel()
	_, base := newSim(t, jxlsim.Config{})
	c := newClient(t, base, jxlclient.Config{BreakerFailures: 1})
	// A refusal and every process code are healthy answers.
	bad := jxlclient.CollectRequest{Token: "ffffffffffffffffffffffffffffffff", Website: "x"}
	for range 3 {
		var ae *jxlclient.APIError
		if _, err := c.Collect(t.Context(), bad); !errors.As(err, &ae) {
			t.Fatalf("unknown token: err = %v, want *APIError", err)
		}
	}
	app := mustApply(t, c)
	run(t, c, pwReq(app, "pass_limit"))
	if got := c.BreakerState(); got != "closed" {
		t.Errorf("breaker %s, want closed", got)
	}

	c404 := newClient(t, fixed(t, 404, "text/plain", []byte("no")),
		jxlclient.Config{BreakerFailures: 1})
	if _, err := c404.Collect(t.Context(), dummyReq); err == nil || c404.BreakerState() != "open" {
		t.Errorf("after 404: err %v, breaker %s; want an error and open", err, c404.BreakerState())
	}
}

func TestCallerCancellationNotCounted(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	c := newClient(t, base, jxlclient.Config{
		BreakerFailures: 1, CollectTimeout: 200 * time.Millisecond,
	})
	app := mustApply(t, c)
	sim.SetFaults(jxlsim.Faults{Hang: true})
	req := pwReq(app, "pass_good")

	// Cancelled while the request is in flight.
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	var err error
	before := sim.Stats().Requests
	wg.Go(func() { _, err = c.Collect(ctx, req) })
	waitUntil(t, "request at the simulator", func() bool { return sim.Stats().Requests > before })
	cancel()
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}

	// The caller's own deadline, shorter than CollectTimeout.
	short, stop := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer stop()
	_, err = c.Collect(short, req)
	if !errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "timed out after") {
		t.Errorf("caller deadline: err = %v, want the caller's deadline error", err)
	}
	if got := c.BreakerState(); got != "closed" {
		t.Fatalf("after caller cancellations: breaker %s, want closed", got)
	}

	// Our own per-call timeout is an upstream failure.
	_, err = c.Collect(t.Context(), req)
	if !errors.Is(err, context.DeadlineExceeded) || c.BreakerState() != "open" {
		t.Errorf("own timeout: err %v, breaker %s; want deadline error and open",
			err, c.BreakerState())
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
