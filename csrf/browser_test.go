package csrf_test

import (
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/internal/browsertest"
	"github.com/harden-go/harden/keys"
)

var formPage = template.Must(template.New("form").Parse(`<!doctype html><title>contact</title>
<form id="contact" method="post" action="/api/contact">{{.CSRF}}
<input name="name" value="Alice"><textarea name="message">hello</textarea>
<button id="send" type="submit">Send</button></form>`))

// attackPage auto-submits a forged POST to the API as soon as it loads.
const attackPage = `<!doctype html><title>cute cats</title>
<form id="f" method="post" action="%s/api/contact">
<input type="hidden" name="name" value="Mallory">
<input type="hidden" name="message" value="forged">
<input type="hidden" name="_csrf" value="%s">
</form><script>document.getElementById("f").submit();</script>`

// TestBrowserForgedFormRefused runs a real Chromium. The service is
// http://localhost:A. A same-origin form (with the hidden field) succeeds;
// forms on http://localhost:B (same site, other origin) and on
// http://127.0.0.1:B (another site) that auto-submit to the service are
// refused with 403, and the handler never runs for them. Each layer alone
// refuses them too: the origin layer by Sec-Fetch-Site; the token layer
// because the attacker's token is bound to another pre-session id, and
// because the SameSite=Strict cookie does not even go cross-site.
func TestBrowserForgedFormRefused(t *testing.T) {
	cases := []struct {
		name          string
		cfg           csrf.Config
		wantSameSite  string
		wantCrossSite string
	}{
		{"both layers", csrf.Config{}, bodyCrossOrigin, bodyCrossOrigin},
		{"token layer alone", csrf.Config{DangerouslyNoOriginCheck: true}, bodyInvalidToken, bodyMissingCookie},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Keys = keys.Ephemeral()
			browserForgedForm(t, c.cfg, strings.TrimSpace(c.wantSameSite), strings.TrimSpace(c.wantCrossSite))
		})
	}
}

func browserForgedForm(t *testing.T, cfg csrf.Config, wantSameSite, wantCrossSite string) {
	p, err := csrf.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var (
		reached  atomic.Int32
		mu       sync.Mutex
		names    []string
		fetchMDs []string // Sec-Fetch-Site of every POST the service saw
	)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = formPage.Execute(w, struct{ CSRF template.HTML }{csrf.TemplateField(r)})
	})
	mux.HandleFunc("POST /api/contact", func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		mu.Lock()
		names = append(names, r.PostFormValue("name"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><p id="done">Message received</p>`))
	})
	record := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				mu.Lock()
				fetchMDs = append(fetchMDs, r.Header.Get("Sec-Fetch-Site"))
				mu.Unlock()
			}
			next.ServeHTTP(w, r)
		})
	}
	api := httptest.NewServer(record(p.Handler(mux)))
	defer api.Close()
	apiURL := strings.Replace(api.URL, "127.0.0.1", "localhost", 1)

	// A token the attacker obtained for its own browser is no good either.
	attackerToken := csrf.IssueToken(p, httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, attackPage, apiURL, attackerToken)
	}))
	defer evil.Close()
	evilCrossSite := evil.URL                                              // http://127.0.0.1:B
	evilSameSite := strings.Replace(evil.URL, "127.0.0.1", "localhost", 1) // http://localhost:B

	ctx := browsertest.New(t)

	// waitFor polls until the tab shows a document at url, then returns its
	// body text.
	waitFor := func(url string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.href : ""`))
			if err == nil && loc == url {
				text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
				if err == nil {
					return strings.TrimSpace(text)
				}
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the tab never reached %s", url)
		return ""
	}

	// The same-origin form succeeds.
	if err := chromedp.Do(ctx, chromedp.Navigate(apiURL+"/form"), chromedp.WaitReady("#send")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click("#send")); err != nil {
		t.Fatal(err)
	}
	if got, want := waitFor(apiURL+"/api/contact"), "Message received"; got != want {
		t.Fatalf("same-origin form: got %q, want %q", got, want)
	}
	if n := reached.Load(); n != 1 {
		t.Fatalf("handler runs after the same-origin form: got %d, want 1", n)
	}

	// The forged forms are refused before the handler.
	for _, attack := range []struct{ url, want string }{{evilSameSite, wantSameSite}, {evilCrossSite, wantCrossSite}} {
		if err := chromedp.Do(ctx, chromedp.Navigate(attack.url)); err != nil {
			t.Fatal(err)
		}
		if got := waitFor(apiURL + "/api/contact"); got != attack.want {
			t.Errorf("forged form from %s: got %q, want %q", attack.url, got, attack.want)
		}
	}
	if n := reached.Load(); n != 1 {
		t.Errorf("handler runs after the forged forms: got %d, want 1", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"Alice"}; fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("messages stored: got %q, want %q", names, want)
	}
	// What Chromium told the server: the layers refused what it labelled.
	if want := []string{"same-origin", "same-site", "cross-site"}; fmt.Sprint(fetchMDs) != fmt.Sprint(want) {
		t.Errorf("Sec-Fetch-Site of the POSTs: got %q, want %q", fetchMDs, want)
	}
}
