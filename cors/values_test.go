package cors

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// vandalize rewrites every header value of h: the first value in place,
// and an appended one.
func vandalize(h http.Header) {
	for k, vs := range h {
		if len(vs) > 0 {
			vs[0] = "vandalized"
		}
		h[k] = append(vs, "appended")
	}
}

// afterTheFact runs h, then vandalizes the answer's headers, as an outer
// layer would: it reaches the preflight answers the middleware wrote
// itself.
func afterTheFact(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		vandalize(w.Header())
	})
}

func snapshot(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		out[k] = slices.Clone(vs)
	}
	return out
}

// TestHandlerWritesStayInItsResponse: writes into the header values of one
// answer (index 0 and an append, by the handler or by an outer layer once
// the middleware answered) never reach another answer, for every
// decision. Under -race, the goroutines also prove that no two responses
// share a slice.
func TestHandlerWritesStayInItsResponse(t *testing.T) {
	m := mustNew(t, Config{
		Origins:     []string{"https://app.example.com", "https://*.tenants.example.com"},
		Credentials: true,
		DangerouslyAllowSubdomainsWithCredentials: true,
		Methods:              []string{"PUT"},
		RequestHeaders:       []string{"X-CSRF-Token"},
		ExposedHeaders:       []string{"X-Request-Id"},
		MaxAge:               600,
		PrivateNetworkAccess: true,
	})
	wildcard := mustNew(t, Config{Origins: []string{"*"}, ExposedHeaders: []string{"*"}})
	req := func(method, origin string, hdr ...string) func() *http.Request {
		return func() *http.Request {
			r := httptest.NewRequest(method, "/", nil)
			if origin != "" {
				r.Header.Set("Origin", origin)
			}
			for i := 0; i+1 < len(hdr); i += 2 {
				r.Header.Set(hdr[i], hdr[i+1])
			}
			return r
		}
	}
	vandal := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { vandalize(w.Header()) })
	for _, tc := range []struct {
		name string
		m    *Middleware
		r    func() *http.Request
	}{
		{"no origin", m, req("GET", "")},
		{"simple, exact", m, req("GET", "https://app.example.com")},
		{"simple, pattern", m, req("GET", "https://a.tenants.example.com")},
		{"simple, wildcard", wildcard, req("GET", "https://any.example")},
		{"simple, denied", m, req("GET", "https://evil.example")},
		{"preflight", m, req("OPTIONS", "https://app.example.com", hACRM, "PUT", hACRH, "x-csrf-token", hACRPN, "true")},
		{"preflight, wildcard", wildcard, req("OPTIONS", "https://any.example", hACRM, "GET")},
		{"preflight, denied", m, req("OPTIONS", "https://evil.example", hACRM, "PUT")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clean := httptest.NewRecorder()
			tc.m.Handler(nop).ServeHTTP(clean, tc.r())
			want, wantCode, wantBody := snapshot(clean.Header()), clean.Code, clean.Body.String()

			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for range 50 {
						afterTheFact(tc.m.Handler(vandal)).ServeHTTP(httptest.NewRecorder(), tc.r())
					}
				})
			}
			wg.Wait()

			w := httptest.NewRecorder()
			tc.m.Handler(nop).ServeHTTP(w, tc.r())
			if got := snapshot(w.Header()); !maps.EqualFunc(got, want, slices.Equal) {
				t.Errorf("after writes into other answers:\ngot  %v\nwant %v", got, want)
			}
			if w.Code != wantCode || w.Body.String() != wantBody {
				t.Errorf("answer %d %q, want %d %q", w.Code, w.Body.String(), wantCode, wantBody)
			}
		})
	}
}

// TestVaryAppendCopies: a Vary value set in front of the middleware, in a
// slice with spare capacity, is not written into: the middleware's value
// is added to a copy.
func TestVaryAppendCopies(t *testing.T) {
	m := mustNew(t, appConfig)
	shared := make([]string, 1, 4)
	shared[0] = "Accept-Encoding"
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	w := httptest.NewRecorder()
	w.Header()["Vary"] = shared
	m.Handler(nop).ServeHTTP(w, r)
	if got, want := w.Header()["Vary"], []string{"Accept-Encoding", "Origin"}; !slices.Equal(got, want) {
		t.Errorf("Vary = %q, want %q", got, want)
	}
	if got := shared[:2]; got[1] != "" {
		t.Errorf("the spare capacity of the earlier Vary slice was written: %q", got)
	}
}
