package demo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jxlgw/jxlgw/internal/gwtest"
	"github.com/jxlgw/jxlgw/internal/tcpproxy"
	"github.com/jxlgw/jxlgw/jxlclient/jxlsim"
)

// The browser is started once for the package and shared by the tests, each in its own tab.
var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	stopBrowser = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// chromium finds the browser: $JXLGW_CHROMIUM, else chromium on the PATH.
func chromium() string {
	if p := os.Getenv("JXLGW_CHROMIUM"); p != "" {
		return p
	}
	p, _ := exec.LookPath("chromium")
	return p
}

// browser returns the shared browser, skipping the test loudly when there is none, except in
// CI, where a missing browser fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium()
	if path == "" {
		msg := "chromium is not installed: the browser tests did NOT run " +
			"(apt-get install -y chromium, or set JXLGW_CHROMIUM)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPED: " + msg)
	}
	browserOnce.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-sync", true), chromedp.WindowSize(420, 900))
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		stopBrowser = func() { cancelBrowser(); cancelAlloc() }
		browserCtx, browserErr = bctx, chromedp.Do(bctx)
	})
	if browserErr != nil {
		t.Fatalf("start chromium: %v", browserErr)
	}
	return browserCtx
}

// page is one tab on the demo page.
type page struct {
	t   *testing.T
	ctx context.Context
}

func open(t *testing.T, base, query string) *page {
	t.Helper()
	tab, closeTab := chromedp.NewContext(browser(t))
	ctx, cancel := context.WithTimeout(tab, 60*time.Second)
	t.Cleanup(func() { cancel(); closeTab() })
	p := &page{t: t, ctx: ctx}
	p.do(chromedp.Navigate(base+"/demo/"+query), chromedp.WaitVisible(chromedp.CSS("#start")))
	return p
}

func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, actions...); err != nil {
		p.shot("failed-" + p.t.Name())
		p.t.Fatalf("browser: %v\npage log:\n%s", err, p.log())
	}
}

func (p *page) eval(js string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("evaluate %s: %v", js, err)
	}
	return s
}

func (p *page) text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (p *page) log() string {
	s, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](
		`[...document.querySelectorAll('#log li')].map(e => e.textContent).join('\n')`))
	return s
}

// shot saves a screenshot under testout/browser (or $JXLGW_TEST_OUT).
func (p *page) shot(name string) {
	dir := os.Getenv("JXLGW_TEST_OUT")
	if dir == "" {
		dir = filepath.Join("..", "..", "testout")
	}
	dir = filepath.Join(dir, "browser")
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.MkdirAll(dir, 0o755)
	name = strings.NewReplacer("/", "_", " ", "_").Replace(name)
	os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644)
}

func visible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

func (p *page) start() {
	p.t.Helper()
	p.do(chromedp.Click(chromedp.CSS("#consent")), chromedp.Click(chromedp.CSS("#start")),
		visible("#password"))
}

func (p *page) password(pw string) {
	p.t.Helper()
	p.do(chromedp.SetValue(chromedp.CSS("#password"), pw),
		chromedp.Click(chromedp.CSS("#password-submit")))
}

func (p *page) sms(code string) {
	p.t.Helper()
	p.do(visible("#sms"), chromedp.SetValue(chromedp.CSS("#sms"), code),
		chromedp.Click(chromedp.CSS("#sms-submit")))
}

func (p *page) state(s string) {
	p.t.Helper()
	p.do(visible(fmt.Sprintf(`body[data-state=%q]`, s)))
}

// prompts counts the prompt_sms events the page took (duplicates it dropped are marked dup).
func (p *page) prompts() int {
	p.t.Helper()
	n := p.eval(`String([...document.querySelectorAll('#log li.in:not(.dup)')]
		.filter(e => e.textContent.includes('"type":"prompt_sms"')).length)`)
	var c int
	fmt.Sscan(n, &c)
	return c
}

// atSMSThroughProxy opens the demo over WebSocket through a TCP proxy that the test can make
// misbehave, and walks it to the SMS form.
func atSMSThroughProxy(t *testing.T) (*gwtest.Env, *tcpproxy.Proxy, *page) {
	t.Helper()
	env := gwtest.Start(t, gwtest.Options{})
	proxy, err := tcpproxy.New(strings.TrimPrefix(env.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	p := open(t, "http://"+proxy.Addr(), "?transport=websocket")
	p.start()
	p.password("pass_good")
	p.do(visible("#sms"))
	return env, proxy, p
}

func TestPassGood(t *testing.T) {
	env := gwtest.Start(t, gwtest.Options{})
	p := open(t, env.URL, "")
	p.start()
	p.password("pass_good")
	p.sms("123456")
	p.do(visible("#screen-done"))
	p.state("finished")
	p.shot("pass_good-done")
}

func TestPassBadShowsDialog(t *testing.T) {
	env := gwtest.Start(t, gwtest.Options{})
	p := open(t, env.URL, "")
	p.start()
	p.password("pass_bad")
	p.do(visible("#error-dialog"))
	if info := p.text("#error-info"); !strings.Contains(info, "密码") {
		t.Fatalf("dialog says %q, want the processInfo about the password", info)
	}
	p.shot("pass_bad-dialog")
	p.do(chromedp.Click(chromedp.CSS("#error-close")), visible("#password"))
	p.password("pass_good")
	p.do(visible("#sms"))
}

func TestPassQuery(t *testing.T) {
	env := gwtest.Start(t, gwtest.Options{})
	p := open(t, env.URL, "")
	p.start()
	p.password("pass_query")
	p.do(visible("#query"), chromedp.SetValue(chromedp.CSS("#query"), "query_good"),
		chromedp.Click(chromedp.CSS("#query-submit")))
	p.sms("123456")
	p.do(visible("#screen-done"))
	p.shot("pass_query-done")
}

func TestPassTwoSMS(t *testing.T) {
	env := gwtest.Start(t, gwtest.Options{})
	p := open(t, env.URL, "")
	p.start()
	p.password("pass_twosms")
	p.sms("123456")
	p.do(visible(`body[data-state="await_sms"]`))
	p.sms("123456")
	p.do(visible("#screen-done"))
	if n := p.prompts(); n != 2 {
		t.Fatalf("the page took %d SMS prompts, want 2", n)
	}
	p.shot("pass_twosms-done")
}

// TestResumeAfterServerDrop cuts the page's socket at the SMS step: the page reconnects with
// since and finishes, without a second SMS prompt or a second password upstream.
func TestResumeAfterServerDrop(t *testing.T) {
	env, proxy, p := atSMSThroughProxy(t)

	proxy.CutAll()
	p.do(visible(`body[data-conn="reconnecting"]`), visible(`body[data-conn="connected"]`))
	p.sms("123456")
	p.do(visible("#screen-done"))
	if n := p.prompts(); n != 1 {
		t.Fatalf("the page took %d SMS prompts, want 1", n)
	}
	if got := env.Sim.Stats().Submits[jxlsim.KindPassword]; got != 1 {
		t.Fatalf("password submits upstream = %d, want 1", got)
	}
	p.shot("resume-done")
}

// TestSSEFallback serves the page through a proxy that refuses WebSocket upgrades, as some
// corporate proxies do: the page falls back to Server-Sent Events and finishes.
func TestSSEFallback(t *testing.T) {
	env := gwtest.Start(t, gwtest.Options{})
	target, _ := url.Parse(env.URL)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.FlushInterval = -1 // stream SSE at once
	blocker := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			http.Error(w, "websockets are blocked here", http.StatusForbidden)
			return
		}
		rp.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: blocker}
	base := serve(t, srv)

	p := open(t, base, "")
	p.start()
	p.password("pass_good")
	p.sms("123456")
	p.do(visible("#screen-done"))
	if tr := p.eval(`document.body.dataset.transport`); tr == "websocket" || tr == "" {
		t.Fatalf("transport %q, want a fallback", tr)
	}
	p.shot("sse-fallback-done")
}

func TestLongPoll(t *testing.T) {
	env := gwtest.Start(t, gwtest.Options{})
	p := open(t, env.URL, "?transport=poll")
	p.start()
	p.password("pass_good")
	p.sms("123456")
	p.do(visible("#screen-done"))
	p.shot("poll-done")
}

// TestSMSLostInDeadLink sends the SMS into a link that has gone dark, then cuts it: the frame
// never reaches the gateway. The page must find that out after it reconnects and send the code
// again, once, instead of failing the submission or leaving the user on the SMS form.
func TestSMSLostInDeadLink(t *testing.T) {
	env, proxy, p := atSMSThroughProxy(t)

	proxy.Stall()
	p.sms("123456")
	p.do(visible(`#log li.out:last-child`))
	proxy.CutAll()
	proxy.Resume()

	p.do(visible("#screen-done"))
	if got := env.Sim.Stats().Submits[jxlsim.KindSMS]; got != 1 {
		t.Fatalf("sms submits upstream = %d, want 1", got)
	}
	if open, _ := chromedp.Run(p.ctx, chromedp.Evaluate[bool](
		`document.getElementById('error-dialog').open`)); open {
		t.Fatalf("an error dialog is open: %q", p.text("#error-info"))
	}
	p.shot("sms-lost-in-dead-link-done")
}
