// Package jxlsim is a simulator of the 聚信立 (JXL) org API for tests and
// local runs: a real net/http handler speaking JXL's wire format, with a
// per-token state machine scripted by the service password and fault
// switches that can be flipped at run time.
//
// # Routes
//
// Both collect styles are served at once; the path chooses:
//
//	POST /orgApi/rest/v2/applications/{org}    v2 token (also unversioned)
//	POST /orgApi/rest/v3/applications/{org}    v3 token: code 65557 + message
//	POST /orgApi/rest/v2/messages/collect/req  blocking: waits Config.Delay
//	POST /orgApi/rest/messages/collect/req     legacy accept (answers at once)
//	POST /orgApi/rest/messages/collect/resp    legacy poll
//	GET  /orgApi/rest/v2/orgs/{org}/datasources (also unversioned)
//
// Applications check the org (65537), name (65543), 18-character ID card
// (65541) and 11-digit phone (65542). An unknown token gets
// {"success":false,"message":"token无效"}. A collect for a token that
// already has one in flight gets success:false "上一个请求尚未完成" and is
// counted in Stats.Concurrent; in legacy mode an accepted request stays in
// flight until a poll has revealed its result.
//
// # Password script
//
// The service password of the first submit picks the behaviour:
//
//	pass_good    10002 (SUBMIT_CAPTCHA); SMS 123456 → 10008 finish; other SMS → 10004
//	pass_bad     10003; the user may try another password on the same token
//	pass_query   10022 (SUBMIT_QUERY_PWD); query_good → 10002 then as pass_good;
//	             other query password → 10023
//	pass_twosms  10002; first 123456 → 10001; second 123456 → 10008
//	pass_expire  10002; first SMS (any) → 10006; then 123456 → 10008
//	pass_slow    RUNNING Config.SlowRunning times, then 10002 then as pass_good.
//	             In v2 each re-issue of the same body continues the countdown;
//	             in legacy it adds that many RUNNING polls.
//	pass_simple  10007, terminal
//	pass_limit   30000 (当天下发短信验证码超限), terminal
//	pass_error   type ERROR; the token is spent
//	anything     10003
//
// RESEND_CAPTCHA while an SMS code is awaited answers 10002. After 10008
// every submit answers ERROR "当前网站已经采集完成,请不要重复采集！"; after a
// terminal code or ERROR every submit answers ERROR too. Captcha, resend and
// query-password requests may omit account and password, and the query
// password is read from queryPwd or query_pwd. finish is true only on the
// final 10008.
//
// # Faults
//
// Set with SetFaults or PUT /_sim/faults (JSON, e.g.
// {"status":502,"paths":["collect/req"],"latency":"150ms"}); read with
// GET /_sim/faults. POST /_sim/reset clears faults and stats, and
// GET /_sim/stats returns Stats. Faults never apply to /_sim/*.
//
//	latency          delay every answer (ends early when the request ends)
//	status           answer this status with an HTML page (e.g. 502)
//	html_page        200 text/html WAF page
//	hang             never answer until the client gives up or Close
//	invalid_json     200 application/json, truncated JSON
//	empty            200 application/json, empty body
//	gbk              body encoded as GBK, Content-Type charset=GBK
//	string_codes     success, process_code, finish and v3 code as strings
//	running_forever  collect answers RUNNING forever
//	paths            only paths ending in one of these; empty means all
//
// Short-circuit faults (status, html_page, hang, invalid_json, empty) answer
// before the request is read, so they never advance a token's state.
//
// # Guesses
//
// JXL published no spec. The content strings (except 开始采集行为数据 and
// the 采集完成 ERROR), the legacy accept shape, the in-flight refusal and
// its text, unknown password → 10003, how RUNNING is counted, and the answers
// to out-of-order requests are this simulator's choices, not observed
// behaviour. The simulator never logs.
package jxlsim
