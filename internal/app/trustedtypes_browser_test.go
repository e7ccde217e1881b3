package app

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/browsertest"
)

// violationRecorder runs before the page's own scripts in every document of
// the tab and keeps each CSP or Trusted Types violation in sessionStorage,
// which outlives the form submissions' navigations.
const violationRecorder = `document.addEventListener("securitypolicyviolation", function (e) {
  var list = JSON.parse(sessionStorage.getItem("violations") || "[]");
  list.push(location.pathname + ": " + e.effectiveDirective + " " + e.blockedURI);
  sessionStorage.setItem("violations", JSON.stringify(list));
});`

// TestBrowserTrustedTypes runs the reference page's two forms in Chromium
// under its enforced policy (strict CSP with require-trusted-types-for
// 'script'): no CSP or Trusted Types violation and no uncaught exception
// while a visitor sends the contact form and signs in. Then a string fed to
// innerHTML, the DOM XSS sink, throws, and is the one violation recorded,
// which proves the recorder hears violations.
func TestBrowserTrustedTypes(t *testing.T) {
	a, srv := routeApp(t, Config{})
	addUser(t, a, "user@example.com", userPW, appdb.RoleUser)

	ctx := browsertest.New(t)
	var mu sync.Mutex
	var exceptions []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdpruntime.EventExceptionThrown); ok {
			text := e.ExceptionDetails.Text
			if x := e.ExceptionDetails.Exception; x != nil {
				text += " " + x.Description
			}
			mu.Lock()
			exceptions = append(exceptions, text)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: violationRecorder})
		return err
	})); err != nil {
		t.Fatal(err)
	}
	// waitFor polls a condition across a form's navigation, during which
	// evaluating fails.
	waitFor := func(what, cond string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
			if err == nil && ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %v", what, err)
			}
		}
	}
	loaded := func(path string) string {
		return `location.pathname === "` + path + `" && document.readyState === "complete"`
	}
	violations := func() []string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`JSON.parse(sessionStorage.getItem("violations") || "[]")`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitReady("#contact"),
		chromedp.SendKeys(`#contact input[name="name"]`, "Visitor"),
		chromedp.SendKeys(`#contact input[name="email"]`, "visitor@example.com"),
		chromedp.SendKeys(`#contact textarea[name="message"]`, "Hello under Trusted Types."),
		chromedp.Click(`#contact button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor("the contact form was not accepted", loaded("/api/contact")+` && document.body.textContent.includes('"success":true')`)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitReady("#login"),
		chromedp.SendKeys(`#login input[name="email"]`, "user@example.com"),
		chromedp.SendKeys(`#login input[name="password"]`, userPW),
		chromedp.Click(`#login button[type="submit"]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor("the login form did not sign in", loaded("/api/login")+` && document.body.textContent.includes('"success":true')`)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"), chromedp.WaitReady("#js-status")); err != nil {
		t.Fatal(err)
	}
	waitFor("the page did not load", loaded("/")+` && document.getElementById("sri-status").textContent === "external script ran"`)
	if v := violations(); len(v) != 0 {
		t.Errorf("violations while the page's forms ran: %q", v)
	}

	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
  try {
    document.getElementById("js-status").innerHTML = "<img src=x onerror=alert(1)>";
    return "no error";
  } catch (e) {
    return e.name + ": " + e.message;
  }
})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, "TypeError: ") || !strings.Contains(got, "TrustedHTML") {
		t.Errorf("innerHTML with a string: %q, want a TypeError naming TrustedHTML", got)
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("js-status").textContent`))
	if err != nil || status != "inline script ran" {
		t.Errorf("#js-status = %q (%v) after the refused sink, want it unchanged", status, err)
	}
	waitFor("the refused sink was not recorded", `sessionStorage.getItem("violations") !== null`)
	if v, want := violations(), []string{"/: require-trusted-types-for trusted-types-sink"}; strings.Join(v, "\n") != strings.Join(want, "\n") {
		t.Errorf("violations after the string sink: %q, want %q", v, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(exceptions) != 0 {
		t.Errorf("uncaught exceptions: %q", exceptions)
	}
}
