package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/jxlgw/jxlgw/gateway"
	"github.com/jxlgw/jxlgw/internal/tcpproxy"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
	"github.com/jxlgw/jxlgw/session"
)

// This file is the app model of TestChaos: a faithful app that keeps one order's authorisation
// going across dying sockets, and the network weather that kills them.

// chaosStep is one input of a script and the answer it must get.
type chaosStep struct {
	msg   map[string]any
	event string
	code  string
	pcode int // 0: not checked
	state session.State
}

type chaosScript struct {
	name   string
	weight int
	steps  []chaosStep
}

func chaosMsg(typ string, kv ...string) map[string]any {
	m := map[string]any{"type": typ}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

var (
	cPassword = func(p string) map[string]any { return chaosMsg(session.MsgPassword, "password", p) }
	cSMS      = func(c string) map[string]any { return chaosMsg(session.MsgSMS, "code", c) }
	cQuery    = func(p string) map[string]any {
		return chaosMsg(session.MsgQueryPassword, "queryPassword", p)
	}
	cResend = chaosMsg(session.MsgResendSMS)
	cCancel = chaosMsg(session.MsgCancel)
)

// The answers of the simulator's script (jxlclient/jxlsim/doc.go) as the gateway maps them
// (docs/protocol.md §4.2).
var (
	aSMSPrompt = chaosStep{event: session.EventPromptSMS, pcode: 10002, state: session.StateAwaitSMS}
	aFinish    = chaosStep{event: session.EventFinish, pcode: 10008, state: session.StateFinished}
)

func with(a chaosStep, msg map[string]any) chaosStep { a.msg = msg; return a }

func failStep(msg map[string]any, code string, pcode int, state session.State) chaosStep {
	return chaosStep{msg: msg, event: session.EventError, code: code, pcode: pcode, state: state}
}

var chaosScripts = []chaosScript{
	{"pass_good", 4, []chaosStep{
		with(aSMSPrompt, cPassword("pass_good")),
		with(aFinish, cSMS("123456")),
	}},
	{"pass_good+wrong_sms", 2, []chaosStep{
		with(aSMSPrompt, cPassword("pass_good")),
		failStep(cSMS("000000"), session.CodeWrongSMS, 10004, session.StateAwaitSMS),
		with(aFinish, cSMS("123456")),
	}},
	{"pass_good+resend", 1, []chaosStep{
		with(aSMSPrompt, cPassword("pass_good")),
		with(aSMSPrompt, cResend),
		with(aFinish, cSMS("123456")),
	}},
	{"pass_good+cancel", 1, []chaosStep{
		with(aSMSPrompt, cPassword("pass_good")),
		failStep(cCancel, session.CodeCancelled, 0, session.StateFailed),
	}},
	{"pass_twosms", 2, []chaosStep{
		with(aSMSPrompt, cPassword("pass_twosms")),
		{msg: cSMS("123456"), event: session.EventPromptSMS, pcode: 10001,
			state: session.StateAwaitSMS},
		with(aFinish, cSMS("123456")),
	}},
	{"pass_expire", 2, []chaosStep{
		with(aSMSPrompt, cPassword("pass_expire")),
		{msg: cSMS("111111"), event: session.EventPromptSMS, pcode: 10006,
			state: session.StateAwaitSMS},
		with(aFinish, cSMS("123456")),
	}},
	{"pass_query", 2, []chaosStep{
		{msg: cPassword("pass_query"), event: session.EventPromptQueryPassword, pcode: 10022,
			state: session.StateAwaitQuery},
		failStep(cQuery("wrong"), session.CodeWrongQueryPassword, 10023, session.StateAwaitQuery),
		with(aSMSPrompt, cQuery("query_good")),
		with(aFinish, cSMS("123456")),
	}},
	{"pass_slow", 2, []chaosStep{
		with(aSMSPrompt, cPassword("pass_slow")),
		with(aFinish, cSMS("123456")),
	}},
	{"pass_bad+pass_good", 2, []chaosStep{
		failStep(cPassword("pass_bad"), session.CodeWrongPassword, 10003,
			session.StateAwaitPassword),
		with(aSMSPrompt, cPassword("pass_good")),
		with(aFinish, cSMS("123456")),
	}},
	{"pass_simple", 1, []chaosStep{
		failStep(cPassword("pass_simple"), session.CodeSimplePassword, 10007, session.StateFailed),
	}},
	{"pass_limit", 1, []chaosStep{
		failStep(cPassword("pass_limit"), session.CodeCarrierError, 30000, session.StateFailed),
	}},
	{"pass_error", 1, []chaosStep{
		failStep(cPassword("pass_error"), session.CodeJXLError, 0, session.StateFailed),
	}},
}

// simKind is the simulator's submit kind of an app message, or "" for one that is no
// submission (cancel).
func simKind(msgType string) string {
	switch msgType {
	case session.MsgPassword:
		return jxlsim.KindPassword
	case session.MsgSMS:
		return jxlsim.KindSMS
	case session.MsgQueryPassword:
		return jxlsim.KindQueryPassword
	case session.MsgResendSMS:
		return jxlsim.KindResend
	}
	return ""
}

// accepts mirrors docs/protocol.md §3: the state in which the app may send a message type.
func accepts(s session.State, msgType string) bool {
	switch msgType {
	case session.MsgPassword:
		return s == session.StateAwaitPassword
	case session.MsgSMS, session.MsgResendSMS:
		return s == session.StateAwaitSMS
	case session.MsgQueryPassword:
		return s == session.StateAwaitQuery
	case session.MsgCancel:
		return !s.Terminal() && s != session.StateVerifying
	}
	return false
}

// chaosPath is how an app's sockets reach the gateway.
type chaosPath int

const (
	pathDirect chaosPath = iota // straight to the gateway
	pathOwn                     // through a proxy of its own, a new one per socket
	pathShared                  // through the proxy every shared-path app uses (one cell tower)
)

func (p chaosPath) String() string {
	return [...]string{"direct", "own-proxy", "shared-proxy"}[p]
}

// chaosCounters are the figures the test reports.
type chaosCounters struct {
	dials, dialRetries, resumes        atomic.Int64
	drops, cuts, stalls, replaces      atomic.Int64
	resends, replaced4001, staleInputs atomic.Int64
	zombieKicks                        atomic.Int64
	sharedCuts, sharedStalls, released atomic.Int64
}

func (c *chaosCounters) String() string {
	return fmt.Sprintf("%d sockets (%d resumes with since, %d dial retries); %d client drops "+
		"(CloseNow), %d own-proxy cuts (CutAll), %d half-open stalls, %d replacements (%d given-up "+
		"sockets saw 4001); %d inputs sent into a stalled link; shared proxy cut %d times, stalled %d times; "+
		"%d lost inputs re-sent; %d newest sockets replaced by an older zombie (gateway bug)",
		c.dials.Load(), c.resumes.Load(), c.dialRetries.Load(), c.drops.Load(), c.cuts.Load(),
		c.stalls.Load(), c.replaces.Load(), c.replaced4001.Load(), c.staleInputs.Load(),
		c.sharedCuts.Load(),
		c.sharedStalls.Load(), c.resends.Load(), c.zombieKicks.Load())
}

// chaosRig is what the flows share: the gateway, the shared proxy and the counters.
type chaosRig struct {
	e        *env
	seed     int64
	target   string // the gateway's host:port
	shared   *tcpproxy.Proxy
	wsClient *http.Client

	n              chaosCounters
	active         atomic.Int64
	peakFlows      atomic.Int64
	peakGoroutines atomic.Int64

	weatherStop chan struct{}
	weatherDone chan struct{}
}

func newChaosRig(e *env, seed int64) *chaosRig {
	return &chaosRig{
		e: e, seed: seed, target: strings.TrimPrefix(e.srv.URL, "http://"),
		// Its own transport, so that closeIdle can account for every connection it made.
		wsClient: &http.Client{Transport: &http.Transport{}},
	}
}

// closeIdle closes every idle keep-alive connection of the test's HTTP clients.
func (r *chaosRig) closeIdle() {
	r.wsClient.CloseIdleConnections()
	r.e.srv.Client().CloseIdleConnections()
	r.e.up.CloseIdleConnections()
}

// startNetworkWeather opens the shared proxy and, until stopNetworkWeather, every few tens of
// milliseconds either cuts all its connections or stalls it for a moment.
func (r *chaosRig) startNetworkWeather() {
	p, err := tcpproxy.New(r.target)
	if err != nil {
		r.e.t.Fatal(err)
	}
	r.shared = p
	r.weatherStop, r.weatherDone = make(chan struct{}), make(chan struct{})
	rng := rand.New(rand.NewPCG(uint64(r.seed), 0x5eed))
	go func() {
		defer close(r.weatherDone)
		for {
			if !sleepOr(r.weatherStop, time.Duration(20+rng.IntN(40))*time.Millisecond) {
				return
			}
			r.peakGoroutines.Store(max(r.peakGoroutines.Load(), int64(runtime.NumGoroutine())))
			if rng.IntN(4) == 0 {
				p.Stall()
				r.n.sharedStalls.Add(1)
				ok := sleepOr(r.weatherStop, time.Duration(2+rng.IntN(8))*time.Millisecond)
				p.Resume()
				if !ok {
					return
				}
				continue
			}
			p.CutAll()
			r.n.sharedCuts.Add(1)
		}
	}()
}

func (r *chaosRig) stopNetworkWeather() {
	close(r.weatherStop)
	<-r.weatherDone
	r.shared.Close()
}

// sleepOr waits d unless stop is closed first; it reports whether d passed.
func sleepOr(stop <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}

// orderLog returns the gateway's log lines about one order.
func (r *chaosRig) orderLog(id string) string {
	var b strings.Builder
	for line := range strings.SplitSeq(r.e.logs.String(), "\n") {
		if strings.Contains(line, id) {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// create makes an order, as the lender's backend would; it may run on any goroutine.
func (r *chaosRig) create(ctx context.Context) (order, error) {
	b, _ := json.Marshal(applicantJSON())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, r.e.srv.URL+"/v1/orders",
		bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testAPIKey)
	resp, err := r.e.srv.Client().Do(req)
	if err != nil {
		return order{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var o order
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &o) != nil || o.Ticket == "" {
		return order{}, fmt.Errorf("POST /v1/orders = %d %s, want 201 and an order", resp.StatusCode,
			raw)
	}
	return o, nil
}

func (r *chaosRig) newFlow(id int, seed int64, chaos bool) *chaosFlow {
	fseed := seed + int64(id)
	rng := rand.New(rand.NewPCG(uint64(fseed), uint64(fseed)>>32^0x9e3779b97f4a7c15))
	f := &chaosFlow{
		rig: r, id: id, seed: fseed, rng: rng, chaos: chaos,
		script: chaosScripts[0], path: pathDirect,
		actions: map[string]int{}, gwSubmits: map[string]int{},
	}
	if !chaos {
		return f
	}
	total := 0
	for _, s := range chaosScripts {
		total += s.weight
	}
	pick := rng.IntN(total)
	for _, s := range chaosScripts {
		if pick < s.weight {
			f.script = s
			break
		}
		pick -= s.weight
	}
	switch x := rng.IntN(10); {
	case x < 4:
		f.path = pathDirect
	case x < 7:
		f.path = pathOwn
	default:
		f.path = pathShared
	}
	return f
}

// chaosFlow is one order's app. It keeps the highest logged seq it saw, resumes with it, and
// decides each input from what the order's log says, never from what it merely sent:
//
//   - an input is sent once per prompt (a logged event that leaves the order awaiting input);
//   - after a (re)connect the app sends ping and reads up to the pong, so it knows it holds the
//     whole log up to the order's current state;
//   - if the order then still awaits the input the app sent for the same prompt, the frame died
//     with the old socket (no progress event was logged for it), and the app sends it again:
//     the same user action, not a new one;
//   - if the order is verifying, or the replay holds the answer, it sends nothing.
type chaosFlow struct {
	rig    *chaosRig
	id     int
	seed   int64
	rng    *rand.Rand
	chaos  bool
	script chaosScript
	path   chaosPath
	o      order

	lastSeq  int64         // highest logged seq seen; each new one must be lastSeq+1
	state    session.State // the order's state as of lastSeq
	prompt   int64         // seq of the event that asked for the current input; 0 the first
	sentFor  int64         // the prompt the last input answered; -1 none
	next     int           // inputs sent: the index of the next script step
	answers  int           // answers received
	progress bool          // a submission progress event was logged for the last input
	ended    bool          // the terminal event arrived
	logged   []session.Event

	actions   map[string]int // user actions by simulator kind
	gwSubmits map[string]int // submissions the order's log shows, by simulator kind
	acts      int            // chaos actions so far
	// zombies counts dial attempts and sockets the app gave up before their barrier pong: the
	// gateway may still attach them; zombieKicks counts 4001s they caused.
	zombies, zombieKicks int
	took                 time.Duration

	cur     *chaosSock
	socks   []*chaosSock
	pending []*chaosSock // abandoned sockets still waiting for their takeover bound
	held    []*chaosSock // stalled links past their takeover, not released yet
	timer   *time.Timer  // a chaos action due while the app waits
	notes   []string
}

// chaosMaxActs bounds the chaos actions of one flow, so that every flow makes progress.
const chaosMaxActs = 6

// chaosSock is one socket of an app, read by its own goroutine into evs.
type chaosSock struct {
	n       int
	c       *websocket.Conn
	proxy   *tcpproxy.Proxy // the socket's own proxy, on pathOwn
	shared  bool
	barrier string // id of the ping sent after connecting
	synced  bool   // its pong arrived: the app holds the whole log

	mu     sync.Mutex
	evs    []session.Event
	bad    error // a frame that is not an event
	end    error // why reading stopped
	done   chan struct{}
	notify chan struct{}

	used    int    // events the app consumed; those after were sent after it gave up the socket
	fate    string // "dropped", "cut", "stalled", "replaced", or "" for the current one
	bound   int64  // highest seq it may carry once abandoned: the order's seq at the takeover
	stalled bool   // its proxy still holds everything
}

func (s *chaosSock) read() {
	defer close(s.done)
	for {
		_, b, err := s.c.Read(context.Background())
		s.mu.Lock()
		if err != nil {
			s.end = err
			s.mu.Unlock()
			s.signal()
			return
		}
		var ev session.Event
		if jerr := json.Unmarshal(b, &ev); jerr != nil && s.bad == nil {
			s.bad = fmt.Errorf("frame %q is not an event: %v", b, jerr)
		} else {
			s.evs = append(s.evs, ev)
		}
		s.mu.Unlock()
		s.signal()
	}
}

func (s *chaosSock) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *chaosSock) endErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end
}

func (f *chaosFlow) note(format string, args ...any) {
	f.notes = append(f.notes, fmt.Sprintf(format, args...))
}

// trace describes what the flow did, for a failure message.
func (f *chaosFlow) trace() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  app: lastSeq %d state %s prompt %d sentFor %d inputs %d answers %d\n",
		f.lastSeq, f.state, f.prompt, f.sentFor, f.next, f.answers)
	for _, n := range f.notes {
		b.WriteString("  " + n + "\n")
	}
	for _, ev := range f.logged {
		fmt.Fprintf(&b, "  logged %d %s %s %s%s\n", ev.Seq, ev.Type, ev.State, ev.Code, ev.Step)
	}
	return b.String()
}

func (f *chaosFlow) run(ctx context.Context) (err error) {
	start := time.Now()
	r := f.rig
	if n := r.active.Add(1); n > r.peakFlows.Load() {
		r.peakFlows.Store(n) // a good-enough peak: a lost race only lowers the figure a little
	}
	defer func() {
		r.active.Add(-1)
		if cerr := f.cleanup(); err == nil {
			err = cerr
		}
		f.took = time.Since(start)
	}()

	if f.o, err = r.create(ctx); err != nil {
		return err
	}
	f.state, f.sentFor = session.StateAwaitPassword, -1
	if err := f.connect(ctx, false); err != nil {
		return err
	}
	for {
		ev, got, due, err := f.wait(ctx)
		switch {
		case err != nil:
			return err
		case due:
			if err := f.act(ctx); err != nil {
				return err
			}
		case got:
			if err := f.handle(ctx, ev); err != nil {
				return err
			}
		case f.ended:
			return f.finish(ctx)
		default:
			// The network took the socket; no close frame may come before the order ends.
			end := f.cur.endErr()
			code := websocket.CloseStatus(end)
			if code == gateway.StatusReplaced && !*chaosStrictFlag && f.zombieKicks < f.zombies {
				// Known gateway bug: a socket the app gave up on before the gateway attached it
				// (a dial whose answer the network lost, a socket dropped at once) attaches
				// after the app's newer socket and replaces it. The app's own zombie is the
				// only possible culprit here, so it resumes instead of stopping as §7 says.
				f.zombieKicks++
				f.rig.n.zombieKicks.Add(1)
				f.note("socket %d: 4001 from one of the app's %d zombie attempts", f.cur.n,
					f.zombies)
			} else if code != -1 {
				return fmt.Errorf("socket %d closed with %d before the order ended: %v",
					f.cur.n, code, end)
			}
			if !f.cur.synced {
				f.zombies++
			}
			f.note("socket %d ended: %v", f.cur.n, end)
			if err := f.connect(ctx, true); err != nil {
				return err
			}
		}
	}
}

// wait returns the next event of the current socket, or reports that it ended or that a chaos
// action is due.
func (f *chaosFlow) wait(ctx context.Context) (ev session.Event, got, due bool, err error) {
	s := f.cur
	for {
		s.mu.Lock()
		if s.bad != nil {
			s.mu.Unlock()
			return ev, false, false, s.bad
		}
		if s.used < len(s.evs) {
			ev = s.evs[s.used]
			s.used++
			s.mu.Unlock()
			return ev, true, false, nil
		}
		ended := s.end != nil
		s.mu.Unlock()
		if ended {
			return ev, false, false, nil
		}
		var tc <-chan time.Time
		if f.timer != nil {
			tc = f.timer.C
		}
		select {
		case <-s.notify:
		case <-tc:
			f.timer = nil
			return ev, false, true, nil
		case <-ctx.Done():
			return ev, false, false, fmt.Errorf("flow did not end: %w", ctx.Err())
		}
	}
}

// handle is the app reading one event.
func (f *chaosFlow) handle(ctx context.Context, ev session.Event) error {
	s := f.cur
	if ev.OrderID != f.o.OrderID || ev.TS == 0 || ev.State == "" {
		return fmt.Errorf("event without its order, ts or state: %+v", ev)
	}
	switch {
	case ev.Type == session.EventState:
		// Only a connect without since gets a snapshot; the app has seen nothing yet.
		if ev.Resync || ev.Seq != f.lastSeq || ev.State != f.state {
			return fmt.Errorf("socket %d: snapshot %+v, want seq %d in %s and no resync", s.n, ev,
				f.lastSeq, f.state)
		}
		return nil

	case ev.Ephemeral:
		if ev.Type != session.EventPong || ev.ID != s.barrier || s.synced {
			return fmt.Errorf("socket %d: unexpected connection event %+v", s.n, ev)
		}
		// Everything logged before the ping was processed has been delivered, once: the app's
		// view is the order's.
		if ev.Seq != f.lastSeq || ev.State != f.state {
			return fmt.Errorf("socket %d: after the replay the app is at seq %d (%s), the order "+
				"at %d (%s)", s.n, f.lastSeq, f.state, ev.Seq, ev.State)
		}
		s.synced = true
		f.takeover(ev.Seq)
		return f.input(ctx, true)
	}

	// A logged event: exactly the one after the last, whatever socket it came on.
	if ev.Seq != f.lastSeq+1 {
		return fmt.Errorf("socket %d: logged %s seq %d after seq %d: every logged event must "+
			"reach the app exactly once, in order", s.n, ev.Type, ev.Seq, f.lastSeq)
	}
	f.lastSeq, f.state = ev.Seq, ev.State
	f.logged = append(f.logged, ev)

	if ev.Type == session.EventProgress {
		if ev.State != session.StateVerifying {
			return fmt.Errorf("progress %d in state %s", ev.Seq, ev.State)
		}
		if ev.Step != "running" {
			// A submission: it must be the app's input for the prompt just before it.
			last := f.script.steps[max(f.next-1, 0)].msg["type"]
			if f.next == 0 || ev.Step != last || f.sentFor != f.prompt || ev.Seq != f.prompt+1 ||
				f.progress {
				return fmt.Errorf("submission %q logged at seq %d that the app did not make "+
					"(its last input %v answered prompt %d; current prompt %d)", ev.Step, ev.Seq,
					last, f.sentFor, f.prompt)
			}
			f.progress = true
			f.gwSubmits[simKind(ev.Step)]++
		}
	} else {
		if f.answers != f.next-1 {
			return fmt.Errorf("%s at seq %d answers no input (inputs %d, answers %d)", ev.Type,
				ev.Seq, f.next, f.answers)
		}
		want := f.script.steps[f.answers]
		if err := want.check(ev); err != nil {
			return fmt.Errorf("answer to input %d (%v): %v; got %+v", f.answers, want.msg["type"],
				err, ev)
		}
		if submits := simKind(want.msg["type"].(string)) != ""; submits != f.progress {
			return fmt.Errorf("answer %s at seq %d: progress logged %v, want %v", ev.Type, ev.Seq,
				f.progress, submits)
		}
		f.answers++
		if ev.State.Expect() != "" {
			f.prompt = ev.Seq
		}
		if ev.State.Terminal() {
			f.ended = true
			f.stopTimer()
			if f.next != len(f.script.steps) {
				return fmt.Errorf("order ended at input %d of %d", f.next, len(f.script.steps))
			}
			return nil
		}
	}

	if f.chance(0.08) {
		return f.act(ctx) // the network dies between two events
	}
	return f.input(ctx, false)
}

func (c chaosStep) check(ev session.Event) error {
	switch {
	case ev.Type != c.event:
		return fmt.Errorf("event %q, want %q", ev.Type, c.event)
	case ev.State != c.state:
		return fmt.Errorf("state %q, want %q", ev.State, c.state)
	case c.code != "" && ev.Code != c.code:
		return fmt.Errorf("code %q, want %q", ev.Code, c.code)
	case c.pcode != 0 && pc(ev) != c.pcode:
		return fmt.Errorf("processCode %d, want %d", pc(ev), c.pcode)
	}
	return nil
}

// input sends what the order asks for, once per prompt. synced says the app just read up to
// its barrier pong on a new socket.
func (f *chaosFlow) input(ctx context.Context, synced bool) error {
	if !f.cur.synced || f.ended || f.state.Expect() == "" {
		return nil
	}
	if f.lastSeq != f.prompt {
		return fmt.Errorf("state %s at seq %d, but the prompt is seq %d", f.state, f.lastSeq,
			f.prompt)
	}
	var msg map[string]any
	switch {
	case f.prompt > f.sentFor:
		if f.next >= len(f.script.steps) {
			return fmt.Errorf("prompt at seq %d (%s) after the script's last input", f.prompt,
				f.state)
		}
		msg = f.script.steps[f.next].msg
		typ := msg["type"].(string)
		if !accepts(f.state, typ) {
			return fmt.Errorf("script input %d (%s) does not fit state %s", f.next, typ, f.state)
		}
		f.next++
		f.sentFor, f.progress = f.prompt, false
		if k := simKind(typ); k != "" {
			f.actions[k]++
		}
		if f.chance(0.3) {
			// The applicant types for a moment; events may arrive meanwhile, none changes the
			// state: only the app's input does.
			if err := pause(ctx, time.Duration(f.rng.IntN(3000))*time.Microsecond); err != nil {
				return err
			}
		}
	case synced:
		// The app sent this prompt's input, yet after the whole replay the order still asks for
		// it and logged no progress: the frame died with its socket. Same action, sent again.
		msg = f.script.steps[f.next-1].msg
		f.rig.n.resends.Add(1)
		f.note("socket %d: prompt %d still open after the replay: input %v sent again", f.cur.n,
			f.prompt, msg["type"])
	default:
		return nil // already answered; the answer will come
	}
	if f.release() {
		// A link that comes back now delivers the stale frame it held to its kicked socket; let
		// it arrive before this input. Acting on it would be a second submission.
		if err := pause(ctx, time.Millisecond); err != nil {
			return err
		}
	}
	if f.path == pathOwn && f.chance(0.12) {
		// The link died silently before the input: the frame waits in the stalled link, the
		// app's heartbeat gives up and it resumes on a new socket.
		f.acts++
		f.rig.n.stalls.Add(1)
		f.rig.n.staleInputs.Add(1)
		s := f.cur // synced: input is only sent after the barrier
		f.note("socket %d: stall before sending %v at seq %d", s.n, msg["type"], f.lastSeq)
		s.proxy.Stall()
		f.send(ctx, msg)
		s.fate, s.stalled = "stalled", true
		f.pending = append(f.pending, s)
		return f.connect(ctx, true)
	}
	f.send(ctx, msg)

	if f.chaos && f.acts < chaosMaxActs {
		switch x := f.rng.Float64(); {
		case x < 0.25:
			return f.act(ctx) // the socket dies right after the input: it may or may not have left
		case x < 0.6:
			f.timer = time.NewTimer(time.Duration(f.rng.IntN(8000)) * time.Microsecond)
		}
	}
	return nil
}

// send writes one message; a socket dying under it is for the read side to notice.
func (f *chaosFlow) send(ctx context.Context, msg map[string]any) {
	b, _ := json.Marshal(msg)
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := f.cur.c.Write(wctx, websocket.MessageText, b); err != nil {
		f.note("socket %d: write %v: %v", f.cur.n, msg["type"], err)
	}
}

func (f *chaosFlow) chance(p float64) bool {
	return f.chaos && f.acts < chaosMaxActs && f.rng.Float64() < p
}

func (f *chaosFlow) stopTimer() {
	if f.timer != nil {
		f.timer.Stop()
		f.timer = nil
	}
}

// act is the network (or the app's user) doing something to the current socket.
func (f *chaosFlow) act(ctx context.Context) error {
	f.acts++
	s := f.cur
	var choices []string
	switch f.path {
	case pathOwn:
		choices = []string{"drop", "cut", "stall", "replace"}
	default:
		choices = []string{"drop", "drop", "replace"}
	}
	a := choices[f.rng.IntN(len(choices))]
	if s.fate == "cut" {
		a = "drop" // the app is still reading what arrived before the cut: nothing to replace
	}
	if !s.synced {
		f.zombies++
	}
	f.note("socket %d: %s at seq %d (%s)", s.n, a, f.lastSeq, f.state)
	switch a {
	case "drop":
		// The app goes away without a close frame (killed, backgrounded, lost the radio).
		f.rig.n.drops.Add(1)
		s.fate = "dropped"
		s.c.CloseNow()
		return f.connect(ctx, true)
	case "cut":
		// The link dies under the app, which learns it from its read.
		f.rig.n.cuts.Add(1)
		s.fate = "cut"
		s.proxy.CutAll()
		return nil
	case "stall":
		// Half-open: nothing moves either way and nothing is closed. The app's heartbeat gives
		// up on it and it opens a new socket; the old link is released after the takeover.
		f.rig.n.stalls.Add(1)
		s.proxy.Stall()
		s.fate, s.stalled = "stalled", true
		f.pending = append(f.pending, s)
		return f.connect(ctx, true)
	default:
		// A second socket for the order while the first is open (a reloaded page, a second
		// WebView). The old one is read to its end: 4001, and nothing after the takeover.
		f.rig.n.replaces.Add(1)
		s.fate = "replaced"
		f.pending = append(f.pending, s)
		return f.connect(ctx, true)
	}
}

// takeover records, for the sockets the app gave up, the order's seq once the new socket is
// in charge: a socket replaced before it may not carry any event after it. Half of the stalled
// links are released now; the others come back later, just before the app's next input, when
// a stale input frame they still hold would be accepted if the gateway acted on it.
func (f *chaosFlow) takeover(seq int64) {
	for _, s := range f.pending {
		s.bound = seq
		if s.stalled {
			f.held = append(f.held, s)
		}
	}
	f.pending = nil
	if f.rng.IntN(2) == 0 {
		f.release()
	}
}

// release ends the stalls still held: each link either comes back or dies. It reports whether
// one came back.
func (f *chaosFlow) release() (resumed bool) {
	for _, s := range f.held {
		s.stalled = false
		f.rig.n.released.Add(1)
		if f.rng.IntN(2) == 0 {
			s.proxy.Resume()
			resumed = true
		} else {
			s.proxy.Close()
		}
	}
	f.held = nil
	return resumed
}

// connect opens a new socket, with since unless it is the app's first, and sends the barrier
// ping.
func (f *chaosFlow) connect(ctx context.Context, resume bool) error {
	f.stopTimer()
	query := ""
	if resume {
		query = "since=" + strconv.FormatInt(f.lastSeq, 10)
		f.rig.n.resumes.Add(1)
	}
	var s *chaosSock
	for attempt := 1; ; attempt++ {
		var err error
		s, err = f.dial(ctx, query)
		if err == nil {
			break
		}
		var perm *permanentError
		if errors.As(err, &perm) || attempt == 50 || ctx.Err() != nil {
			return fmt.Errorf("dial %q (attempt %d): %w", query, attempt, err)
		}
		f.rig.n.dialRetries.Add(1)
		f.zombies++ // the gateway may have upgraded it before the link died
		if err := pause(ctx, time.Duration(1+f.rng.IntN(4))*time.Millisecond); err != nil {
			return err
		}
	}
	f.cur = s
	f.socks = append(f.socks, s)
	f.note("socket %d: open %s", s.n, query)

	s.barrier = "sync-" + strconv.Itoa(s.n)
	f.send(ctx, map[string]any{"type": session.MsgPing, "id": s.barrier})
	if f.chance(0.05) {
		return f.act(ctx) // a socket that dies at once, replay or not
	}
	return nil
}

type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }

func (f *chaosFlow) dial(ctx context.Context, query string) (*chaosSock, error) {
	s := &chaosSock{n: len(f.socks) + 1, bound: -1, done: make(chan struct{}),
		notify: make(chan struct{}, 1)}
	host := f.rig.target
	switch f.path {
	case pathShared:
		host, s.shared = f.rig.shared.Addr(), true
	case pathOwn:
		p, err := tcpproxy.New(f.rig.target)
		if err != nil {
			return nil, &permanentError{err}
		}
		s.proxy, host = p, p.Addr()
	}
	u := "ws://" + host + "/v1/orders/" + f.o.OrderID + "/ws?ticket=" + f.o.Ticket
	if query != "" {
		u += "&" + query
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(dctx, u, &websocket.DialOptions{HTTPClient: f.rig.wsClient})
	if err != nil {
		if s.proxy != nil {
			s.proxy.Close()
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return nil, &permanentError{fmt.Errorf("status %d: %w", resp.StatusCode, err)}
		}
		return nil, err
	}
	f.rig.n.dials.Add(1)
	s.c = c
	go s.read()
	return s, nil
}

// finish runs after the terminal event: the socket must close with 1000; then every socket and
// proxy is closed and the sockets given up are checked, and what the app saw is compared with
// the order's log.
func (f *chaosFlow) finish(ctx context.Context) error {
	end := f.cur.endErr()
	if code := websocket.CloseStatus(end); code != websocket.StatusNormalClosure &&
		!(code == -1 && f.cur.shared) {
		return fmt.Errorf("socket %d ended with %v after the terminal event, want close 1000",
			f.cur.n, end)
	}
	// The app saw the last event: no socket can carry anything after it.
	f.takeover(f.lastSeq)
	f.release()

	// Sockets given up while open are read to their end; the gateway closes them.
	for _, s := range f.socks {
		if s.fate != "replaced" && s.fate != "stalled" {
			continue
		}
		select {
		case <-s.done:
		case <-ctx.Done():
			return fmt.Errorf("%s socket %d never ended", s.fate, s.n)
		}
		if err := f.checkAbandoned(s); err != nil {
			return err
		}
	}

	// The app's view is the order's log: the same events, none missing at the end.
	rec := &chaosRecorder{}
	detach, err := f.rig.e.sessions.Attach(ctx, f.o.OrderID, 0, rec)
	if err != nil {
		return fmt.Errorf("read the order's log: %v", err)
	}
	detach()
	if len(rec.evs) != len(f.logged) {
		return fmt.Errorf("the order logged %d events, the app saw %d", len(rec.evs),
			len(f.logged))
	}
	for i, want := range rec.evs {
		got := f.logged[i]
		if got.Seq != want.Seq || got.Type != want.Type || got.State != want.State ||
			got.Code != want.Code || got.Step != want.Step || pc(got) != pc(want) {
			return fmt.Errorf("logged event %d: the app saw %+v, the order logged %+v", i, got, want)
		}
	}
	if fmt.Sprint(f.gwSubmits) != fmt.Sprint(f.actions) {
		return fmt.Errorf("the order's log shows submissions %v, the app made %v", f.gwSubmits,
			f.actions)
	}
	return nil
}

// checkAbandoned checks a socket the app gave up while it was open: it ends with 4001 (or 1000
// if the order ended before the takeover; or any network error if its link was cut) and carries
// nothing logged after the takeover.
func (f *chaosFlow) checkAbandoned(s *chaosSock) error {
	s.mu.Lock()
	late := append([]session.Event(nil), s.evs[s.used:]...)
	end := s.end
	s.mu.Unlock()
	terminal := false
	for _, ev := range late {
		if ev.Seq > s.bound {
			return fmt.Errorf("%s socket %d got %s seq %d after the takeover at seq %d", s.fate,
				s.n, ev.Type, ev.Seq, s.bound)
		}
		terminal = terminal || (!ev.Ephemeral && ev.State.Terminal())
	}
	switch code := websocket.CloseStatus(end); {
	case code == 4001:
		f.rig.n.replaced4001.Add(1)
	case code == websocket.StatusNormalClosure && terminal:
	case code == -1 && (s.shared || s.fate == "stalled"):
		// The link was cut (shared weather, or the stalled link let go) before the close frame.
	default:
		return fmt.Errorf("%s socket %d ended with %v, want 4001", s.fate, s.n, end)
	}
	return nil
}

// cleanup closes every socket and proxy of the flow and waits for their goroutines.
func (f *chaosFlow) cleanup() error {
	f.stopTimer()
	f.takeover(f.lastSeq)
	f.release()
	for _, s := range f.socks {
		s.c.CloseNow()
		if s.proxy != nil {
			s.proxy.Close()
		}
	}
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	for _, s := range f.socks {
		select {
		case <-s.done:
		case <-t.C:
			return fmt.Errorf("socket %d: reader still running after CloseNow", s.n)
		}
	}
	return nil
}

// chaosRecorder is a session.Subscriber that keeps what it is given.
type chaosRecorder struct{ evs []session.Event }

func (r *chaosRecorder) Deliver(ev session.Event) { r.evs = append(r.evs, ev) }
func (r *chaosRecorder) Kick(session.KickReason)  {}

func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
