package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// bin is the jxlgw binary built once for these tests, so they drive it as an operator would.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jxlgw-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "jxlgw")
	out, err := exec.Command("go", "build", "-race", "-o", bin, ".").CombinedOutput()
	if err != nil {
		panic(string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// proc is a running jxlgw whose stderr is collected.
type proc struct {
	cmd  *exec.Cmd
	logs lockedBuffer
	done chan error
}

// lockedBuffer is written by the copier goroutine and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copied := make(chan struct{})
	go func() {
		io.Copy(&p.logs, stderr)
		close(copied)
	}()
	go func() {
		<-copied
		p.done <- p.cmd.Wait()
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became healthy", base)
}

// TestSIGTERM runs the binary with the env-var form of --addr, opens a socket, and stops the
// process: the app gets a reconnect hint and 1012, never a bare drop, and the process exits 0.
func TestSIGTERM(t *testing.T) {
	addr := freeAddr(t)
	p := start(t, []string{"JXLGW_ADDR=" + addr, "JXLGW_LOG_LEVEL=debug"}, "serve", "--demo")
	base := "http://" + addr
	waitHealthy(t, base)

	body := `{"name":"测试用户","idCardNum":"110000200001010000","phone":"13800000000",` +
		`"consent":{"given":true,"at":"2026-12-03T10:00:00Z","version":"v1"}}`
	resp, err := http.Post(base+"/demo/orders", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var o struct{ OrderID, Ticket, WSURL string }
	json.NewDecoder(resp.Body).Decode(&o)
	resp.Body.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, o.WSURL+"?ticket="+o.Ticket, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatalf("state event: %v", err)
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	var types []string
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
				t.Fatalf("socket ended with %v (status %d), want 1012", err, got)
			}
			break
		}
		var ev struct{ Type string }
		json.Unmarshal(b, &ev)
		types = append(types, ev.Type)
	}
	if len(types) != 1 || types[0] != "reconnect" {
		t.Fatalf("events before the close = %v, want [reconnect]", types)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.logs.String())
		}
	case <-ctx.Done():
		t.Fatal("jxlgw did not exit after SIGTERM")
	}
}

func TestBadConfigFails(t *testing.T) {
	cases := []struct {
		env  []string
		args []string
		want string
	}{
		{[]string{"JXLGW_PING_INTERVAL=soon"}, []string{"serve", "--demo"}, "JXLGW_PING_INTERVAL"},
		{nil, []string{"serve", "--demo", "--log-level", "loud"}, "--log-level"},
		{nil, []string{"serve", "--jxl-mode", "v9", "--jxl-url", "http://x"}, "--jxl-mode"},
		{nil, []string{"serve"}, "--jxl-url is required"},
	}
	for _, c := range cases {
		cmd := exec.Command(bin, c.args...)
		cmd.Env = append(os.Environ(), c.env...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("%v %v: err %v, output %q; want a failure naming %s", c.env, c.args, err,
				out, c.want)
		}
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "jxlgw ") {
		t.Fatalf("version: %q, %v", out, err)
	}
}

// TestSimCommand checks `jxlgw sim` serves JXL's wire format on its own.
func TestSimCommand(t *testing.T) {
	addr := freeAddr(t)
	p := start(t, nil, "sim", "--addr", addr)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/orgApi/rest/v2/orgs/demo_org/datasources")
		if err == nil {
			sc := bufio.NewScanner(resp.Body)
			sc.Scan()
			resp.Body.Close()
			if !strings.Contains(sc.Text(), `"success":true`) {
				t.Fatalf("datasources answered %q", sc.Text())
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sim never answered: %v\n%s", err, p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-p.done; err != nil {
		t.Fatalf("sim exit: %v", err)
	}
	p.done <- nil
}
