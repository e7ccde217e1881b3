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
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/password"
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

// testID is the X-Request-ID of test requests: the server keeps a
// well-formed incoming id, so refusal bodies are exact.
const testID = "test-req-1"

// testSecret is a valid HARDEN_SECRETS value.
var testSecret = keys.NewSecret()

var listenRE = regexp.MustCompile(`listening on (https?://[^ ]+)`)
var redirectRE = regexp.MustCompile(`redirecting http://([^ ]+) to`)

// startServe runs "harden serve args" with env until the test ends and
// returns its base URL and output.
func startServe(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	base, stdout, _, stop := startServeLog(t, env, args...)
	return base, stdout, stop
}

// startServeLog is startServe that also returns the log (stderr).
func startServeLog(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer, *syncBuffer, func() int) {
	t.Helper()
	env = withDataDir(t, env)
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
			return m[1], stdout, stderr, stop
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
	return "", nil, nil, nil
}

// withDataDir returns env with HARDEN_DATA_DIR set to a directory of the
// test's own when it names none, so that no test writes to ./data.
func withDataDir(t *testing.T, env map[string]string) map[string]string {
	t.Helper()
	if env["HARDEN_DATA_DIR"] != "" {
		return env
	}
	out := map[string]string{"HARDEN_DATA_DIR": t.TempDir()}
	for k, v := range env {
		out[k] = v
	}
	return out
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
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The framing guard answers before net/http, with the security headers.
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge || string(body) != `{"error":"Request Header Fields Too Large","request_id":"`+resp.Header.Get("X-Request-Id")+`"}`+"\n" || len(resp.Header.Get("X-Request-Id")) != 32 {
		t.Errorf("64 KB header: %d %q, want 431 and the JSON error", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("431 lacks the security headers")
	}
}

// TestServeURILimit: a request line longer than the head limit is a
// target too long, 414 (RFC 9110) rather than 431, answered by the
// framing guard with the security headers and recorded with its status.
func TestServeURILimit(t *testing.T) {
	base, _, log, _ := startServeLog(t, nil, "--addr", "127.0.0.1:0")
	resp, err := http.Get(base + "/healthz?q=" + strings.Repeat("a", 40<<10))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusRequestURITooLong || string(body) != `{"error":"Request URI Too Long","request_id":"`+id+`"}`+"\n" || len(id) != 32 {
		t.Errorf("40 KB target: %d %q, want 414 and the JSON error", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("414 lacks the security headers: %v", resp.Header)
	}
	waitFor(t, log.String, id)
	for line := range strings.Lines(log.String()) {
		if strings.Contains(line, id) && !strings.Contains(line, `"status":414`) {
			t.Errorf("security log: %s, want status 414", line)
		}
	}
}

// TestServeFramingGuard: an ambiguous request (CL.TE smuggling) is refused
// at the connection with 400 and the security headers, the connection is
// closed, and the request smuggled behind it never runs.
func TestServeFramingGuard(t *testing.T) {
	base, _, stderr, _ := startServeLog(t, nil, "--addr", "127.0.0.1:0")
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body, closed := sendRaw(t, c, "POST /api/contact HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/me HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if resp.StatusCode != 400 || body != `{"error":"Bad Request","request_id":"`+resp.Header.Get("X-Request-Id")+`"}`+"\n" || len(resp.Header.Get("X-Request-Id")) != 32 {
		t.Errorf("got %d %q, want 400 and the JSON error", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("refusal lacks the security headers: %v", resp.Header)
	}
	if !closed {
		t.Error("connection not closed after the refusal")
	}
	// The app's own header set (headers.Strict), not the library default.
	if got := resp.Header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options: got %q, want the app's DENY", got)
	}
	if got := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(got, "default-src 'none'") {
		t.Errorf("Content-Security-Policy: got %q, want the app's strict policy", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stderr.String(), "Content-Length with Transfer-Encoding") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), `"request_rejected"`) {
		t.Errorf("security log lacks the refusal: %s", stderr.String())
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
		{"production without public URL", map[string]string{"HARDEN_ENV": "production", "HARDEN_SECRETS": testSecret}, nil,
			"production mode needs HARDEN_PUBLIC_URL"},
		{"production with an http public URL", map[string]string{"HARDEN_ENV": "production", "HARDEN_SECRETS": testSecret, "HARDEN_PUBLIC_URL": "http://example.com"}, nil,
			"in production HARDEN_PUBLIC_URL must be an https:// URL"},
		{"public URL with a path", nil, []string{"--public-url", "https://example.com/app"}, "HARDEN_PUBLIC_URL must be an absolute http(s) URL"},
		{"trusted proxies trusting the Internet", map[string]string{"HARDEN_TRUSTED_PROXIES": "0.0.0.0/0"}, nil,
			`HARDEN_TRUSTED_PROXIES: clientip: trusted_proxies[0] "0.0.0.0/0": range trusts most of the Internet`},
		{"trusted proxies by name", nil, []string{"--trusted-proxies", "lb.internal"}, `HARDEN_TRUSTED_PROXIES: clientip: trusted_proxies[0] "lb.internal": not an IP address or CIDR range`},
		{"insecure allowed origin", map[string]string{"HARDEN_ALLOWED_ORIGINS": "http://app.example.com"}, nil,
			`HARDEN_ALLOWED_ORIGINS: cors: origins[0] "http://app.example.com"`},
		{"wildcard allowed origin", nil, []string{"--allowed-origins", "*"}, `HARDEN_ALLOWED_ORIGINS: cors: origins[0] "*"`},
		{"unreachable Redis", map[string]string{"HARDEN_REDIS_URL": "redis://" + closedAddr(t)}, nil, "HARDEN_REDIS_URL: Redis does not answer"},
		{"Redis URL with a password that does not parse", map[string]string{"HARDEN_REDIS_URL": "http://:hunter2@127.0.0.1:1"}, nil, "HARDEN_REDIS_URL: redisstore: invalid Redis URL"},
		{"security log in a missing directory", nil, []string{"--security-log", filepath.Join(t.TempDir(), "none", "security.log")}, "HARDEN_SECURITY_LOG: "},
		{"redirect to an http public URL", nil, []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--redirect-addr", "127.0.0.1:0", "--public-url", "http://localhost:3000"},
			"--redirect-addr needs an https --public-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"--addr", "127.0.0.1:0"}, tt.args...)
			env := withDataDir(t, tt.env)
			code := serve(context.Background(), args, func(k string) string { return env[k] }, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code = %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tt.wantErr) {
				t.Errorf("stderr = %q, want it to say %q", stderr.String(), tt.wantErr)
			}
			if strings.Contains(stdout.String(), "listening") {
				t.Errorf("it started listening: %q", stdout.String())
			}
			if strings.Contains(stderr.String(), "hunter2") {
				t.Errorf("stderr shows a password: %q", stderr.String())
			}
		})
	}
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServeBadLimit(t *testing.T) {
	tests := []struct {
		env     map[string]string
		args    []string
		wantErr string
	}{
		{map[string]string{"HARDEN_API_LIMIT": "lots"}, nil, "harden serve: HARDEN_API_LIMIT: "},
		{map[string]string{"HARDEN_AUTH_LIMIT": "5/0s"}, nil, "harden serve: HARDEN_AUTH_LIMIT: "},
		{nil, []string{"--api-limit", "100/fortnight"}, "harden serve: --api-limit: "},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := serve(context.Background(), tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.wantErr) {
			t.Errorf("%v %v: exit %d, stderr %q; want 2 and %q", tt.env, tt.args, code, stderr.String(), tt.wantErr)
		}
	}
}

func TestServeHelpDocumentsEverySetting(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := serve(context.Background(), []string{"-h"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, want := range []string{"HARDEN_ADDR", "PORT", "HARDEN_ENV", "HARDEN_DATA_DIR", "HARDEN_SECRETS",
		"HARDEN_TRUSTED_PROXIES", "HARDEN_ALLOWED_ORIGINS", "HARDEN_PUBLIC_URL", "HARDEN_REDIS_URL",
		"HARDEN_DATABASE_URL", "HARDEN_SECURITY_LOG", "HARDEN_HSTS_PRELOAD", "-hsts-preload", "HARDEN_API_LIMIT", "HARDEN_AUTH_LIMIT", "-api-limit", "-auth-limit",
		"reopened on SIGHUP", "-tls-cert", "-tls-key", "-redirect-addr", "HARDEN_METRICS_ADDR", "-dangerously-public-metrics", "GET /readyz",
		"refuses to start without HARDEN_SECRETS and HARDEN_PUBLIC_URL", "GET /healthz is answered over plain HTTP",
		"-config", "HARDEN_CONFIG", "-print-config", "[api_limit]"} {
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

// TestServeHTTP2HeadLimit: over HTTP/2, which the framing guard does not
// scan, a header list or a target over the head limit is refused as over
// HTTP/1 (431, 414) with the security headers and the JSON error, not with
// net/http's bare HTML 431, and recorded in the security log; a list under
// the limit is served.
func TestServeHTTP2HeadLimit(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	base, _, log, _ := startServeLog(t, nil, "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	fields := func(n int) http.Header {
		h := http.Header{}
		for i := range n {
			h.Set(fmt.Sprintf("X-Field-%d", i), strings.Repeat("a", 4<<10))
		}
		return h
	}
	for _, tt := range []struct {
		name   string
		path   string
		header http.Header
		status int
	}{
		{"fields under the limit", "/healthz", fields(6), 200},
		{"fields over the limit", "/healthz", fields(10), 431},
		{"target over the limit", "/healthz?q=" + strings.Repeat("a", 40<<10), nil, 414},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", base+tt.path, nil)
			maps.Copy(req.Header, tt.header)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Fatalf("served over %s, want HTTP/2", resp.Proto)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %q, want %d", resp.StatusCode, body, tt.status)
			}
			if resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("Content-Security-Policy") == "" ||
				resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
			if tt.status == 200 {
				return
			}
			id := resp.Header.Get("X-Request-Id")
			if want := `{"error":"` + http.StatusText(tt.status) + `","request_id":"` + id + `"}` + "\n"; string(body) != want || len(id) != 32 {
				t.Errorf("body %q, want %q", body, want)
			}
			waitFor(t, log.String, id)
			for line := range strings.Lines(log.String()) {
				if strings.Contains(line, id) && !strings.Contains(line, `"status":`+strconv.Itoa(tt.status)) {
					t.Errorf("security log: %s, want status %d", line, tt.status)
				}
			}
		})
	}
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

// noFollow is a client that reports redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type edgeCase struct {
	name       string
	method     string
	path       string
	host       string
	header     map[string]string
	wantStatus int
	wantBody   string // "*": not compared
	wantHeader map[string]string
}

func checkEdge(t *testing.T, client *http.Client, base string, tests []edgeCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			req.Header.Set("X-Request-ID", testID)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != "*" && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
		})
	}
}

// TestServeProductionBehindProxy runs production over plain HTTP behind a
// trusted TLS-terminating proxy: this test's client, on 127.0.0.1.
func TestServeProductionBehindProxy(t *testing.T) {
	env := map[string]string{
		"HARDEN_ENV":             "production",
		"HARDEN_SECRETS":         testSecret,
		"HARDEN_PUBLIC_URL":      "https://example.com",
		"HARDEN_TRUSTED_PROXIES": "127.0.0.1",
		"HARDEN_ALLOWED_ORIGINS": "https://app.example.com",
		"HARDEN_DATA_DIR":        t.TempDir(),
	}
	base, out, log, _ := startServeLog(t, env, "--addr", "127.0.0.1:0")
	if !strings.Contains(out.String(), "(production mode)") {
		t.Errorf("startup line: %q", out.String())
	}
	if strings.Contains(log.String(), "no trusted proxy") {
		t.Errorf("warned about missing trusted proxies: %q", log.String())
	}
	viaProxy := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
	checkEdge(t, noFollow, base, []edgeCase{
		{"health check by address", "GET", "/healthz", "", nil, 200, `{"status":"ok"}` + "\n", nil},
		{"plain HTTP with a hostile Host", "GET", "/login?next=%2F", "evil.example", nil,
			301, "Redirecting to HTTPS.\n", map[string]string{"Location": "https://example.com/login?next=%2F"}},
		{"plain HTTP POST", "POST", "/api/contact", "example.com", nil,
			308, "Redirecting to HTTPS.\n", map[string]string{"Location": "https://example.com/api/contact"}},
		{"HTTPS through the proxy", "GET", "/", "example.com", viaProxy,
			200, "*", map[string]string{"Strict-Transport-Security": "max-age=63072000; includeSubDomains", "Content-Type": "text/html; charset=utf-8"}},
		{"hostile Host through the proxy", "GET", "/", "evil.example", viaProxy,
			421, `{"error":"Misdirected request","request_id":"test-req-1"}` + "\n", map[string]string{"Strict-Transport-Security": "max-age=63072000; includeSubDomains"}},
		{"preflight from the allowed origin", "OPTIONS", "/api/contact", "example.com",
			map[string]string{"X-Forwarded-Proto": "https", "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
			204, "", map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true"}},
		{"preflight from another origin", "OPTIONS", "/api/contact", "example.com",
			map[string]string{"X-Forwarded-Proto": "https", "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			403, `{"error":"CORS request not allowed","request_id":"test-req-1"}` + "\n", map[string]string{"Access-Control-Allow-Origin": ""}},
	})
}

func TestServeWarnsWithoutTrustedProxy(t *testing.T) {
	env := map[string]string{"HARDEN_ENV": "production", "HARDEN_SECRETS": testSecret,
		"HARDEN_PUBLIC_URL": "https://example.com", "HARDEN_DATA_DIR": t.TempDir()}
	base, _, log, _ := startServeLog(t, env, "--addr", "127.0.0.1:0")
	if !strings.Contains(log.String(), "production over plain HTTP with no trusted proxy") {
		t.Errorf("no warning: %q", log.String())
	}
	// A forwarded scheme from an untrusted peer is not believed.
	checkEdge(t, noFollow, base, []edgeCase{
		{"claimed HTTPS", "GET", "/", "example.com", map[string]string{"X-Forwarded-Proto": "https"},
			301, "Redirecting to HTTPS.\n", map[string]string{"Location": "https://example.com/", "Strict-Transport-Security": ""}},
	})
}

// TestServeRedirectToPublicURL runs production over TLS with a redirect
// listener: both send clients to the public URL only.
func TestServeRedirectToPublicURL(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	env := map[string]string{"HARDEN_ENV": "production", "HARDEN_SECRETS": testSecret,
		"HARDEN_PUBLIC_URL": "https://example.com", "HARDEN_DATA_DIR": t.TempDir()}
	base, out, log, _ := startServeLog(t, env, "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--redirect-addr", "127.0.0.1:0")
	if strings.Contains(log.String(), "no trusted proxy") {
		t.Errorf("warned over TLS: %q", log.String())
	}
	m := redirectRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no redirect listener announced: %q", out.String())
	}
	// The redirect listener has no app behind it (and no CSP to check).
	for _, tt := range []struct {
		method, path, host string
		wantStatus         int
		wantLocation       string
	}{
		{"GET", "/a/b?x=1", "evil.example", 301, "https://example.com/a/b?x=1"},
		{"HEAD", "/", "", 301, "https://example.com/"},
		{"POST", "/api/login", "", 308, "https://example.com/api/login"},
		{"GET", "/healthz/", "", 301, "https://example.com/healthz/"},
		{"POST", "/healthz", "", 308, "https://example.com/healthz"},
	} {
		req, _ := http.NewRequest(tt.method, "http://"+m[1]+tt.path, nil)
		if tt.host != "" {
			req.Host = tt.host
		}
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		wantBody := "Redirecting to HTTPS.\n"
		if tt.method == "HEAD" {
			wantBody = ""
		}
		if resp.StatusCode != tt.wantStatus || resp.Header.Get("Location") != tt.wantLocation || string(body) != wantBody {
			t.Errorf("%s %s: %d %q %q, want %d %q %q", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Location"), body,
				tt.wantStatus, tt.wantLocation, wantBody)
		}
	}

	// The health check is answered on the redirect listener, by address.
	resp, err := noFollow.Get("http://" + m[1] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"status":"ok"}`+"\n" {
		t.Errorf("healthz on the redirect listener: got %d %q, want 200 {\"status\":\"ok\"}", resp.StatusCode, body)
	}

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	checkEdge(t, client, base, []edgeCase{
		{"public host over TLS", "GET", "/healthz", "example.com", nil, 200, `{"status":"ok"}` + "\n",
			map[string]string{"Strict-Transport-Security": "max-age=63072000; includeSubDomains"}},
		{"the address is not the public host", "GET", "/", "", nil, 421, `{"error":"Misdirected request","request_id":"test-req-1"}` + "\n", nil},
	})
}

// TestServeSharedSessions: two harden serve processes with the same
// secrets, one Redis and one user database accept each other's sessions.
func TestServeSharedSessions(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	dir := t.TempDir()
	db, err := appdb.Open(context.Background(), appdb.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h, err := password.New(password.Config{})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(context.Background(), "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(context.Background(), appdb.User{Email: "sam@example.com", Name: "Sam", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	env := map[string]string{"HARDEN_DATA_DIR": dir, "HARDEN_SECRETS": testSecret, "HARDEN_REDIS_URL": redisURL}
	base1, _, _ := startServe(t, env, "--addr", "127.0.0.1:0")
	base2, _, _ := startServe(t, env, "--addr", "127.0.0.1:0")

	jar, _ := cookiejar.New(nil) // keyed by host: both instances see the cookies
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	call := func(method, url, token, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	_, tok := call("GET", base1+"/api/csrf-token", "", "")
	var v struct{ Token string }
	_ = json.Unmarshal([]byte(tok), &v)
	if status, body := call("POST", base1+"/api/login", v.Token, `{"email":"sam@example.com","password":"correct horse battery"}`); status != 200 {
		t.Fatalf("login on the first instance: %d %q", status, body)
	}
	if status, body := call("GET", base2+"/api/me", "", ""); status != 200 || body != `{"email":"sam@example.com","name":"Sam","role":"user"}`+"\n" {
		t.Errorf("me on the second instance: %d %q", status, body)
	}
}

// TestServeUsageHidesSecrets checks that a mistyped flag, which prints the
// usage, does not print passwords taken from the environment.
func TestServeUsageHidesSecrets(t *testing.T) {
	env := map[string]string{
		"HARDEN_DATABASE_URL": "postgres://app:DbS3cretPass@db.internal/app",
		"HARDEN_REDIS_URL":    "redis://:RedisS3cretPass@cache.internal:6379/0",
	}
	var stdout, stderr bytes.Buffer
	code := serve(context.Background(), []string{"--bogus"}, func(k string) string { return env[k] }, &stdout, &stderr)
	if code != 2 {
		t.Errorf("exit code = %d, want 2", code)
	}
	for _, secret := range []string{"DbS3cretPass", "RedisS3cretPass"} {
		if strings.Contains(stderr.String()+stdout.String(), secret) {
			t.Errorf("usage output leaks %s", secret)
		}
	}
}

// TestServeOptionsStar: "OPTIONS *" reaches the app, which refuses it with
// the security headers, instead of net/http's bare 200.
func TestServeOptionsStar(t *testing.T) {
	base, _, _, _ := startServeLog(t, nil, "--addr", "127.0.0.1:0")
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body, _ := sendRaw(t, c, "OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != 400 || body != `{"error":"Bad request","request_id":"`+resp.Header.Get("X-Request-Id")+`"}`+"\n" {
		t.Errorf("got %d %q, want 400 and the JSON error", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("answer lacks the security headers: %v", resp.Header)
	}
}
