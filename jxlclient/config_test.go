package jxlclient_test

import (
	"strings"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  jxlclient.Config
		want string // substring of the error; "" means valid
	}{
		{"ok", jxlclient.Config{BaseURL: "https://www.juxinli.com/", Org: "demo_org"}, ""},
		{"no base", jxlclient.Config{Org: "demo_org"}, "base url is required"},
		{"bad scheme", jxlclient.Config{BaseURL: "ftp://x", Org: "o"}, "want http(s)://host"},
		{"no host", jxlclient.Config{BaseURL: "https://", Org: "o"}, "want http(s)://host"},
		{"query", jxlclient.Config{BaseURL: "https://x/?a=1", Org: "o"}, "query"},
		{"no org", jxlclient.Config{BaseURL: "https://x"}, "org is required"},
		{"bad mode", jxlclient.Config{BaseURL: "https://x", Org: "o", Mode: 7}, "unknown mode"},
		{"negative", jxlclient.Config{BaseURL: "https://x", Org: "o", PollTimeout: -time.Second},
			"poll timeout"},
	}
	for _, tt := range tests {
		_, err := jxlclient.New(tt.cfg)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: New = %v, want no error", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: New = %v, want error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestModeString(t *testing.T) {
	t.Parallel()
	for m, want := range map[jxlclient.Mode]string{
		jxlclient.ModeV2: "v2", jxlclient.ModeLegacy: "legacy", 9: "Mode(9)",
	} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", int(m), got, want)
		}
	}
}
