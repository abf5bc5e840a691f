package jxlclient

import "encoding/json"

// BasicInfo is the applicant in an applications call (basic_info). All of it
// is personal data: it never appears in fmt output or error strings.
type BasicInfo struct {
	Name         string `json:"name"`
	IDCardNum    string `json:"id_card_num"` // 18 characters, upper-case X
	CellPhoneNum string `json:"cell_phone_num"`
	HomeAddr     string `json:"home_addr,omitempty"`
	WorkAddr     string `json:"work_addr,omitempty"`
	HomeTel      string `json:"home_tel,omitempty"`
	WorkTel      string `json:"work_tel,omitempty"`
}

// Contact is an emergency contact. Type is a digit string: "0" spouse,
// "1" parent, "2" sibling/relative, "3" child, "4" colleague, "5" classmate,
// "6" friend/other.
type Contact struct {
	Tel  string `json:"contact_tel"`
	Name string `json:"contact_name"`
	Type string `json:"contact_type"`
}

// Website selects an extra datasource besides the carrier. The element key
// is "name" as in JXL's own sample app; some integrations send "website".
type Website struct {
	Name     string `json:"name"`
	Category string `json:"category"`
}

// ApplyRequest is the body of an applications call.
type ApplyRequest struct {
	BasicInfo       BasicInfo `json:"basic_info"`
	Contacts        []Contact `json:"contacts"`
	SelectedWebsite []Website `json:"selected_website"`
	SkipMobile      bool      `json:"skip_mobile"`
	UID             string    `json:"uid,omitempty"` // echoed back in JXL's push
}

// MarshalJSON sends contacts and selected_website as [] rather than null,
// which is what every public integration sends.
func (r ApplyRequest) MarshalJSON() ([]byte, error) {
	type plain ApplyRequest // drops the method set, so no recursion
	p := plain(r)
	if p.Contacts == nil {
		p.Contacts = []Contact{}
	}
	if p.SelectedWebsite == nil {
		p.SelectedWebsite = []Website{}
	}
	return json.Marshal(p)
}

// Datasource is a site to authorise (carrier or e-commerce), as found in
// applications data.datasource, collect data.next_datasource and the
// datasources list. Integer fields are decoded leniently (number or string).
// create_time and update_time are not kept: nothing in the flow uses them.
type Datasource struct {
	ID                            string `json:"id"`
	Website                       string `json:"website"`  // e.g. chinamobilegd
	Name                          string `json:"name"`     // e.g. 广东移动
	Category                      string `json:"category"` // mobile, e_business
	CategoryName                  string `json:"category_name"`
	Status                        int    `json:"status"` // 1 = online; other values disagree
	WebsiteCode                   int    `json:"website_code"`
	ResetPwdMethod                int    `json:"reset_pwd_method"`
	SMSRequired                   int    `json:"sms_required"`
	OfflineTimes                  int    `json:"offline_times"`
	RequiredCaptchaUserIdentified int    `json:"required_captcha_user_identified"`
	ResetPwdFrozenTime            int    `json:"reset_pwd_frozen_time"`
}

// UnmarshalJSON decodes a datasource whose integers may be numbers or
// strings.
func (d *Datasource) UnmarshalJSON(b []byte) error {
	var w struct {
		ID                            string  `json:"id"`
		Website                       string  `json:"website"`
		Name                          string  `json:"name"`
		Category                      string  `json:"category"`
		CategoryName                  string  `json:"category_name"`
		Status                        flexInt `json:"status"`
		WebsiteCode                   flexInt `json:"website_code"`
		ResetPwdMethod                flexInt `json:"reset_pwd_method"`
		SMSRequired                   flexInt `json:"sms_required"`
		OfflineTimes                  flexInt `json:"offline_times"`
		RequiredCaptchaUserIdentified flexInt `json:"required_captcha_user_identified"`
		ResetPwdFrozenTime            flexInt `json:"reset_pwd_frozen_time"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Datasource{
		ID: w.ID, Website: w.Website, Name: w.Name,
		Category: w.Category, CategoryName: w.CategoryName,
		Status: w.Status.v, WebsiteCode: w.WebsiteCode.v,
		ResetPwdMethod: w.ResetPwdMethod.v, SMSRequired: w.SMSRequired.v,
		OfflineTimes:                  w.OfflineTimes.v,
		RequiredCaptchaUserIdentified: w.RequiredCaptchaUserIdentified.v,
		ResetPwdFrozenTime:            w.ResetPwdFrozenTime.v,
	}
	return nil
}

// Application is the answer to an applications call. Token is a secret: it
// authorises collect calls, so fmt output and errors never show it.
type Application struct {
	Token        string     `json:"token"`
	CellPhoneNum string     `json:"cell_phone_num"`
	Datasource   Datasource `json:"datasource"`
}

// Request types for CollectRequest.Type, as copied from req_msg_tpl.type.
const (
	TypePassword = ""                 // first submit: account + service password
	TypeCaptcha  = "SUBMIT_CAPTCHA"   // SMS code in Captcha
	TypeResend   = "RESEND_CAPTCHA"   // ask JXL to send a new SMS code
	TypeQueryPwd = "SUBMIT_QUERY_PWD" // query password in QueryPwd (Beijing Mobile)
)

// CollectRequest is the body of every collect step. Password, Captcha,
// QueryPwd and Token are secrets and Account is personal data: fmt output
// shows only Type and Website.
type CollectRequest struct {
	Token    string `json:"token"`
	Account  string `json:"account"`  // phone number
	Password string `json:"password"` // carrier service password
	Website  string `json:"website"`  // datasource.website, e.g. chinamobilegd
	Captcha  string `json:"captcha"`  // always sent, "" when unused
	Type     string `json:"type"`     // always sent, "" for the password step
	QueryPwd string `json:"queryPwd,omitempty"`
}

// ResultType is data.type of a collect answer.
type ResultType string

// The three result types JXL is known to send.
const (
	ResultControl ResultType = "CONTROL" // a step result; switch on ProcessCode
	ResultError   ResultType = "ERROR"   // the flow failed; restart from Apply
	ResultRunning ResultType = "RUNNING" // no result yet; Poll again
)

// ReqMsgTpl tells the client which request type to send next.
type ReqMsgTpl struct {
	Type   string `json:"type"`   // e.g. SUBMIT_CAPTCHA, SUBMIT_QUERY_PWD
	Method string `json:"method"` // never seen filled in public code
}

// CollectResult is a decoded collect step. For RUNNING and ERROR a missing
// process_code reads as 0 (CodeTimeout).
type CollectResult struct {
	Type           ResultType  `json:"type"`
	ProcessCode    int         `json:"process_code"`
	Content        string      `json:"content"` // JXL's Chinese text for the user
	Finish         bool        `json:"finish"`  // all datasources done
	NextDatasource *Datasource `json:"next_datasource,omitempty"`
	ReqMsgTpl      *ReqMsgTpl  `json:"req_msg_tpl,omitempty"`
}
