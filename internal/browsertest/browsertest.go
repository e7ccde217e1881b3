// Package browsertest starts a real headless Chromium for tests that only a
// browser can prove: CSP blocking, framing, CORS, cookie prefixes, SameSite.
//
// It uses the Chromium binary that [testenv.Chromium] finds, with the flags
// a root, offline, GPU-less machine needs, and a fresh profile per test. It
// is imported only by tests.
package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/testenv"
)

// New starts a headless Chromium and returns a browser context for
// chromedp.Run. The browser is stopped when the test ends. Each call is a
// new browser with an empty profile: no cookies carry over.
func New(t testing.TB) context.Context {
	t.Helper()
	path := testenv.Chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	// Start the browser now, without a deadline (a deadline on the first
	// call would bound the browser's life), so that a broken installation
	// fails here with a clear message rather than inside the first action.
	if err := chromedp.Do(browserCtx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("starting Chromium (%s): %v", path, err)
	}
	// Every action of the test is bounded.
	ctx, cancelTimeout := context.WithTimeout(browserCtx, 90*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		cancelBrowser()
		cancelAlloc()
	})
	return ctx
}
