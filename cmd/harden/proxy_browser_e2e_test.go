package main

// What a real browser (headless Chromium) can and cannot do to
// express-vulnerable through "harden proxy", against the same attacks on
// the app directly: a page of another site posts a transfer, reads the
// API with credentials and frames the app; the app's own login form still
// works through the proxy.

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/browsertest"
)

// attackerSite serves the attacker's pages on another site than the app:
// the host name localhost (the app is at 127.0.0.1), plain HTTP.
//
//	/csrf?target=T   auto-submits a form POST of a transfer to T/api/transfer
//	/read?target=T   fetches T/api/me with credentials; #out says read: or blocked:
//	/frame?target=T  frames T/
func attackerSite(t *testing.T) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /csrf", func(w http.ResponseWriter, r *http.Request) {
		target := html.EscapeString(r.URL.Query().Get("target"))
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/api/transfer">`+
			`<input name="to" value="mallory"><input name="amount" value="100"></form>`+
			`<script>document.forms[0].submit()</script>`, target)
	})
	mux.HandleFunc("GET /read", func(w http.ResponseWriter, r *http.Request) {
		target := r.URL.Query().Get("target")
		fmt.Fprintf(w, `<!doctype html><p id="out"></p><script>
fetch(%q + "/api/me", {credentials: "include"})
  .then(function (r) { return r.text(); })
  .then(function (t) { out("read:" + t); }, function (e) { out("blocked:" + e.name); });
function out(s) { var o = document.getElementById("out"); o.textContent = s; o.dataset.done = "1"; }
</script>`, target)
	})
	mux.HandleFunc("GET /frame", func(w http.ResponseWriter, r *http.Request) {
		target := html.EscapeString(r.URL.Query().Get("target"))
		fmt.Fprintf(w, `<!doctype html><iframe id="victim" src="%s/"></iframe>`, target)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	return "http://localhost:" + port
}

// ignoreCertErrors makes the browser accept the test's self-signed
// certificate.
var ignoreCertErrors = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := cdp.Call(ctx, t, security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true})
	return err
})

// browserLogin signs alice in with the app's own login form at base.
func browserLogin(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitReady(`input[name="username"]`),
		chromedp.SendKeys(`input[name="username"]`, "alice"),
		chromedp.SendKeys(`input[name="password"]`, "password123"),
		chromedp.Submit(`input[name="password"]`),
	); err != nil {
		t.Fatal(err)
	}
	// The form posts and the app redirects: evaluate until the page after
	// the redirect says who is signed in (an evaluation during the
	// navigation fails and is retried).
	var text string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.textContent : ""`))
		if err == nil && strings.Contains(got, "Signed in as alice") {
			return
		}
		text = got
	}
	t.Fatalf("login form at %s: the page does not say \"Signed in as alice\": %q", base, text)
}

// browserBalance reads alice's balance in the browser, first-party.
func browserBalance(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/api/balance"), chromedp.WaitReady("body")); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.textContent`))
	if err != nil {
		t.Fatal(err)
	}
	return text
}

// framedLocation returns location.href of the document inside the page's
// frame (an out-of-process iframe target, since the framed app is another
// site): the framed page, or Chromium's error page when framing was
// refused.
func framedLocation(t *testing.T, ctx context.Context) string {
	t.Helper()
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		res, err := chromedp.Run(ctx, chromedp.Action[target.GetTargetsResult](func(ctx context.Context, tg *chromedp.Target) (target.GetTargetsResult, error) {
			return cdp.Call(ctx, tg, target.GetTargets, target.GetTargetsParams{})
		}))
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range res.TargetInfos {
			if info.Type != "iframe" {
				continue
			}
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
			loc, err := chromedp.Run(fctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.href : ""`))
			cancel()
			if err == nil && loc != "" {
				return loc
			}
			last = fmt.Sprintf("%s: %q %v", info.URL, loc, err)
		}
	}
	t.Fatalf("the frame did not load within 10s (%s)", last)
	return ""
}

func TestE2EProxyBrowser(t *testing.T) {
	e := startE2E(t, nil)
	attacker := attackerSite(t)

	// scenario runs the three attacks against base in a fresh browser
	// signed in there, and returns what the attacker got.
	type outcome struct {
		balanceBefore, balanceAfter, read, frame string
	}
	scenario := func(t *testing.T, base string) outcome {
		ctx := browsertest.New(t)
		if err := chromedp.Do(ctx, ignoreCertErrors); err != nil {
			t.Fatal(err)
		}
		browserLogin(t, ctx, base)
		var o outcome
		o.balanceBefore = browserBalance(t, ctx, base)
		if err := chromedp.Do(ctx, chromedp.Navigate(attacker+"/csrf?target="+base)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond) // the form posts itself
		o.balanceAfter = browserBalance(t, ctx, base)
		if err := chromedp.Do(ctx, chromedp.Navigate(attacker+"/read?target="+base),
			chromedp.WaitReady(`#out[data-done="1"]`)); err != nil {
			t.Fatal(err)
		}
		var err error
		if o.read, err = chromedp.Run(ctx, chromedp.TextContent("#out")); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(attacker+"/frame?target="+base)); err != nil {
			t.Fatal(err)
		}
		o.frame = framedLocation(t, ctx)
		return o
	}

	t.Run("app directly", func(t *testing.T) {
		o := scenario(t, e.app.URL)
		t.Logf("at the app: %+v", o)
		// The flaws, seen by a browser: the cross-site form moved money
		// (Chromium sends a cookie without SameSite on a top-level POST in
		// its first two minutes), the API answer was readable by the
		// other site, and the app was framed.
		if o.balanceBefore == o.balanceAfter {
			t.Errorf("cross-site form post: balance %s unchanged, want money moved (the flaw)", o.balanceAfter)
		}
		if !strings.HasPrefix(o.read, "read:") {
			t.Errorf("cross-site read: got %q, want the answer readable (the flaw)", o.read)
		}
		if !strings.HasPrefix(o.frame, e.app.URL) {
			t.Errorf("framing: the frame shows %q, want the app (the flaw)", o.frame)
		}
	})
	t.Run("through the proxy", func(t *testing.T) {
		o := scenario(t, e.base)
		t.Logf("through the proxy: %+v", o)
		if !strings.Contains(o.balanceBefore, `"user":"alice"`) {
			t.Fatalf("balance through the proxy: got %q, want alice's", o.balanceBefore)
		}
		if o.balanceAfter != o.balanceBefore {
			t.Errorf("cross-site form post: balance got %q, want unchanged %q", o.balanceAfter, o.balanceBefore)
		}
		if o.read != "blocked:TypeError" {
			t.Errorf("cross-site read with credentials: got %q, want blocked:TypeError", o.read)
		}
		if o.frame != "chrome-error://chromewebdata/" {
			t.Errorf("framing: the frame shows %q, want Chromium's error page (framing refused)", o.frame)
		}
	})
}
