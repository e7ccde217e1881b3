package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/browsertest"
	"github.com/harden-go/harden/internal/xsstest"
)

// injected is markup an attacker managed to store in the page: an inline
// script without the response's nonce.
const injected = template.HTML(`<script>window.injectedRan = true; document.getElementById("js-status").textContent = "INJECTED";</script>`)

// TestBrowserCSPNonce proves in Chromium that the page's nonce'd inline
// script runs, that an injected inline script without the nonce does not,
// and that the same-origin script with an integrity hash loads.
func TestBrowserCSPNonce(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	mux := http.NewServeMux()
	mux.Handle("/", a.Handler())
	mux.Handle("GET /injected", a.stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, page{Extra: injected})
	})))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/injected"),
		chromedp.WaitReady("#js-status"),
	); err != nil {
		t.Fatal(err)
	}
	// Wait until the deferred external script has had its chance.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete"`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("js-status").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if status != "inline script ran" {
		t.Errorf("#js-status = %q, want %q (nonce'd script ran, injected one blocked)", status, "inline script ran")
	}
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.injectedRan === true`))
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Error("an inline script without the nonce ran")
	}
	sri, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("sri-status").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if sri != "external script ran" {
		t.Errorf("#sri-status = %q, want the integrity-checked script to run", sri)
	}
}

// framer serves a page on its own origin that frames target and records
// in document.title whether the framed page's script reported loading.
func framer(target string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><title>waiting</title>
<script>window.addEventListener("message", function (e) { document.title = "framed:" + e.data; });</script>
<iframe id="f" src="`+template.HTMLEscapeString(target)+`"></iframe>`)
	}))
}

// TestBrowserRefusesFraming proves that another origin cannot frame the
// page, against a control that allows framing: the same page with
// frame-ancestors * loads in the frame and reports so.
func TestBrowserRefusesFraming(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	app := httptest.NewServer(a.Handler())
	defer app.Close()

	// The control: the page behind a stack that allows any framer.
	open, err := harden.New(harden.Config{
		Development: true, // plain HTTP on 127.0.0.1, like the app under test
		Logger:      slog.New(slog.DiscardHandler),
		Headers: headers.Config{
			CSP:  headers.CSP{Nonce: true, Directives: map[string][]string{"frame-ancestors": {"*"}}, Remove: []string{"upgrade-insecure-requests"}},
			Omit: []string{"X-Frame-Options"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	control := httptest.NewServer(open.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, page{})
	})))
	defer control.Close()

	ctx := browsertest.New(t)
	title := func(target string) string {
		t.Helper()
		f := framer(target)
		defer f.Close()
		if err := chromedp.Do(ctx, chromedp.Navigate(f.URL), chromedp.WaitReady("#f")); err != nil {
			t.Fatal(err)
		}
		// Give the frame time to load (or be refused) and report.
		got, err := chromedp.Run(ctx, chromedp.Poll[string](`document.title.startsWith("framed:") ? document.title : ""`,
			chromedp.WithPollingTimeout(3*time.Second)))
		if err != nil {
			title, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.title`))
			return title
		}
		return got
	}
	if got := title(control.URL + "/"); got != "framed:harden-page-loaded" {
		t.Fatalf("control: a frameable page reported %q; the framing check itself is broken", got)
	}
	if got := title(app.URL + "/"); got != "waiting" {
		t.Errorf("the app's page loaded in a cross-origin frame: title %q", got)
	}
}

// corsPage calls the app from another origin with the user's cookies: a
// simple GET, a JSON POST without a CSRF token (which needs a preflight),
// and a contact message with the token from /api/csrf-token. It writes what
// happened into #out: the status and text, or the name of the error.
const corsPage = `<!doctype html><title>cors</title><div id="out"></div><script>
const app = %q;
async function attempt(path, init) {
  try { const r = await fetch(app + path, init); return r.status + " " + await r.text(); }
  catch (e) { return e.name; }
}
(async () => {
  const res = {
    get: await attempt("/healthz", {credentials: "include"}),
    post: await attempt("/api/nope", {method: "POST", credentials: "include",
      headers: {"Content-Type": "application/json"}, body: "{}"}),
    contact: await (async () => {
      try {
        const r = await fetch(app + "/api/csrf-token", {credentials: "include"});
        const token = (await r.json()).token;
        return await attempt("/api/contact", {method: "POST", credentials: "include",
          headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
          body: JSON.stringify({name: "Ada", email: "ada@example.com", message: "hi"})});
      } catch (e) { return e.name; }
    })(),
  };
  const out = document.getElementById("out");
  out.textContent = JSON.stringify(res);
  out.setAttribute("data-done", "1");
})();
</script>`

// TestBrowserCORS proves in Chromium, through the whole app, that a page on
// an origin listed in HARDEN_ALLOWED_ORIGINS reads the API's answers with
// credentials, and that a page on any other origin reads nothing.
func TestBrowserCORS(t *testing.T) {
	var appURL string
	pageHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, corsPage, appURL)
	})
	allowed := httptest.NewServer(pageHandler)
	defer allowed.Close()
	other := httptest.NewServer(pageHandler)
	defer other.Close()

	a := newTestApp(t, Config{Development: true, AllowedOrigins: allowed.URL})
	app := httptest.NewServer(a.Handler())
	defer app.Close()
	appURL = app.URL

	ctx := browsertest.New(t)
	run := func(pageURL string) map[string]string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(pageURL), chromedp.WaitReady(`#out[data-done="1"]`)); err != nil {
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
	got := run(allowed.URL)
	want := map[string]string{
		"get": `200 {"status":"ok"}` + "\n",
		// An allowed origin passes the Fetch Metadata layer of CSRF, but
		// still needs a token: it reads the refusal (CORS), then gets a
		// token and succeeds with it.
		"post":    `403 {"error":"CSRF token missing","detail":"csrf: missing token","request_id":"*"}` + "\n",
		"contact": `200 {"success":true,"message":"Message received"}` + "\n",
	}
	for k, v := range want {
		if anyRequestID.ReplaceAllString(got[k], `"request_id":"*"`) != v {
			t.Errorf("allowed origin, %s: got %q, want %q", k, got[k], v)
		}
	}
	got = run(other.URL)
	for _, k := range []string{"get", "post", "contact"} {
		if got[k] != "TypeError" {
			t.Errorf("other origin, %s: got %q, want TypeError", k, got[k])
		}
	}
}

// canary replaces every function the XSS vectors call, before any script
// of the page runs: a payload that executes sets window.__xss.
const canary = `window.__xss = false;
for (const f of ["alert", "prompt", "confirm", "print"]) {
  window[f] = function () { window.__xss = true; };
}`

// TestBrowserStoredXSS signs an admin in through the page's login form,
// stores every XSS vector through POST /api/contact (as sent; the route
// sanitizes) and directly in the database (as a row no sanitizer saw),
// plus payloads that set the canary themselves, then opens /admin in
// Chromium: no payload runs, and the harmless markup renders.
func TestBrowserStoredXSS(t *testing.T) {
	a, srv := routeApp(t, Config{})
	addUser(t, a, "admin@example.com", userPW, appdb.RoleAdmin)

	own := []string{
		`<img src=x onerror="window.__xss=true">`,
		`<script>window.__xss=true</script>`,
		`<svg onload="window.__xss=true"></svg>`,
		`<a href="javascript:window.__xss=true" id="jslink">click</a>`,
		`<b>harmless-bold</b> and <a href="https://example.invalid/ok">harmless-link</a>`,
	}
	c := newClient(t, srv.URL)
	var accepted int
	for _, v := range append(slices.Clone(xsstest.XSSVectors), own...) {
		body, _ := json.Marshal(map[string]string{"name": "Tester", "email": "t@example.com", "message": v})
		switch status, resp := c.post("/api/contact", string(body)); status {
		case 200:
			accepted++
		case 400: // sanitized to nothing, or a NUL byte
		default:
			t.Fatalf("contact %q: %d %s", v, status, resp)
		}
		if _, err := a.db.AddMessage(context.Background(), appdb.Message{Name: "Raw", Email: "r@example.com", Body: v}); err != nil {
			if _, ok := errors.AsType[*appdb.ValidationError](err); !ok {
				t.Fatal(err)
			}
		}
	}
	if accepted < 50 {
		t.Fatalf("only %d payloads stored through the route", accepted)
	}

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: canary})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	// Sign in through the page's form, as a user would.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitReady("#login"),
		chromedp.SendKeys(`#login input[name="email"]`, "admin@example.com"),
		chromedp.SendKeys(`#login input[name="password"]`, userPW),
		chromedp.Submit(`#login`),
	); err != nil {
		t.Fatal(err)
	}
	// The form's answer is a new document: evaluating during the
	// navigation fails, so retry until it has loaded.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname === "/api/login" && document.readyState === "complete" && document.body.textContent.includes('"success":true')`))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the login form did not sign in: %v", err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/admin"), chromedp.WaitReady("article.message")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete"`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	// Hover and focus every element, for the payloads that wait for it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
  for (const el of document.querySelectorAll(".body *")) {
    for (const type of ["mouseover", "mouseenter", "pointerenter", "focus", "click"]) {
      if (type === "click" && el.tagName === "A") continue; // links would navigate away
      el.dispatchEvent(new Event(type, {bubbles: true}));
    }
  }
  return true;
})()`)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // timers and animations a payload might use
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__xss === true`))
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Error("a stored payload executed on the admin page")
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("article.message").length`))
	if err != nil || n < 2*accepted {
		t.Errorf("%d messages rendered (%v), want at least %d", n, err, 2*accepted)
	}
	for _, check := range []string{
		`[...document.querySelectorAll(".body b")].some(b => b.textContent === "harmless-bold")`,
		`[...document.querySelectorAll(".body a")].some(a => a.textContent === "harmless-link" && a.href === "https://example.invalid/ok" && a.rel === "nofollow noopener")`,
		`document.querySelectorAll(".body script, .body img, .body svg, .body iframe, .body [onerror], .body [onload]").length === 0`,
		`![...document.querySelectorAll(".body a")].some(a => !a.href.startsWith("https://"))`,
	} {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](check))
		if err != nil || !ok {
			t.Errorf("%s: %v %v", check, ok, err)
		}
	}
}
