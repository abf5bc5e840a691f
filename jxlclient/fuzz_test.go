package jxlclient

import (
	"errors"
	"testing"
)

// FuzzDecodeCollect feeds arbitrary answers to the collect decoder: it must never panic, and
// whatever it accepts must be a result the session can act on.
func FuzzDecodeCollect(f *testing.F) {
	f.Add("application/json", []byte(`{"success":true,"data":{"type":"CONTROL",`+
		`"process_code":10002,"content":"短信验证码已发送","finish":false}}`))
	f.Add("application/json", []byte(`{"success":"true","data":{"type":"CONTROL",`+
		`"process_code":"10008","finish":"true"}}`))
	f.Add("application/json;charset=GBK", []byte("{\"success\":true,\"data\":{\"type\":"+
		"\"RUNNING\",\"content\":\"\xb2\xc9\xbc\xaf\xd6\xd0\"}}"))
	f.Add("text/html", []byte(`<html><title>502 Bad Gateway</title></html>`))
	f.Add("application/json", []byte(`{"success":true,"data":{"process_`))
	f.Add("application/json", []byte(`{"success":false,"message":"token无效"}`))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		for _, accept := range []bool{false, true} {
			decode := func(env *envelope) (any, error) { return decodeResult(env) }
			if accept {
				decode = func(env *envelope) (any, error) { return decodeAccept(env) }
			}
			v, err := decodeAnswer("POST", pathCollectV2, 200, contentType, body, decode)
			if err != nil {
				var api *APIError
				var de *DecodeError
				var he *HTTPError
				if !errors.As(err, &api) && !errors.As(err, &de) && !errors.As(err, &he) {
					t.Fatalf("error %T (%v): want APIError, DecodeError or HTTPError", err, err)
				}
				continue
			}
			res := v.(*CollectResult)
			switch res.Type {
			case ResultControl, ResultError, ResultRunning:
			default:
				t.Fatalf("accepted a result of type %q", res.Type)
			}
		}
	})
}
