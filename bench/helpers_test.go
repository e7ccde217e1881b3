package bench

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

// nopWriter is the cheapest possible ResponseWriter: what is measured is
// the middleware, not a recorder. Its header map is cleared between
// iterations, as net/http hands every response a fresh one.
type nopWriter struct {
	h      http.Header
	status int
}

func newWriter() *nopWriter { return &nopWriter{h: make(http.Header, 32)} }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nopWriter) WriteHeader(s int)           { w.status = s }
func (w *nopWriter) reset()                      { clear(w.h); w.status = 0 }

var nop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// impl is one side of a scenario.
type impl struct {
	name string
	h    http.Handler
}

// want describes the answer every implementation must give in a scenario.
type want struct {
	status int
	header string // a header that must be present ("" for none)
}

// check serves r once through h and fails the benchmark unless the answer
// is w: the scenario must measure the same path on every side.
func check(b *testing.B, h http.Handler, r *http.Request, w want) {
	b.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != w.status {
		b.Fatalf("status = %d, want %d (body %q)", rec.Code, w.status, rec.Body.String())
	}
	if w.header != "" && rec.Header().Get(w.header) == "" {
		b.Fatalf("no %s header in %v", w.header, rec.Header())
	}
}

// serial runs one benchmark per implementation, sequentially.
func serial(b *testing.B, impls []impl, r func() *http.Request, w want) {
	for _, im := range impls {
		b.Run("impl="+im.name, func(b *testing.B) {
			check(b, im.h, r(), w)
			req := r()
			rw := newWriter()
			b.ReportAllocs()
			for b.Loop() {
				rw.reset()
				im.h.ServeHTTP(rw, req)
			}
		})
	}
}

// get returns a GET request for path from 203.0.113.7 over HTTPS (TLS set
// on the request, as net/http does for a TLS connection).
func get(path string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.RemoteAddr = "203.0.113.7:41234"
	r.TLS = &tls.ConnectionState{}
	return r
}

// proxied returns a GET request for path arriving through one proxy
// (127.0.0.1) that terminated TLS for client 203.0.113.7.
func proxied(method, path string) *http.Request {
	r := httptest.NewRequest(method, path, nil)
	r.RemoteAddr = "127.0.0.1:50000"
	r.Host = "example.com"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	return r
}

// must returns v, or fails tb with err: must(New(cfg))(b).
func must[T any](v T, err error) func(tb testing.TB) T {
	return func(tb testing.TB) T {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return v
	}
}
