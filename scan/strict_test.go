package scan

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// strictSite serves a home page with the policy csp, linking to /profile,
// whose body is profile; every response carries the policy.
func strictSite(csp, profile string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if csp != "" {
			h.Set("Content-Security-Policy", csp)
		}
		h.Set("Strict-Transport-Security", "max-age=31536000")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Type", "text/html; charset=utf-8")
		if r.TLS == nil {
			http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		switch r.URL.Path {
		case "/":
			w.Write([]byte(`<!doctype html><title>home</title><a href="/profile">profile</a>`))
		case "/profile":
			w.Write([]byte(profile))
		default:
			http.NotFound(w, r)
		}
	})
}

// TestStrictChecksOverHTTP scans live servers, crawling one page deep, and
// checks the strict-CSP findings; the upload form sits on the crawled page
// only.
func TestStrictChecksOverHTTP(t *testing.T) {
	const upload = `<!doctype html><form method=post action=/profile enctype="multipart/form-data"><input type=file name=avatar><button>Save</button></form>`
	const plain = `<!doctype html><form method=post action=/profile><input name=name><button>Save</button></form>`
	tests := []struct {
		name, csp, profile string
		want               map[string]string // test name -> result
		warn               []string          // findings that fail
	}{
		{
			name: "strict policy with uploads", csp: strictPolicy, profile: upload,
			want: map[string]string{
				TestStrictCSP:    "strict-csp-implemented",
				TestTrustedTypes: "trusted-types-required",
				TestSelfUploads:  "script-src-self-uploads-self-not-allowed",
			},
		},
		{
			name: "self allowlist with uploads", csp: "default-src 'self'; object-src 'none'; base-uri 'none'", profile: upload,
			want: map[string]string{
				TestStrictCSP:    "strict-csp-not-implemented",
				TestTrustedTypes: "trusted-types-not-required",
				TestSelfUploads:  "script-src-self-uploads-self-allowed",
			},
			warn: []string{TestStrictCSP, TestTrustedTypes, TestSelfUploads},
		},
		{
			name: "self allowlist without uploads", csp: "default-src 'self'", profile: plain,
			want: map[string]string{
				TestStrictCSP:    "strict-csp-not-implemented",
				TestTrustedTypes: "trusted-types-not-required",
				TestSelfUploads:  "script-src-self-uploads-none",
			},
			warn: []string{TestStrictCSP, TestTrustedTypes},
		},
		{
			name: "no policy with uploads", csp: "", profile: upload,
			want: map[string]string{
				TestStrictCSP:    "strict-csp-not-implemented",
				TestTrustedTypes: "trusted-types-not-required",
				TestSelfUploads:  "script-src-self-uploads-self-not-allowed",
			},
			warn: []string{TestStrictCSP, TestTrustedTypes},
		},
	}
	ca := newTestCA(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			host := serveDual(t, ca, strictSite(tt.csp, tt.profile))
			for _, model := range []string{ModelObservatory, ModelHarden} {
				rep, _, err := Scan(context.Background(), host, Options{TLSConfig: ca.clientConfig(), Crawl: 2}, GradeOptions{Model: model})
				if err != nil {
					t.Fatal(err)
				}
				fails := map[string]bool{}
				for _, w := range tt.warn {
					fails[w] = true
				}
				for name, want := range tt.want {
					got, ok := rep.Test(name)
					if !ok {
						t.Fatalf("%s: no %s finding", model, name)
					}
					if got.Result != want || got.Pass == fails[name] {
						t.Errorf("%s: %s = %s pass=%v, want %s pass=%v", model, name, got.Result, got.Pass, want, !fails[name])
					}
					if !got.Pass && got.Fix == "" {
						t.Errorf("%s: %s failed without a fix", model, name)
					}
				}
				if model == ModelObservatory && rep.TestsQuantity != 10 {
					t.Errorf("observatory model scored %d tests, want its 10 (findings do not count)", rep.TestsQuantity)
				}
				if tt.want[TestSelfUploads] != "script-src-self-uploads-none" {
					got, _ := rep.Test(TestSelfUploads)
					if !strings.Contains(got.Data, "/profile") {
						t.Errorf("upload finding data %q does not name /profile", got.Data)
					}
				}
			}
		})
	}
}

func TestAcceptsUploads(t *testing.T) {
	for _, tt := range []struct {
		page string
		want bool
	}{
		{`<input type=file>`, true},
		{`<INPUT TYPE=" File ">`, true},
		{`<form enctype="Multipart/Form-Data"></form>`, true},
		{`<button formenctype=multipart/form-data>`, true},
		{`<input type=text><form method=post></form>`, false},
		{`<textarea><input type=file></textarea>`, false},
		{`<div type=file enctype=multipart/form-data>`, false},
		{``, false},
	} {
		if got := acceptsUploads(tt.page); got != tt.want {
			t.Errorf("acceptsUploads(%q) = %v, want %v", tt.page, got, tt.want)
		}
	}
}

func FuzzAcceptsUploads(f *testing.F) {
	for _, s := range []string{`<input type=file>`, `<form enctype=multipart/form-data>`, `<input type="text"`, `<<input type=file`, "<form enctype=\x00>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		got := acceptsUploads(page)
		// Text without a tag cannot be an upload form.
		if !strings.Contains(page, "<") && got {
			t.Errorf("acceptsUploads(%q) = true without a tag", page)
		}
	})
}
