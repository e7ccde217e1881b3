package csrf_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/keys"
)

// TestTokenHandlerHeadersAreItsOwn: writes into the header values of one
// token response (index 0 and an append, by an outer layer) never reach
// another response. Under -race, the goroutines also prove that no two
// responses share a slice.
func TestTokenHandlerHeadersAreItsOwn(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral()})
	if err != nil {
		t.Fatal(err)
	}
	h := p.TokenHandler()
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "http://app.example/api/csrf-token", nil))
		return w
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				hdr := get().Header()
				for _, k := range []string{"Cache-Control", "Content-Type", "X-Content-Type-Options"} {
					hdr[k][0] = "vandalized"
					hdr[k] = append(hdr[k], "appended")
				}
			}
		})
	}
	wg.Wait()
	w := get()
	for k, want := range map[string]string{
		"Cache-Control":          "no-store",
		"Content-Type":           "application/json; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := w.Header()[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want [%q]", k, got, want)
		}
	}
	if w.Code != http.StatusOK {
		t.Errorf("status = %d, want 200", w.Code)
	}
}
