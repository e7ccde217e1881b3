package app

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/seclog"
)

func newTestApp(t *testing.T, cfg Config) *App {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SecurityLog == nil {
		cfg.SecurityLog = discardLog
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// testID is the X-Request-ID of test requests: the app keeps a
// well-formed incoming id, so refusal bodies are exact.
const testID = "test-req-1"

// discardLog is a security log that drops every event.
var discardLog = func() *seclog.Logger {
	l, err := seclog.New(seclog.Config{Writer: io.Discard})
	if err != nil {
		panic(err)
	}
	return l
}()

// anyRequestID replaces the generated request id of a body.
var anyRequestID = regexp.MustCompile(`"request_id":"[0-9a-f]{32}"`)

// get requests path from h as a development browser on localhost would.
func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "http://localhost:3000"+path, nil)
	r.Header.Set("X-Request-ID", testID)
	h.ServeHTTP(w, r)
	return w.Result()
}

// secret is a valid HARDEN_SECRETS value for production tests.
var secret = keys.NewSecret()

var (
	policyNonce = regexp.MustCompile(`script-src 'strict-dynamic' https: 'unsafe-inline' 'nonce-([A-Za-z0-9_-]{22})'`)
	pageNonce   = regexp.MustCompile(`<script nonce="([^"]+)">`)
)

func TestHomeNonce(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		resp := get(t, a.Handler(), "/")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		pm := policyNonce.FindStringSubmatch(resp.Header.Get("Content-Security-Policy"))
		bm := pageNonce.FindStringSubmatch(string(body))
		if pm == nil || bm == nil {
			t.Fatalf("nonce missing: policy %q, page match %v", resp.Header.Get("Content-Security-Policy"), bm)
		}
		if pm[1] != bm[1] {
			t.Fatalf("page nonce %q differs from policy nonce %q", bm[1], pm[1])
		}
		if seen[pm[1]] {
			t.Fatalf("nonce %q repeated", pm[1])
		}
		seen[pm[1]] = true
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store (the page carries a nonce)", got)
		}
	}
}

func TestRoutes(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
		wantType   string
	}{
		{"/healthz", 200, `{"status":"ok"}` + "\n", "application/json; charset=utf-8"},
		{"/static/app.js", 200, "", "text/javascript; charset=utf-8"},
		{"/static/style.css", 200, "", "text/css; charset=utf-8"},
		{"/static/", 404, `{"error":"Not found","request_id":"test-req-1"}` + "\n", "application/json; charset=utf-8"},
		{"/static/.env", 404, `{"error":"Not found","request_id":"test-req-1"}` + "\n", "application/json; charset=utf-8"},
		{"/static/%2e%2e/app.go", 404, `{"error":"Not found","request_id":"test-req-1"}` + "\n", "application/json; charset=utf-8"},
		{"/nope", 404, `{"error":"Not found","request_id":"test-req-1"}` + "\n", "application/json; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := get(t, a.Handler(), tt.path)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != "" && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
		})
	}
}

func TestSRIMatchesAssets(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	page, _ := io.ReadAll(get(t, a.Handler(), "/").Body)
	for _, asset := range []string{"app.js", "style.css"} {
		if !strings.Contains(string(page), `integrity="`+a.sri[asset]+`"`) {
			t.Errorf("page lacks integrity %s for %s", a.sri[asset], asset)
		}
		body, _ := io.ReadAll(get(t, a.Handler(), "/static/"+asset).Body)
		sri, err := integrityOf(body)
		if err != nil || sri != a.sri[asset] {
			t.Errorf("served %s hashes to %s, page says %s", asset, sri, a.sri[asset])
		}
	}
}

func TestDevelopmentPolicyOverPlainHTTP(t *testing.T) {
	dev := newTestApp(t, Config{Development: true})
	if p := get(t, dev.Handler(), "/").Header.Get("Content-Security-Policy"); strings.Contains(p, "upgrade-insecure-requests") {
		t.Errorf("development over HTTP keeps upgrade-insecure-requests: %q", p)
	}
	prod := newTestApp(t, Config{Secrets: secret, PublicURL: "https://example.com"})
	w := httptest.NewRecorder()
	prod.Handler().ServeHTTP(w, httptest.NewRequest("GET", "https://example.com/", nil))
	if p := w.Header().Get("Content-Security-Policy"); w.Code != 200 || !strings.Contains(p, "upgrade-insecure-requests") {
		t.Errorf("production lacks upgrade-insecure-requests: %q", p)
	}
}

func TestConfigRefused(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"production without secrets", Config{}, ErrNoSecrets},
		{"production without public URL", Config{Secrets: secret}, ErrNoPublicURL},
		{"trusted proxies not addresses", Config{Development: true, TrustedProxies: "proxy.internal"}, testenv.ConfigCause("not an IP address or CIDR range")},
		{"trusted proxies trusting the Internet", Config{Development: true, TrustedProxies: "0.0.0.0/0"}, testenv.ConfigCause("range trusts most of the Internet (needs DangerouslyTrustBroadRanges)")},
		{"trusted hops and a range", Config{Development: true, TrustedProxies: "1,10.0.0.0/8"}, testenv.ConfigCause("not an IP address or CIDR range")},
		{"too many trusted hops", Config{Development: true, TrustedProxies: "17"}, testenv.ConfigCause("trusted_hops must be between 0 and 16")},
		{"insecure allowed origin", Config{Development: true, AllowedOrigins: "https://ok.example, http://app.example.com"}, testenv.ConfigCause("http:// origin needs DangerouslyAllowInsecureOrigins")},
		{"null allowed origin", Config{Development: true, AllowedOrigins: "null"}, testenv.ConfigCause("null and file:// origins are sent by sandboxed and local documents of any site")},
		{"wildcard allowed origin", Config{Development: true, AllowedOrigins: "*"}, testenv.ConfigCause(`"*" cannot be combined with credentials`)},
		{"pattern allowed origin", Config{Development: true, AllowedOrigins: "https://*.example.com"}, testenv.ConfigCause("subdomain pattern with credentials needs DangerouslyAllowSubdomainsWithCredentials")},
		{"short secret", Config{Secrets: "short"}, ErrWeakSecret},
		{"one short secret of two", Config{Secrets: strings.Repeat("a", 32) + ",tiny"}, ErrWeakSecret},
		{"public URL with path", Config{Development: true, PublicURL: "https://example.com/app"}, ErrBadPublicURL},
		{"public URL http in production", Config{Secrets: secret, PublicURL: "http://example.com"}, ErrPublicURLNotHTTPS},
		{"a typed secret", Config{Secrets: "my-application-secret-is-long-enough-now"}, ErrWeakSecret},
		{"no data directory", Config{Development: true}, ErrNoDataDir},
		{"public URL of another scheme", Config{Development: true, PublicURL: "ftp://example.com"}, ErrBadPublicURL},
		{"public URL without host", Config{Development: true, PublicURL: "https://"}, ErrBadPublicURL},
		{"public URL with a trailing dot", Config{Development: true, PublicURL: "https://example.com."}, ErrBadPublicURL},
		{"public URL port with a leading zero", Config{Development: true, PublicURL: "https://example.com:08443"}, ErrBadPublicURL},
		{"public URL with a fragment", Config{Development: true, PublicURL: "https://example.com#x"}, ErrBadPublicURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			_, err := New(tt.cfg)
			if !testenv.MatchConfig(err, tt.want) {
				t.Errorf("New = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestConfigErrorNamesTheSetting(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Development: true, TrustedProxies: "nope"}, `HARDEN_TRUSTED_PROXIES: clientip: trusted_proxies[0] "nope": not an IP address or CIDR range`},
		{Config{Development: true, AllowedOrigins: "null"}, `HARDEN_ALLOWED_ORIGINS: cors: origins[0] "null": null and file:// origins are sent by sandboxed and local documents of any site`},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("New = %v, want %q", err, tt.want)
		}
	}
}

// TestProductionEdge sends requests through the whole production app behind
// one trusted load balancer, with one allowed CORS origin.
func TestProductionEdge(t *testing.T) {
	a := newTestApp(t, Config{
		Secrets:        secret,
		PublicURL:      "https://example.com",
		TrustedProxies: "1",
		AllowedOrigins: "https://app.example.com",
	})
	// Test only: a route that shows who the app thinks the client is.
	a.mux.HandleFunc("GET /test/client", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, clientip.Get(r).Addr.String())
	})
	const (
		lb          = "10.0.0.1:41000" // the trusted load balancer
		misdirected = `{"error":"Misdirected request","request_id":"test-req-1"}` + "\n"
		corsDenied  = `{"error":"CORS request not allowed","request_id":"test-req-1"}` + "\n"
		redirected  = "Redirecting to HTTPS.\n"
		absent      = "<absent>"
	)
	viaLB := func(kv ...string) map[string]string {
		m := map[string]string{"X-Forwarded-Proto": "https"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name       string
		method     string
		url        string
		header     map[string]string
		wantStatus int
		wantBody   string // "*": not compared
		wantHeader map[string]string
	}{
		{"left-most X-Forwarded-For is the client's own claim", "GET", "http://example.com/test/client",
			viaLB("X-Forwarded-For", "6.6.6.6, 203.0.113.7"), 200, "203.0.113.7", nil},
		{"the entry the load balancer wrote is the client", "GET", "http://example.com/test/client",
			viaLB("X-Forwarded-For", "198.51.100.4"), 200, "198.51.100.4", nil},
		{"no forwarding header: the load balancer is the client", "GET", "http://example.com/test/client",
			viaLB(), 200, "10.0.0.1", nil},
		{"IPv4-mapped client address", "GET", "http://example.com/test/client",
			viaLB("X-Forwarded-For", "::ffff:203.0.113.8"), 200, "203.0.113.8", nil},
		{"garbage where the client should be: the proxy is the client", "GET", "http://example.com/test/client",
			viaLB("X-Forwarded-For", "203.0.113.7, not-an-ip"), 200, "10.0.0.1", nil},
		{"plain HTTP with a hostile Host redirects to the public URL", "GET", "http://evil.example/login?next=%2Fadmin", nil,
			301, redirected, map[string]string{"Location": "https://example.com/login?next=%2Fadmin", "Strict-Transport-Security": absent}},
		{"plain HTTP POST keeps its method", "POST", "http://example.com/api/contact", nil,
			308, redirected, map[string]string{"Location": "https://example.com/api/contact"}},
		{"scheme claimed by the client in Forwarded is not read", "GET", "http://example.com/", map[string]string{"Forwarded": "proto=https"},
			301, redirected, map[string]string{"Location": "https://example.com/"}},
		{"hostile Host over HTTPS", "GET", "http://evil.example/", viaLB(),
			421, misdirected, map[string]string{"Content-Type": "application/json; charset=utf-8", "Strict-Transport-Security": "max-age=63072000; includeSubDomains"}},
		{"hostile forwarded host", "GET", "http://example.com/", viaLB("X-Forwarded-Host", "evil.example"),
			421, misdirected, nil},
		{"health check by address over plain HTTP", "GET", "http://10.0.0.5:3000/healthz", nil,
			200, `{"status":"ok"}` + "\n", nil},
		{"the page over HTTPS", "GET", "http://example.com/", viaLB(), 200, "*",
			map[string]string{"Content-Type": "text/html; charset=utf-8", "Vary": "Origin"}},
		{"preflight from the allowed origin", "OPTIONS", "http://example.com/api/contact",
			viaLB("Origin", "https://app.example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type, x-csrf-token"),
			204, "", map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Headers":     "content-type, x-csrf-token",
				"Access-Control-Max-Age":           "600",
				"Vary":                             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
			}},
		{"preflight from another origin", "OPTIONS", "http://example.com/api/contact",
			viaLB("Origin", "https://evil.example", "Access-Control-Request-Method", "POST"),
			403, corsDenied, map[string]string{"Access-Control-Allow-Origin": absent, "Access-Control-Allow-Credentials": absent}},
		{"preflight for a header not allowed", "OPTIONS", "http://example.com/api/contact",
			viaLB("Origin", "https://app.example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-secret"),
			403, corsDenied, map[string]string{"Access-Control-Allow-Origin": absent}},
		{"simple request from the allowed origin", "GET", "http://example.com/healthz", viaLB("Origin", "https://app.example.com"),
			200, `{"status":"ok"}` + "\n", map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Allow-Credentials": "true",
				"Vary":                             "Origin",
			}},
		{"refusals keep the CORS answer", "GET", "http://example.com/api/nope", viaLB("Origin", "https://app.example.com"),
			404, `{"error":"Not found","request_id":"test-req-1"}` + "\n", map[string]string{"Access-Control-Allow-Origin": "https://app.example.com", "Vary": "Origin"}},
		{"simple request from another origin", "GET", "http://example.com/healthz", viaLB("Origin", "https://evil.example"),
			200, `{"status":"ok"}` + "\n", map[string]string{"Access-Control-Allow-Origin": absent, "Vary": "Origin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			r.RemoteAddr = lb
			r.Header.Set("X-Request-ID", testID)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			a.Handler().ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Body.String(); tt.wantBody != "*" && got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				got, ok := w.Header()[http.CanonicalHeaderKey(k)]
				switch {
				case want == absent && ok:
					t.Errorf("%s = %q, want none", k, got)
				case want != absent && strings.Join(got, ", ") != want:
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			// The security headers are on every answer, refusals and
			// redirects included.
			if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Frame-Options") != "DENY" ||
				w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", w.Header())
			}
		})
	}
}

func TestDevelopmentHosts(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		url        string
		wantStatus int
		wantBody   string
	}{
		{"localhost", Config{Development: true}, "http://localhost:3000/healthz", 200, `{"status":"ok"}` + "\n"},
		{"loopback address", Config{Development: true}, "http://127.0.0.1:3000/", 200, "*"},
		{"DNS rebinding name", Config{Development: true}, "http://rebind.evil.example:3000/",
			421, `{"error":"Misdirected request","detail":"allowedhosts: host not allowed","request_id":"test-req-1"}` + "\n"},
		{"public URL host", Config{Development: true, PublicURL: "http://dev.example:3000"}, "http://dev.example:3000/", 200, "*"},
		{"public URL host on another port", Config{Development: true, PublicURL: "http://dev.example:3000"}, "http://dev.example:4000/",
			421, `{"error":"Misdirected request","detail":"allowedhosts: host not allowed","request_id":"test-req-1"}` + "\n"},
		{"no HTTPS redirect in development", Config{Development: true, PublicURL: "https://dev.example"}, "http://dev.example/", 200, "*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newTestApp(t, tt.cfg)
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", tt.url, nil)
			r.Header.Set("X-Request-ID", testID)
			a.Handler().ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Body.String(); tt.wantBody != "*" && got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

// TestStaticRevalidation checks that a browser revalidating an asset (its
// Cache-Control is no-cache) gets 304 without the body, and that the 304
// keeps every security header of the 200: the embedded assets have no
// modification time, so their validator is an ETag.
func TestStaticRevalidation(t *testing.T) {
	a := newTestApp(t, Config{Secrets: secret, PublicURL: "https://example.com"})
	do := func(h http.Header) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "https://example.com/static/app.js", nil)
		r.Header = h
		a.Handler().ServeHTTP(w, r)
		return w
	}
	first := do(http.Header{})
	tag := first.Header().Get("ETag")
	if first.Code != 200 || tag == "" || first.Body.Len() == 0 {
		t.Fatalf("first GET: %d, ETag %q, %d bytes", first.Code, tag, first.Body.Len())
	}
	again := do(http.Header{"If-None-Match": {tag}})
	if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != tag {
		t.Fatalf("revalidation: %d, ETag %q, body %q; want 304, %q, no body", again.Code, again.Header().Get("ETag"), again.Body, tag)
	}
	for _, name := range []string{"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
		"X-Frame-Options", "Cross-Origin-Resource-Policy", "Referrer-Policy", "Cache-Control"} {
		if got, want := again.Header().Get(name), first.Header().Get(name); name != "Content-Security-Policy" && got != want || got == "" {
			t.Errorf("304 %s = %q, want %q", name, got, want)
		}
	}
	if changed := do(http.Header{"If-None-Match": {`"stale"`}}); changed.Code != 200 || changed.Body.String() != first.Body.String() {
		t.Errorf("stale tag: %d, want 200 with the file", changed.Code)
	}
}

// TestStaticRangeRefusal checks that a Range beyond an asset's end is the
// app's JSON 416 with the request id and the security headers, not
// net/http's plain-text parser error.
func TestStaticRangeRefusal(t *testing.T) {
	a := newTestApp(t, Config{Secrets: secret, PublicURL: "https://example.com"})
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "https://example.com/static/app.js", nil)
	r.Header.Set("Range", "bytes=99999-")
	r.Header.Set("X-Request-ID", testID)
	a.Handler().ServeHTTP(w, r)
	want := `{"error":"Range not satisfiable","request_id":"test-req-1"}` + "\n"
	if w.Code != http.StatusRequestedRangeNotSatisfiable || w.Body.String() != want {
		t.Errorf("got %d %q, want 416 %q", w.Code, w.Body.String(), want)
	}
	if !strings.HasPrefix(w.Header().Get("Content-Range"), "bytes */") || w.Header().Get("Content-Type") != "application/json; charset=utf-8" ||
		w.Header().Get("Strict-Transport-Security") == "" || w.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("headers: %v", w.Header())
	}
}
