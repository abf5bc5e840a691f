package jxlsim_test

import (
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

func TestSlowRunningCountsReissues(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{SlowRunning: 3})
	token := newToken(t, base)

	reply, runs := drive(t, base, v2, body(token, act{kind: "password", value: "pass_slow"}))
	if code := data(t, reply)["process_code"]; code != float64(10002) || runs != 3 {
		t.Fatalf("pass_slow v2: got code %v after %d RUNNING, want 10002 after 3", code, runs)
	}
	// The same SMS body sent twice after a result is two user actions.
	drive(t, base, v2, body(token, act{kind: "sms", value: "000000"}))
	drive(t, base, v2, body(token, act{kind: "sms", value: "000000"}))

	st := sim.Stats()
	want := map[string]int{jxlsim.KindPassword: 1, jxlsim.KindSMS: 2}
	if !maps.Equal(st.Submits, want) || st.Reissues != 3 || st.Polls != 0 {
		t.Errorf("stats = %+v, want submits %v, 3 reissues, 0 polls", st, want)
	}
	if got := sim.TokenSubmits(token); !maps.Equal(got, want) {
		t.Errorf("TokenSubmits = %v, want %v", got, want)
	}
	if got := sim.TokenSubmits("nope"); got != nil {
		t.Errorf("TokenSubmits(unknown) = %v, want nil", got)
	}
}

func TestLegacyPollCounting(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{SlowRunning: 3, LegacyPolls: 2})
	token := newToken(t, base)

	_, runs := drive(t, base, legacy, body(token, act{kind: "password", value: "pass_slow"}))
	if runs != 5 {
		t.Errorf("pass_slow legacy: %d RUNNING polls, want LegacyPolls+SlowRunning = 5", runs)
	}
	// Later polls repeat the last result.
	again := data(t, post(t, base+pathLegacyResp, map[string]any{"token": token}).object(t))
	if again["process_code"] != float64(10002) {
		t.Errorf("repeat poll: process_code = %v, want 10002", again["process_code"])
	}

	st := sim.Stats()
	if st.Submits[jxlsim.KindPassword] != 1 || st.Polls != 7 || st.Reissues != 0 {
		t.Errorf("stats = %+v, want 1 password submit, 7 polls, 0 reissues", st)
	}
}

func TestUnknownToken(t *testing.T) {
	t.Parallel()
	_, base := newSim(t, jxlsim.Config{})
	for _, path := range []string{pathCollectV2, pathLegacyReq, pathLegacyResp} {
		m := post(t, base+path, body("ffffffffffffffffffffffffffffffff",
			act{kind: "password", value: "pass_good"})).object(t)
		if m["success"] != false || m["message"] != "token无效" {
			t.Errorf("%s: got %v, want success false, token无效", path, m)
		}
	}
}

func TestConcurrentCollectRefused(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{Delay: 300 * time.Millisecond})
	token := newToken(t, base)
	first := body(token, act{kind: "password", value: "pass_good"})

	var wg sync.WaitGroup
	var firstReply reply
	var firstErr error
	wg.Go(func() { firstReply, firstErr = send(t.Context(), "POST", base+pathCollectV2, first) })
	waitFor(t, "first collect in flight", func() bool { return sim.Stats().InFlight == 1 })

	second := post(t, base+pathCollectV2, body(token, act{kind: "password", value: "pass_bad"}))
	m := second.object(t)
	if m["success"] != false || m["message"] != "上一个请求尚未完成" {
		t.Errorf("second collect: got %v, want refusal 上一个请求尚未完成", m)
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatalf("first collect: %v", firstErr)
	}
	if d := data(t, firstReply.object(t)); d["process_code"] != float64(10002) {
		t.Errorf("first collect: process_code = %v, want 10002", d["process_code"])
	}
	if st := sim.Stats(); st.Concurrent != 1 || st.InFlight != 0 {
		t.Errorf("stats = %+v, want concurrent 1, in_flight 0", st)
	}
}

func TestLegacyResubmitBeforePollRefused(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	token := newToken(t, base)
	pw := body(token, act{kind: "password", value: "pass_good"})

	if d := data(t, post(t, base+pathLegacyReq, pw).object(t)); d["type"] != "RUNNING" {
		t.Fatalf("accept: type = %v, want RUNNING", d["type"])
	}
	m := post(t, base+pathLegacyReq, pw).object(t)
	if m["success"] != false {
		t.Errorf("second accept before result: got %v, want success false", m)
	}
	if got := sim.Stats().Concurrent; got != 1 {
		t.Errorf("concurrent = %d, want 1", got)
	}
}
