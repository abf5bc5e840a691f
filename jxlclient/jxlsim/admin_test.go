package jxlsim_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

func TestAdminEndpoints(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})

	put := do(t, "PUT", base+"/_sim/faults",
		map[string]any{"status": 502, "latency": "150ms", "paths": []string{"collect/req"}})
	if put.status != 200 {
		t.Fatalf("PUT /_sim/faults: status %d %s", put.status, put.raw)
	}
	want := jxlsim.Faults{
		Status: 502, Latency: 150 * time.Millisecond, Paths: []string{"collect/req"},
	}
	got := sim.Faults()
	if got.Status != want.Status || got.Latency != want.Latency ||
		!slices.Equal(got.Paths, want.Paths) {
		t.Errorf("Faults() = %+v, want %+v", got, want)
	}
	var read jxlsim.Faults
	if err := json.Unmarshal(do(t, "GET", base+"/_sim/faults", nil).raw, &read); err != nil {
		t.Fatal(err)
	}
	if read.Latency != want.Latency || read.Status != 502 {
		t.Errorf("GET /_sim/faults = %+v, want %+v", read, want)
	}

	newToken(t, base)
	var st jxlsim.Stats
	if err := json.Unmarshal(do(t, "GET", base+"/_sim/stats", nil).raw, &st); err != nil {
		t.Fatal(err)
	}
	if st.Applications != 1 || st.Requests != 1 {
		t.Errorf("GET /_sim/stats = %+v, want 1 application, 1 request", st)
	}

	if r := post(t, base+"/_sim/reset", nil); r.status != 204 {
		t.Errorf("POST /_sim/reset: status %d, want 204", r.status)
	}
	if f := sim.Faults(); f.Status != 0 || f.Latency != 0 || len(f.Paths) != 0 {
		t.Errorf("faults after reset = %+v, want zero", f)
	}
	if st := sim.Stats(); st.Applications != 0 || st.Requests != 0 {
		t.Errorf("stats after reset = %+v, want zero", st)
	}

	if r := do(t, "PUT", base+"/_sim/faults", "not an object"); r.status != 400 {
		t.Errorf("PUT bad faults: status %d, want 400", r.status)
	}
	err := json.Unmarshal([]byte(`{"latency":1000000}`), &read)
	if err != nil || read.Latency != time.Millisecond {
		t.Errorf("latency in ns: got %v, %v; want 1ms", read.Latency, err)
	}
}

func TestApplyWire(t *testing.T) {
	t.Parallel()
	sim, base := newSim(t, jxlsim.Config{})
	for _, path := range []string{pathApplyV2, pathApplyV3, pathApplyBare} {
		m := post(t, base+path, applyBody()).object(t)
		d := data(t, m)
		if tok, _ := d["token"].(string); len(tok) != 32 || d["cell_phone_num"] != "13800000000" {
			t.Errorf("%s: token %q phone %v, want 32 hex and the phone",
				path, tok, d["cell_phone_num"])
		}
		ds, _ := d["datasource"].(map[string]any)
		if ds["website"] != "chinamobilegd" || ds["name"] != "广东移动" || ds["status"] != float64(1) {
			t.Errorf("%s: datasource = %v, want chinamobilegd 广东移动 status 1", path, ds)
		}
		for _, k := range []string{"id", "category", "category_name", "create_time", "update_time",
			"offline_times", "website_code", "reset_pwd_method", "sms_required",
			"required_captcha_user_identified", "reset_pwd_frozen_time"} {
			if _, ok := ds[k]; !ok {
				t.Errorf("%s: datasource lacks %s", path, k)
			}
		}
		_, hasCode := m["code"]
		if isV3 := path == pathApplyV3; hasCode != isV3 || (isV3 && m["code"] != float64(65557)) {
			t.Errorf("%s: code = %#v, want 65557 only on v3", path, m["code"])
		}
	}
	if got := sim.Stats().Applications; got != 3 {
		t.Errorf("applications = %d, want 3", got)
	}
}

func TestApplyRejects(t *testing.T) {
	t.Parallel()
	_, base := newSim(t, jxlsim.Config{})
	with := func(field, value string) map[string]any {
		b := applyBody()
		b["basic_info"].(map[string]any)[field] = value
		return b
	}
	tests := []struct {
		name string
		path string
		body map[string]any
		code float64
	}{
		{"bad org", "/orgApi/rest/v3/applications/other_org", applyBody(), 65537},
		{"no name", pathApplyV3, with("name", ""), 65543},
		{"short id card", pathApplyV3, with("id_card_num", "11000020000101000"), 65541},
		{"lower x id card", pathApplyV3, with("id_card_num", "11000020000101000x"), 65541},
		{"phone letters", pathApplyV3, with("cell_phone_num", "1380000000a"), 65542},
		{"phone short", pathApplyV3, with("cell_phone_num", "1380000000"), 65542},
	}
	for _, tt := range tests {
		m := post(t, base+tt.path, tt.body).object(t)
		if m["success"] != false || m["code"] != tt.code || m["message"] == "" {
			t.Errorf("%s: got %v, want success false code %v", tt.name, m, tt.code)
		}
	}
	okX := post(t, base+pathApplyV3, with("id_card_num", "11000020000101000X")).object(t)
	if m := okX; m["success"] != true {
		t.Errorf("id card ending X: got %v, want success", m)
	}
	m := post(t, base+"/orgApi/rest/v2/applications/other_org", applyBody()).object(t)
	if _, hasCode := m["code"]; m["success"] != false || hasCode {
		t.Errorf("v2 bad org: got %v, want success false without code", m)
	}
}

func TestDatasources(t *testing.T) {
	t.Parallel()
	_, base := newSim(t, jxlsim.Config{})
	for _, path := range []string{"/orgApi/rest/v2/orgs/demo_org/datasources",
		"/orgApi/rest/orgs/demo_org/datasources"} {
		m := do(t, "GET", base+path, nil).object(t)
		list, _ := m["data"].([]any)
		if m["success"] != true || len(list) < 3 {
			t.Errorf("%s: got %v, want a list", path, m)
		}
	}
	m := do(t, "GET", base+"/orgApi/rest/v2/orgs/x/datasources", nil).object(t)
	if m["success"] != false {
		t.Errorf("bad org: got %v, want success false", m)
	}
}
