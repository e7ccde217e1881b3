package headers

import (
	"net/http"
	"testing"

	"github.com/harden-go/harden/internal/testenv"
)

// allocWriter is a ResponseWriter that keeps nothing, so an allocation
// count measures the handler alone.
type allocWriter struct{ h http.Header }

func (w *allocWriter) Header() http.Header         { return w.h }
func (w *allocWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *allocWriter) WriteHeader(int)             {}

var (
	allocJSON = []string{"application/json"}
	allocHTML = []string{"text/html; charset=utf-8"}
	allocBody = []byte(`{"csrf_token":"0123456789abcdef"}`)
)

func allocAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header()["Content-Type"] = allocJSON
	_, _ = w.Write(allocBody)
}

func allocPage(w http.ResponseWriter, _ *http.Request) {
	w.Header()["Content-Type"] = allocHTML
	_, _ = w.Write(allocBody)
}

// allocs is the number of allocations cfg's handler makes per request
// over HTTPS.
func allocs(t testing.TB, cfg Config, handler http.HandlerFunc) float64 {
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hh := h.Handler(handler)
	r := httpsRequest("GET", "/api/csrf-token")
	w := &allocWriter{h: http.Header{}}
	return testing.AllocsPerRun(500, func() {
		clear(w.h)
		hh.ServeHTTP(w, r)
	})
}

// allocAsks is a JSON answer whose handler asks for the nonce, which
// draws it.
func allocAsks(w http.ResponseWriter, r *http.Request) {
	_ = Nonce(r)
	allocAPI(w, r)
}

// TestAPIResponseDrawsNoNonce counts allocations under the API set with
// nonces on: a drawn nonce costs one (the policy string it is cut from),
// as a JSON answer whose handler asks for it shows. A page costs exactly
// one more than a JSON answer (its nonce), and the two cost the same with
// nonces off, so a JSON answer draws none.
func TestAPIResponseDrawsNoNonce(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("allocation counts are checked without the race detector")
	}
	api, asks, page := allocs(t, apiSetConfig, allocAPI), allocs(t, apiSetConfig, allocAsks), allocs(t, apiSetConfig, allocPage)
	off := Config{APISet: true}
	apiOff, pageOff := allocs(t, off, allocAPI), allocs(t, off, allocPage)
	t.Logf("allocations per request: JSON %v, JSON asking for the nonce %v, page %v; nonces off: JSON %v, page %v",
		api, asks, page, apiOff, pageOff)
	if draw := asks - api; draw != 1 {
		t.Fatalf("a nonce draw costs %v allocations, want 1", draw)
	}
	if apiOff != pageOff {
		t.Errorf("nonces off: JSON %v allocations, page %v; want equal", apiOff, pageOff)
	}
	if got := page - api; got != 1 {
		t.Errorf("page minus JSON answer = %v allocations, want 1 (the page's nonce, none for the JSON answer)", got)
	}
}

// BenchmarkAPISetResponse reports the allocations of a JSON answer and of
// a page under the API set, with nonces on and off: the page and a JSON
// handler that asks for the nonce cost one allocation more than a plain
// JSON answer, its nonce (TestAPIResponseDrawsNoNonce).
func BenchmarkAPISetResponse(b *testing.B) {
	for _, bc := range []struct {
		name    string
		cfg     Config
		handler http.HandlerFunc
	}{
		{"api/nonce", apiSetConfig, allocAPI},
		{"api/no_nonce", Config{APISet: true}, allocAPI},
		{"api/asks_nonce", apiSetConfig, allocAsks},
		{"page/nonce", apiSetConfig, allocPage},
		{"page/no_nonce", Config{APISet: true}, allocPage},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h, err := New(bc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			hh := h.Handler(bc.handler)
			r := httpsRequest("GET", "/api/csrf-token")
			w := &allocWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				hh.ServeHTTP(w, r)
			}
		})
	}
}
