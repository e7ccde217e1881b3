package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testenv"
)

// upstream is an app behind the proxy: it answers with its name and the
// request's method and path, and counts its requests.
type upstream struct {
	*httptest.Server
	calls atomic.Int64
}

func newUpstream(t *testing.T, name string) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.calls.Add(1)
		w.Header().Set("X-Powered-By", "Express")
		fmt.Fprintf(w, "%s %s %s", name, r.Method, r.URL.Path)
	}))
	t.Cleanup(u.Close)
	return u
}

// proxyRun is a running "harden proxy".
type proxyRun struct {
	addrs          proxyAddrs
	stdout, stderr *syncBuffer
	reload         chan chan<- error
	stop           func() int
}

// startProxy runs "harden proxy args" with env until the test ends.
func startProxy(t *testing.T, env map[string]string, args ...string) *proxyRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	run := &proxyRun{stdout: &syncBuffer{}, stderr: &syncBuffer{}, reload: make(chan chan<- error)}
	ready := make(chan proxyAddrs, 1)
	done := make(chan int, 1)
	args = append([]string{"--addr", "127.0.0.1:0"}, args...)
	go func() {
		done <- proxyCommand(ctx, args, func(k string) string { return env[k] }, run.reload, ready, run.stdout, run.stderr)
	}()
	select {
	case run.addrs = <-ready:
	case code := <-done:
		cancel()
		t.Fatalf("proxy exited with %d: %s%s", code, run.stdout, run.stderr)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatalf("proxy did not start: %s%s", run.stdout, run.stderr)
	}
	var once sync.Once
	code := -1
	run.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Error("proxy did not shut down")
			}
		})
		return code
	}
	t.Cleanup(func() { run.stop() })
	return run
}

// sendReload asks the running proxy to reload and returns the outcome.
func (p *proxyRun) sendReload(t *testing.T) error {
	t.Helper()
	reply := make(chan error, 1)
	select {
	case p.reload <- reply:
	case <-time.After(10 * time.Second):
		t.Fatal("reload not taken")
	}
	select {
	case err := <-reply:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("reload not done")
	}
	return nil
}

// printConfig runs "harden proxy --print-config args" and decodes the JSON.
func printConfig(t *testing.T, env map[string]string, args ...string) map[string]any {
	t.Helper()
	var stdout, stderr strings.Builder
	code := proxyCommand(t.Context(), append(args, "--print-config"), func(k string) string { return env[k] }, nil, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("--print-config exited with %d: %s", code, stderr.String())
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout.String()), &m); err != nil {
		t.Fatalf("--print-config output is not JSON: %v\n%s", err, stdout.String())
	}
	return m
}

func writeTempFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProxyPrecedence(t *testing.T) {
	file := writeTempFile(t, "proxy.yaml", "upstream: http://file.example:1\nbody_limit: 1000\nlogin:\n  paths: [/file-login]\n")
	tests := []struct {
		name      string
		env       map[string]string
		args      []string
		upstream  string
		bodyLimit float64
		loginPath string
		addr      string
		wantDev   bool
	}{
		{"defaults", nil, nil, "http://127.0.0.1:8080", 102400, "", ":8000", true},
		{"file", nil, []string{"--config", file}, "http://file.example:1", 1000, "/file-login", ":8000", true},
		{"file from environment", map[string]string{"HARDEN_CONFIG": file}, nil, "http://file.example:1", 1000, "/file-login", ":8000", true},
		{"environment over file",
			map[string]string{"HARDEN_UPSTREAM": "http://env.example:2", "HARDEN_BODY_LIMIT": "2KiB", "HARDEN_LOGIN_PATHS": "/env-login, /b", "PORT": "9000"},
			[]string{"--config", file}, "http://env.example:2", 2048, "/env-login", ":9000", true},
		{"flag over environment",
			map[string]string{"HARDEN_UPSTREAM": "http://env.example:2", "HARDEN_BODY_LIMIT": "2KiB", "HARDEN_ADDR": ":9001", "PORT": "9000"},
			[]string{"--config", file, "--upstream", "unix:/run/app.sock", "--body-limit", "3000", "--addr", "127.0.0.1:9002"},
			"unix:/run/app.sock", 3000, "/file-login", "127.0.0.1:9002", true},
		{"HARDEN_ADDR over PORT", map[string]string{"HARDEN_ADDR": ":9001", "PORT": "9000"}, nil, "http://127.0.0.1:8080", 102400, "", ":9001", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := printConfig(t, tt.env, tt.args...)
			if got := m["upstream"]; got != tt.upstream {
				t.Errorf("upstream: got %v, want %v", got, tt.upstream)
			}
			bl, _ := m["body_limit"].(float64)
			if bl != tt.bodyLimit {
				t.Errorf("body_limit: got %v, want %v", m["body_limit"], tt.bodyLimit)
			}
			var login string
			if l, ok := m["login"].(map[string]any); ok {
				if paths, ok := l["paths"].([]any); ok && len(paths) > 0 {
					login, _ = paths[0].(string)
				}
			}
			if login != tt.loginPath {
				t.Errorf("login.paths[0]: got %q, want %q", login, tt.loginPath)
			}
			if got := m["addr"]; got != tt.addr {
				t.Errorf("addr: got %v, want %v", got, tt.addr)
			}
			if got := m["development"]; got != tt.wantDev {
				t.Errorf("development: got %v, want %v", got, tt.wantDev)
			}
			if l, _ := m["login"].(map[string]any); l["rate"] != "5/15m" {
				t.Errorf("login.rate: got %v, want the default 5/15m", l["rate"])
			}
			if m["upstream_timeout"] != "1m0s" {
				t.Errorf("upstream_timeout: got %v, want the default 1m0s", m["upstream_timeout"])
			}
			if m["error_pages"] != "pass" {
				t.Errorf("error_pages: got %v, want pass in development", m["error_pages"])
			}
		})
	}
}

func TestProxyModeFromFile(t *testing.T) {
	file := writeTempFile(t, "p.json", `{"development": false, "public_url": "https://app.example.com"}`)
	m := printConfig(t, nil, "--config", file)
	if m["development"] != false || m["error_pages"] != "mask" {
		t.Errorf("development, error_pages: got %v, %v, want false from the file and mask", m["development"], m["error_pages"])
	}
	m = printConfig(t, map[string]string{"HARDEN_ENV": "development"}, "--config", file)
	if m["development"] != true {
		t.Errorf("development: got %v, want true from HARDEN_ENV over the file", m["development"])
	}
}

func TestProxyPrintConfigRedacts(t *testing.T) {
	env := map[string]string{
		"HARDEN_SECRETS":   "first-secret-value-aaaaaaaaaaaaaaaaaaaaaaaa,second-secret-value-bbbbbbbbbbbbbbbbbbbbb",
		"HARDEN_REDIS_URL": "redis://user:redis-password-123@127.0.0.1:6379/0",
	}
	var stdout, stderr strings.Builder
	if code := proxyCommand(t.Context(), []string{"--print-config"}, func(k string) string { return env[k] }, nil, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	for _, secret := range []string{"first-secret-value", "second-secret-value", "redis-password-123"} {
		if strings.Contains(out, secret) {
			t.Errorf("--print-config printed %q:\n%s", secret, out)
		}
	}
	var m struct {
		Secrets  []string `json:"secrets"`
		RedisURL string   `json:"redis_url"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Secrets) != 2 || m.Secrets[0] != "REDACTED" || m.RedisURL != "redis://user:REDACTED@127.0.0.1:6379/0" {
		t.Errorf("got secrets %q and redis_url %q, want two REDACTED and the masked URL", m.Secrets, m.RedisURL)
	}
}

// TestProxyPrintConfigRedactsUpstreamUserinfo checks that credentials
// written into the upstream URL never reach --print-config's output (which
// is pasted into tickets and chats), whether they come from the flag, the
// environment or the config file, and whether they are a password or a
// token in the user name.
func TestProxyPrintConfigRedactsUpstreamUserinfo(t *testing.T) {
	file := writeTempFile(t, "up.yaml", "upstream: http://api-token-777@127.0.0.1:3000/app\n")
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		secret string
		want   string
	}{
		{"flag password", []string{"--upstream", "http://admin:upstream-pw-555@127.0.0.1:3000"}, nil,
			"upstream-pw-555", "http://REDACTED@127.0.0.1:3000"},
		{"env password", nil, map[string]string{"HARDEN_UPSTREAM": "https://u:env-pw-666@app.internal:8443/x"},
			"env-pw-666", "https://REDACTED@app.internal:8443/x"},
		{"file token", []string{"--config", file}, nil,
			"api-token-777", "http://REDACTED@127.0.0.1:3000/app"},
		{"no userinfo", []string{"--upstream", "http://127.0.0.1:3000"}, nil,
			"REDACTED", "http://127.0.0.1:3000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := proxyCommand(t.Context(), append(tt.args, "--print-config"), func(k string) string { return tt.env[k] }, nil, nil, &stdout, &stderr)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			out := stdout.String()
			if strings.Contains(out, tt.secret) {
				t.Errorf("--print-config printed %q:\n%s", tt.secret, out)
			}
			var m struct {
				Upstream string `json:"upstream"`
			}
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatal(err)
			}
			if m.Upstream != tt.want {
				t.Errorf("upstream: got %q, want %q", m.Upstream, tt.want)
			}
		})
	}
}

// TestProxyPrintConfigRedactsNoncePlaceholder checks that the nonce
// placeholder, which gives a valid CSP nonce to whoever can write it into
// a page, is not shown by --print-config.
func TestProxyPrintConfigRedactsNoncePlaceholder(t *testing.T) {
	const placeholder = "NONCE-PLACEHOLDER-8f3a9c2e71d4"
	file := writeTempFile(t, "nonce.yaml", "nonce_placeholder: "+placeholder+"\nheaders:\n  csp:\n    nonce: true\n")
	var stdout, stderr strings.Builder
	if code := proxyCommand(t.Context(), []string{"--config", file, "--print-config"}, func(string) string { return "" }, nil, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	if strings.Contains(out, placeholder) {
		t.Errorf("--print-config printed the nonce placeholder:\n%s", out)
	}
	var m struct {
		NoncePlaceholder string `json:"nonce_placeholder"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if m.NoncePlaceholder != "REDACTED" {
		t.Errorf("nonce_placeholder %q, want REDACTED", m.NoncePlaceholder)
	}
}

func TestProxyUsageErrors(t *testing.T) {
	badFile := writeTempFile(t, "bad.yaml", "upstream: http://x\ncors:\n  orgins: [https://a.example]\n")
	emptyFile := writeTempFile(t, "empty.json", "")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string // in stderr
	}{
		{"unknown flag", nil, []string{"--nope"}, "flag provided but not defined"},
		{"extra argument", nil, []string{"serve"}, `unexpected argument "serve"`},
		{"bad mode", map[string]string{"HARDEN_ENV": "staging"}, nil, "HARDEN_ENV: must be development or production"},
		{"bad rate", nil, []string{"--api-limit", "lots"}, "--api-limit"},
		{"bad size", map[string]string{"HARDEN_BODY_LIMIT": "big"}, nil, "HARDEN_BODY_LIMIT"},
		{"bad timeout", map[string]string{"HARDEN_UPSTREAM_TIMEOUT": "-5s"}, nil, "HARDEN_UPSTREAM_TIMEOUT"},
		{"bad timeout in file", nil, []string{"--config", writeTempFile(t, "to.yaml", "upstream_timeout: soon\n")}, "upstream_timeout"},
		{"bad proxies", map[string]string{"HARDEN_TRUSTED_PROXIES": "0.0.0.0/0"}, nil, "HARDEN_TRUSTED_PROXIES"},
		{"unknown key in file", nil, []string{"--config", badFile}, "cors.orgins: unknown key"},
		{"empty file", nil, []string{"--config", emptyFile}, "empty"},
		{"missing file", nil, []string{"--config", filepath.Join(t.TempDir(), "none.yaml")}, "no such file"},
		{"production without public URL", nil, []string{"--env", "production"}, "HARDEN_PUBLIC_URL"},
		{"production token mode without secrets", nil, []string{"--env", "production", "--public-url", "https://a.example", "--config", writeTempFile(t, "t.yaml", "csrf:\n  token: true\n")}, "HARDEN_SECRETS"},
		{"TLS half", nil, []string{"--tls-cert", "c.pem"}, "go together"},
		{"redirect without TLS", nil, []string{"--redirect-addr", ":0"}, "needs --tls-cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := proxyCommand(t.Context(), tt.args, func(k string) string { return tt.env[k] }, nil, nil, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit code: got %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestProxyHelpDocumentsEverySetting(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := proxyCommand(t.Context(), []string{"-h"}, func(string) string { return "" }, nil, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("-h exited with %d", code)
	}
	help := stderr.String()
	for _, want := range []string{
		"HARDEN_ENV", "HARDEN_ADDR", "HARDEN_PUBLIC_URL", "HARDEN_TRUSTED_PROXIES", "HARDEN_ALLOWED_ORIGINS",
		"HARDEN_SECRETS", "HARDEN_REDIS_URL", "HARDEN_API_LIMIT", "HARDEN_AUTH_LIMIT", "HARDEN_UPSTREAM",
		"HARDEN_BODY_LIMIT", "HARDEN_LOGIN_PATHS", "HARDEN_CONFIG", "-print-config", "-tls-cert", "-tls-key",
		"-redirect-addr", "HARDEN_TLS_CERT", "HARDEN_REDIRECT_ADDR", "order of precedence", "SIGHUP",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("-h does not mention %q", want)
		}
	}
}

func TestProxyForwardsAndHardens(t *testing.T) {
	up := newUpstream(t, "app")
	p := startProxy(t, nil, "--upstream", up.URL)
	if !strings.Contains(p.stdout.String(), "(development mode)") {
		t.Errorf("start line lacks the mode: %q", p.stdout.String())
	}
	resp, err := http.Get(p.addrs.URL + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "app GET /hello" {
		t.Errorf("got %d %q, want 200 from the upstream", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("security headers missing: %v", resp.Header)
	}
	if code := p.stop(); code != 0 {
		t.Errorf("exit code after shutdown: got %d, want 0", code)
	}
	if !strings.Contains(p.stdout.String(), "shutting down") {
		t.Errorf("no shutdown message: %q", p.stdout.String())
	}
}

// sendRaw sends raw on a new connection and reads one response; it
// reports whether the server closed the connection after it.
func sendRaw(t *testing.T, c net.Conn, raw string) (*http.Response, string, bool) {
	t.Helper()
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	// The request's method tells ReadResponse whether a body follows
	// (none after HEAD).
	method, _, _ := strings.Cut(raw, " ")
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	_, err = br.ReadByte()
	return resp, string(body), err == io.EOF
}

func TestProxySmugglingRefused(t *testing.T) {
	up := newUpstream(t, "app")
	p := startProxy(t, nil, "--upstream", up.URL)
	c, err := net.Dial("tcp", strings.TrimPrefix(p.addrs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body, closed := sendRaw(t, c, "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if resp.StatusCode != 400 || body != `{"error":"Bad Request","request_id":"`+resp.Header.Get("X-Request-Id")+`"}`+"\n" || len(resp.Header.Get("X-Request-Id")) != 32 {
		t.Errorf("got %d %q, want 400 and the JSON error", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Frame-Options") == "" {
		t.Errorf("refusal lacks the security headers: %v", resp.Header)
	}
	if !closed {
		t.Error("connection not closed after the refusal")
	}
	if n := up.calls.Load(); n != 0 {
		t.Errorf("upstream calls: got %d, want 0", n)
	}
	// The refusal is in the security log (stderr).
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.stderr.String(), "Content-Length with Transfer-Encoding") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(p.stderr.String(), `"request_rejected"`) {
		t.Errorf("security log lacks the refusal: %s", p.stderr.String())
	}
}

func TestProxyReload(t *testing.T) {
	a, b := newUpstream(t, "A"), newUpstream(t, "B")
	// A slow upstream request started before the reload must finish.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		io.WriteString(w, "slow done")
	}))
	defer slow.Close()
	file := writeTempFile(t, "proxy.yaml", "upstream: "+slow.URL+"\n")
	p := startProxy(t, nil, "--config", file)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	slowDone := make(chan string, 1)
	go func() {
		resp, err := client.Get(p.addrs.URL + "/slow")
		if err != nil {
			slowDone <- err.Error()
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		slowDone <- string(body)
	}()
	time.Sleep(100 * time.Millisecond) // the slow request is in flight

	get := func() string {
		t.Helper()
		resp, err := client.Get(p.addrs.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(body)
	}

	if err := os.WriteFile(file, []byte("upstream: "+a.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.sendReload(t); err != nil {
		t.Fatalf("reload to A: %v", err)
	}
	if got := get(); got != "A GET /x" {
		t.Errorf("after reload to A: got %q", got)
	}
	close(release)
	select {
	case got := <-slowDone:
		if got != "slow done" {
			t.Errorf("request in flight during the reload: got %q, want it finished", got)
		}
	case <-time.After(10 * time.Second):
		t.Error("request in flight during the reload never finished")
	}

	// A bad config is refused, logged, and the running one stays.
	for _, bad := range []struct{ text, want string }{
		{"upstream: " + b.URL + "\nbody_limt: 5\n", "body_limt: unknown key"},
		{"upstream: ftp://" + b.URL[7:] + "\n", "upstream"},
		{"upstream: " + b.URL + "\nsecurity_log: " + filepath.Join(t.TempDir(), "sec.log") + "\n", "security_log changed: restart to apply"},
	} {
		if err := os.WriteFile(file, []byte(bad.text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := p.sendReload(t); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("reload of %q: got %v, want an error about %q", bad.text, err, bad.want)
		}
		if got := get(); got != "A GET /x" {
			t.Errorf("after a bad reload (%q): got %q, want A still", bad.text, got)
		}
	}
	if n := strings.Count(p.stderr.String(), "reload refused"); n != 3 {
		t.Errorf("refused reloads logged %d times, want 3:\n%s", n, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "body_limt: unknown key") {
		t.Errorf("the refusal does not name the key:\n%s", p.stderr.String())
	}

	if err := os.WriteFile(file, []byte("upstream: "+b.URL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.sendReload(t); err != nil {
		t.Fatalf("reload to B: %v", err)
	}
	if got := get(); got != "B GET /x" {
		t.Errorf("after reload to B: got %q", got)
	}
}

func TestProxyTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	var proto atomic.Value
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proto.Store(r.Header.Get("X-Forwarded-Proto"))
		io.WriteString(w, "up")
	}))
	defer up.Close()
	p := startProxy(t, nil, "--upstream", up.URL, "--tls-cert", certFile, "--tls-key", keyFile, "--redirect-addr", "127.0.0.1:0")
	if !strings.HasPrefix(p.addrs.URL, "https://") {
		t.Fatalf("announced %q, want https", p.addrs.URL)
	}
	for _, tt := range []struct {
		name      string
		tr        *http.Transport
		wantMajor int
	}{
		{"h2", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}, 2},
		{"http/1.1", &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer tt.tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tt.tr}).Get(p.addrs.URL + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != tt.wantMajor || string(body) != "up" {
				t.Errorf("got HTTP/%d %q, want HTTP/%d from the upstream", resp.ProtoMajor, body, tt.wantMajor)
			}
			if got := resp.Header.Get("Strict-Transport-Security"); got == "" {
				t.Error("no HSTS over TLS")
			}
		})
	}
	t.Run("smuggling over TLS", func(t *testing.T) {
		c, err := tls.Dial("tcp", strings.TrimPrefix(p.addrs.URL, "https://"), &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		resp, _, closed := sendRaw(t, c, "GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n")
		if resp.StatusCode != 400 || !closed {
			t.Errorf("got %d (closed %v), want 400 and the connection closed", resp.StatusCode, closed)
		}
		if resp.Header.Get("Strict-Transport-Security") == "" {
			t.Error("refusal over TLS lacks HSTS")
		}
	})
	t.Run("redirect", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(p.addrs.Redirect + "/a?b=c")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != 301 || !strings.HasPrefix(loc, "https://localhost:") || !strings.HasSuffix(loc, "/a?b=c") {
			t.Errorf("got %d %q, want 301 to the HTTPS listener", resp.StatusCode, loc)
		}
	})
}

func TestProxyRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	up := newUpstream(t, "app")
	p := startProxy(t, map[string]string{"HARDEN_REDIS_URL": url, "HARDEN_API_LIMIT": "2/m"}, "--upstream", up.URL)
	var codes []int
	for range 3 {
		resp, err := http.Get(p.addrs.URL + "/r")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	if codes[2] != http.StatusTooManyRequests {
		t.Errorf("statuses: got %v, want the third refused with 429", codes)
	}
}

func TestProxyRedisDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var stdout, stderr strings.Builder
	env := map[string]string{"HARDEN_REDIS_URL": "redis://" + addr + "/0"}
	code := proxyCommand(t.Context(), []string{"--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, nil, nil, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "Redis does not answer") {
		t.Errorf("got exit %d and %q, want 1 and the Redis error", code, stderr.String())
	}
}

// TestProxyReloadsCertificate: SIGHUP re-reads the TLS key pair, so a
// renewed certificate is served without a restart.
func TestProxyReloadsCertificate(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	newCert, newKey, newPool := selfSigned(t)
	up := newUpstream(t, "app")
	p := startProxy(t, nil, "--upstream", up.URL, "--tls-cert", certFile, "--tls-key", keyFile)
	served := func(pool2 *x509.CertPool) error {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool2}}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get(p.addrs.URL + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := served(pool); err != nil {
		t.Fatalf("first certificate: %v", err)
	}
	for _, f := range [][2]string{{newCert, certFile}, {newKey, keyFile}} {
		b, err := os.ReadFile(f[0])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f[1], b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.sendReload(t); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if err := served(newPool); err != nil {
		t.Errorf("renewed certificate not served: %v", err)
	}
	if err := served(pool); err == nil {
		t.Error("old certificate still served after the reload")
	}
}

// TestProxyUpstreamTimeout: an upstream slower than --upstream-timeout is
// answered with 504.
func TestProxyUpstreamTimeout(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	file := writeTempFile(t, "p.json", `{"upstream_timeout": "300ms"}`)
	p := startProxy(t, nil, "--config", file, "--upstream", slow.URL)
	start := time.Now()
	resp, err := http.Get(p.addrs.URL + "/slow")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("status: got %d, want 504", resp.StatusCode)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("answered after %v, want about 300ms", d)
	}
}
