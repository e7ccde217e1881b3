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
// does not, the JSON answer the page fetches carries the compact set (no
// COOP), and the page fetched again carries the page set (COOP, a policy
// with a nonce).
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
fetch("/").then(r => { window.__page = (r.headers.get("Cross-Origin-Opener-Policy") || "none") + " " +
  /'nonce-[A-Za-z0-9_-]{22}'/.test(r.headers.get("Content-Security-Policy") || ""); })
.then(() => fetch("/api/data")).then(r => { window.__apiCOOP = r.headers.get("Cross-Origin-Opener-Policy") || "none";
  window.__apiCache = r.headers.get("Cache-Control") || "none";
  window.__apiCSP = r.headers.get("Content-Security-Policy") || "none"; });
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
		`String(window.__ran) + " " + String(window.__injected) + " " + window.__apiCache + " " + window.__apiCOOP + " " + window.__page`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "true undefined no-store none same-origin true"; got != want {
		t.Errorf("ran, injected, API Cache-Control, API COOP, page COOP and nonce = %q, want %q", got, want)
	}
	if apiCSP != apiPolicy {
		t.Errorf("the API answer's CSP = %q, want %q", apiCSP, apiPolicy)
	}
}

// TestPresetStrictInChromium: under the strict preset the page's nonce'd
// script runs, an injected one does not, and a string fed to innerHTML
// throws (Trusted Types), while a named policy's output passes.
func TestPresetStrictInChromium(t *testing.T) {
	h, err := New(Config{CSP: CSP{Preset: presetStrict, TrustedTypes: []string{"page"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>strict</title><div id="out"></div>
<script>window.__injected = true</script>
<script nonce="%s">
const out = document.getElementById("out");
let sink = "accepted";
try { out.innerHTML = "<b>x</b>"; } catch (e) { sink = e.name; }
const p = trustedTypes.createPolicy("page", {createHTML: s => s.replace(/</g, "&lt;")});
out.innerHTML = p.createHTML("<i>safe</i>");
let other = "created";
try { trustedTypes.createPolicy("other", {}); } catch (e) { other = e.name; }
window.__result = [sink, other, out.textContent].join(" ");
</script>`, Nonce(r))
	})))
	defer srv.Close()
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady("title")); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.__result) + " " + String(window.__injected)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "TypeError TypeError <i>safe</i> undefined"; got != want {
		t.Errorf("sink, other policy, text, injected = %q, want %q", got, want)
	}
}
