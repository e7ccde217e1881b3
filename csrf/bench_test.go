package csrf_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/keys"
)

func benchProtector(b *testing.B, sessionKey string) *csrf.Protector {
	b.Helper()
	cfg := csrf.Config{Keys: keys.Ephemeral()}
	if sessionKey != "" {
		cfg.SessionKey = func(*http.Request) string { return sessionKey }
	} else {
		cfg.SessionKey = func(*http.Request) string { return "" }
	}
	p, err := csrf.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkCheckSafeMethod(b *testing.B) {
	p := benchProtector(b, "")
	req := httptest.NewRequest("GET", "http://app.example/", nil)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Check(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckPOSTSession: a modern browser's POST with a token bound to
// its session.
func BenchmarkCheckPOSTSession(b *testing.B) {
	p := benchProtector(b, "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")
	req := httptest.NewRequest("POST", "http://app.example/api/action", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", "http://app.example")
	req.Header.Set("X-CSRF-Token", csrf.IssueToken(p, httptest.NewRecorder(), req))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Check(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckPOSTAnonymous: an old browser's POST (Origin only) with a
// token bound to the pre-session cookie.
func BenchmarkCheckPOSTAnonymous(b *testing.B) {
	p := benchProtector(b, "")
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "http://app.example/api/action", nil)
	tok := csrf.IssueToken(p, rec, req)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	req.Header.Set("Origin", "http://app.example")
	req.Header.Set("X-CSRF-Token", tok)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Check(req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandlerGET is the cost the middleware adds to a page view.
func BenchmarkHandlerGET(b *testing.B) {
	p := benchProtector(b, "")
	h := p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := httptest.NewRequest("GET", "http://app.example/", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

func BenchmarkTokenHandler(b *testing.B) {
	p := benchProtector(b, "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")
	h := p.TokenHandler()
	req := httptest.NewRequest("GET", "http://app.example/api/csrf-token", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
