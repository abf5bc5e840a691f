package jxlsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

func TestShortCircuitFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		faults    jxlsim.Faults
		status    int
		ctype     string
		bodyCheck func(raw []byte) bool
	}{
		{"status 502", jxlsim.Faults{Status: 502}, 502, "text/html",
			func(b []byte) bool { return strings.Contains(string(b), "502 Bad Gateway") }},
		{"status 500", jxlsim.Faults{Status: 500}, 500, "text/html",
			func(b []byte) bool { return strings.HasPrefix(string(b), "<html>") }},
		{"html page", jxlsim.Faults{HTMLPage: true}, 200, "text/html; charset=utf-8",
			func(b []byte) bool { return strings.HasPrefix(string(b), "<!DOCTYPE html>") }},
		{"invalid json", jxlsim.Faults{InvalidJSON: true}, 200, "application/json;charset=UTF-8",
			func(b []byte) bool { return len(b) > 0 && !json.Valid(b) }},
		{"empty", jxlsim.Faults{Empty: true}, 200, "application/json;charset=UTF-8",
			func(b []byte) bool { return len(b) == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim, base := newSim(t, jxlsim.Config{})
			token := newToken(t, base)
			sim.SetFaults(tt.faults)

			r := post(t, base+pathCollectV2, body(token, act{kind: "password", value: "pass_good"}))
			if r.status != tt.status || r.ctype != tt.ctype || !tt.bodyCheck(r.raw) {
				t.Errorf("got %d %q %q, want %d %q and a matching body",
					r.status, r.ctype, r.raw, tt.status, tt.ctype)
			}
			// A short-circuit fault never reaches the state machine.
			sim.SetFaults(jxlsim.Faults{})
			reply, _ := drive(t, base, v2, body(token, act{kind: "password", value: "pass_good"}))
			if d := data(t, reply); d["process_code"] != float64(10002) {
				t.Errorf("after clearing: process_code = %v, want 10002", d["process_code"])
			}
		})
	}
}

func TestFaultPathsFilter(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	sim.SetFaults(jxlsim.Faults{Status: 503, Paths: []string{"collect/req"}})

	token := newToken(t, base) // applications is not in Paths
	for _, path := range []string{pathCollectV2, pathLegacyReq} {
		r := post(t, base+path, body(token, act{kind: "password", value: "pass_good"}))
		if r.status != 503 {
			t.Errorf("%s: status %d, want 503", path, r.status)
		}
	}
	if r := do(t, "GET", base+"/_sim/stats", nil); r.status != 200 {
		t.Errorf("/_sim/stats under faults: status %d, want 200", r.status)
	}
}

func TestGBKFault(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	token := newToken(t, base)
	sim.SetFaults(jxlsim.Faults{GBK: true})

	r := post(t, base+pathCollectV2, body(token, act{kind: "password", value: "pass_bad"}))
	if r.ctype != "application/json;charset=GBK" {
		t.Errorf("content type %q, want application/json;charset=GBK", r.ctype)
	}
	utf, err := simplifiedchinese.GBK.NewDecoder().Bytes(r.raw)
	if err != nil {
		t.Fatal(err)
	}
	if string(utf) == string(r.raw) {
		t.Errorf("body is unchanged by GBK decoding, want GBK bytes")
	}
	r.raw = utf
	if d := data(t, r.object(t)); d["content"] != "服务密码错误,请重新输入" {
		t.Errorf("content = %v, want 服务密码错误,请重新输入", d["content"])
	}
}

func TestStringCodesFault(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	sim.SetFaults(jxlsim.Faults{StringCodes: true})

	v3 := post(t, base+pathApplyV3, applyBody()).object(t)
	if v3["success"] != "true" || v3["code"] != "65557" {
		t.Errorf("v3 apply: success %#v code %#v, want strings", v3["success"], v3["code"])
	}
	token := newToken2(t, v3)
	pw := body(token, act{kind: "password", value: "pass_good"})
	m := post(t, base+pathCollectV2, pw).object(t)
	d, _ := m["data"].(map[string]any)
	if m["success"] != "true" || d["process_code"] != "10002" || d["finish"] != "false" {
		t.Errorf("got success %#v process_code %#v finish %#v, want strings",
			m["success"], d["process_code"], d["finish"])
	}
}

func newToken2(t *testing.T, m map[string]any) string {
	t.Helper()
	d, _ := m["data"].(map[string]any)
	tok, _ := d["token"].(string)
	if tok == "" {
		t.Fatalf("no token in %v", m)
	}
	return tok
}

func TestRunningForeverFault(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	token := newToken(t, base)
	sim.SetFaults(jxlsim.Faults{RunningForever: true})
	pw := body(token, act{kind: "password", value: "pass_good"})

	for i := range 5 {
		if d := data(t, post(t, base+pathCollectV2, pw).object(t)); d["type"] != "RUNNING" {
			t.Fatalf("try %d: type = %v, want RUNNING", i, d["type"])
		}
	}
	if st := sim.Stats(); st.Submits[jxlsim.KindPassword] != 1 || st.Reissues != 4 {
		t.Errorf("stats = %+v, want 1 submit and 4 reissues", st)
	}
	sim.SetFaults(jxlsim.Faults{})
	d := data(t, post(t, base+pathCollectV2, pw).object(t))
	if d["process_code"] != float64(10002) {
		t.Errorf("after clearing: process_code = %v, want 10002", d["process_code"])
	}
}

func TestLatencyFault(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	token := newToken(t, base)
	sim.SetFaults(jxlsim.Faults{Latency: 100 * time.Millisecond})

	start := time.Now()
	post(t, base+pathCollectV2, body(token, act{kind: "password", value: "pass_good"}))
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("answered after %v, want at least 100ms", el)
	}
}

func TestHangEndsOnClientGiveUpAndClose(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	token := newToken(t, base)
	sim.SetFaults(jxlsim.Faults{Hang: true})
	pw := body(token, act{kind: "password", value: "pass_good"})

	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := send(ctx, "POST", base+pathCollectV2, pw)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang with deadline: err = %v, want deadline exceeded", err)
	}

	var wg sync.WaitGroup
	before := sim.Stats().Requests
	wg.Go(func() { _, err = send(t.Context(), "POST", base+pathCollectV2, pw) })
	waitFor(t, "hanging request", func() bool { return sim.Stats().Requests > before })
	sim.Close()
	wg.Wait()
	if err != nil {
		t.Errorf("request after Close: %v, want it to return", err)
	}
}
