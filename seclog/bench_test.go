package seclog

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

func benchLogger(b *testing.B) *Logger {
	l, err := New(Config{Writer: io.Discard, Service: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkDenialEvent is the cost of logging one denial (target ≤ 2 µs).
func BenchmarkDenialEvent(b *testing.B) {
	l := benchLogger(b)
	r := testRequest("GET", "/api/admin/messages")
	b.ReportAllocs()
	for b.Loop() {
		l.Record(r, Event{Name: EventAccessDenied, Status: http.StatusForbidden, Details: statusSourceDetails})
	}
}

// BenchmarkRejection logs one refusal through the Responder wrapper (the
// response itself is written to a discarding writer).
func BenchmarkRejection(b *testing.B) {
	l := benchLogger(b)
	resp := Responder(respond.JSON{}, l)
	r := testRequest("POST", "/api/contact")
	rej := &respond.Rejection{Status: http.StatusForbidden, Event: secevent.CSRFFailure, Message: "invalid CSRF token"}
	w := discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		resp.Respond(w, r, rej)
	}
}

// BenchmarkMiddlewareAllowed is the overhead of the denial middleware on a
// request that is not refused.
func BenchmarkMiddlewareAllowed(b *testing.B) {
	l := benchLogger(b)
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) }))
	r := httptest.NewRequest("GET", "/", nil)
	w := discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkRequestID is the cost of the request-id middleware.
func BenchmarkRequestID(b *testing.B) {
	h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	w := discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d discardWriter) WriteHeader(int)             {}
