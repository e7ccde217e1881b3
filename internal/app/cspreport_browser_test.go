package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/browsertest"
)

// TestBrowserCSPReport proves in Chromium that a page whose injected
// inline script is blocked by the CSP produces exactly one csp_violation
// event, naming the directive and the blocked URI, through the app's
// report endpoint.
func TestBrowserCSPReport(t *testing.T) {
	buf := &lockedBuffer{}
	a := newTestApp(t, Config{Development: true, SecurityLog: newSecLog(t, buf)})
	mux := http.NewServeMux()
	mux.Handle("/", a.Handler())
	mux.Handle("GET /injected", a.stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, page{Extra: injected})
	})))
	// Chromium queues Reporting API (report-to) reports for background
	// delivery, which the test browser does not run; without report-to it
	// posts the report-uri body at once. The page's policy is the app's
	// otherwise; the Reporting API body is covered by package cspreport.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(&legacyReporting{ResponseWriter: w}, r)
	}))
	defer srv.Close()

	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/injected"),
		chromedp.WaitReady("#js-status"),
	); err != nil {
		t.Fatal(err)
	}
	violations := func() []map[string]any {
		var out []map[string]any
		for line := range strings.Lines(buf.String()) {
			var e struct {
				Event   string         `json:"event"`
				Details map[string]any `json:"details"`
			}
			if json.Unmarshal([]byte(line), &e) == nil && e.Event == "csp_violation" {
				out = append(out, e.Details)
			}
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(violations()) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second) // a duplicate would arrive with the same batch
	got := violations()
	if len(got) != 1 {
		t.Fatalf("got %d csp_violation events, want 1; log:\n%s", len(got), buf.String())
	}
	if got[0]["directive"] != "script-src-elem" || got[0]["blocked_url"] != "inline" ||
		got[0]["document_url"] != srv.URL+"/injected" {
		t.Errorf("violation: got %v, want directive script-src-elem, blocked_url inline, document_url %s/injected", got[0], srv.URL)
	}
}

// legacyReporting drops report-to from the CSP and the Reporting-Endpoints
// header, leaving report-uri.
type legacyReporting struct{ http.ResponseWriter }

func (l *legacyReporting) WriteHeader(code int) {
	h := l.Header()
	h.Del("Reporting-Endpoints")
	if csp := h.Get("Content-Security-Policy"); csp != "" {
		h.Set("Content-Security-Policy", strings.ReplaceAll(csp, ";report-to csp-endpoint", ""))
	}
	l.ResponseWriter.WriteHeader(code)
}

func (l *legacyReporting) Write(p []byte) (int, error) {
	if l.Header().Get("Reporting-Endpoints") != "" {
		l.WriteHeader(http.StatusOK)
	}
	return l.ResponseWriter.Write(p)
}
