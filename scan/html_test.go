package scan

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/browsertest"
)

// hostileReport is a report whose site-controlled fields carry markup, as
// a scanned site can make them do.
func hostileReport() *Report {
	return &Report{
		Host: `evil.example"><script>window.__xss=1</script>`, Model: ModelObservatory,
		URL: "https://evil.example/</style><script>window.__xss=2</script>", StatusCode: 200, Grade: "F", Score: 0,
		Tests: []TestResult{{Name: TestCSP, Result: "csp-header-invalid", ScoreModifier: -25,
			Description: "x", Data: `"><img src=x onerror="window.__xss=3"><style>body{display:none}</style>`}},
	}
}

func TestWriteHTMLSelfContained(t *testing.T) {
	_, _, rep, _ := crawlSite(t, 5)
	var b bytes.Buffer
	if err := WriteHTML(&b, rep, hostileReport(), &Report{Host: "down.example", Error: "scan: the site did not answer"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		`http-equiv="Content-Security-Policy"`, "default-src &#39;none&#39;", "Pages × checks", "(not-found)",
		"cell-worse", "Pages worse than the graded page", "Not scanned: scan: the site did not answer",
		"&lt;script&gt;window.__xss=1&lt;/script&gt;",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// Nothing loads from anywhere and no markup comes from the site.
	for _, bad := range []string{"<script", "<img", "<link", "<iframe", ` src="`, ` href="`, "@import", "url("} {
		if strings.Contains(out, bad) {
			t.Errorf("report contains %q", bad)
		}
	}
}

// TestHTMLReportInChromium opens the report in Chromium: it renders under
// its own policy (its style sheet applies) with no console error, the
// site-controlled markup stays text, and the policy is enforced: an
// injected inline script, an unhashed style and an image are all refused.
func TestHTMLReportInChromium(t *testing.T) {
	_, _, rep, _ := crawlSite(t, 5)
	var b bytes.Buffer
	if err := WriteHTML(&b, rep, hostileReport()); err != nil {
		t.Fatal(err)
	}
	// Served without any header: only the report's own <meta> policy applies.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b.Bytes())
	}))
	defer srv.Close()

	ctx := browsertest.New(t)
	var (
		mu       sync.Mutex
		problems []string
	)
	err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console "+string(e.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception "+e.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, "log "+string(e.Entry.Source)+": "+e.Entry.Text)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/report.html"), chromedp.WaitReady("table.matrix")); err != nil {
		t.Fatal(err)
	}
	gradeBG, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".grade")).backgroundColor`))
	if err != nil {
		t.Fatal(err)
	}
	xss, err := chromedp.Run(ctx, chromedp.Evaluate[string](`String(window.__xss)`))
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(problems) > 0 {
		t.Errorf("console problems while rendering the report: %q", problems)
	}
	mu.Unlock()
	// The report's own style sheet applies under its policy: A+ is green.
	if gradeBG != "rgb(26, 127, 55)" {
		t.Errorf("grade badge background %q, want rgb(26, 127, 55): the style sheet was blocked", gradeBG)
	}
	if xss != "undefined" {
		t.Errorf("site-controlled markup ran a script: window.__xss = %s", xss)
	}

	type enforcement struct {
		Violations []string `json:"violations"`
		Inline     bool     `json:"inline"`
		Color      string   `json:"color"`
		ImgLoaded  bool     `json:"imgLoaded"`
	}
	const inject = `new Promise(resolve => {
	  const violations = [];
	  document.addEventListener("securitypolicyviolation", e => violations.push(e.effectiveDirective));
	  const s = document.createElement("script"); s.textContent = "window.__inline = true"; document.body.appendChild(s);
	  const st = document.createElement("style"); st.textContent = "body{color:rgb(1, 2, 3)}"; document.head.appendChild(st);
	  const img = new Image(); let loaded = false; img.onload = () => { loaded = true };
	  img.src = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"; document.body.appendChild(img);
	  setTimeout(() => resolve({violations, inline: window.__inline === true, color: getComputedStyle(document.body).color, imgLoaded: loaded}), 500);
	})`
	enforced, err := chromedp.Run(ctx, chromedp.Evaluate[enforcement](inject, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if enforced.Inline {
		t.Error("an injected inline script ran: the policy is not enforced")
	}
	if enforced.Color == "rgb(1, 2, 3)" {
		t.Error("an injected style applied: the policy is not enforced")
	}
	if enforced.ImgLoaded {
		t.Error("an image loaded: img-src 'none' is not enforced")
	}
	for _, want := range []string{"script-src-elem", "style-src-elem", "img-src"} {
		found := false
		for _, v := range enforced.Violations {
			found = found || v == want
		}
		if !found {
			t.Errorf("no %s violation reported; got %q", want, enforced.Violations)
		}
	}
}
