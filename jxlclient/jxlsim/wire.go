package jxlsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"golang.org/x/text/encoding/simplifiedchinese"
)

const (
	jsonType = "application/json;charset=UTF-8"
	gbkType  = "application/json;charset=GBK"
)

// envelope is JXL's orgApi answer. Success, Code and the step's numbers are
// typed any so that the StringCodes fault can send them as strings.
type envelope struct {
	Success any    `json:"success"`
	Code    any    `json:"code,omitempty"` // v3 applications only
	Message string `json:"message,omitempty"`
	Data    any    `json:"data,omitempty"`
}

// stepData is data of a collect answer.
type stepData struct {
	Type        string  `json:"type"`
	ProcessCode any     `json:"process_code"`
	Content     string  `json:"content"`
	Finish      any     `json:"finish"`
	ReqMsgTpl   *msgTpl `json:"req_msg_tpl,omitempty"`
}

// msgTpl is req_msg_tpl. Its method values were never seen in public code,
// so the simulator leaves method out.
type msgTpl struct {
	Type string `json:"type"`
}

// wire renders numbers and bools per the StringCodes fault.
type wire struct{ strings bool }

func wireOf(r *http.Request) wire { return wire{strings: faultsOf(r).StringCodes} }

func (w wire) b(v bool) any {
	if w.strings {
		return strconv.FormatBool(v)
	}
	return v
}

func (w wire) n(v int) any {
	if w.strings {
		return strconv.Itoa(v)
	}
	return v
}

// writeJSON answers 200 with v, GBK-encoded when the GBK fault is on.
// JXL answers business errors with 200 as well.
func writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
		return
	}
	body, ctype := buf.Bytes(), jsonType
	if faultsOf(r).GBK {
		gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes(body)
		if err != nil {
			http.Error(w, "encode gbk: "+err.Error(), http.StatusInternalServerError)
			return
		}
		body, ctype = gbk, gbkType
	}
	w.Header().Set("Content-Type", ctype)
	_, _ = w.Write(body)
}

// refuse answers {"success":false,"message":msg}.
func refuse(w http.ResponseWriter, r *http.Request, msg string) {
	writeJSON(w, r, envelope{Success: wireOf(r).b(false), Message: msg})
}

// writeStep answers a collect step.
func writeStep(w http.ResponseWriter, r *http.Request, res result) {
	if res.refusal != "" {
		refuse(w, r, res.refusal)
		return
	}
	wr := wireOf(r)
	d := stepData{
		Type:        res.typ,
		ProcessCode: wr.n(res.code),
		Content:     res.content,
		Finish:      wr.b(res.finish),
	}
	if res.tpl != "" {
		d.ReqMsgTpl = &msgTpl{Type: res.tpl}
	}
	writeJSON(w, r, envelope{Success: wr.b(true), Data: d})
}
