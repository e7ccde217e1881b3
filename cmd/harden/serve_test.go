package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var listenRE = regexp.MustCompile(`listening on (https?://[^ ]+)`)
var redirectRE = regexp.MustCompile(`redirecting http://([^ ]+) to`)

// startServe runs "harden serve args" with env until the test ends and
// returns its base URL and output.
func startServe(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- serve(ctx, args, func(k string) string { return env[k] }, stdout, stderr)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(stdout.String()); m != nil {
			var once sync.Once
			code := -1
			stop := func() int {
				once.Do(func() {
					cancel()
					select {
					case code = <-done:
					case <-time.After(15 * time.Second):
						t.Error("serve did not shut down")
					}
				})
				return code
			}
			t.Cleanup(func() { stop() })
			return m[1], stdout, stop
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited with %d: %s%s", code, stdout.String(), stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start: %s%s", stdout.String(), stderr.String())
	return "", nil, nil
}

func TestServeLifecycle(t *testing.T) {
	base, out, stop := startServe(t, map[string]string{"HARDEN_DATA_DIR": t.TempDir()}, "--addr", "127.0.0.1:0")
	if !strings.Contains(out.String(), "(development mode)") {
		t.Errorf("startup line lacks the mode: %q", out.String())
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"status":"ok"}`+"\n" {
		t.Errorf("healthz: %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("healthz lacks the security headers")
	}
	if code := stop(); code != 0 {
		t.Errorf("exit code after shutdown = %d, want 0", code)
	}
	if !strings.Contains(out.String(), "shutting down") {
		t.Errorf("no shutdown message: %q", out.String())
	}
}

func TestServeHeaderLimit(t *testing.T) {
	base, _, _ := startServe(t, nil, "--addr", "127.0.0.1:0")
	req, _ := http.NewRequest("GET", base+"/healthz", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KB header: status %d, want 431", resp.StatusCode)
	}
}

func TestServeRefuses(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"production without secrets", map[string]string{"HARDEN_ENV": "production"}, nil, "production mode needs HARDEN_SECRETS"},
		{"production with a short secret", map[string]string{"HARDEN_ENV": "production", "HARDEN_SECRETS": "short"}, nil, "at least 32 bytes"},
		{"unknown mode", nil, []string{"--env", "prod"}, "--env must be development or production"},
		{"cert without key", nil, []string{"--tls-cert", "c.pem"}, "--tls-cert and --tls-key go together"},
		{"redirect without TLS", nil, []string{"--redirect-addr", "127.0.0.1:0"}, "--redirect-addr needs --tls-cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"--addr", "127.0.0.1:0"}, tt.args...)
			code := serve(context.Background(), args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code = %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to say %q", stderr.String(), tt.wantErr)
			}
			if strings.Contains(stdout.String(), "listening") {
				t.Errorf("it started listening: %q", stdout.String())
			}
		})
	}
}

func TestServeHelpDocumentsEverySetting(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := serve(context.Background(), []string{"-h"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"HARDEN_ADDR", "PORT", "HARDEN_ENV", "HARDEN_DATA_DIR", "HARDEN_SECRETS",
		"HARDEN_TRUSTED_PROXIES", "HARDEN_ALLOWED_ORIGINS", "HARDEN_PUBLIC_URL", "HARDEN_REDIS_URL",
		"HARDEN_DATABASE_URL", "HARDEN_SECURITY_LOG", "-tls-cert", "-tls-key", "-redirect-addr"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("help does not mention %s", want)
		}
	}
}

// selfSigned writes a certificate and key for localhost and 127.0.0.1.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}

func TestServeTLSAndRedirect(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	base, out, _ := startServe(t, nil, "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--redirect-addr", "127.0.0.1:0")
	if !strings.HasPrefix(base, "https://") {
		t.Fatalf("TLS server announced %q", base)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS12}}}
	resp, err := client.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=63072000; includeSubDomains" {
		t.Errorf("HSTS over TLS = %q", got)
	}
	if resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("TLS state %+v", resp.TLS)
	}
	// TLS 1.1 is refused.
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}}}
	if resp, err := old.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}

	m := redirectRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no redirect listener announced: %q", out.String())
	}
	_, tlsPort, _ := net.SplitHostPort(strings.TrimPrefix(base, "https://"))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tt := range []struct {
		method, path string
		wantStatus   int
	}{
		{"GET", "/a/b?x=1", 301},
		{"HEAD", "/", 301},
		{"POST", "/api/login?next=%2F", 308},
		// net/http reads "//evil.example/x" as host evil.example, path /x.
		{"GET", "//evil.example/x", 301},
	} {
		req, _ := http.NewRequest(tt.method, "http://"+m[1]+"/", nil)
		req.URL.Opaque = tt.path
		// A spoofed Host must not choose the redirect's destination.
		req.Host = "evil.example"
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := "https://localhost:" + tlsPort + tt.path
		if strings.HasPrefix(tt.path, "//") {
			want = "https://localhost:" + tlsPort + "/x"
		}
		if resp.StatusCode != tt.wantStatus || resp.Header.Get("Location") != want {
			t.Errorf("%s %s: %d Location %q, want %d %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Location"), tt.wantStatus, want)
		}
	}
}
