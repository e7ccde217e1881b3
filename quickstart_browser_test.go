package harden

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/browsertest"
	"github.com/harden-go/harden/internal/testenv"
)

// recordViolations runs before any script of every page and collects its
// CSP violations in window.cspViolations.
const recordViolations = `window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
	window.cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});`

// TestQuickstartInChromium builds the README's quick start program
// (examples/quickstart, which TestREADMEExamples keeps identical to the
// README), runs it, and proves in Chromium that its page's nonce'd inline
// script runs with no CSP violation, while a script without the nonce is
// blocked and reported (the control that shows violations are seen).
func TestQuickstartInChromium(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program and starts Chromium")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		if testenv.Required() {
			t.Fatal("the go command is not on PATH")
		}
		t.Skip("skipping: the go command is not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "quickstart")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Dir = filepath.Join("examples", "quickstart")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build examples/quickstart: %v\n%s", err, out)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "-addr", addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	base := "http://" + addr
	up := false
	for deadline := time.Now().Add(15 * time.Second); !up && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/nowhere"); err == nil {
			resp.Body.Close()
			up = true
		}
	}
	if !up {
		t.Fatalf("the quick start did not answer on %s", addr)
	}

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{Source: recordViolations})
			return err
		}),
		chromedp.Navigate(base+"/"),
		chromedp.WaitReady("#out"),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete"`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatal(err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("out").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if out != "script ran" {
		t.Errorf("#out = %q, want %q: the nonce'd inline script did not run", out, "script ran")
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(violations) != 0 {
		t.Errorf("CSP violations on the quick start's page: %q", violations)
	}

	// Control: a script without the nonce is blocked and reported.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function () {
		const s = document.createElement("script");
		s.textContent = "window.injectedRan = true";
		document.body.appendChild(s);
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.cspViolations.length > 0`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("a script without the nonce raised no CSP violation: %v", err)
	}
	if ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.injectedRan === true`)); err != nil || ran {
		t.Errorf("a script without the nonce ran (%v)", err)
	}
}
