package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns their paths and a pool
// that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jxlgw test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{
			x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS serves HTTPS and WSS directly and checks a whole socket opens over TLS.
func TestTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	addr := freeAddr(t)
	start(t, nil, "serve", "--demo", "--addr", addr, "--tls-cert", certFile, "--tls-key", keyFile)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + addr

	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no HTTPS answer: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP answered 200 on the TLS port")
		}
	}

	body := `{"name":"测试用户","idCardNum":"110000200001010000","phone":"13800000000",` +
		`"consent":{"given":true,"at":"2026-12-03T10:00:00Z","version":"v1"}}`
	resp, err := client.Post(base+"/demo/orders", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var o struct{ OrderID, Ticket, WSURL string }
	json.NewDecoder(resp.Body).Decode(&o)
	resp.Body.Close()
	if !strings.HasPrefix(o.WSURL, "wss://") {
		t.Fatalf("wsUrl %q, want wss://", o.WSURL)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, o.WSURL+"?ticket="+o.Ticket,
		&websocket.DialOptions{HTTPClient: client})
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	defer c.CloseNow()
	if _, _, err := c.Read(ctx); err != nil {
		t.Fatalf("state event over wss: %v", err)
	}
}

// TestSIGHUPRotatesKeys reloads the API key file without a restart.
func TestSIGHUPRotatesKeys(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "keys")
	os.WriteFile(keyFile, []byte("old-key-0123456789\n"), 0o600)
	addr := freeAddr(t)
	p := start(t, nil, "serve", "--demo", "--addr", addr, "--api-keys-file", keyFile)
	base := "http://" + addr
	waitHealthy(t, base)

	status := func(key string) int {
		body := `{"name":"测试用户","idCardNum":"110000200001010000","phone":"13800000000",` +
			`"consent":{"given":true,"at":"2026-12-03T10:00:00Z","version":"v1"}}`
		req, _ := http.NewRequest("POST", base+"/v1/orders", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := status("old-key-0123456789"); got != 201 {
		t.Fatalf("old key before rotation: %d, want 201", got)
	}

	os.WriteFile(keyFile, []byte("new-key-0123456789\n"), 0o600)
	p.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(20 * time.Second)
	for status("new-key-0123456789") != 201 {
		if time.Now().After(deadline) {
			t.Fatalf("new key never accepted after SIGHUP:\n%s", p.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := status("old-key-0123456789"); got != 401 {
		t.Fatalf("old key after rotation: %d, want 401", got)
	}
}
