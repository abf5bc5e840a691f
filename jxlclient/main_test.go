package jxlclient_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/goleak"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// newSim starts the simulator behind a real loopback server; cleanup closes
// the simulator first so that hanging handlers return.
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

// fixed serves one canned answer on every path.
func fixed(t *testing.T, status int, ctype string, body []byte) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts.URL
}

// newClient builds a client for base; cfg's BaseURL and Org are filled in.
func newClient(t *testing.T, base string, cfg jxlclient.Config) *jxlclient.Client {
	t.Helper()
	cfg.BaseURL = base
	if cfg.Org == "" {
		cfg.Org = "demo_org"
	}
	c, err := jxlclient.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func applicant() jxlclient.ApplyRequest {
	return jxlclient.ApplyRequest{
		BasicInfo: jxlclient.BasicInfo{
			Name: "测试用户", IDCardNum: "110000200001010000", CellPhoneNum: "13800000000",
		},
		Contacts: []jxlclient.Contact{{Tel: "13900000000", Name: "联系人甲", Type: "1"}},
		UID:      "u-0001",
	}
}

func mustApply(t *testing.T, c *jxlclient.Client) *jxlclient.Application {
	t.Helper()
	app, err := c.Apply(t.Context(), applicant())
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return app
}

func pwReq(app *jxlclient.Application, password string) jxlclient.CollectRequest {
	return jxlclient.CollectRequest{
		Token: app.Token, Account: app.CellPhoneNum, Password: password,
		Website: app.Datasource.Website, Type: jxlclient.TypePassword,
	}
}
