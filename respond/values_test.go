package respond

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

// TestRefusalHeadersAreItsOwn: an outer layer that writes into the header
// values of a refusal (index 0, and an append) changes that refusal only:
// the next one carries the same headers and body as the first. Under
// -race, the goroutines also prove that no two refusals share a slice.
func TestRefusalHeadersAreItsOwn(t *testing.T) {
	rej := func() *Rejection {
		return &Rejection{Status: 429, Message: "Too many requests", Header: http.Header{"Retry-After": {"60"}}}
	}
	refuse := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		Reject(w, httptest.NewRequest("GET", "/", nil), rej())
		return w
	}
	first := refuse()
	want := http.Header{
		"Content-Type":           {"application/json; charset=utf-8"},
		"X-Content-Type-Options": {"nosniff"},
		"Cache-Control":          {"no-store"},
		"Content-Length":         {"30"},
		"Retry-After":            {"60"},
	}
	const wantBody = `{"error":"Too many requests"}` + "\n"
	if got := first.Header(); !maps.EqualFunc(got, want, slices.Equal) || first.Body.String() != wantBody {
		t.Fatalf("first refusal: %v %q, want %v %q", got, first.Body.String(), want, wantBody)
	}

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				h := refuse().Header()
				for k, vs := range h {
					vs[0] = "vandalized"
					h[k] = append(vs, "appended")
				}
			}
		})
	}
	wg.Wait()

	last := refuse()
	if got := last.Header(); !maps.EqualFunc(got, want, slices.Equal) {
		t.Errorf("after writes into other refusals:\ngot  %v\nwant %v", got, want)
	}
	if got := last.Body.String(); got != wantBody {
		t.Errorf("body = %q, want %q", got, wantBody)
	}
}

// TestRejectionHeaderCopied: the refusal's extra headers are copied, so a
// Rejection.Header shared by a layer's refusals is never written through
// the response.
func TestRejectionHeaderCopied(t *testing.T) {
	shared := http.Header{"Allow": {"GET, HEAD"}}
	w := httptest.NewRecorder()
	Reject(w, httptest.NewRequest("POST", "/", nil), &Rejection{Status: 405, Header: shared})
	w.Header()["Allow"][0] = "vandalized"
	if got := shared["Allow"]; !slices.Equal(got, []string{"GET, HEAD"}) {
		t.Errorf("shared Rejection.Header became %q", got)
	}
}
