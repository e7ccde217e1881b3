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

	"github.com/harden-go/harden/internal/configerr"
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
			"Permissions-Policy":           restrictivePermissionsPolicy,
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

// TestConfigErrors lists every Config New refuses, with the exact message.
func TestConfigErrors(t *testing.T) {
	const allow = "; or set csp.dangerously_allow_unsafe_scripts"
	script := func(vals ...string) Config {
		return Config{CSP: CSP{Directives: map[string][]string{"script-src": vals}}}
	}
	tests := []struct {
		name  string
		cfg   Config
		field string
		want  string
	}{
		{"CRLF in source", Config{CSP: CSP{Directives: map[string][]string{"img-src": {"x\r\nSet-Cookie: a=b"}}}}, "csp.directives.img-src",
			`headers: csp.directives.img-src[0] "x\r\nSet-Cookie: a=b": contains a forbidden character (control, space, ; or ,)`},
		{"NUL in source", Config{CSP: CSP{Directives: map[string][]string{"img-src": {"a\x00b"}}}}, "csp.directives.img-src",
			`headers: csp.directives.img-src[0] "a\x00b": contains a forbidden character (control, space, ; or ,)`},
		{"semicolon in source", Config{CSP: CSP{Directives: map[string][]string{"img-src": {"a;script-src *"}}}}, "csp.directives.img-src",
			`headers: csp.directives.img-src[0] "a;script-src *": contains a forbidden character (control, space, ; or ,)`},
		{"bad directive name", Config{CSP: CSP{Directives: map[string][]string{"Script Src": {"'self'"}}}}, "csp.directives",
			`headers: csp.directives "Script Src": invalid directive name`},
		{"misspelt directive", Config{CSP: CSP{Directives: map[string][]string{"scirpt-src": {"'self'"}}}}, "csp.directives",
			`headers: csp.directives "scirpt-src": not a CSP directive; did you mean "script-src"?`},
		{"unknown directive", Config{CSP: CSP{Directives: map[string][]string{"navigate-to": {"'self'"}}}}, "csp.directives",
			`headers: csp.directives "navigate-to": not a CSP directive (CSP Level 3, Trusted Types or upgrade-insecure-requests)`},
		{"unquoted keyword", script("self"), "csp.directives.script-src",
			`headers: csp.directives.script-src[0] "self": a keyword, nonce or hash must be single-quoted`},
		{"unknown quoted keyword", script("'selfish'"), "csp.directives.script-src",
			`headers: csp.directives.script-src[0] "'selfish'": not a known keyword or hash`},
		{"static nonce", script("'nonce-abc'"), "csp.directives.script-src",
			`headers: csp.directives.script-src[0] "'nonce-abc'": static nonces defeat CSP; use csp.nonce for a fresh nonce per response`},
		{"none beside sources", Config{CSP: CSP{Directives: map[string][]string{"object-src": {"'none'", "https://cdn.example"}}}}, "csp.directives.object-src",
			`headers: csp.directives.object-src "'none' https://cdn.example": 'none' must be the only source of a directive`},
		{"unsafe-inline", script("'self'", "'unsafe-inline'"), "csp.directives.script-src",
			`headers: csp.directives.script-src "'unsafe-inline'": lets injected inline scripts and event handlers run (XSS); use csp.nonce or a hash source` + allow},
		{"unsafe-inline in strict mode", Config{CSP: CSP{Preset: presetStrict, Directives: map[string][]string{"script-src": {"'self'", "'unsafe-inline'"}}}}, "csp.directives.script-src",
			`headers: csp.directives.script-src "'unsafe-inline'": lets injected inline scripts and event handlers run (XSS); use csp.nonce or a hash source` + allow},
		{"unsafe-inline with a nonce but no strict-dynamic", Config{CSP: CSP{Nonce: true, Directives: map[string][]string{"script-src": {"'unsafe-inline'", "https:"}}}}, "csp.directives.script-src",
			"headers: csp.directives.script-src \"'unsafe-inline'\": lets injected inline scripts and event handlers run (XSS); use csp.nonce or a hash source" + allow + "\n" +
				`headers: csp.directives.script-src "https:": lets scripts load from any https host; list the hosts, or use csp.nonce` + allow},
		{"unsafe-eval", script("'self'", "'unsafe-eval'"), "csp.directives.script-src",
			`headers: csp.directives.script-src "'unsafe-eval'": lets strings become code (eval, new Function), the sink of DOM XSS; remove it` + allow},
		{"unsafe-eval in the strict preset", Config{CSP: CSP{Preset: presetStrict, Directives: map[string][]string{"script-src": {"'strict-dynamic'", "https:", "'unsafe-inline'", "'unsafe-eval'"}}}}, "csp.directives.script-src",
			`headers: csp.directives.script-src "'unsafe-eval'": lets strings become code (eval, new Function), the sink of DOM XSS; remove it` + allow},
		{"data:", script("'self'", "data:"), "csp.directives.script-src",
			`headers: csp.directives.script-src "data:": lets an injection run a script from a data: URL it writes itself; remove it` + allow},
		{"wildcard", script("*"), "csp.directives.script-src",
			`headers: csp.directives.script-src "*": lets scripts load from any host; list the hosts, or use csp.nonce` + allow},
		{"https: alone", script("https:"), "csp.directives.script-src",
			`headers: csp.directives.script-src "https:": lets scripts load from any https host; list the hosts, or use csp.nonce` + allow},
		{"http:", script("'self'", "http:"), "csp.directives.script-src",
			`headers: csp.directives.script-src "http:": lets scripts load from any host, in clear text; list the hosts, or use csp.nonce` + allow},
		{"default-src without script-src", Config{CSP: CSP{Remove: []string{"script-src"}, Directives: map[string][]string{"default-src": {"'self'", "'unsafe-inline'"}}}}, "csp.directives.default-src",
			`headers: csp.directives.default-src "'unsafe-inline'": lets injected inline scripts and event handlers run (XSS); use csp.nonce or a hash source` + allow},
		{"inline event handlers", Config{CSP: CSP{Directives: map[string][]string{"script-src-attr": {"'unsafe-inline'"}}}}, "csp.directives.script-src-attr",
			`headers: csp.directives.script-src-attr "'unsafe-inline'": lets injected inline scripts and event handlers run (XSS); use csp.nonce or a hash source` + allow},
		{"no default-src", Config{CSP: CSP{DropDefaults: true, Directives: map[string][]string{"script-src": {"'self'"}}}}, "csp.directives",
			`headers: csp.directives: the policy must set default-src (the fallback for every fetch directive)`},
		{"remove unknown", Config{CSP: CSP{Remove: []string{"nope-src"}}}, "csp.remove", `headers: csp.remove[0] "nope-src": not a directive of the policy`},
		{"style nonce alone", Config{CSP: CSP{StyleNonce: true}}, "csp.style_nonce", `headers: csp.style_nonce "true": needs nonce`},
		{"strict-dynamic without nonce", Config{CSP: CSP{StrictDynamic: true}}, "csp.strict_dynamic",
			`headers: csp.strict_dynamic "true": needs nonce or a hash source in script-src`},
		{"report URL http", Config{CSP: CSP{ReportURL: "http://example.com/r"}}, "csp.report_url",
			`headers: csp.report_url "http://example.com/r": must be a path or an absolute https URL`},
		{"report URL CRLF", Config{CSP: CSP{ReportURL: "/r\r\nX: y"}}, "csp.report_url", `headers: csp.report_url "/r\r\nX: y": contains a forbidden character`},
		{"preload short", Config{HSTS: HSTS{MaxAge: 86400, Preload: true}}, "hsts.preload",
			`headers: hsts.preload "true": preload lists require max_age of at least 31536000 and includeSubDomains (no_subdomains false)`},
		{"preload no subdomains", Config{HSTS: HSTS{NoSubDomains: true, Preload: true}}, "hsts.preload",
			`headers: hsts.preload "true": preload lists require max_age of at least 31536000 and includeSubDomains (no_subdomains false)`},
		{"negative max-age", Config{HSTS: HSTS{MaxAge: -1}}, "hsts.max_age", `headers: hsts.max_age "-1": must not be negative; 0 means the default, 31536000 (a year)`},
		{"bad COOP", Config{CrossOriginOpenerPolicy: "same-origin\r\nX: y"}, "cross_origin_opener_policy",
			`headers: cross_origin_opener_policy "same-origin\r\nX: y": not one of same-origin, same-origin-allow-popups, noopener-allow-popups, unsafe-none`},
		{"bad CORP", Config{CrossOriginResourcePolicy: "everyone"}, "cross_origin_resource_policy",
			`headers: cross_origin_resource_policy "everyone": not one of same-origin, same-site, cross-origin`},
		{"bad COEP", Config{CrossOriginEmbedderPolicy: "maybe"}, "cross_origin_embedder_policy",
			`headers: cross_origin_embedder_policy "maybe": not one of require-corp, credentialless, unsafe-none`},
		{"unsafe referrer", Config{ReferrerPolicy: "unsafe-url"}, "referrer_policy",
			`headers: referrer_policy "unsafe-url": leaks full URLs to other origins; use strict-origin-when-cross-origin or no-referrer`},
		{"unknown referrer", Config{ReferrerPolicy: "nobody"}, "referrer_policy", `headers: referrer_policy "nobody": not a referrer policy`},
		{"ALLOW-FROM", Config{FrameOptions: "ALLOW-FROM https://a.example"}, "frame_options",
			`headers: frame_options "ALLOW-FROM https://a.example": not one of SAMEORIGIN, DENY`},
		{"bad cross-domain", Config{PermittedCrossDomainPolicies: "some"}, "permitted_cross_domain_policies",
			`headers: permitted_cross_domain_policies "some": not one of none, master-only, by-content-type, all`},
		{"bad dns prefetch", Config{DNSPrefetchControl: "maybe"}, "dns_prefetch_control", `headers: dns_prefetch_control "maybe": not one of off, on`},
		{"permissions CRLF", Config{PermissionsPolicy: "camera=()\r\nX: y"}, "permissions_policy",
			`headers: permissions_policy "camera=()\r\nX: y": contains a control character`},
		{"permissions syntax", Config{PermissionsPolicy: "camera"}, "permissions_policy", `headers: permissions_policy "camera": not a feature=allowlist member`},
		{"omit unknown", Config{Omit: []string{"Server"}}, "omit", `headers: omit[0] "Server": not a header this package sets`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New = %v, nil; want an error for %s", h, tt.field)
			}
			var ce *configerr.Error
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v is not a *configerr.Error", err)
			}
			if ce.Field != tt.field {
				t.Errorf("error field = %q, want %q (%v)", ce.Field, tt.field, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("message\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if _, err := New(Config{Omit: knownHeaders}); err != errNoHeaders {
		t.Errorf("omitting everything: err = %v, want %v", err, errNoHeaders)
	}
}

// TestScriptSourcesAccepted lists the script policies New accepts beside
// the refusals above: the strict preset's fallback, the same fallback with
// a hash instead of the nonce, and the escape hatch.
func TestScriptSourcesAccepted(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
	}{
		{"default", Config{}},
		{"strict config", Strict()},
		{"strict preset", Config{CSP: CSP{Preset: presetStrict}}},
		{"strict preset, explicit fallback", Config{CSP: CSP{Preset: presetStrict, Directives: map[string][]string{
			"script-src": {"'strict-dynamic'", "'unsafe-inline'", "https:", "'report-sample'"}}}}},
		{"hash with strict-dynamic", Config{CSP: CSP{Directives: map[string][]string{
			"script-src": {"'sha256-RFWPLDbv2BY+rCkDzsE+0fr8ylGr2R2faWMhq4lfEQc='", "'strict-dynamic'", "'unsafe-inline'", "https:"}}}}},
		{"nonce option with strict-dynamic", Config{CSP: CSP{Nonce: true, StrictDynamic: true, Directives: map[string][]string{
			"script-src": {"'unsafe-inline'", "https:"}}}}},
		{"escape hatch", Config{CSP: CSP{DangerouslyAllowUnsafeScripts: true, Directives: map[string][]string{
			"script-src": {"'self'", "'unsafe-inline'", "'unsafe-eval'", "data:", "*"}}}}},
		{"unsafe-inline styles", Config{CSP: CSP{Directives: map[string][]string{"style-src": {"'self'", "'unsafe-inline'"}}}}},
		{"trusted types names", Config{CSP: CSP{Directives: map[string][]string{"trusted-types": {"app", "'allow-duplicates'"}}}}},
	} {
		if _, err := New(tt.cfg); err != nil {
			t.Errorf("%s: New = %v, want no error", tt.name, err)
		}
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
