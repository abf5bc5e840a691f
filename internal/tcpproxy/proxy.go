// Package tcpproxy is a loopback TCP proxy for tests that need a network that misbehaves: it
// can stop forwarding without closing anything (a half-open link, as after a Wi-Fi drop or a
// NAT timeout), resume, cut every connection at once, or cut a connection whose target has been
// silent for too long (a reverse proxy's read timeout, like nginx's proxy_read_timeout).
package tcpproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// Option configures a Proxy.
type Option func(*Proxy)

// WithIdleTimeout makes the proxy close a connection, both sides, once its target has sent
// nothing for d, as nginx does with proxy_read_timeout (60 s by default). Only bytes from the
// target reset the clock: like nginx, the proxy does not count what the client sends. The
// clock starts when the connection is accepted.
func WithIdleTimeout(d time.Duration) Option {
	return func(p *Proxy) { p.idle = d }
}

// Proxy forwards every connection accepted on its own loopback address to a target address.
type Proxy struct {
	ln     net.Listener
	target string
	idle   time.Duration // 0: no idle timeout

	mu       sync.Mutex // guards the fields below
	stalled  bool
	resume   chan struct{} // closed when stalled ends
	conns    map[*link]struct{}
	closed   bool
	idleCuts int

	wg sync.WaitGroup
}

// link is one proxied connection: the client side and the target side.
type link struct {
	client, target net.Conn
	halves         int         // directions finished, guarded by Proxy.mu
	idle           *time.Timer // the idle timeout, if any; reset under Proxy.mu
}

// New starts a proxy on 127.0.0.1 to target. Close it when done.
func New(target string, opts ...Option) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{ln: ln, target: target, conns: make(map[*link]struct{}),
		resume: make(chan struct{})}
	for _, o := range opts {
		o(p)
	}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the address to dial instead of the target.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Stall stops forwarding in both directions without closing anything: bytes already sent wait
// in buffers and nothing reaches the other side until Resume.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stalled {
		p.stalled = true
		p.resume = make(chan struct{})
	}
}

// Resume forwards again after Stall.
func (p *Proxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled {
		p.stalled = false
		close(p.resume)
	}
}

// IdleCuts is how many connections the idle timeout has closed so far.
func (p *Proxy) IdleCuts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.idleCuts
}

// CutAll closes every current connection abruptly (RST where the OS allows), as a dead link
// that finally gives up.
func (p *Proxy) CutAll() {
	p.mu.Lock()
	links := make([]*link, 0, len(p.conns))
	for l := range p.conns {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		if tc, ok := l.client.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		l.client.Close()
		l.target.Close()
	}
}

// Close stops the proxy and every connection, and waits for its goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Resume()
	err := p.ln.Close()
	p.CutAll()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		t, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		l := &link{client: c, target: t}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			t.Close()
			return
		}
		p.conns[l] = struct{}{}
		if p.idle > 0 {
			l.idle = time.AfterFunc(p.idle, func() { p.idleCut(l) })
		}
		p.mu.Unlock()

		p.wg.Add(2)
		go p.pipe(l, l.target, l.client)
		go p.pipe(l, l.client, l.target)
	}
}

// pipe copies src to dst, holding each chunk while the proxy is stalled.
func (p *Proxy) pipe(l *link, dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && src == l.target {
			p.heard(l)
		}
		if n > 0 {
			p.waitResumed()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				p.drop(l)
				return
			}
		}
		if err != nil {
			if tc, ok := dst.(*net.TCPConn); ok && errors.Is(err, io.EOF) {
				// Pass the FIN on; the other direction may still carry data.
				tc.CloseWrite()
				p.half(l)
				return
			}
			p.drop(l)
			return
		}
	}
}

// heard restarts the link's idle clock after bytes from its target.
func (p *Proxy) heard(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, live := p.conns[l]; live && l.idle != nil {
		l.idle.Reset(p.idle)
	}
}

// idleCut closes a link whose target stayed silent for the idle timeout.
func (p *Proxy) idleCut(l *link) {
	p.mu.Lock()
	_, live := p.conns[l]
	if live {
		p.idleCuts++
	}
	p.mu.Unlock()
	if live {
		p.drop(l)
	}
}

func (p *Proxy) waitResumed() {
	p.mu.Lock()
	ch, stalled := p.resume, p.stalled
	p.mu.Unlock()
	if stalled {
		<-ch
	}
}

// half notes one direction finished cleanly; the second one closes the link.
func (p *Proxy) half(l *link) {
	p.mu.Lock()
	l.halves++
	both := l.halves == 2
	p.mu.Unlock()
	if both {
		p.drop(l)
	}
}

func (p *Proxy) drop(l *link) {
	p.mu.Lock()
	_, ok := p.conns[l]
	delete(p.conns, l)
	if ok && l.idle != nil {
		l.idle.Stop()
	}
	p.mu.Unlock()
	if ok {
		l.client.Close()
		l.target.Close()
	}
}
