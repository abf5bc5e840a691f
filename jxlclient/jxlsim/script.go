package jxlsim

import "time"

// Request types (collect "type").
const (
	typePassword = ""
	typeCaptcha  = "SUBMIT_CAPTCHA"
	typeResend   = "RESEND_CAPTCHA"
	typeQueryPwd = "SUBMIT_QUERY_PWD"
)

// Result types (data.type).
const (
	resControl = "CONTROL"
	resError   = "ERROR"
	resRunning = "RUNNING"
)

// The scripted inputs.
const (
	goodSMS      = "123456"
	goodQueryPwd = "query_good"
)

// Content strings. Only 开始采集行为数据 and the 采集完成 ERROR are seen in
// public code; the others are plausible guesses built from the code
// meanings in jxl-api.md §6.
const (
	txtSMSSent     = "短信验证码已发送,请输入短信验证码"
	txtSMSResent   = "短信验证码已重新发送,请输入短信验证码"
	txtSecondSMS   = "请再次输入短信验证码"
	txtBadPassword = "服务密码错误,请重新输入"
	txtBadSMS      = "短信验证码错误,请重新输入"
	txtSMSExpired  = "短信验证码已失效,系统已自动重新下发,请输入新的验证码"
	txtSimple      = "简单密码或初始密码无法登录,请先到运营商官网修改服务密码"
	txtCollecting  = "开始采集行为数据"
	txtQueryPwd    = "请输入查询密码"
	txtBadQueryPwd = "查询密码错误,请重新输入"
	txtSMSLimit    = "当天下发短信验证码超限,请明天再试"
	txtSpent       = "运营商系统繁忙,本次授权已失效,请重新申请"
	txtDone        = "当前网站已经采集完成,请不要重复采集！"
	txtEnded       = "本次授权流程已结束,请重新申请"
	txtRunning     = "正在处理中,请稍后"
	txtAccepted    = "请求已受理"
)

// stage is where a token's flow stands.
type stage int

const (
	stagePassword stage = iota // awaiting the service password
	stageSMS                   // awaiting an SMS code
	stageQuery                 // awaiting the query password
	stageDone                  // 10008 answered
	stageEnded                 // a terminal code (10007, 30000) answered
	stageSpent                 // ERROR answered
)

func (st stage) terminal() bool { return st >= stageDone }

// tokenState is one token's flow. It is guarded by Server.mu.
type tokenState struct {
	stage      stage
	smsLeft    int  // correct SMS codes still needed
	expireNext bool // pass_expire: the next SMS gets 10006
	inFlight   bool // a collect call for this token is being processed
	pending    *pending
	job        *legacyJob
	submits    map[string]int
}

// pending is a v2 request last answered RUNNING. Re-issuing the same body
// continues it rather than starting a new action.
type pending struct {
	fp   string
	left int // RUNNING answers still due before the step runs
}

// legacyJob is a request accepted by the legacy collect/req.
type legacyJob struct {
	req       collectReq
	pollsLeft int       // RUNNING polls still due
	result    *result   // set once revealed; later polls repeat it
	touched   time.Time // accepted or last polled
}

// result is a collect answer; refusal != "" means success:false.
type result struct {
	typ     string
	code    int
	content string
	finish  bool
	tpl     string
	refusal string
}

func control(code int, content, tpl string) result {
	return result{typ: resControl, code: code, content: content, tpl: tpl}
}

func running() result { return result{typ: resRunning, content: txtRunning} }

// isSlowStart reports whether req starts pass_slow's RUNNING countdown.
func isSlowStart(ts *tokenState, req collectReq) bool {
	return req.Type == typePassword && req.Password == "pass_slow" && !ts.stage.terminal()
}

// step runs one user action against the token's state machine.
func step(ts *tokenState, req collectReq) result {
	switch ts.stage {
	case stageDone:
		return result{typ: resError, content: txtDone}
	case stageSpent:
		return result{typ: resError, content: txtSpent}
	case stageEnded:
		return result{typ: resError, content: txtEnded}
	}
	switch req.Type {
	case typePassword:
		return stepPassword(ts, req.Password)
	case typeCaptcha:
		return stepSMS(ts, req.Captcha)
	case typeResend:
		if ts.stage != stageSMS {
			return result{refusal: "当前状态无法重发短信验证码"}
		}
		return control(10002, txtSMSResent, typeCaptcha)
	case typeQueryPwd:
		return stepQuery(ts, req.queryPwd())
	}
	return result{refusal: "type参数错误"}
}

// stepPassword accepts a password in any open stage: a user re-entering it
// restarts the login, which is the friendliest guess.
func stepPassword(ts *tokenState, password string) result {
	switch password {
	case "pass_good", "pass_slow":
		ts.stage, ts.smsLeft, ts.expireNext = stageSMS, 1, false
		return control(10002, txtSMSSent, typeCaptcha)
	case "pass_twosms":
		ts.stage, ts.smsLeft, ts.expireNext = stageSMS, 2, false
		return control(10002, txtSMSSent, typeCaptcha)
	case "pass_expire":
		ts.stage, ts.smsLeft, ts.expireNext = stageSMS, 1, true
		return control(10002, txtSMSSent, typeCaptcha)
	case "pass_query":
		ts.stage = stageQuery
		return control(10022, txtQueryPwd, typeQueryPwd)
	case "pass_simple":
		ts.stage = stageEnded
		return control(10007, txtSimple, "")
	case "pass_limit":
		ts.stage = stageEnded
		return control(30000, txtSMSLimit, "")
	case "pass_error":
		ts.stage = stageSpent
		return result{typ: resError, content: txtSpent}
	}
	// pass_bad and any unknown password: the real service would try the
	// carrier login; the simulator calls it wrong.
	ts.stage = stagePassword
	return control(10003, txtBadPassword, "")
}

func stepSMS(ts *tokenState, code string) result {
	if ts.stage != stageSMS {
		return result{refusal: "当前状态无需短信验证码"}
	}
	if ts.expireNext {
		ts.expireNext = false
		return control(10006, txtSMSExpired, typeCaptcha)
	}
	if code != goodSMS {
		return control(10004, txtBadSMS, typeCaptcha)
	}
	ts.smsLeft--
	if ts.smsLeft > 0 {
		return control(10001, txtSecondSMS, typeCaptcha)
	}
	ts.stage = stageDone
	res := control(10008, txtCollecting, "")
	res.finish = true
	return res
}

func stepQuery(ts *tokenState, pwd string) result {
	if ts.stage != stageQuery {
		return result{refusal: "当前状态无需查询密码"}
	}
	if pwd != goodQueryPwd {
		return control(10023, txtBadQueryPwd, typeQueryPwd)
	}
	ts.stage, ts.smsLeft, ts.expireNext = stageSMS, 1, false
	return control(10002, txtSMSSent, typeCaptcha)
}
