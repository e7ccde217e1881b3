package cors

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/browsertest"
)

// page fetches the API with credentials, once as a simple GET and once as a
// PUT with a custom header (which needs a preflight), and writes what
// happened into #out: the response text, or the name of the error.
const page = `<!doctype html><title>cors</title><div id="out"></div><script>
const api = %q;
async function attempt(init) {
  try { const r = await fetch(api + "/data", init); return r.status + " " + await r.text(); }
  catch (e) { return e.name; }
}
(async () => {
  const res = {
    get: await attempt({credentials: "include"}),
    put: await attempt({method: "PUT", credentials: "include", headers: {"X-Token": "t"}}),
  };
  const out = document.getElementById("out");
  out.textContent = JSON.stringify(res);
  out.setAttribute("data-done", "1");
})();
</script>`

// TestBrowserCredentialedFetch runs a real Chromium against an API on one
// 127.0.0.1 port and pages on two others: the allowed page reads the answers
// (and its cookie went along), the other page gets TypeError for both.
func TestBrowserCredentialedFetch(t *testing.T) {
	pageHandler := func(api *string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, page, *api)
		})
	}
	var apiURL string
	allowedPage := httptest.NewServer(pageHandler(&apiURL))
	defer allowedPage.Close()
	otherPage := httptest.NewServer(pageHandler(&apiURL))
	defer otherPage.Close()

	m := mustNew(t, Config{
		Origins:        []string{allowedPage.URL}, // http://127.0.0.1:PORT, a loopback origin
		Credentials:    true,
		Methods:        []string{"PUT"},
		RequestHeaders: []string{"X-Token"},
	})
	var puts atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("GET /set-cookie", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s1", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		_, _ = w.Write([]byte("cookie set"))
	})
	mux.HandleFunc("/data", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			puts.Add(1)
		}
		_, err := r.Cookie("sid")
		_, _ = fmt.Fprintf(w, "%s cookie=%v", r.Method, err == nil)
	})
	api := httptest.NewServer(m.Handler(mux))
	defer api.Close()
	apiURL = api.URL

	ctx := browsertest.New(t)
	// The cookie is set first-party; both page origins are same-site with
	// the API (ports do not count), so SameSite=Lax lets fetch send it.
	if err := chromedp.Do(ctx, chromedp.Navigate(api.URL+"/set-cookie"), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}

	run := func(pageURL string) map[string]string {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(pageURL),
			chromedp.WaitReady(`#out[data-done="1"]`),
		); err != nil {
			t.Fatal(err)
		}
		text, err := chromedp.Run(ctx, chromedp.TextContent("#out"))
		if err != nil {
			t.Fatal(err)
		}
		var res map[string]string
		if err := json.Unmarshal([]byte(text), &res); err != nil {
			t.Fatalf("page result %q: %v", text, err)
		}
		return res
	}

	got := run(allowedPage.URL)
	want := map[string]string{"get": "200 GET cookie=true", "put": "200 PUT cookie=true"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("allowed origin, %s: got %q, want %q", k, got[k], v)
		}
	}
	if n := puts.Load(); n != 1 {
		t.Errorf("PUTs reaching the API after the allowed page = %d, want 1", n)
	}

	got = run(otherPage.URL)
	for _, k := range []string{"get", "put"} {
		if got[k] != "TypeError" {
			t.Errorf("disallowed origin, %s: got %q, want %q", k, got[k], "TypeError")
		}
	}
	// The refused preflight stopped the PUT before it reached the API.
	time.Sleep(100 * time.Millisecond)
	if n := puts.Load(); n != 1 {
		t.Errorf("PUTs reaching the API after the disallowed page = %d, want 1", n)
	}
}
