package jxlsim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	pathApplyV2    = "/orgApi/rest/v2/applications/demo_org"
	pathApplyV3    = "/orgApi/rest/v3/applications/demo_org"
	pathApplyBare  = "/orgApi/rest/applications/demo_org"
	pathCollectV2  = "/orgApi/rest/v2/messages/collect/req"
	pathLegacyReq  = "/orgApi/rest/messages/collect/req"
	pathLegacyResp = "/orgApi/rest/messages/collect/resp"
)

// newSim starts the simulator behind a real loopback server. Cleanup closes
// the simulator first so hanging handlers return before the server waits.
func newSim(t *testing.T, cfg jxlsim.Config) (*jxlsim.Server, string) {
	t.Helper()
	sim := jxlsim.New(cfg)
	ts := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		ts.Close()
	})
	return sim, ts.URL
}

type reply struct {
	status int
	ctype  string
	raw    []byte
}

// object decodes the body into a generic map so tests see raw JSON types
// (bool, float64, string).
func (r reply) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil {
		t.Fatalf("decode %q: %v", r.raw, err)
	}
	return m
}

func do(t *testing.T, method, url string, body any) reply {
	t.Helper()
	r, err := send(t.Context(), method, url, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// send is do without testing.T, for use in goroutines.
func send(ctx context.Context, method, url string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json;charset=UTF-8")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: raw}, nil
}

func post(t *testing.T, url string, body any) reply {
	t.Helper()
	return do(t, http.MethodPost, url, body)
}

func applyBody() map[string]any {
	return map[string]any{
		"selected_website": []any{},
		"skip_mobile":      false,
		"basic_info": map[string]any{
			"name": "测试用户", "id_card_num": "110000200001010000", "cell_phone_num": "13800000000",
		},
		"contacts": []any{map[string]any{
			"contact_tel": "13900000000", "contact_name": "联系人甲", "contact_type": "1",
		}},
		"uid": "u-0001",
	}
}

// newToken applies over v2 and returns the token.
func newToken(t *testing.T, base string) string {
	t.Helper()
	m := post(t, base+pathApplyV2, applyBody()).object(t)
	data, _ := m["data"].(map[string]any)
	tok, _ := data["token"].(string)
	if len(tok) != 32 {
		t.Fatalf("token %q: want 32 hex digits (reply %v)", tok, m)
	}
	return tok
}

// data returns the data object of a success:true reply.
func data(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	if m["success"] != true {
		t.Fatalf("success = %#v, want JSON true (reply %v)", m["success"], m)
	}
	d, ok := m["data"].(map[string]any)
	if !ok {
		t.Fatalf("data = %#v, want an object", m["data"])
	}
	return d
}

// waitFor polls cond every few milliseconds for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
