package jxlsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// collectReq is a collect body. Both queryPwd (most sources) and query_pwd
// (one source) are read.
type collectReq struct {
	Token         string `json:"token"`
	Account       string `json:"account"`
	Password      string `json:"password"`
	Website       string `json:"website"`
	Captcha       string `json:"captcha"`
	Type          string `json:"type"`
	QueryPwd      string `json:"queryPwd"`
	QueryPwdSnake string `json:"query_pwd"`
}

func (q collectReq) queryPwd() string {
	if q.QueryPwd != "" {
		return q.QueryPwd
	}
	return q.QueryPwdSnake
}

// fingerprint identifies a body, to tell a re-issue from a new action.
func (q collectReq) fingerprint() string {
	return strings.Join([]string{q.Type, q.Account, q.Password, q.Website,
		q.Captcha, q.queryPwd()}, "\x00")
}

func readCollect(r *http.Request) (collectReq, bool) {
	var q collectReq
	err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&q)
	return q, err == nil
}

// enter looks the token up and marks it in flight. It answers the request
// itself (and returns nil) for an unknown token or a concurrent call.
// busy reports whether the token counts as busy beyond an open HTTP call.
func (s *Server) enter(w http.ResponseWriter, r *http.Request, token string,
	busy func(*tokenState) bool,
) *tokenState {
	s.mu.Lock()
	ts := s.tokens[token]
	switch {
	case ts == nil:
		s.mu.Unlock()
		refuse(w, r, "token无效")
		return nil
	case ts.inFlight || (busy != nil && busy(ts)):
		// A guess at JXL's behaviour; what matters is that the gateway
		// never causes it, so it is counted.
		s.stats.Concurrent++
		s.mu.Unlock()
		refuse(w, r, "上一个请求尚未完成")
		return nil
	}
	ts.inFlight = true
	s.inFlight++
	s.mu.Unlock()
	return ts
}

// leave clears the in-flight mark. Callers hold s.mu.
func (s *Server) leave(ts *tokenState) {
	ts.inFlight = false
	s.inFlight--
}

// collectV2 is the blocking v2 collect/req.
func (s *Server) collectV2(w http.ResponseWriter, r *http.Request) {
	req, ok := readCollect(r)
	if !ok {
		refuse(w, r, "请求参数格式错误")
		return
	}
	ts := s.enter(w, r, req.Token, nil)
	if ts == nil {
		return
	}
	ok = s.sleep(r.Context(), s.cfg.Delay+faultsOf(r).Latency)

	s.mu.Lock()
	s.leave(ts)
	if !ok {
		// The client gave up or the simulator closed: nothing happened.
		s.mu.Unlock()
		return
	}
	res := s.v2Step(ts, req, faultsOf(r).RunningForever)
	s.mu.Unlock()
	writeStep(w, r, res)
}

// v2Step decides a v2 answer. The RUNNING counting is the simulator's
// model: JXL does not document how a re-issue after RUNNING is matched.
// Callers hold s.mu.
func (s *Server) v2Step(ts *tokenState, req collectReq, forever bool) result {
	fp := req.fingerprint()
	if ts.pending != nil && ts.pending.fp == fp {
		s.stats.Reissues++
		if forever {
			return running()
		}
		if ts.pending.left > 0 {
			ts.pending.left--
			return running()
		}
		ts.pending = nil
		return step(ts, req)
	}

	ts.pending = nil
	s.countSubmit(ts, req)
	if forever {
		ts.pending = &pending{fp: fp}
		return running()
	}
	if isSlowStart(ts, req) && s.cfg.SlowRunning > 0 {
		ts.pending = &pending{fp: fp, left: s.cfg.SlowRunning - 1}
		return running()
	}
	return step(ts, req)
}

// legacyAccept is the unversioned collect/req: it only accepts. A token
// whose last accepted request has not been revealed by a poll yet is busy,
// a guess that catches a gateway re-submitting instead of polling, unless
// nobody polled it for Config.LegacyAbandon: then the client gave up on it,
// and a new request replaces it (also a guess). The
// accept shape (RUNNING, process_code 0) is a guess too; public code only
// checks that data is not null.
func (s *Server) legacyAccept(w http.ResponseWriter, r *http.Request) {
	req, ok := readCollect(r)
	if !ok {
		refuse(w, r, "请求参数格式错误")
		return
	}
	unrevealed := func(ts *tokenState) bool {
		return ts.job != nil && ts.job.result == nil &&
			time.Since(ts.job.touched) < s.cfg.LegacyAbandon
	}
	ts := s.enter(w, r, req.Token, unrevealed)
	if ts == nil {
		return
	}
	ok = s.sleep(r.Context(), faultsOf(r).Latency)

	s.mu.Lock()
	s.leave(ts)
	if !ok {
		s.mu.Unlock()
		return
	}
	s.countSubmit(ts, req)
	job := &legacyJob{req: req, pollsLeft: s.cfg.LegacyPolls, touched: time.Now()}
	ts.job = job
	if ts.stage.terminal() {
		res := step(ts, req)
		job.result = &res
		s.mu.Unlock()
		writeStep(w, r, res)
		return
	}
	if isSlowStart(ts, req) {
		job.pollsLeft += s.cfg.SlowRunning
	}
	s.mu.Unlock()

	acc := running()
	acc.content = txtAccepted
	writeStep(w, r, acc)
}

// legacyPoll is collect/resp: RUNNING for LegacyPolls polls, then the
// result, which later polls repeat.
func (s *Server) legacyPoll(w http.ResponseWriter, r *http.Request) {
	req, ok := readCollect(r)
	if !ok {
		refuse(w, r, "请求参数格式错误")
		return
	}
	ts := s.enter(w, r, req.Token, nil)
	if ts == nil {
		return
	}
	ok = s.sleep(r.Context(), faultsOf(r).Latency)

	s.mu.Lock()
	s.leave(ts)
	if !ok {
		s.mu.Unlock()
		return
	}
	s.stats.Polls++
	if ts.job != nil {
		ts.job.touched = time.Now()
	}
	res := s.legacyResult(ts, faultsOf(r).RunningForever)
	s.mu.Unlock()
	writeStep(w, r, res)
}

// legacyResult advances the token's job by one poll. Callers hold s.mu.
func (s *Server) legacyResult(ts *tokenState, forever bool) result {
	job := ts.job
	switch {
	case job == nil:
		return result{refusal: "没有待查询的采集请求"}
	case job.result != nil:
		return *job.result
	case forever:
		return running()
	case job.pollsLeft > 0:
		job.pollsLeft--
		return running()
	}
	res := step(ts, job.req)
	job.result = &res
	return res
}
