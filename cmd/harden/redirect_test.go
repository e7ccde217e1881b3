package main

import (
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// redirectHeaders are the headers of every answer of the redirect
// listener of harden serve but the health check: the app's compact
// security set (no HSTS over plain HTTP) and the redirect's own.
var redirectHeaders = map[string]string{
	"Content-Length":               "22",
	"Content-Type":                 "text/plain; charset=utf-8",
	"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Referrer-Policy":              "no-referrer",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
}

// securityHeaders are the names of the security set in redirectHeaders.
var securityHeaders = []string{"Content-Security-Policy", "Cross-Origin-Resource-Policy", "Referrer-Policy",
	"X-Content-Type-Options", "X-Frame-Options", "Strict-Transport-Security"}

// TestServeRedirectListener sends raw request targets to the redirect
// listener of harden serve: each gets one redirect to the public URL with
// the path as sent (never cleaned into another request, never from the
// Host header or an absolute-form authority), 301 for GET and HEAD and 308
// for the other methods, and the security headers of the health check on
// the same listener.
func TestServeRedirectListener(t *testing.T) {
	certFile, keyFile, _ := selfSigned(t)
	env := map[string]string{"HARDEN_ENV": "production", "HARDEN_SECRETS": testSecret,
		"HARDEN_PUBLIC_URL": "https://app.example.com", "HARDEN_DATA_DIR": t.TempDir()}
	_, out, _ := startServe(t, env, "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--redirect-addr", "127.0.0.1:0")
	m := redirectRE.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no redirect listener announced: %q", out.String())
	}
	addr := m[1]
	const pub = "https://app.example.com"
	for _, tt := range []struct {
		name, method, target, host string
		wantStatus                 int
		wantLocation               string
	}{
		{"spoofed Host", "GET", "/a", "evil.example", 301, pub + "/a"},
		{"query kept", "GET", "/a/b?x=1&y=%2F", "", 301, pub + "/a/b?x=1&y=%2F"},
		// A path starting with "//" stays behind the fixed authority: a
		// browser reads https://app.example.com//evil.example/ as a path
		// on app.example.com. A ServeMux would have answered 307 to the
		// protocol-relative-looking "/evil.example/" over plain HTTP.
		{"double slash", "GET", "//evil.example/", "", 301, pub + "//evil.example/"},
		{"double slash, no trailing slash", "GET", "//evil.example", "", 301, pub + "//evil.example"},
		{"triple slash", "GET", "///evil.example/x", "", 301, pub + "///evil.example/x"},
		{"dot segments not cleaned", "GET", "/a/../b/./c", "", 301, pub + "/a/../b/./c"},
		{"backslash escaped", "GET", `/\evil.example/`, "", 301, pub + "/%5Cevil.example/"},
		{"encoded slash kept", "GET", "/a%2Fb", "", 301, pub + "/a%2Fb"},
		{"absolute-form: the authority is ignored", "GET", "http://evil.example/x?y=1", "evil.example", 301, pub + "/x?y=1"},
		{"absolute-form without a path", "GET", "http://evil.example", "evil.example", 301, pub + "/"},
		{"absolute-form, double slash", "GET", "http://evil.example//other.example/", "evil.example", 301, pub + "//other.example/"},
		{"HEAD", "HEAD", "//evil.example/", "", 301, pub + "//evil.example/"},
		{"POST keeps its method", "POST", "/api/login?next=%2F", "", 308, pub + "/api/login?next=%2F"},
		{"POST, double slash", "POST", "//evil.example/", "", 308, pub + "//evil.example/"},
		{"PUT", "PUT", "/api/me", "", 308, pub + "/api/me"},
		{"DELETE", "DELETE", "/x", "", 308, pub + "/x"},
		{"OPTIONS", "OPTIONS", "/", "", 308, pub + "/"},
		{"OPTIONS *", "OPTIONS", "*", "", 308, pub + "/"},
		{"CONNECT", "CONNECT", "evil.example:443", "evil.example:443", 308, pub + "/"},
		{"health check with a trailing slash", "GET", "/healthz/", "", 301, pub + "/healthz/"},
		{"health check, double slash", "GET", "//healthz", "", 301, pub + "//healthz"},
		{"health check, dot segment", "GET", "/x/../healthz", "", 301, pub + "/x/../healthz"},
		{"health check by POST", "POST", "/healthz", "", 308, pub + "/healthz"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			host := tt.host
			if host == "" {
				host = addr
			}
			resp, body := rawRequest(t, addr, tt.method+" "+tt.target+" HTTP/1.1\r\nHost: "+host+"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			wantBody := "Redirecting to HTTPS.\n"
			if tt.method == "HEAD" {
				wantBody = ""
			}
			if resp.StatusCode != tt.wantStatus || body != wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, wantBody)
			}
			want := map[string]string{"Location": tt.wantLocation}
			for k, v := range redirectHeaders {
				want[k] = v
			}
			checkHeaderSet(t, resp.Header, want)
		})
	}

	// The health check is answered over plain HTTP with the same security
	// headers.
	for _, method := range []string{"GET", "HEAD"} {
		resp, body := rawRequest(t, addr, method+" /healthz HTTP/1.1\r\nHost: "+addr+"\r\nConnection: close\r\n\r\n")
		wantBody := `{"status":"ok"}` + "\n"
		if method == "HEAD" {
			wantBody = ""
		}
		if resp.StatusCode != 200 || body != wantBody {
			t.Errorf("%s /healthz: got %d %q, want 200 %q", method, resp.StatusCode, body, wantBody)
		}
		for _, k := range securityHeaders {
			if got, want := resp.Header.Get(k), redirectHeaders[k]; got != want {
				t.Errorf("%s /healthz: %s %q, want %q as on the redirects", method, k, got, want)
			}
		}
	}
}

// TestProxyRedirectListener: the redirect listener of harden proxy
// answers every request but the health paths with one redirect carrying
// the proxy's security headers, the path as sent.
func TestProxyRedirectListener(t *testing.T) {
	certFile, keyFile, _ := selfSigned(t)
	up := newUpstream(t, "app")
	p := startProxy(t, nil, "--upstream", up.URL, "--tls-cert", certFile, "--tls-key", keyFile, "--redirect-addr", "127.0.0.1:0")
	addr := strings.TrimPrefix(p.addrs.Redirect, "http://")
	_, tlsPort, _ := net.SplitHostPort(strings.TrimPrefix(p.addrs.URL, "https://"))
	for _, tt := range []struct {
		method, target string
		wantStatus     int
		wantPath       string
	}{
		{"GET", "//evil.example/", 301, "//evil.example/"},
		{"GET", "/a/../b", 301, "/a/../b"},
		{"POST", "/x", 308, "/x"},
		{"OPTIONS", "*", 308, "/"},
	} {
		resp, _ := rawRequest(t, addr, tt.method+" "+tt.target+" HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		want := "https://localhost:" + tlsPort + tt.wantPath
		if resp.StatusCode != tt.wantStatus || resp.Header.Get("Location") != want {
			t.Errorf("%s %s: got %d %q, want %d %q", tt.method, tt.target, resp.StatusCode, resp.Header.Get("Location"), tt.wantStatus, want)
		}
		for _, k := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"} {
			if resp.Header.Get(k) == "" {
				t.Errorf("%s %s: no %s: %v", tt.method, tt.target, k, resp.Header)
			}
		}
		if resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s %s: HSTS over plain HTTP", tt.method, tt.target)
		}
	}
}

// rawRequest sends raw, written as is, to addr and returns the answer and
// its body.
func rawRequest(t *testing.T, addr, raw string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	resp, body, _ := sendRaw(t, c, raw)
	return resp, body
}

// checkHeaderSet checks that h holds exactly want, Date aside.
func checkHeaderSet(t *testing.T, h http.Header, want map[string]string) {
	t.Helper()
	var names []string
	for k := range h {
		if k != "Date" {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var wantNames []string
	for k := range want {
		wantNames = append(wantNames, k)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("headers %v, want %v", names, wantNames)
	}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}
