package jxlclient_test

import (
	"errors"
	"testing"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

func TestApply(t *testing.T) {
	t.Parallel()
	for _, v3 := range []bool{false, true} {
		_, base := newSim(t, jxlsim.Config{})
		c := newClient(t, base, jxlclient.Config{ApplyV3: v3})
		app := mustApply(t, c)
		if len(app.Token) != 32 || app.CellPhoneNum != "13800000000" {
			t.Errorf("v3=%t: token len %d phone %q, want 32 and 13800000000",
				v3, len(app.Token), app.CellPhoneNum)
		}
		ds := app.Datasource
		if ds.Website != "chinamobilegd" || ds.Name != "广东移动" || ds.Status != 1 ||
			ds.Category != "mobile" || ds.SMSRequired != 1 {
			t.Errorf("v3=%t: datasource = %+v, want chinamobilegd 广东移动 online", v3, ds)
		}
	}
}

func TestApplyRefusals(t *testing.T) {
	t.Parallel()
	_, base := newSim(t, jxlsim.Config{})
	badName := applicant()
	badName.BasicInfo.Name = ""
	tests := []struct {
		name     string
		cfg      jxlclient.Config
		req      jxlclient.ApplyRequest
		wantCode int
	}{
		{"v3 bad name", jxlclient.Config{ApplyV3: true}, badName, jxlclient.ApplyCodeBadName},
		{"v3 bad org", jxlclient.Config{ApplyV3: true, Org: "nope"}, applicant(),
			jxlclient.ApplyCodeNoOrg},
		{"v2 bad org", jxlclient.Config{Org: "nope"}, applicant(), 0},
	}
	for _, tt := range tests {
		c := newClient(t, base, tt.cfg)
		app, err := c.Apply(t.Context(), tt.req)
		var apiErr *jxlclient.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != tt.wantCode || apiErr.Message == "" {
			t.Errorf("%s: Apply = %v, %v; want *APIError code %d", tt.name, app, err, tt.wantCode)
		}
		if c.BreakerState() != "closed" {
			t.Errorf("%s: breaker %s, want closed (refusals are healthy answers)",
				tt.name, c.BreakerState())
		}
	}
}

func TestDatasources(t *testing.T) {
	t.Parallel()
	_, base := newSim(t, jxlsim.Config{})
	c := newClient(t, base, jxlclient.Config{})
	list, err := c.Datasources(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 || list[0].Website != "chinamobilegd" {
		t.Errorf("Datasources = %+v, want chinamobilegd first", list)
	}
}
