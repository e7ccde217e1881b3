package scan

import (
	"strings"
	"testing"
)

// observatoryCases are the header values of the Observatory's own unit
// tests (test/*.test.js of the pinned release), each sent in place of one
// header of strictHeaders, with the result, modifier, grade and score the
// pinned Observatory gives for that response. The agreement test checks
// the same cases against a running Observatory; this table keeps them
// checked where Node is not installed.
var observatoryCases = []struct {
	header, value, result string
	modifier              int
	pass                  bool
	grade                 string
	score                 int
}{
	// Content-Security-Policy
	{"Content-Security-Policy", "result", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "numPolicies", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "pass", "csp-header-invalid", -25, false, "B", 75},
	{"Content-Security-Policy", "default-src 'none'; default-src 'none'", "csp-header-invalid", -25, false, "B", 75},
	{"Content-Security-Policy", "default-src 'none'; img-src 'self'; default-src 'none'", "csp-header-invalid", -25, false, "B", 75},
	{"Content-Security-Policy", "default-src 'none'; script-src 'strict-dynamic'", "csp-header-invalid", -25, false, "B", 75},
	{"Content-Security-Policy", "defa", "csp-header-invalid", -25, false, "B", 75},
	{"Content-Security-Policy", "default-src 'none'; script-src https://*", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "policy", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "unsafeInline", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src http://mozilla.org", "csp-implemented-with-insecure-scheme", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src http://mozilla.org", "csp-implemented-with-insecure-scheme", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src ftp://mozilla.org", "csp-implemented-with-insecure-scheme", -20, false, "B+", 80},
	{"Content-Security-Policy", "insecureSchemeActive", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; img-src http://mozilla.org", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src 'self'; img-src ftp:", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src 'self'; img-src http:", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src 'none'; img-src https:; media-src http://mozilla.org", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src 'none'; img-src http: https:; script-src 'self'; style-src 'self'", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'self'", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src 'none'; img-src 'none'; media-src http:; script-src 'self'; style-src 'unsafe-inline'", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "insecureSchemePassive", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src 'unsafe-inline'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src data:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src http:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src ftp:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'unsafe-inline'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'UNSAFE-INLINE'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "upgrade-insecure-requests", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src https:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src https://mozilla.org https:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src https://mozilla.org https:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src *", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src *; script-src *; object-src 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src 'none'; object-src *", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline' http:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "object-src https:; script-src 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "script-src", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "'unsafe-eval'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "unsafeEval", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "object-src 'none'; script-src 'none'; style-src 'unsafe-inline'", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "default-src 'none'; script-src https://mozilla.org; style-src 'unsafe-inline'", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "default-src 'unsafe-inline'; script-src https://mozilla.org", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "default-src 'none';;; ;;;style-src 'self' 'unsafe-inline'", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "default-src 'none'; style-src data:", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "default-src 'none'; style-src *", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "default-src 'none'; style-src https:", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' 'unsafe-inline'", "csp-implemented-with-unsafe-inline-in-style-src-only", 0, true, "A+", 115},
	{"Content-Security-Policy", "unsafeInlineStyle", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src https://mozilla.org", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "default-src https://mozilla.org;;; ;;;script-src 'none'", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "object-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "object-src 'none'; script-src 'strict-dynamic' 'nonce-abc' 'unsafe-inline'; style-src 'none'", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "object-src 'none'; style-src 'self';script-src 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA='", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "object-src 'none'; style-src 'self'; script-src 'unsafe-inline' 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBA=''sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB='", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "object-src 'none'; script-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'; style-src 'none'", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "default-src https://mozilla.org; style-src 'unsafe-inline' 'nonce-abc123' 'unsafe-inline'", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "default-src https://mozilla.org; style-src 'unsafe-inline' 'sha256-hqBEA/HXB3aJU2FgOnYN8rkAgEVgyfi3Vs1j2/XMPBB=' 'unsafe-inline'", "csp-implemented-with-no-unsafe", 5, true, "A+", 120},
	{"Content-Security-Policy", "http", "csp-header-invalid", -25, false, "B", 75},
	{"Content-Security-Policy", "meta", "csp-header-invalid", -25, false, "B", 75},
	{"Content-Security-Policy", "default-src", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src 'none'; script-src 'strict-dynamic' 'nonce-abc123' 'unsafe-inline'", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src 'none'; script-src https://mozilla.org; style-src https://mozilla.org; upgrade-insecure-requests;", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src 'none'; object-src https://mozilla.org", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "defaultNone", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src 'strict-dynamic' 'nonce-abc123'", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123'", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' https://*", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src 'none'; script-src 'strict-dynamic' 'sha256-abc123' 'unsafe-inline'", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "strictDynamic", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "frame-ancestors *", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "frame-ancestors http:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "frame-ancestors https:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "antiClickjacking", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; base-uri *; object-src *", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; base-uri https:; object-src https:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src *", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "insecureBaseUri", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "unsafeObjects", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src *; base-uri 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; base-uri 'self'", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src 'none'; base-uri https://mozilla.org", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "default-src * http: https: data: 'unsafe-inline' 'unsafe-eval'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; img-src http:", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src 'none' https://mozilla.org; img-src http://mozilla.org", "csp-implemented-with-insecure-scheme-in-passive-content-only", -10, true, "A+", 105},
	{"Content-Security-Policy", "default-src https:; media-src http://mozilla.org; script-src http:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src *; form-action 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src *; form-action 'self'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; form-action 'self' https://mozilla.org", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "form-action 'self' https://mozilla.org", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "insecureFormAction", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "form-action https:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; script-src 'unsafe-eval'", "csp-implemented-with-unsafe-eval", -10, false, "A+", 105},
	{"Content-Security-Policy", "default-src http:", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "img-src 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src *; frame-ancestors 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	{"Content-Security-Policy", "default-src 'none'; report-to /_/csp-reports", "csp-implemented-with-no-unsafe-default-src-none", 10, true, "A+", 125},
	{"Content-Security-Policy", "frame-anchestors 'none'", "csp-implemented-with-unsafe-inline", -20, false, "B+", 80},
	// Strict-Transport-Security
	{"Strict-Transport-Security", "includeSubDomains; preload", "hsts-header-invalid", -20, false, "B+", 80},
	{"Strict-Transport-Security", "max-age=15768000; includeSubDomains, max-age=15768000; includeSubDomains", "hsts-header-invalid", -20, false, "B+", 80},
	{"Strict-Transport-Security", "max-age=15768000", "hsts-implemented-max-age-at-least-six-months", 0, true, "A+", 130},
	{"Strict-Transport-Security", "max-age=15768000; includeSubDomains; preload", "hsts-implemented-max-age-at-least-six-months", 0, true, "A+", 130},
	{"Strict-Transport-Security", "max-age=86400", "hsts-implemented-max-age-less-than-six-months", -10, false, "A+", 120},
	// Referrer-Policy
	{"Referrer-Policy", "no-referrer", "referrer-policy-private", 5, true, "A+", 130},
	{"Referrer-Policy", "same-origin", "referrer-policy-private", 5, true, "A+", 130},
	{"Referrer-Policy", "strict-origin", "referrer-policy-private", 5, true, "A+", 130},
	{"Referrer-Policy", "STRICT-ORIGIN", "referrer-policy-private", 5, true, "A+", 130},
	{"Referrer-Policy", "strict-origin-when-cross-origin", "referrer-policy-private", 5, true, "A+", 130},
	{"Referrer-Policy", "origin", "referrer-policy-unsafe", -5, false, "A+", 120},
	{"Referrer-Policy", "origin-when-cross-origin", "referrer-policy-unsafe", -5, false, "A+", 120},
	{"Referrer-Policy", "unsafe-url", "referrer-policy-unsafe", -5, false, "A+", 120},
	{"Referrer-Policy", "origin-when-cross-origin, no-referrer, unsafe-url", "referrer-policy-unsafe", -5, false, "A+", 120},
	{"Referrer-Policy", "no-referrer, unsafe-url", "referrer-policy-unsafe", -5, false, "A+", 120},
	{"Referrer-Policy", "no-referrer, whimsy", "referrer-policy-private", 5, true, "A+", 130},
	{"Referrer-Policy", "whimsy, whimsy1, whimsy2", "referrer-policy-header-invalid", -5, false, "A+", 120},
	{"Referrer-Policy", "whimsy", "referrer-policy-header-invalid", -5, false, "A+", 120},
	// X-Content-Type-Options
	{"X-Content-Type-Options", "nosniff", "x-content-type-options-nosniff", 0, true, "A+", 130},
	{"X-Content-Type-Options", "NOSNIFF", "x-content-type-options-nosniff", 0, true, "A+", 130},
	{"X-Content-Type-Options", "whimsy", "x-content-type-options-header-invalid", -5, false, "A+", 125},
	{"X-Content-Type-Options", "nosniff, nosniff", "x-content-type-options-header-invalid", -5, false, "A+", 125},
	{"X-Content-Type-Options", "whimsy", "x-content-type-options-header-invalid", -5, false, "A+", 125},
	{"X-Content-Type-Options", "nosniff, nosniff", "x-content-type-options-header-invalid", -5, false, "A+", 125},
	{"X-Content-Type-Options", "nosniff", "x-content-type-options-nosniff", 0, true, "A+", 130},
	{"X-Content-Type-Options", "nosniff ", "x-content-type-options-nosniff", 0, true, "A+", 130},
	// X-Frame-Options
	{"X-Frame-Options", "whimsy", "x-frame-options-header-invalid", -20, false, "B+", 80},
	{"X-Frame-Options", "SAMEORIGIN, SAMEORIGIN", "x-frame-options-header-invalid", -20, false, "B+", 80},
	{"X-Frame-Options", "ALLOW-FROM https://mozilla.org", "x-frame-options-allow-from-origin", 0, true, "A+", 120},
	{"X-Frame-Options", "DENY", "x-frame-options-sameorigin-or-deny", 0, true, "A+", 120},
	{"X-Frame-Options", "DENY ", "x-frame-options-sameorigin-or-deny", 0, true, "A+", 120},
	{"X-Frame-Options", "frame-ancestors https://mozilla.org", "x-frame-options-header-invalid", -20, false, "B+", 80},
	// Cross-Origin-Resource-Policy
	{"Cross-Origin-Resource-Policy", "whimsy", "corp-header-invalid", -5, false, "A+", 115},
	{"Cross-Origin-Resource-Policy", "same-site", "corp-implemented-with-same-site", 10, true, "A+", 130},
	{"Cross-Origin-Resource-Policy", "same-origin", "corp-implemented-with-same-origin", 10, true, "A+", 130},
	{"Cross-Origin-Resource-Policy", "cross-origin", "corp-implemented-with-cross-origin", 0, true, "A+", 120},
}

// TestObservatoryCases grades each case as a recorded site and wants the
// pinned Observatory's result, modifier, pass, grade and score.
func TestObservatoryCases(t *testing.T) {
	for _, c := range observatoryCases {
		replace := [][2]string{{c.header, c.value}}
		if c.header == "X-Frame-Options" {
			// No frame-ancestors, so that X-Frame-Options itself is graded.
			replace = append(replace, [2]string{"Content-Security-Policy", "default-src 'self'"})
		}
		h := hdr()
		for _, kv := range with(strictHeaders, replace...) {
			h.Add(kv[0], kv[1])
		}
		rep, err := Grade(recorded(h, ""), GradeOptions{})
		if err != nil {
			t.Fatalf("%s: %q: %v", c.header, c.value, err)
		}
		name := strings.ToLower(c.header)
		if c.header == "Content-Security-Policy" {
			name = TestCSP
		}
		got, ok := rep.Test(name)
		if !ok {
			t.Fatalf("%s: no test %s", c.header, name)
		}
		if got.Result != c.result || got.ScoreModifier != c.modifier || got.Pass != c.pass {
			t.Errorf("%s: %q: got %s %+d pass=%v, want %s %+d pass=%v", c.header, c.value, got.Result, got.ScoreModifier, got.Pass, c.result, c.modifier, c.pass)
		}
		if rep.Grade != c.grade || rep.Score != c.score {
			t.Errorf("%s: %q: got %s %d, want %s %d", c.header, c.value, rep.Grade, rep.Score, c.grade, c.score)
		}
	}
}

// TestReportNamesObservatoryRelease checks that every output names the
// Observatory release the tests reproduce, since later releases score
// some pages differently.
func TestReportNamesObservatoryRelease(t *testing.T) {
	rep, err := Grade(recorded(good(), ""), GradeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const want = "Mozilla HTTP Observatory 1.4.8 (algorithm version 4)"
	if rep.Observatory != want {
		t.Errorf("Observatory = %q, want %q", rep.Observatory, want)
	}
	var table, page, doc strings.Builder
	if err := WriteTable(&table, rep, false); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&page, rep); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&doc, rep); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"table": table.String(), "html": page.String(), "json": doc.String()} {
		if !strings.Contains(out, want) {
			t.Errorf("%s output does not name %q", name, want)
		}
	}
}

// TestHardenModelSaysWhereItDiffers checks that where the harden model
// grades one of the Observatory's tests differently, the result says what
// the Observatory gives and why, and that the Observatory model's results
// carry no such note.
func TestHardenModelSaysWhereItDiffers(t *testing.T) {
	metaFA := recorded(good("Content-Security-Policy", "", "X-Frame-Options", ""),
		`<meta http-equiv="content-security-policy" content="default-src 'self'; frame-ancestors 'none'">`)
	wildFA := recorded(good("Content-Security-Policy", "default-src 'none'; frame-ancestors *", "X-Frame-Options", ""), "")
	reflected := recorded(good(), "")
	reflected.Preflight = resp("https://example.com/", 200, "Access-Control-Allow-Origin", observatoryOrigin, "Access-Control-Allow-Credentials", "true")
	reflected.PreflightOrigin = observatoryOrigin
	for _, tc := range []struct {
		name, test string
		site       *Site
		want       string
	}{
		{"meta frame-ancestors", TestXFrameOptions, metaFA, "no X-Frame-Options, and the only CSP frame-ancestors is in a <meta> policy (browsers ignore it there) or allows every origin: the page can be framed (clickjacking); the Observatory gives x-frame-options-implemented-via-csp (+5): the Observatory counts any CSP frame-ancestors"},
		{"wildcard frame-ancestors", TestXFrameOptions, wildFA, "; the Observatory gives x-frame-options-implemented-via-csp (+5)"},
		{"reflected origin", TestCORS, reflected, "CORS reflects any Origin with credentials: any site can read authenticated responses; the Observatory gives cross-origin-resource-sharing-implemented-with-restricted-access (+0): the Observatory never sees an Origin reflected with credentials"},
	} {
		rep, err := Grade(tc.site, GradeOptions{Model: ModelHarden})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := rep.Test(tc.test)
		if !strings.Contains(got.Description, tc.want) {
			t.Errorf("%s: harden model says %q, want it to contain %q", tc.name, got.Description, tc.want)
		}
		rep, err = Grade(tc.site, GradeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = rep.Test(tc.test)
		if strings.Contains(got.Description, "the Observatory gives") {
			t.Errorf("%s: observatory model says %q", tc.name, got.Description)
		}
	}
}
