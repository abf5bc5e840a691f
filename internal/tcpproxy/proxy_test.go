package tcpproxy

import (
	"bufio"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// echo serves one line-echo server and returns its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					c.Write(append(sc.Bytes(), '\n'))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// dialThrough starts a proxy in front of an echo server and dials it; both close with the test.
func dialThrough(t *testing.T) (*Proxy, net.Conn) {
	t.Helper()
	p, err := New(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return p, c
}

func TestStallResume(t *testing.T) {
	p, c := dialThrough(t)
	r := bufio.NewReader(c)

	c.Write([]byte("one\n"))
	if got, _ := r.ReadString('\n'); got != "one\n" {
		t.Fatalf("got %q, want one", got)
	}

	p.Stall()
	c.Write([]byte("two\n"))
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if got, err := r.ReadString('\n'); err == nil {
		t.Fatalf("read %q through a stalled proxy", got)
	}
	p.Resume()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); got != "two\n" {
		t.Fatalf("after resume got %q, %v; want two", got, err)
	}
}

func TestCutAll(t *testing.T) {
	p, c := dialThrough(t)
	c.Write([]byte("x\n"))
	bufio.NewReader(c).ReadString('\n')

	p.CutAll()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("read succeeded after CutAll")
	}
}

// talker serves connections that write one byte every every until closed, and discard what
// they read. With every == 0 it never writes: a silent backend.
func talker(t *testing.T, every time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(2)
			go func() { defer wg.Done(); io.Copy(io.Discard, c) }()
			go func() {
				defer wg.Done()
				defer c.Close()
				if every == 0 {
					<-stop
					return
				}
				tk := time.NewTicker(every)
				defer tk.Stop()
				for {
					select {
					case <-stop:
						return
					case <-tk.C:
						if _, err := c.Write([]byte{'.'}); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestIdleTimeoutCutsSilentTarget(t *testing.T) {
	const idle = 150 * time.Millisecond
	p, err := New(talker(t, 0), WithIdleTimeout(idle))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := time.Now() // before the proxy can accept, so before its idle clock starts
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// What the client sends does not count as activity.
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := c.Read(make([]byte, 1))
	elapsed := time.Since(start)
	if err == nil || n != 0 {
		t.Fatalf("read %d bytes, err %v; want the link cut", n, err)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("link not cut after %v of target silence (idle timeout %v)", elapsed, idle)
	}
	if elapsed < idle {
		t.Fatalf("cut after %v, want not before the idle timeout %v", elapsed, idle)
	}
	if got := p.IdleCuts(); got != 1 {
		t.Fatalf("IdleCuts = %d, want 1", got)
	}
}

// The margins are wide (a byte every 50 ms against a 2 s timeout) so that a loaded machine
// starving the process for a while does not look like a silent target.
func TestIdleTimeoutKeptByTarget(t *testing.T) {
	t.Parallel()
	const idle = 2 * time.Second
	p, err := New(talker(t, idle/40), WithIdleTimeout(idle))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	for time.Since(start) < 5*idle/4 { // past the timeout: without resets it would cut
		if _, err := c.Read(buf); err != nil {
			t.Fatalf("after %v of a talking target: %v, want the link kept", time.Since(start), err)
		}
	}
	if got := p.IdleCuts(); got != 0 {
		t.Fatalf("IdleCuts = %d, want 0", got)
	}
}
