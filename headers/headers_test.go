package headers

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// render returns the response headers as sorted "Name: value" lines.
func render(h http.Header) string {
	var lines []string
	for k, vs := range h {
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}

func serve(t *testing.T, cfg Config, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	return serveWith(t, cfg, r, func(w http.ResponseWriter, r *http.Request) {})
}

// servePage answers r with a small HTML page.
func servePage(t *testing.T, cfg Config, r *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	return serveWith(t, cfg, r, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<p>hello</p>"))
	})
}

func serveWith(t *testing.T, cfg Config, r *http.Request, handler http.HandlerFunc) *httptest.ResponseRecorder {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	w := httptest.NewRecorder()
	h.Handler(handler).ServeHTTP(w, r)
	return w
}

// TestDefaultGolden checks the zero Config against helmet 8.3.0's defaults,
// recorded in testdata/helmet-default.golden.
func TestDefaultGolden(t *testing.T) {
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.TLS = &tls.ConnectionState{}
	got := render(serve(t, Config{}, r).Header())
	want, err := os.ReadFile("testdata/helmet-default.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("default headers:\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestHSTSOnlyOverHTTPS(t *testing.T) {
	plain := serve(t, Config{}, httptest.NewRequest("GET", "http://example.com/", nil))
	if v := plain.Header().Get("Strict-Transport-Security"); v != "" {
		t.Errorf("plain HTTP got HSTS %q, want none", v)
	}
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.TLS = &tls.ConnectionState{}
	if v := serve(t, Config{}, r).Header().Get("Strict-Transport-Security"); v != "max-age=31536000; includeSubDomains" {
		t.Errorf("HTTPS got HSTS %q", v)
	}
}

var nonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9_-]{22})'`)

func TestNoncePerRequest(t *testing.T) {
	h, err := New(Strict())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		var inHandler string
		w := httptest.NewRecorder()
		h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			inHandler = Nonce(r)
		})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		m := nonceRE.FindStringSubmatch(w.Header().Get("Content-Security-Policy"))
		if m == nil {
			t.Fatalf("no nonce in policy %q", w.Header().Get("Content-Security-Policy"))
		}
		if m[1] != inHandler {
			t.Fatalf("Nonce(r) = %q, header nonce %q", inHandler, m[1])
		}
		if seen[m[1]] {
			t.Fatalf("nonce %q repeated", m[1])
		}
		seen[m[1]] = true
	}
}

func TestStyleNonceSameAsScript(t *testing.T) {
	cfg := Config{CSP: CSP{Nonce: true, StyleNonce: true}}
	w := servePage(t, cfg, httptest.NewRequest("GET", "/", nil))
	policy := w.Header().Get("Content-Security-Policy")
	m := nonceRE.FindAllStringSubmatch(policy, -1)
	if len(m) != 2 || m[0][1] != m[1][1] {
		t.Fatalf("policy %q: want the same nonce in script-src and style-src", policy)
	}
	if strings.Contains(policy, "unsafe-inline") {
		t.Errorf("policy %q keeps 'unsafe-inline' beside a style nonce", policy)
	}
	want := "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
		"frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self' 'nonce-" + m[0][1] +
		"';script-src-attr 'none';style-src 'self' https: 'nonce-" + m[0][1] + "';upgrade-insecure-requests"
	if policy != want {
		t.Errorf("policy\n got %q\nwant %q", policy, want)
	}
}

func TestNonceWithoutHandler(t *testing.T) {
	if got := Nonce(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Errorf("Nonce without middleware = %q, want empty", got)
	}
}

func TestPresets(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want map[string]string
	}{
		{"strict", Strict(), map[string]string{
			"X-Frame-Options":              "DENY",
			"Cross-Origin-Embedder-Policy": "require-corp",
			"Permissions-Policy":           RestrictivePermissionsPolicy,
		}},
		{"api", API(), map[string]string{
			"Content-Security-Policy": "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
			"X-Frame-Options":         "DENY",
		}},
		{"report-only", Config{CSP: CSP{ReportOnly: true, ReportURL: "/csp-report"}}, map[string]string{
			"Content-Security-Policy": "",
			"Reporting-Endpoints":     `csp-endpoint="/csp-report"`,
		}},
		{"omit", Config{Omit: []string{"x-frame-options", "X-Download-Options"}}, map[string]string{
			"X-Frame-Options":        "",
			"X-Download-Options":     "",
			"X-Content-Type-Options": "nosniff",
		}},
		{"hsts-preload", Config{HSTS: HSTS{MaxAge: 63072000, Preload: true}}, map[string]string{
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.TLS = &tls.ConnectionState{}
			h := serve(t, tt.cfg, r).Header()
			for k, want := range tt.want {
				if got := h.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
	// The strict policy: default-src 'none', a nonce, no unsafe-inline.
	w := servePage(t, Strict(), httptest.NewRequest("GET", "/", nil))
	p := w.Header().Get("Content-Security-Policy")
	if !strings.HasPrefix(p, "default-src 'none';") || !nonceRE.MatchString(p) || strings.Contains(p, "unsafe") {
		t.Errorf("strict policy %q", p)
	}
	ro := serve(t, Config{CSP: CSP{ReportOnly: true, ReportURL: "/csp-report"}}, httptest.NewRequest("GET", "/", nil))
	if got := ro.Header().Get("Content-Security-Policy-Report-Only"); !strings.HasSuffix(got, ";report-uri /csp-report;report-to csp-endpoint") {
		t.Errorf("report-only policy %q", got)
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
	}{
		{"CRLF in source", Config{CSP: CSP{Directives: map[string][]string{"img-src": {"x\r\nSet-Cookie: a=b"}}}}, `CSP.Directives["img-src"]`},
		{"NUL in source", Config{CSP: CSP{Directives: map[string][]string{"img-src": {"a\x00b"}}}}, `CSP.Directives["img-src"]`},
		{"semicolon in source", Config{CSP: CSP{Directives: map[string][]string{"img-src": {"a;script-src *"}}}}, `CSP.Directives["img-src"]`},
		{"bad directive name", Config{CSP: CSP{Directives: map[string][]string{"Script Src": {"'self'"}}}}, `CSP.Directives["Script Src"]`},
		{"unquoted keyword", Config{CSP: CSP{Directives: map[string][]string{"script-src": {"self"}}}}, `CSP.Directives["script-src"]`},
		{"unknown quoted keyword", Config{CSP: CSP{Directives: map[string][]string{"script-src": {"'selfish'"}}}}, `CSP.Directives["script-src"]`},
		{"static nonce", Config{CSP: CSP{Directives: map[string][]string{"script-src": {"'nonce-abc'"}}}}, `CSP.Directives["script-src"]`},
		{"no default-src", Config{CSP: CSP{DropDefaults: true, Directives: map[string][]string{"script-src": {"'self'"}}}}, "CSP.Directives"},
		{"remove unknown", Config{CSP: CSP{Remove: []string{"nope-src"}}}, "CSP.Remove"},
		{"style nonce alone", Config{CSP: CSP{StyleNonce: true}}, "CSP.StyleNonce"},
		{"strict-dynamic without nonce", Config{CSP: CSP{StrictDynamic: true}}, "CSP.StrictDynamic"},
		{"report URL http", Config{CSP: CSP{ReportURL: "http://example.com/r"}}, "CSP.ReportURL"},
		{"report URL CRLF", Config{CSP: CSP{ReportURL: "/r\r\nX: y"}}, "CSP.ReportURL"},
		{"preload short", Config{HSTS: HSTS{MaxAge: 86400, Preload: true}}, "HSTS.Preload"},
		{"preload no subdomains", Config{HSTS: HSTS{NoSubDomains: true, Preload: true}}, "HSTS.Preload"},
		{"negative max-age", Config{HSTS: HSTS{MaxAge: -1}}, "HSTS.MaxAge"},
		{"bad COOP", Config{CrossOriginOpenerPolicy: "same-origin\r\nX: y"}, "CrossOriginOpenerPolicy"},
		{"bad CORP", Config{CrossOriginResourcePolicy: "everyone"}, "CrossOriginResourcePolicy"},
		{"bad COEP", Config{CrossOriginEmbedderPolicy: "maybe"}, "CrossOriginEmbedderPolicy"},
		{"unsafe referrer", Config{ReferrerPolicy: "unsafe-url"}, "ReferrerPolicy"},
		{"unknown referrer", Config{ReferrerPolicy: "nobody"}, "ReferrerPolicy"},
		{"ALLOW-FROM", Config{FrameOptions: "ALLOW-FROM https://a.example"}, "FrameOptions"},
		{"bad cross-domain", Config{PermittedCrossDomainPolicies: "some"}, "PermittedCrossDomainPolicies"},
		{"bad dns prefetch", Config{DNSPrefetchControl: "maybe"}, "DNSPrefetchControl"},
		{"permissions CRLF", Config{PermissionsPolicy: "camera=()\r\nX: y"}, "PermissionsPolicy"},
		{"permissions syntax", Config{PermissionsPolicy: "camera"}, "PermissionsPolicy"},
		{"omit unknown", Config{Omit: []string{"Server"}}, "Omit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New = %v, nil; want an error for %s", h, tt.field)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Errorf("error field = %q, want %q (%v)", ce.Field, tt.field, err)
			}
		})
	}
	if _, err := New(Config{Omit: knownHeaders}); err != errNoHeaders {
		t.Errorf("omitting everything: err = %v, want %v", err, errNoHeaders)
	}
}

func TestSetHeadersForProxy(t *testing.T) {
	h, err := New(Strict())
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{}
	h.SetHeaders(hdr, false)
	if hdr.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS set for a plain-HTTP client")
	}
	if p := hdr.Get("Content-Security-Policy"); strings.Contains(p, "nonce") || !strings.HasPrefix(p, "default-src 'none'") {
		t.Errorf("proxy policy %q", p)
	}
	h.SetHeaders(hdr, true)
	if hdr.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS for an HTTPS client")
	}
}

// FuzzConfig checks that no configuration New accepts can put CR, LF or NUL
// into a header value.
func FuzzConfig(f *testing.F) {
	f.Add("script-src", "'self'", "/report", "camera=()", "no-referrer", "same-origin", true)
	f.Add("img-src", "https:\r\nX: y", "https://r.example/x", "geolocation=(self)", "origin", "DENY", false)
	f.Add("default-src", "'sha256-abc='", "/r\x00", "a=*", "strict-origin,origin", "SAMEORIGIN", true)
	f.Add("x", "'nonce-x'", "", "", "", "", false)
	f.Fuzz(func(t *testing.T, name, source, report, permissions, referrer, frame string, nonce bool) {
		cfg := Config{
			CSP: CSP{
				Directives: map[string][]string{name: {source}},
				Nonce:      nonce,
				ReportURL:  report,
			},
			PermissionsPolicy: permissions,
			ReferrerPolicy:    referrer,
			FrameOptions:      frame,
		}
		h, err := New(cfg)
		if err != nil {
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.TLS = &tls.ConnectionState{}
		w := httptest.NewRecorder()
		h.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
		for k, vs := range w.Header() {
			for _, v := range vs {
				if strings.ContainsAny(v, "\r\n\x00") {
					t.Fatalf("header %s has a control character: %q", k, v)
				}
			}
		}
	})
}

// nopWriter is a ResponseWriter whose header map is reused, so benchmarks
// measure the middleware rather than net/http's map growth.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchmark(b *testing.B, cfg Config) {
	h, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	handler := h.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		handler.ServeHTTP(w, r)
	}
}

func BenchmarkHeaders(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchmark(b, Config{}) })
	b.Run("nonce", func(b *testing.B) { benchmark(b, Config{CSP: CSP{Nonce: true}}) })
	b.Run("strict-nonce", func(b *testing.B) { benchmark(b, Strict()) })
}

func ExampleNonce() {
	h, err := New(Config{CSP: CSP{Nonce: true}})
	if err != nil {
		panic(err)
	}
	page := h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// In an html/template: <script nonce="{{.Nonce}}">…</script>
		fmt.Fprintf(w, "<script nonce=%q>hello()</script>", Nonce(r))
	}))
	w := httptest.NewRecorder()
	page.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	fmt.Println(strings.Contains(w.Header().Get("Content-Security-Policy"), "'nonce-"))
	// Output: true
}

func ExampleNew() {
	h, err := New(Config{
		CSP: CSP{Directives: map[string][]string{
			"img-src": {"'self'", "https://images.example.com"},
		}},
		FrameOptions: "DENY",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Policy(""))
	// Output: default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' https://images.example.com;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests
}
