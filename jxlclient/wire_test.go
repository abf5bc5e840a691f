package jxlclient_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jxlgw/jxlgw/jxlclient"
)

// recorder answers a fixed collect result and keeps the last request.
type recorder struct {
	mu           sync.Mutex
	method, path string
	ctype, body  string
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.method, rc.path = r.Method, r.URL.Path
	rc.ctype, rc.body = r.Header.Get("Content-Type"), string(b)
	rc.mu.Unlock()
	w.Header().Set("Content-Type", jsonCT)
	_, _ = io.WriteString(w, `{"success":true,"code":65557,"data":{"token":"t","type":"RUNNING"}}`)
}

func (rc *recorder) last() (method, path, ctype, body string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.method, rc.path, rc.ctype, rc.body
}

func TestRequestWireFormat(t *testing.T) {
	t.Parallel()
	rc := &recorder{}
	ts := httptest.NewServer(rc)
	t.Cleanup(ts.Close)

	tests := []struct {
		name     string
		cfg      jxlclient.Config
		call     func(c *jxlclient.Client) error
		path     string
		contains []string
		absent   []string
	}{
		{"apply v2", jxlclient.Config{}, func(c *jxlclient.Client) error {
			_, err := c.Apply(t.Context(), jxlclient.ApplyRequest{})
			return err
		}, "/orgApi/rest/v2/applications/demo_org",
			[]string{`"contacts":[]`, `"selected_website":[]`, `"skip_mobile":false`,
				`"basic_info":{"name":""`}, []string{"null"}},
		{"apply v3", jxlclient.Config{ApplyV3: true}, func(c *jxlclient.Client) error {
			_, err := c.Apply(t.Context(), applicant())
			return err
		}, "/orgApi/rest/v3/applications/demo_org",
			[]string{`"contact_tel":"13900000000"`, `"contact_type":"1"`, `"uid":"u-0001"`}, nil},
		{"collect v2", jxlclient.Config{}, func(c *jxlclient.Client) error {
			_, err := c.Collect(t.Context(), jxlclient.CollectRequest{Token: "t", Website: "w"})
			return err
		}, "/orgApi/rest/v2/messages/collect/req",
			[]string{`"captcha":""`, `"type":""`, `"account":""`}, []string{"queryPwd"}},
		{"poll v2", jxlclient.Config{}, func(c *jxlclient.Client) error {
			_, err := c.Poll(t.Context(), secretReq)
			return err
		}, "/orgApi/rest/v2/messages/collect/req",
			[]string{`"queryPwd":"qry5ecret"`, `"captcha":"012345"`}, nil},
		{"collect legacy", jxlclient.Config{Mode: jxlclient.ModeLegacy},
			func(c *jxlclient.Client) error {
				_, err := c.Collect(t.Context(), secretReq)
				return err
			}, "/orgApi/rest/messages/collect/req", []string{`"type":"SUBMIT_CAPTCHA"`}, nil},
		{"poll legacy", jxlclient.Config{Mode: jxlclient.ModeLegacy},
			func(c *jxlclient.Client) error {
				_, err := c.Poll(t.Context(), secretReq)
				return err
			}, "/orgApi/rest/messages/collect/resp", []string{`"token":"tok5ecret0001"`}, nil},
	}
	for _, tt := range tests {
		c := newClient(t, ts.URL, tt.cfg)
		if err := tt.call(c); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		method, path, ctype, body := rc.last()
		if method != http.MethodPost || path != tt.path ||
			ctype != "application/json;charset=UTF-8" {
			t.Errorf("%s: %s %s %q, want POST %s json", tt.name, method, path, ctype, tt.path)
		}
		for _, s := range tt.contains {
			if !strings.Contains(body, s) {
				t.Errorf("%s: body %s lacks %s", tt.name, body, s)
			}
		}
		for _, s := range tt.absent {
			if strings.Contains(body, s) {
				t.Errorf("%s: body %s has %s", tt.name, body, s)
			}
		}
	}
}
