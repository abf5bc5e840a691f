package jxlclient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// flexInt decodes an integer sent as a number (10002, 10002.0) or as a
// string ("10002"); integrations of JXL disagree on the type (F11). null and
// "" leave it unset.
type flexInt struct {
	v   int
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*n = flexInt{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*n = flexInt{}
			return nil
		}
	}
	if i, err := strconv.Atoi(s); err == nil {
		*n = flexInt{v: i, set: true}
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("%.20q is not an integer", s)
	}
	*n = flexInt{v: int(f), set: true}
	return nil
}

// flexBool decodes a bool sent as true/false or as the strings "true" and
// "false" (any case). That is the one documented rule: anything else, such
// as 1 or "yes", is a decode error rather than a guess.
type flexBool struct {
	v   bool
	set bool
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexBool) UnmarshalJSON(b []byte) error {
	s := string(bytes.TrimSpace(b))
	if s == "null" {
		*f = flexBool{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.ToLower(strings.TrimSpace(s))
	}
	switch s {
	case "true":
		*f = flexBool{v: true, set: true}
	case "false":
		*f = flexBool{v: false, set: true}
	default:
		return fmt.Errorf("%.20q is not a bool", s)
	}
	return nil
}

// envelope is what every orgApi answer shares.
type envelope struct {
	Success flexBool        `json:"success"`
	Code    flexInt         `json:"code"` // v3 only
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// hasData reports whether data is present and not null.
func (e *envelope) hasData() bool {
	return len(e.Data) > 0 && string(e.Data) != "null"
}

// toUTF8 converts a body to UTF-8. A declared GBK-family charset wins;
// otherwise a body that is not valid UTF-8 is read as GB18030, the superset
// of GBK, because that is the only other encoding a Chinese upstream sends.
func toUTF8(contentType string, body []byte) []byte {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))

	var dec *encoding.Decoder
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		switch strings.ToLower(strings.TrimSpace(params["charset"])) {
		case "gbk", "gb2312", "gb_2312-80", "cp936", "x-gbk":
			dec = simplifiedchinese.GBK.NewDecoder()
		case "gb18030":
			dec = simplifiedchinese.GB18030.NewDecoder()
		}
	}
	if dec == nil {
		if utf8.Valid(body) {
			return body
		}
		dec = simplifiedchinese.GB18030.NewDecoder()
	}

	out, err := dec.Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// looksHTML reports whether a 2xx answer is a web page rather than JSON, as
// sent by load balancers and WAFs in front of JXL (F10).
func looksHTML(contentType string, body []byte) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" || mt == "application/xhtml+xml" {
		return true
	}
	return bytes.HasPrefix(bytes.TrimSpace(body), []byte("<"))
}

// decodeEnvelope parses the shared envelope of a UTF-8 body.
func decodeEnvelope(body []byte) (*envelope, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, errors.New("empty body")
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, err
	}
	if !env.Success.set {
		return nil, errors.New("no success field")
	}
	return &env, nil
}

// decodeApplication reads an applications answer. In v3 only code 65557
// with success:true is a token; any other code is JXL's refusal.
func decodeApplication(env *envelope, v3 bool) (*Application, error) {
	if !env.Success.v {
		return nil, &APIError{Code: env.Code.v, Message: env.Message}
	}
	if v3 {
		if !env.Code.set {
			return nil, errors.New("v3 answer without code")
		}
		if env.Code.v != ApplyCodeOK {
			return nil, &APIError{Code: env.Code.v, Message: env.Message}
		}
	}
	if !env.hasData() {
		return nil, errors.New("success without data")
	}

	var app Application
	if err := json.Unmarshal(env.Data, &app); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	if app.Token == "" {
		return nil, errors.New("success without token")
	}
	return &app, nil
}

// wireResult is data of a collect answer as sent.
type wireResult struct {
	Type           string      `json:"type"`
	ProcessCode    flexInt     `json:"process_code"`
	Content        string      `json:"content"`
	Finish         flexBool    `json:"finish"`
	NextDatasource *Datasource `json:"next_datasource"`
	ReqMsgTpl      *ReqMsgTpl  `json:"req_msg_tpl"`
}

// decodeResult reads a collect step result. CONTROL must carry a
// process_code, because acting on a guessed 0 would end the flow wrongly
// (F11 d); RUNNING and ERROR may omit it.
func decodeResult(env *envelope) (*CollectResult, error) {
	if !env.Success.v {
		return nil, &APIError{Code: env.Code.v, Message: env.Message}
	}
	if !env.hasData() {
		return nil, errors.New("success without data")
	}

	var w wireResult
	if err := json.Unmarshal(env.Data, &w); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	switch ResultType(w.Type) {
	case ResultControl:
		if !w.ProcessCode.set {
			return nil, errors.New("CONTROL without process_code")
		}
	case ResultError, ResultRunning:
	default:
		return nil, fmt.Errorf("unknown data.type %.20q", w.Type)
	}
	return &CollectResult{
		Type:           ResultType(w.Type),
		ProcessCode:    w.ProcessCode.v,
		Content:        w.Content,
		Finish:         w.Finish.v,
		NextDatasource: w.NextDatasource,
		ReqMsgTpl:      w.ReqMsgTpl,
	}, nil
}

// decodeAccept reads the answer of a legacy collect/req. Public code treats
// any non-null data as "accepted" (jxl-api.md §3.4), so only a data object
// that already carries a type is read as a step result; anything else
// becomes RUNNING and the caller polls.
func decodeAccept(env *envelope) (*CollectResult, error) {
	if !env.Success.v {
		return nil, &APIError{Code: env.Code.v, Message: env.Message}
	}
	if !env.hasData() {
		return nil, errors.New("success without data")
	}

	var probe struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(env.Data, &probe); err != nil || probe.Type == "" {
		return &CollectResult{Type: ResultRunning, Content: probe.Content}, nil
	}
	return decodeResult(env)
}

// decodeDatasources reads the datasources list.
func decodeDatasources(env *envelope) ([]Datasource, error) {
	if !env.Success.v {
		return nil, &APIError{Code: env.Code.v, Message: env.Message}
	}
	if !env.hasData() {
		return nil, errors.New("success without data")
	}
	var list []Datasource
	if err := json.Unmarshal(env.Data, &list); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return list, nil
}
