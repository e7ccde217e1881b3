package headers

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/browsertest"
)

// TestSetsInChromium serves a small page and a JSON route through one
// handler with the compact API set: the page's nonce'd script runs (its
// nonce matches the policy the page got), an injected script without it
// does not, and the JSON answer the page fetches carries the compact set.
func TestSetsInChromium(t *testing.T) {
	h, err := New(apiSetConfig)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/data", writeJSON)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		nonce := Nonce(r)
		fmt.Fprintf(w, `<!doctype html><title>sets</title>
<script>window.__injected = true</script>
<script nonce="%s">
window.__ran = true;
fetch("/api/data").then(r => { window.__apiCSP = r.headers.get("Content-Security-Policy") || "none";
  window.__apiCache = r.headers.get("Cache-Control") || "none"; });
</script>`, nonce)
	})
	srv := httptest.NewServer(h.Handler(mux))
	defer srv.Close()

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady("title")); err != nil {
		t.Fatal(err)
	}
	apiCSP, err := chromedp.Run(ctx, chromedp.Poll[string](`window.__apiCSP`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil {
		t.Fatalf("the page's nonce'd script did not fetch the API: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`String(window.__ran) + " " + String(window.__injected) + " " + window.__apiCache`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "true undefined no-store"; got != want {
		t.Errorf("ran, injected, API Cache-Control = %q, want %q", got, want)
	}
	if apiCSP != APIPolicy {
		t.Errorf("the API answer's CSP = %q, want %q", apiCSP, APIPolicy)
	}
}
