package respond

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/internal/reqctx"
)

// discardWriter is a ResponseWriter that keeps nothing but a header map,
// cleared for every request as net/http's is new.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkJSON is a refusal through the default responder: a 429 with
// Retry-After and a request id.
func BenchmarkJSON(b *testing.B) {
	r := httptest.NewRequest("GET", "/api/x", nil)
	r = r.WithContext(reqctx.WithRequestID(WithResponder(context.Background(), JSON{}), "0123456789abcdef0123456789abcdef"))
	rej := &Rejection{Status: http.StatusTooManyRequests, Message: "Too many requests, please try again later.", Event: "rate_limited",
		Header: http.Header{"Retry-After": {"60"}}}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		Reject(w, r, rej)
	}
}
