package jxlclient_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

var secrets = []string{
	"tok5ecret0001", "Fake#Pass1", "012345", "qry5ecret", // token, password, SMS, query pwd
	"13900000000", "测试用户", "110000200001010000", "13800000000", "联系人甲", // PII
}

var secretReq = jxlclient.CollectRequest{
	Token: "tok5ecret0001", Account: "13900000000", Password: "Fake#Pass1",
	Website: "chinamobilegd", Captcha: "012345", Type: jxlclient.TypeCaptcha, QueryPwd: "qry5ecret",
}

func checkClean(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("%s leaks %q: %s", what, sec, s)
		}
	}
}

func TestFormattingHidesSecrets(t *testing.T) {
	t.Parallel()
	app := &jxlclient.Application{Token: "tok5ecret0001", CellPhoneNum: "13800000000",
		Datasource: jxlclient.Datasource{Website: "chinamobilegd"}}
	values := map[string]any{
		"CollectRequest":  secretReq,
		"*CollectRequest": &secretReq,
		"nested":          struct{ R jxlclient.CollectRequest }{secretReq},
		"slice":           []jxlclient.CollectRequest{secretReq},
		"Application":     *app,
		"*Application":    app,
		"ApplyRequest":    applicant(),
		"BasicInfo":       applicant().BasicInfo,
		"Contact":         applicant().Contacts[0],
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			checkClean(t, name+" "+verb, fmt.Sprintf(verb, v))
		}
	}
	checkClean(t, "String", secretReq.String())
	checkClean(t, "GoString", secretReq.GoString())
	if got := fmt.Sprint(secretReq); !strings.Contains(got, "SUBMIT_CAPTCHA") ||
		!strings.Contains(got, "chinamobilegd") {
		t.Errorf("%%v = %s, want type and website", got)
	}
}

func TestErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	dead := httptest.NewServer(nil)
	deadURL := dead.URL
	dead.Close()

	var errs []error
	collect := func(c *jxlclient.Client, ctx context.Context) {
		_, err := c.Collect(ctx, secretReq)
		errs = append(errs, err)
		_, err = c.Poll(ctx, secretReq)
		errs = append(errs, err)
		bad := applicant()
		bad.BasicInfo.IDCardNum = "12"
		_, err = c.Apply(ctx, bad)
		errs = append(errs, err)
	}
	for _, f := range []jxlsim.Faults{{}, {Status: 502}, {HTMLPage: true}, {Empty: true},
		{InvalidJSON: true}} {
		sim.SetFaults(f)
		collect(newClient(t, base, jxlclient.Config{ApplyV3: true}), t.Context())
		collect(newClient(t, base, jxlclient.Config{Mode: jxlclient.ModeLegacy}), t.Context())
	}
	sim.SetFaults(jxlsim.Faults{Hang: true})
	collect(newClient(t, base, jxlclient.Config{
		CollectTimeout: 50 * time.Millisecond, ApplyTimeout: 50 * time.Millisecond,
		BreakerFailures: 1,
	}), t.Context())
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	collect(newClient(t, base, jxlclient.Config{}), cancelled)
	collect(newClient(t, deadURL, jxlclient.Config{}), t.Context())

	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			checkClean(t, fmt.Sprintf("error %d %s", i, verb), fmt.Sprintf(verb, err))
		}
	}
}
