package jxlsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"unicode/utf8"
)

// applyReq is the part of an applications body the simulator checks.
// contacts, selected_website, skip_mobile and uid are accepted and ignored:
// the simulator always authorises the carrier only.
type applyReq struct {
	BasicInfo struct {
		Name         string `json:"name"`
		IDCardNum    string `json:"id_card_num"`
		CellPhoneNum string `json:"cell_phone_num"`
	} `json:"basic_info"`
}

// calendar is the serialized Java Calendar JXL uses for times.
type calendar struct {
	Year       int `json:"year"`
	Month      int `json:"month"` // probably 0-based, as in JXL
	DayOfMonth int `json:"dayOfMonth"`
	HourOfDay  int `json:"hourOfDay"`
	Minute     int `json:"minute"`
	Second     int `json:"second"`
}

// datasource has the full field set of jxl-api.md §3.1. ids and website
// codes other than 4 (jingdong) and 12 (chinamobilejs) are made up.
type datasource struct {
	ID                            string   `json:"id"`
	Website                       string   `json:"website"`
	Name                          string   `json:"name"`
	Category                      string   `json:"category"`
	CategoryName                  string   `json:"category_name"`
	CreateTime                    calendar `json:"create_time"`
	UpdateTime                    calendar `json:"update_time"`
	OfflineTimes                  int      `json:"offline_times"`
	Status                        int      `json:"status"`
	WebsiteCode                   int      `json:"website_code"`
	ResetPwdMethod                int      `json:"reset_pwd_method"`
	SMSRequired                   int      `json:"sms_required"`
	RequiredCaptchaUserIdentified int      `json:"required_captcha_user_identified"`
	ResetPwdFrozenTime            int      `json:"reset_pwd_frozen_time"`
}

func mkSource(id, website, name, category, categoryName string, code, sms int) datasource {
	return datasource{
		ID: id, Website: website, Name: name, Category: category, CategoryName: categoryName,
		CreateTime:  calendar{Year: 2015, Month: 4, DayOfMonth: 1, HourOfDay: 9},
		UpdateTime:  calendar{Year: 2017, Month: 0, DayOfMonth: 2, HourOfDay: 9},
		Status:      1,
		WebsiteCode: code,
		SMSRequired: sms,
	}
}

// carrier is the datasource every application gets.
var carrier = mkSource("dddddddddddddddddddddddddddddd01", "chinamobilegd", "广东移动",
	"mobile", "移动运营商", 19, 1)

// catalogue is the fixed datasources list.
var catalogue = []datasource{
	carrier,
	mkSource("dddddddddddddddddddddddddddddd02", "chinamobilejs", "江苏移动",
		"mobile", "移动运营商", 12, 1),
	mkSource("dddddddddddddddddddddddddddddd03", "chinamobilebj", "北京移动",
		"mobile", "移动运营商", 2, 1),
	mkSource("dddddddddddddddddddddddddddddd04", "chinaunicom", "中国联通",
		"mobile", "联通运营商", 30, 1),
	mkSource("dddddddddddddddddddddddddddddd05", "chinatelecomgd", "广东电信",
		"mobile", "电信运营商", 41, 1),
	mkSource("dddddddddddddddddddddddddddddd06", "jingdong", "京东",
		"e_business", "电商", 4, 2),
}

// apply answers v2, v3 and unversioned applications. v3 adds code and
// message; failures in v2 carry only a message.
func (s *Server) apply(v3 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		wr := wireOf(r)
		fail := func(code int, msg string) {
			env := envelope{Success: wr.b(false), Message: msg}
			if v3 {
				env.Code = wr.n(code)
			}
			writeJSON(w, r, env)
		}

		if r.PathValue("org") != s.cfg.Org {
			fail(65537, "机构账号不存在")
			return
		}
		var req applyReq
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
			fail(65540, "基本信息不能为空")
			return
		}
		bi := req.BasicInfo
		switch {
		case bi.Name == "" || utf8.RuneCountInString(bi.Name) > 30:
			fail(65543, "姓名为空或不合法")
			return
		case !validIDCard(bi.IDCardNum):
			fail(65541, "身份证号码为空或不合法")
			return
		case !validPhone(bi.CellPhoneNum):
			fail(65542, "手机号码为空或不合法")
			return
		}

		token := newToken()
		s.mu.Lock()
		s.tokens[token] = &tokenState{submits: map[string]int{}}
		s.stats.Applications++
		s.mu.Unlock()

		env := envelope{Success: wr.b(true), Data: map[string]any{
			"token": token, "cell_phone_num": bi.CellPhoneNum, "datasource": carrier,
		}}
		if v3 {
			env.Code, env.Message = wr.n(65557), "生成token成功"
		}
		writeJSON(w, r, env)
	}
}

// datasources answers the fixed list.
func (s *Server) datasources(w http.ResponseWriter, r *http.Request) {
	wr := wireOf(r)
	if r.PathValue("org") != s.cfg.Org {
		writeJSON(w, r, envelope{Success: wr.b(false), Message: "机构账号不存在"})
		return
	}
	writeJSON(w, r, envelope{Success: wr.b(true), Data: catalogue})
}

// validIDCard accepts 17 digits plus a digit or upper-case X; the
// checksum is not verified, so made-up test numbers pass.
func validIDCard(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := range 17 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	last := s[17]
	return last == 'X' || (last >= '0' && last <= '9')
}

// validPhone accepts 11 digits starting with 1.
func validPhone(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// newToken returns 32 random hex digits, like JXL's tokens.
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
