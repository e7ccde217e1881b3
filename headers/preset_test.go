package headers

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/configerr"
)

func TestPresetStrictPolicy(t *testing.T) {
	tests := []struct {
		name string
		csp  CSP
		want string // with N for the nonce
	}{
		{"plain", CSP{Preset: presetStrict},
			"default-src 'self';base-uri 'none';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';" +
				"img-src 'self' data:;object-src 'none';script-src 'strict-dynamic' https: 'unsafe-inline' 'nonce-N';" +
				"script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests;" +
				"require-trusted-types-for 'script'"},
		{"trusted types and reporting", CSP{Preset: presetStrict, TrustedTypes: []string{"app", "'allow-duplicates'"}, ReportURL: "/csp-report"},
			"default-src 'self';base-uri 'none';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';" +
				"img-src 'self' data:;object-src 'none';script-src 'strict-dynamic' https: 'unsafe-inline' 'nonce-N';" +
				"script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests;" +
				"require-trusted-types-for 'script';trusted-types app 'allow-duplicates';" +
				"report-uri /csp-report;report-to csp-endpoint"},
		{"directive overridden", CSP{Preset: presetStrict, Directives: map[string][]string{"frame-ancestors": {"'none'"}}},
			"default-src 'self';base-uri 'none';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';" +
				"img-src 'self' data:;object-src 'none';script-src 'strict-dynamic' https: 'unsafe-inline' 'nonce-N';" +
				"script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests;" +
				"require-trusted-types-for 'script'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := servePage(t, Config{CSP: tt.csp}, httptest.NewRequest("GET", "/", nil))
			got := w.Header().Get("Content-Security-Policy")
			got = nonceRE.ReplaceAllString(got, "'nonce-N'")
			if got != tt.want {
				t.Errorf("policy\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	w := servePage(t, Config{CSP: CSP{Preset: presetStrict, ReportURL: "/csp-report"}}, httptest.NewRequest("GET", "/", nil))
	if got := w.Header().Get("Reporting-Endpoints"); got != `csp-endpoint="/csp-report"` {
		t.Errorf("Reporting-Endpoints = %q", got)
	}
}

func TestPresetErrors(t *testing.T) {
	tests := []struct {
		name string
		csp  CSP
		want string
	}{
		{"unknown preset", CSP{Preset: "google"}, `headers: csp.preset "google": not a preset; the one preset is "strict"`},
		{"drop defaults", CSP{Preset: presetStrict, DropDefaults: true}, `headers: csp.drop_defaults "true": contradicts preset "strict"; set one of them`},
		{"trusted types without preset", CSP{TrustedTypes: []string{"app"}}, `headers: csp.trusted_types: needs preset "strict" (or a trusted-types directive)`},
		{"injected policy name", CSP{Preset: presetStrict, TrustedTypes: []string{"app;script-src *"}}, `headers: csp.trusted_types[0] "app;script-src *": not a Trusted Types policy name`},
		{"CRLF policy name", CSP{Preset: presetStrict, TrustedTypes: []string{"a\r\nX-Evil: 1"}}, `headers: csp.trusted_types[0] "a\r\nX-Evil: 1": not a Trusted Types policy name`},
		{"require-trusted-types-for value", CSP{Directives: map[string][]string{"require-trusted-types-for": {"'style'"}}},
			`headers: csp.directives.require-trusted-types-for[0] "'style'": the only value is 'script'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(Config{CSP: tt.csp})
			if h != nil {
				t.Error("New returned a header set for an invalid configuration")
			}
			var ce *configerr.Error
			if !errors.As(err, &ce) || err.Error() != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
	// Trusted Types directives through Directives, without the preset.
	h, err := New(Config{CSP: CSP{Directives: map[string][]string{
		"require-trusted-types-for": {"'script'"}, "trusted-types": {"app", "'none'"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if p := h.Policy(""); !strings.HasSuffix(p, ";require-trusted-types-for 'script';trusted-types app 'none'") {
		t.Errorf("policy %q", p)
	}
}

// TestPresetStrictWithoutNonce: a response that draws no nonce (a JSON
// answer, a proxy's Policy("")) gets script-src 'none', never a
// 'strict-dynamic' whose fallbacks would let older browsers run any script.
func TestPresetStrictWithoutNonce(t *testing.T) {
	cfg := Config{CSP: CSP{Preset: presetStrict}}
	w, nonce := drawn(t, cfg, httpsRequest("GET", "/api"), writeJSON)
	want := "default-src 'self';base-uri 'none';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';" +
		"img-src 'self' data:;object-src 'none';script-src 'none';" +
		"script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests;" +
		"require-trusted-types-for 'script'"
	if got := w.Header().Get("Content-Security-Policy"); nonce || got != want {
		t.Errorf("JSON answer: nonce drawn %v, policy\n got %q\nwant %q", nonce, got, want)
	}
	h, _ := New(cfg)
	if got := h.Policy(""); got != want {
		t.Errorf("Policy(\"\") = %q, want %q", got, want)
	}
	// A hash keeps 'strict-dynamic' meaningful without the nonce.
	h, err := New(Config{CSP: CSP{Preset: presetStrict, Directives: map[string][]string{
		"script-src": {"'strict-dynamic'", "'sha256-AAAA'"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Policy(""); !strings.Contains(got, ";script-src 'strict-dynamic' 'sha256-AAAA';") {
		t.Errorf("Policy(\"\") with a hash = %q", got)
	}
}
