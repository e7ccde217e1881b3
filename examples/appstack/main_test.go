package main

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startMain runs the program on a free loopback port and returns its base
// URL once it answers. The server lives until the test binary exits.
func startMain(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	os.Args = []string{"appstack", "-addr", addr}
	go main()
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/nowhere"); err == nil {
			resp.Body.Close()
			return base
		}
	}
	t.Fatalf("the program did not answer on %s", addr)
	return ""
}

// browser is a client with a cookie jar, as a browser keeps cookies.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// token loads the form and returns its CSRF token.
func (b *browser) token() string {
	b.t.Helper()
	status, body, _ := b.do("GET", "/", "", nil)
	m := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if status != 200 || m == nil {
		b.t.Fatalf("GET /: %d %q, no token", status, body)
	}
	return m[1]
}

func (b *browser) do(method, path, form string, header map[string]string) (int, string, http.Header) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(form))
	if err != nil {
		b.t.Fatal(err)
	}
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func login(token, password string) string {
	return url.Values{"_csrf": {token}, "password": {password}}.Encode()
}

// TestAppStack: the session survives across requests; a cross-site POST,
// one without a token and one with an operator key are refused; five
// failed logins give 401 and the sixth 429 with Retry-After. The steps
// share one client address, so their order matters.
func TestAppStack(t *testing.T) {
	base := startMain(t)

	b := newBrowser(t, base)
	if status, body, _ := b.do("GET", "/me", "", nil); status != 401 {
		t.Errorf("GET /me before sign-in: %d %q, want 401", status, body)
	}
	tok := b.token()
	if status, body, _ := b.do("POST", "/login", login(tok, "demo"), nil); status != 200 || body != "<p>signed in as demo</p>\n" {
		t.Fatalf("sign-in: %d %q, want 200 after the redirect to /me", status, body)
	}
	if status, body, _ := b.do("GET", "/me", "", nil); status != 200 || body != "<p>signed in as demo</p>\n" {
		t.Errorf("GET /me after sign-in: %d %q: the session did not survive", status, body)
	}

	e := newBrowser(t, base)
	tok = e.token()
	if status, body, _ := e.do("POST", "/login", login(tok, "demo"), map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); status != 403 {
		t.Errorf("cross-site POST: %d %q, want 403", status, body)
	}
	if status, body, _ := e.do("POST", "/login", "password=demo", nil); status != 403 {
		t.Errorf("POST without a token: %d %q, want 403", status, body)
	}
	if status, body, _ := e.do("POST", "/login", login(tok, "demo")+"&user%5B%24ne%5D=1", nil); status != 400 {
		t.Errorf("POST with an operator key: %d %q, want 400", status, body)
	}

	for i := range 5 {
		if status, body, _ := e.do("POST", "/login", login(tok, "wrong"), nil); status != 401 {
			t.Fatalf("failed login %d: %d %q, want 401", i+1, status, body)
		}
	}
	status, body, h := e.do("POST", "/login", login(tok, "demo"), nil)
	if status != 429 || h.Get("Retry-After") == "" {
		t.Errorf("after five failures: %d %q, Retry-After %q, want 429 with Retry-After", status, body, h.Get("Retry-After"))
	}
}
