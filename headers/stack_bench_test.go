package headers_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/seclog"
)

// benchStack is the production stack with the header configuration hcfg
// plus the settings in extra (a JSON object of headers.Config fields, so
// that the benchmark reads the same before and after a field exists). It
// reports the CPU time per request beside the wall time: on a busy shared
// machine it is the steadier of the two.
func benchStack(b *testing.B, hcfg headers.Config, extra string, handler http.HandlerFunc, target string) {
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
	if w.code != 0 && w.code != http.StatusOK { // 0: an empty answer, an implicit 200
		b.Fatalf("status %d", w.code)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
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

func emptyRoute(http.ResponseWriter, *http.Request) {}

// BenchmarkStackRoutes: the root BenchmarkStack's request (helmet's set, an
// empty answer), then a JSON API route and an HTML page through the stack
// with the reference app's headers (headers.Strict, a nonce), with the
// page set on every response (uniform) and with the compact API set
// (api_set).
func BenchmarkStackRoutes(b *testing.B) {
	const api, page = "https://example.com/api/csrf-token", "https://example.com/"
	b.Run("stack", func(b *testing.B) { benchStack(b, headers.Config{}, `{}`, emptyRoute, page) })
	b.Run("api/uniform", func(b *testing.B) { benchStack(b, headers.Strict(), `{}`, apiRoute, api) })
	b.Run("api/api_set", func(b *testing.B) { benchStack(b, headers.Strict(), `{"api_set":true}`, apiRoute, api) })
	b.Run("page/uniform", func(b *testing.B) { benchStack(b, headers.Strict(), `{}`, pageRoute, page) })
	b.Run("page/api_set", func(b *testing.B) { benchStack(b, headers.Strict(), `{"api_set":true}`, pageRoute, page) })
}

type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }
