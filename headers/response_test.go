package headers

import (
	"crypto/tls"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/harden-go/harden/respond"
)

// apiSetConfig is a page set with a nonce and the compact set for the rest.
var apiSetConfig = Config{CSP: CSP{Nonce: true}, APISet: true}

// compactSet is the whole header set of a JSON answer over HTTPS under
// apiSetConfig.
var compactSet = map[string]string{
	"Cache-Control":                "no-store",
	"Content-Security-Policy":      "default-src 'none'; frame-ancestors 'none'",
	"Content-Type":                 "application/json",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Referrer-Policy":              "no-referrer",
	"Strict-Transport-Security":    "max-age=31536000; includeSubDomains",
	"X-Content-Type-Options":       "nosniff",
	"X-Frame-Options":              "DENY",
}

// pageOnlyHeaders are the page set's headers that the compact set leaves out.
var pageOnlyHeaders = []string{"Cross-Origin-Opener-Policy", "Origin-Agent-Cluster", "X-Dns-Prefetch-Control",
	"X-Download-Options", "X-Permitted-Cross-Domain-Policies", "X-Xss-Protection"}

func httpsRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.TLS = &tls.ConnectionState{}
	return r
}

// drawn serves r through cfg's handler and reports the response and
// whether a nonce was drawn for it.
func drawn(t *testing.T, cfg Config, r *http.Request, handler http.HandlerFunc) (*httptest.ResponseRecorder, bool) {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var rs *response
	w := httptest.NewRecorder()
	h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs, _ = r.Context().Value(nonceKey{}).(*response)
		handler(w, r)
	})).ServeHTTP(w, r)
	return w, rs != nil && rs.nonce != ""
}

func writeJSON(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
}

// contract checks the headers every response keeps, whichever set it got.
func contract(t *testing.T, h http.Header) {
	t.Helper()
	for _, name := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
		"Referrer-Policy", "Cross-Origin-Resource-Policy", "Strict-Transport-Security"} {
		if len(h[name]) != 1 || h[name][0] == "" {
			t.Errorf("%s = %q, want one value (every response keeps it)", name, h[name])
		}
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors") {
		t.Errorf("CSP %q has no frame-ancestors", h.Get("Content-Security-Policy"))
	}
}

func TestAPIResponsesGetCompactSet(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		status  int
		want    map[string]string // headers beyond the compact set, or changed ("" removes)
	}{
		{"json", writeJSON, 200, nil},
		{"json status", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusConflict)
		}, 409, map[string]string{"Content-Type": "application/problem+json"}},
		{"json with own cache-control", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "max-age=60")
			writeJSON(w, r)
		}, 200, map[string]string{"Cache-Control": "max-age=60"}},
		{"refusal through respond", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: http.StatusForbidden, Message: "Forbidden", Err: errors.New("x")})
		}, 403, map[string]string{"Content-Type": "application/json; charset=utf-8", "Content-Length": "22"}},
		{"http.Error text", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "nope", http.StatusNotFound)
		}, 404, map[string]string{"Cache-Control": "", "Content-Type": "text/plain; charset=utf-8"}},
		{"image", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("\x89PNG"))
		}, 200, map[string]string{"Cache-Control": "", "Content-Type": "image/png"}},
		{"svg", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "image/svg+xml")
			_, _ = w.Write([]byte("<svg/>"))
		}, 200, map[string]string{"Cache-Control": "", "Content-Type": "image/svg+xml"}},
		{"no content", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, 204, map[string]string{"Cache-Control": "", "Content-Type": ""}},
		{"nothing written", func(w http.ResponseWriter, r *http.Request) {}, 200,
			map[string]string{"Cache-Control": "", "Content-Type": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, nonce := drawn(t, apiSetConfig, httpsRequest("GET", "/api/x"), tt.handler)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			want := maps.Clone(compactSet)
			for k, v := range tt.want {
				if v == "" {
					delete(want, k)
				} else {
					want[k] = v
				}
			}
			got := map[string]string{}
			for k, vs := range w.Header() {
				got[k] = strings.Join(vs, ", ")
			}
			delete(got, "X-Content-Type-Options") // respond and http.Error add their own
			delete(want, "X-Content-Type-Options")
			if !maps.Equal(got, want) {
				t.Errorf("headers\n got %v\nwant %v", got, want)
			}
			if vs := w.Header()["X-Content-Type-Options"]; len(vs) == 0 || vs[0] != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", vs)
			}
			if nonce {
				t.Error("a nonce was drawn for an API response")
			}
			contract(t, w.Header())
		})
	}
}

func TestPageResponsesGetPageSet(t *testing.T) {
	page := func(ct string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if ct != "" {
				w.Header().Set("Content-Type", ct)
			}
			_, _ = w.Write([]byte("<script nonce=\"" + Nonce(r) + "\">x()</script>"))
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		askOnly bool // the handler asks for the nonce and answers something else
	}{
		{"html", page("text/html; charset=utf-8"), false},
		{"xhtml", page("application/xhtml+xml"), false},
		{"sniffed", page(""), false},
		{"script", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write([]byte("x()"))
		}, false},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/next", http.StatusFound)
		}, false},
		{"not modified", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotModified)
		}, false},
		{"nonce asked, json answered", func(w http.ResponseWriter, r *http.Request) {
			_ = Nonce(r)
			writeJSON(w, r)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inHandler string
			w, _ := drawn(t, apiSetConfig, httpsRequest("GET", "/page"), func(w http.ResponseWriter, r *http.Request) {
				tt.handler(w, r)
				inHandler = Nonce(r)
			})
			h := w.Header()
			for _, name := range pageOnlyHeaders {
				if len(h[name]) != 1 {
					t.Errorf("%s = %q, want the page set's one value", name, h[name])
				}
			}
			if got := h.Get("X-Frame-Options"); got != "SAMEORIGIN" {
				t.Errorf("X-Frame-Options = %q, want the page set's SAMEORIGIN", got)
			}
			policy := h.Get("Content-Security-Policy")
			m := nonceRE.FindStringSubmatch(policy)
			if m == nil || m[1] != inHandler {
				t.Errorf("policy %q: want the nonce the handler got, %q", policy, inHandler)
			}
			if !strings.HasPrefix(policy, "default-src 'self';") {
				t.Errorf("policy %q is not the page policy", policy)
			}
			if strings.Contains(w.Body.String(), "nonce=") && !strings.Contains(w.Body.String(), `nonce="`+m[1]+`"`) {
				t.Errorf("body %q does not carry the policy's nonce", w.Body.String())
			}
			contract(t, h)
		})
	}
}

// TestHandlerHeadersKept: a handler's own value of a header the set
// carries is never replaced when the set is settled.
func TestHandlerHeadersKept(t *testing.T) {
	own := "default-src 'none'; img-src 'self'; frame-ancestors 'self'"
	w, _ := drawn(t, apiSetConfig, httpsRequest("GET", "/"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", own)
		w.Header().Set("X-Frame-Options", "SAMEORIGIN")
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<p>"))
	})
	if got := w.Header()["Content-Security-Policy"]; !slices.Equal(got, []string{own}) {
		t.Errorf("CSP = %q, want the handler's %q", got, own)
	}
	w, _ = drawn(t, apiSetConfig, httpsRequest("GET", "/"), func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Frame-Options"][0] = "SAMEORIGIN" // written in place
		writeJSON(w, r)
	})
	if got := w.Header().Get("X-Frame-Options"); got != "SAMEORIGIN" {
		t.Errorf("X-Frame-Options = %q, want the handler's SAMEORIGIN", got)
	}
}

// TestPanicKeepsCompactSet: a response answered outside the handler's
// writer (the stack's panic 500) keeps the set placed before next ran.
func TestPanicKeepsCompactSet(t *testing.T) {
	h, err := New(apiSetConfig)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	func() {
		defer func() { _ = recover() }()
		h.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })).ServeHTTP(w, httpsRequest("GET", "/"))
	}()
	contract(t, w.Header())
	if got := w.Header().Get("Content-Security-Policy"); got != apiPolicy {
		t.Errorf("CSP after a panic = %q, want %q", got, apiPolicy)
	}
}

// TestNonceAfterHeaderFailsClosed: a nonce asked for once the header is out
// is not in the policy, so scripts carrying it stay blocked.
func TestNonceAfterHeaderFailsClosed(t *testing.T) {
	var late string
	w, _ := drawn(t, apiSetConfig, httpsRequest("GET", "/"), func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, r)
		late = Nonce(r)
	})
	if late == "" || strings.Contains(w.Header().Get("Content-Security-Policy"), late) {
		t.Errorf("late nonce %q, policy %q: want a nonce absent from the policy", late, w.Header().Get("Content-Security-Policy"))
	}
}

// TestUniformSetLazyNonce: without APISet every response keeps the page
// set, but only pages draw a nonce.
func TestUniformSetLazyNonce(t *testing.T) {
	cfg := Config{CSP: CSP{Nonce: true}}
	w, nonce := drawn(t, cfg, httpsRequest("GET", "/"), writeJSON)
	if nonce {
		t.Error("a nonce was drawn for a JSON answer")
	}
	h, _ := New(cfg)
	if got, want := w.Header().Get("Content-Security-Policy"), h.Policy(""); got != want {
		t.Errorf("JSON answer's policy = %q, want %q", got, want)
	}
	for _, name := range pageOnlyHeaders {
		if len(w.Header()[name]) != 1 {
			t.Errorf("%s = %q, want the page set's value", name, w.Header()[name])
		}
	}
	if got := w.Header().Get("Cache-Control"); got != "" {
		t.Errorf("Cache-Control = %q, want none without APISet", got)
	}
	w, nonce = drawn(t, cfg, httpsRequest("GET", "/"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<p>"))
	})
	if !nonce || !nonceRE.MatchString(w.Header().Get("Content-Security-Policy")) {
		t.Errorf("page policy %q: want a nonce", w.Header().Get("Content-Security-Policy"))
	}
}

func TestPageResponse(t *testing.T) {
	tests := []struct {
		ct     string
		status int
		want   bool
	}{
		{"text/html; charset=utf-8", 200, true},
		{"TEXT/HTML", 404, true},
		{" application/xhtml+xml ", 200, true},
		{"text/javascript", 200, true},
		{"application/javascript; charset=utf-8", 200, true},
		{"text/javascript1.5", 200, true},
		{"", 200, true},
		{"", 304, true},
		{"application/json", 304, true},
		{"", 204, false},
		{"text/html", 204, false},
		{"", 101, false},
		{"application/json", 200, false},
		{"application/problem+json", 400, false},
		{"text/plain; charset=utf-8", 404, false},
		{"image/svg+xml", 200, false},
		{"application/xml", 200, false},
		{"text/css", 200, false},
		{"text/htmlx", 200, false},
		{"application/octet-stream", 200, false},
	}
	for _, tt := range tests {
		if got := pageResponse(tt.ct, tt.status); got != tt.want {
			t.Errorf("pageResponse(%q, %d) = %v, want %v", tt.ct, tt.status, got, tt.want)
		}
	}
}

// FuzzPageResponse: the choice does not depend on case or on parameters,
// and JSON is never a page.
func FuzzPageResponse(f *testing.F) {
	for _, s := range []string{"text/html", "application/json; charset=utf-8", "", "TEXT/JavaScript", "a/b+json", "text/html;;", "\x00"} {
		f.Add(s, 200)
	}
	f.Add("", 304)
	f.Fuzz(func(t *testing.T, ct string, status int) {
		got := pageResponse(ct, status)
		ascii := !strings.ContainsFunc(ct, func(r rune) bool { return r >= 0x80 })
		if up := pageResponse(strings.ToUpper(ct), status); ascii && up != got {
			t.Errorf("pageResponse(%q) = %v but upper case %v", ct, got, up)
		}
		if isJSON(ct) && status != http.StatusNotModified && got {
			t.Errorf("JSON %q (status %d) chosen as a page", ct, status)
		}
		if mt, _, _ := strings.Cut(ct, ";"); got && mt != ct && pageResponse(mt, status) != got {
			t.Errorf("parameters of %q change the choice", ct)
		}
	})
}

var (
	jsonType = []string{"application/json"}
	htmlType = []string{"text/html; charset=utf-8"}
)

// TestAPISetReportOnly: the compact policy is enforced beside a page
// policy that only reports, and a page gets only its report-only policy.
func TestAPISetReportOnly(t *testing.T) {
	cfg := Config{CSP: CSP{Nonce: true, ReportOnly: true}, APISet: true}
	w, _ := drawn(t, cfg, httpsRequest("GET", "/api"), writeJSON)
	if got := w.Header()["Content-Security-Policy"]; !slices.Equal(got, []string{apiPolicy}) {
		t.Errorf("JSON answer's CSP = %q, want %q", got, apiPolicy)
	}
	if got := w.Header()["Content-Security-Policy-Report-Only"]; got != nil {
		t.Errorf("JSON answer's report-only CSP = %q, want none", got)
	}
	w, _ = drawn(t, cfg, httpsRequest("GET", "/"), func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<p>"))
	})
	if got := w.Header()["Content-Security-Policy"]; got != nil {
		t.Errorf("page's enforced CSP = %q, want none (report-only configured)", got)
	}
	if got := w.Header().Get("Content-Security-Policy-Report-Only"); !nonceRE.MatchString(got) {
		t.Errorf("page's report-only CSP = %q, want the page policy with a nonce", got)
	}
}
