package headers_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/seclog"
)

// benchStack is the production stack with the reference app's header
// configuration (headers.Strict, a nonce), plus the settings in extra (a
// JSON object of headers.Config fields, so that the benchmark reads the
// same before and after a field exists).
func benchStack(b *testing.B, extra string, handler http.HandlerFunc, target string) {
	hcfg := headers.Strict()
	if err := json.Unmarshal([]byte(extra), &hcfg); err != nil {
		b.Fatal(err)
	}
	sec, err := seclog.New(seclog.Config{Writer: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	stack, err := harden.New(harden.Config{
		PublicURL:   "https://example.com",
		Headers:     hcfg,
		SecurityLog: sec,
		Logger:      slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	h := stack.Handler(handler)
	r := httptest.NewRequest("GET", target, nil)
	w := &benchWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

var (
	jsonCT = []string{"application/json"}
	htmlCT = []string{"text/html; charset=utf-8"}
	token  = []byte(`{"csrf_token":"0123456789abcdef0123456789abcdef"}`)
	pageB  = []byte(`<!doctype html><title>x</title><p>hello</p>`)
)

func apiRoute(w http.ResponseWriter, _ *http.Request) {
	w.Header()["Content-Type"] = jsonCT
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(token)
}

func pageRoute(w http.ResponseWriter, r *http.Request) {
	w.Header()["Content-Type"] = htmlCT
	_ = headers.Nonce(r)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pageB)
}

// BenchmarkStackRoutes: a JSON API route and an HTML page through the
// stack, with the page set on every response (uniform) and with the
// compact API set (api_set).
func BenchmarkStackRoutes(b *testing.B) {
	b.Run("api/uniform", func(b *testing.B) { benchStack(b, `{}`, apiRoute, "https://example.com/api/csrf-token") })
	b.Run("api/api_set", func(b *testing.B) { benchStack(b, `{"api_set":true}`, apiRoute, "https://example.com/api/csrf-token") })
	b.Run("page/uniform", func(b *testing.B) { benchStack(b, `{}`, pageRoute, "https://example.com/") })
	b.Run("page/api_set", func(b *testing.B) { benchStack(b, `{"api_set":true}`, pageRoute, "https://example.com/") })
}

type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
