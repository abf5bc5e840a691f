package jxlclient_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

// TestUpstreamFaults replays F10: every bad answer is a typed error, never
// a zero-valued success, and no HTML reaches the error string.
func TestUpstreamFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     jxlsim.Faults
		wantStatus int // > 0: *HTTPError with this status; 0: *DecodeError
	}{
		{"html 502", jxlsim.Faults{Status: 502}, 502},
		{"html 500", jxlsim.Faults{Status: 500}, 500},
		{"html 200", jxlsim.Faults{HTMLPage: true}, 200},
		{"empty", jxlsim.Faults{Empty: true}, 0},
		{"truncated", jxlsim.Faults{InvalidJSON: true}, 0},
	}
	for _, mode := range []jxlclient.Mode{jxlclient.ModeV2, jxlclient.ModeLegacy} {
		for _, tt := range tests {
			t.Run(mode.String()+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				sim, base := newSim(t, jxlsim.Config{})
				c := newClient(t, base, jxlclient.Config{Mode: mode})
				app := mustApply(t, c)
				sim.SetFaults(tt.faults)

				res, err := c.Collect(t.Context(), pwReq(app, "pass_good"))
				if res != nil {
					t.Errorf("result = %+v, want nil", res)
				}
				checkFaultErr(t, err, tt.wantStatus)
				if _, err := c.Poll(t.Context(), pwReq(app, "pass_good")); err == nil {
					t.Errorf("Poll under fault: no error")
				}
			})
		}
	}
}

func checkFaultErr(t *testing.T, err error, wantStatus int) {
	t.Helper()
	if err == nil {
		t.Fatal("err = nil, want a fault error")
	}
	if strings.Contains(err.Error(), "<") {
		t.Errorf("error %q carries markup", err)
	}
	var he *jxlclient.HTTPError
	var de *jxlclient.DecodeError
	switch {
	case wantStatus > 0 && !errors.As(err, &he):
		t.Errorf("err = %v, want *HTTPError", err)
	case wantStatus > 0 && (he.Status != wantStatus ||
		!strings.HasPrefix(he.ContentType, "text/html") ||
		!strings.Contains(he.Snippet, "<html") && !strings.Contains(he.Snippet, "<!DOCTYPE")):
		t.Errorf("HTTPError = %+v, want status %d, text/html and an HTML snippet", he, wantStatus)
	case wantStatus == 0 && !errors.As(err, &de):
		t.Errorf("err = %v, want *DecodeError", err)
	}
}

func TestFixedBadBodies(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("错", 400) // 1200 bytes
	tests := []struct {
		name, ctype, body string
		status            int
		wantStatus        int
	}{
		{"not json", jsonCT, "hello", 200, 0},
		{"html without type", "", "<html><body>login</body></html>", 200, 200},
		{"json 404", jsonCT, `{"success":false,"message":"not found"}`, 404, 404},
		{"long 503", "text/html", "<html>" + long, 503, 503},
	}
	for _, tt := range tests {
		c := newClient(t, fixed(t, tt.status, tt.ctype, []byte(tt.body)), jxlclient.Config{})
		_, err := c.Collect(t.Context(), dummyReq)
		var he *jxlclient.HTTPError
		var de *jxlclient.DecodeError
		switch {
		case tt.wantStatus == 0 && !errors.As(err, &de):
			t.Errorf("%s: err = %v, want *DecodeError", tt.name, err)
		case tt.wantStatus != 0 && (!errors.As(err, &he) || he.Status != tt.wantStatus):
			t.Errorf("%s: err = %v, want *HTTPError %d", tt.name, err, tt.wantStatus)
		case he != nil && len(he.Snippet) > 512:
			t.Errorf("%s: snippet is %d bytes, want ≤ 512", tt.name, len(he.Snippet))
		}
	}
}

// TestHangTimesOut replays F12: a hanging upstream ends at the per-call
// deadline with an error that wraps context.DeadlineExceeded.
func TestHangTimesOut(t *testing.T) {
	t.Parallel()
	for _, mode := range []jxlclient.Mode{jxlclient.ModeV2, jxlclient.ModeLegacy} {
		sim, base := newSim(t, jxlsim.Config{})
		c := newClient(t, base, jxlclient.Config{
			Mode: mode, CollectTimeout: 200 * time.Millisecond, PollTimeout: 150 * time.Millisecond,
		})
		app := mustApply(t, c)
		sim.SetFaults(jxlsim.Faults{Hang: true})

		_, err := c.Collect(t.Context(), pwReq(app, "pass_good"))
		if !errors.Is(err, context.DeadlineExceeded) ||
			!strings.Contains(err.Error(), "jxl collect timed out after 200ms") {
			t.Errorf("%s Collect: err = %v, want jxl collect timed out after 200ms", mode, err)
		}
		_, err = c.Poll(t.Context(), pwReq(app, "pass_good"))
		want := "jxl poll timed out after 150ms"
		if mode == jxlclient.ModeV2 {
			want = "jxl poll timed out after 200ms"
		}
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s Poll: err = %v, want %s", mode, err, want)
		}
	}
}
