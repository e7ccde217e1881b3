package scan

import (
	"net/http"
	"slices"
	"sort"
	"testing"
)

func TestIsDocument(t *testing.T) {
	for _, tt := range []struct {
		ct, nosniff string
		want        bool
	}{
		{"application/json", "nosniff", false},
		{"application/problem+json; charset=utf-8", "nosniff", false},
		{"text/plain; charset=utf-8", "nosniff", false},
		{"image/png", "NoSniff", false},
		{"text/css", "nosniff", false},
		{"text/html; charset=utf-8", "nosniff", true},
		{"application/xhtml+xml", "nosniff", true},
		{"image/svg+xml", "nosniff", true},
		{"application/xml", "nosniff", true},
		{"", "nosniff", true},
		{"application/json", "", true}, // may be sniffed into a page
	} {
		h := http.Header{}
		if tt.ct != "" {
			h.Set("Content-Type", tt.ct)
		}
		if tt.nosniff != "" {
			h.Set("X-Content-Type-Options", tt.nosniff)
		}
		if got := isDocument(&Response{Header: h}); got != tt.want {
			t.Errorf("isDocument(%q, nosniff %q) = %v, want %v", tt.ct, tt.nosniff, got, tt.want)
		}
	}
}

// TestSiteModeCompactSet: a JSON answer with the compact API set (no
// COOP, no Permissions-Policy) is not a finding; an HTML page or a
// sniffable answer that lacks them is.
func TestSiteModeCompactSet(t *testing.T) {
	const url = "https://example.com"
	home := &Response{URL: url + "/", Status: 200, Header: http.Header{
		"Content-Type":                 {"text/html; charset=utf-8"},
		"Content-Security-Policy":      {strictCSP},
		"Strict-Transport-Security":    {hsts},
		"X-Content-Type-Options":       {"nosniff"},
		"X-Frame-Options":              {"DENY"},
		"Referrer-Policy":              {"no-referrer"},
		"Cross-Origin-Resource-Policy": {"same-origin"},
		"Cross-Origin-Opener-Policy":   {"same-origin"},
		"Permissions-Policy":           {"camera=(), microphone=()"},
	}}
	compact := func(ct string, nosniff bool) http.Header {
		h := http.Header{
			"Content-Type":                 {ct},
			"Content-Security-Policy":      {"default-src 'none'; frame-ancestors 'none'"},
			"Strict-Transport-Security":    {hsts},
			"X-Frame-Options":              {"DENY"},
			"Referrer-Policy":              {"no-referrer"},
			"Cross-Origin-Resource-Policy": {"same-origin"},
			"Cache-Control":                {"no-store"},
		}
		if nosniff {
			h.Set("X-Content-Type-Options", "nosniff")
		}
		return h
	}
	page := func(path, ct string, nosniff bool) *Page {
		return &Page{URL: url + path, Source: SourceLink, Method: http.MethodGet,
			Response: &Response{URL: url + path, Status: 404, Header: compact(ct, nosniff)}}
	}
	site := &Site{
		Host:  "example.com",
		HTTPS: &Chain{Start: url + "/", Verified: true, Hops: []*Response{home}},
		Pages: []*Page{
			page("/api/missing", "application/json", true),
			page("/api/problem", "application/problem+json", true),
			page("/html", "text/html; charset=utf-8", true),
			page("/sniffable", "application/json", false),
		},
	}
	for _, model := range []string{ModelObservatory, ModelHarden} {
		rep, err := Grade(site, GradeOptions{Model: model})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, f := range rep.SiteFindings {
			got[f.Test] = append(got[f.Test], f.Pages...)
		}
		for test, want := range map[string][]string{
			TestCOOP:        {"/html", "/sniffable"},
			TestPermissions: {"/html", "/sniffable"},
		} {
			sort.Strings(got[test])
			if !slices.Equal(got[test], want) {
				t.Errorf("%s: finding %s on %q, want %q", model, test, got[test], want)
			}
		}
		for test, pages := range got {
			if slices.Contains(pages, "/api/missing") || slices.Contains(pages, "/api/problem") {
				t.Errorf("%s: finding %s on a JSON answer with the compact set (%q)", model, test, pages)
			}
		}
	}
}
