package headers

import (
	"crypto/tls"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/harden-go/harden/internal/testenv"
)

// vandal is a handler that rewrites every value the layers in front of it
// set: the first value of each header in place, and an appended one.
var vandal = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	vandalize(w.Header())
})

func vandalize(h http.Header) {
	for k, vs := range h {
		if len(vs) > 0 {
			vs[0] = "vandalized"
		}
		h[k] = append(vs, "appended")
	}
}

// snapshot copies h, so that a later write into h's slices does not show.
func snapshot(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		out[k] = slices.Clone(vs)
	}
	return out
}

// TestHandlerWritesStayInItsResponse: a handler that writes into the value
// slices of its header map (index 0, and an append) changes its own
// response only; the next response carries the configured values again,
// HSTS and a nonce'd CSP included. Run with -race, the goroutines also
// prove that no response shares a slice with another.
func TestHandlerWritesStayInItsResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"default", Config{}},
		{"nonce", Config{CSP: CSP{Nonce: true, StyleNonce: true}}},
		{"report-only, permissions", Config{CSP: CSP{ReportOnly: true, ReportURL: "https://example.com/csp"}, PermissionsPolicy: "camera=()"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			newRequest := func() *http.Request {
				r := httptest.NewRequest("GET", "https://example.com/", nil)
				r.TLS = &tls.ConnectionState{}
				return r
			}
			clean := httptest.NewRecorder()
			h.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(clean, newRequest())
			want := stripNonce(snapshot(clean.Header()))
			if len(want) < 10 {
				t.Fatalf("only %d headers set: %v", len(want), want)
			}

			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range 50 {
						h.Handler(vandal).ServeHTTP(httptest.NewRecorder(), newRequest())
					}
				})
			}
			wg.Wait()

			w := httptest.NewRecorder()
			h.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, newRequest())
			if got := stripNonce(snapshot(w.Header())); !maps.EqualFunc(got, want, slices.Equal) {
				t.Errorf("after handlers wrote into their headers:\ngot  %v\nwant %v", got, want)
			}
		})
	}
}

// stripNonce replaces the nonce in a CSP value by a fixed word, so that
// two responses compare equal.
func stripNonce(h http.Header) http.Header {
	for _, k := range []string{hCSP, hCSPReportOnly} {
		for i, v := range h[k] {
			h[k][i] = nonceRE.ReplaceAllString(v, "'nonce-N'")
		}
	}
	return h
}

// TestNonceSurvivesHeaderWrites: Nonce returns the nonce the layer sent,
// even after the handler rewrote the CSP header.
func TestNonceSurvivesHeaderWrites(t *testing.T) {
	h, err := New(Strict())
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	var before, after string
	h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		before = Nonce(r)
		vandalize(w.Header())
		w.Header()[hCSP][0] = "script-src 'nonce-AAAAAAAAAAAAAAAAAAAAAA'"
		after = Nonce(r)
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if len(before) != nonceLen || after != before {
		t.Errorf("Nonce before the write %q, after %q: want the same 22-character nonce", before, after)
	}
}

// TestSetHeadersOwnValues: SetHeaders (a proxy's ModifyResponse) gives
// every response its own values too.
func TestSetHeadersOwnValues(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	first := http.Header{}
	h.SetHeaders(first, true)
	want := snapshot(first)
	vandalize(first)
	second := http.Header{}
	h.SetHeaders(second, true)
	if !maps.EqualFunc(second, want, slices.Equal) {
		t.Errorf("after a write into the first response:\ngot  %v\nwant %v", second, want)
	}
	if got := second.Get(hHSTS); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("HSTS = %q", got)
	}
	if got := second.Get(hCSP); strings.Contains(got, "nonce") || got != h.Policy("") {
		t.Errorf("CSP = %q, want %q", got, h.Policy(""))
	}
}

// TestAddAfterLayer: Header.Add on a value the layer set appends to that
// header only, not into a neighbour.
func TestAddAfterLayer(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add(hFrame, "DENY")
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got, want := w.Header()[hFrame], []string{"SAMEORIGIN", "DENY"}; !slices.Equal(got, want) {
		t.Errorf("X-Frame-Options = %q, want %q", got, want)
	}
	for k, vs := range w.Header() {
		if k != hFrame && len(vs) != 1 {
			t.Errorf("%s = %q, want one value", k, vs)
		}
	}
}

// TestAllocs: one block per response; a nonce'd policy or the compact set
// puts the block in the response's record, with the context value and the
// request copy beside it, and a page adds the policy around its nonce.
func TestAllocs(t *testing.T) {
	if testenv.RaceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		ct   []string // the answer's Content-Type
		want float64
	}{
		{"default", Config{}, nil, 1},
		{"nonce, empty answer", Config{CSP: CSP{Nonce: true}}, nil, 3},
		{"nonce, JSON", Config{CSP: CSP{Nonce: true}}, jsonType, 3},
		{"nonce, page", Config{CSP: CSP{Nonce: true}}, htmlType, 4},
		{"strict, page", Strict(), htmlType, 4},
		{"api set, JSON", apiSetConfig, jsonType, 3},
		{"api set, page", apiSetConfig, htmlType, 4},
		{"api set without nonce, JSON", Config{APISet: true}, jsonType, 1},
	} {
		h, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		handler := h.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			if tc.ct != nil {
				w.Header()["Content-Type"] = tc.ct
				w.WriteHeader(http.StatusOK)
			}
		}))
		r := httptest.NewRequest("GET", "/", nil)
		w := &nopWriter{h: http.Header{}}
		got := testing.AllocsPerRun(200, func() {
			clear(w.h)
			handler.ServeHTTP(w, r)
		})
		if got != tc.want {
			t.Errorf("%s: %.1f allocations per request, want %.0f", tc.name, got, tc.want)
		}
	}
}
