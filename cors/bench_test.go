package cors

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header       { return w.h }
func (*nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (*nopWriter) WriteHeader(int)             {}

var nop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

func bench(b *testing.B, cfg Config, r *http.Request) {
	h := mustNew(b, cfg).Handler(nop)
	w := &nopWriter{h: make(http.Header, 8)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

func BenchmarkSimpleAllowed(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	bench(b, credConfig, r)
}

func BenchmarkSimplePattern(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "https://a.tenants.example.com")
	bench(b, appConfig, r)
}

func BenchmarkSimpleDenied(b *testing.B) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "https://evil.example")
	bench(b, appConfig, r)
}

func BenchmarkNoOrigin(b *testing.B) {
	bench(b, appConfig, httptest.NewRequest("GET", "/", nil))
}

func BenchmarkPreflightAllowed(b *testing.B) {
	r := httptest.NewRequest("OPTIONS", "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set(hACRM, "PUT")
	r.Header.Set(hACRH, "content-type,x-csrf-token")
	bench(b, appConfig, r)
}

func BenchmarkPreflightDenied(b *testing.B) {
	r := httptest.NewRequest("OPTIONS", "/", nil)
	r.Header.Set("Origin", "https://evil.example")
	r.Header.Set(hACRM, "PUT")
	bench(b, appConfig, r)
}
