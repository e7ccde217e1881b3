package scan

import (
	"errors"
	"fmt"
)

// The grading models.
const (
	// ModelObservatory grades exactly as the Mozilla HTTP Observatory
	// release ObservatoryRelease does; the checks beyond it are reported
	// as findings that do not count.
	ModelObservatory = "observatory"
	// ModelHarden also counts the findings, and corrects two Observatory
	// quirks that hide a risk: a reflected CORS origin with credentials is
	// caught, and only a header frame-ancestors that keeps foreign origins
	// out replaces X-Frame-Options.
	ModelHarden = "harden"
)

// The Observatory release whose ten tests, score table and curve
// ModelObservatory reproduces, and that release's scoring algorithm
// version. Later releases score some pages differently (docs/scan.md lists
// how); the agreement test runs this release.
const (
	ObservatoryRelease   = "1.4.8"
	ObservatoryAlgorithm = 4
)

// observatoryName names the reproduced release in reports.
var observatoryName = fmt.Sprintf("Mozilla HTTP Observatory %s (algorithm version %d)", ObservatoryRelease, ObservatoryAlgorithm)

// Errors of Grade.
var (
	// ErrNoResponse means neither http:// nor https:// answered.
	ErrNoResponse = errors.New("scan: the site did not answer over HTTP or HTTPS")
	// ErrStatus means the page answered with a status the Observatory does
	// not grade (1xx, 4xx other than 401 and 403, 5xx).
	ErrStatus = errors.New("scan: unexpected HTTP status")
	// ErrModel means an unknown model name.
	ErrModel = errors.New("scan: unknown model")
)

// Report is the grade of one site.
type Report struct {
	Host string `json:"host"`
	// Error is set, and nothing else but Host, when the site could not be
	// scanned; the CLI's JSON outputs list such targets this way.
	Error string `json:"error,omitempty"`
	Model string `json:"model,omitempty"`
	// Observatory names the Observatory release, and its algorithm
	// version, whose results Tests reproduce.
	Observatory string `json:"observatory,omitempty"`
	// URL is the page that was graded (the end of the HTTPS chain when
	// HTTPS answered).
	URL        string `json:"url"`
	StatusCode int    `json:"status_code"`
	Grade      string `json:"grade"`
	Score      int    `json:"score"`
	// TestsPassed, TestsFailed and TestsQuantity count the scored tests.
	TestsPassed   int `json:"tests_passed"`
	TestsFailed   int `json:"tests_failed"`
	TestsQuantity int `json:"tests_quantity"`
	// Tests are the Observatory's ten tests, in its order.
	Tests []TestResult `json:"tests"`
	// Findings are the checks beyond the Observatory; they count towards
	// the score in the harden model only.
	Findings []TestResult `json:"findings"`

	// Source and Method say how a page of a site-mode crawl was found and
	// requested; empty for the graded page itself.
	Source string `json:"source,omitempty"`
	Method string `json:"method,omitempty"`
	// Pages are the other pages of a site-mode crawl, each graded with the
	// same tests (their status is not checked: error pages are graded
	// too). A page that could not be fetched has only URL, Source and
	// Error.
	Pages []*Report `json:"pages,omitempty"`
	// SiteFindings list the tests some pages do worse on than the graded
	// page: a header the home page sends and a login form or the 404 page
	// lacks.
	SiteFindings []SiteFinding `json:"site_findings,omitempty"`
}

// Test returns the result of the named test or finding.
func (r *Report) Test(name string) (TestResult, bool) {
	for _, list := range [][]TestResult{r.Tests, r.Findings} {
		for _, t := range list {
			if t.Name == name {
				return t, true
			}
		}
	}
	return TestResult{}, false
}

// GradeOptions tunes Grade.
type GradeOptions struct {
	// Model is ModelObservatory (the default when empty) or ModelHarden.
	Model string `json:"model,omitempty"`
	// Preload is the HSTS preload list; nil means an empty list, so no host
	// earns the preload bonus.
	Preload PreloadList `json:"-"`
}

// Grade scores a recorded site. It is pure: it reads only site.
func Grade(site *Site, opts GradeOptions) (*Report, error) {
	model := opts.Model
	if model == "" {
		model = ModelObservatory
	}
	if model != ModelObservatory && model != ModelHarden {
		return nil, fmt.Errorf("%w %q (want %s or %s)", ErrModel, model, ModelObservatory, ModelHarden)
	}
	ch := site.page()
	if ch == nil {
		return nil, ErrNoResponse
	}
	final := ch.Final()
	if s := final.Status; s < 200 || s >= 400 && s != 401 && s != 403 {
		return nil, fmt.Errorf("%w %d from %s", ErrStatus, s, final.URL)
	}
	rep := gradeSite(site, opts.Preload, model)
	addHints(site, rep.Tests)
	if len(site.Pages) > 0 {
		gradePages(site, rep, opts.Preload, model)
	}
	return rep, nil
}

// gradeSite runs the tests on the site's page, whatever its status.
func gradeSite(site *Site, preload PreloadList, model string) *Report {
	final := site.page().Final()
	in := newObsInput(site, preload, model == ModelHarden)
	tests := observatoryTests(in)
	findings := hardenChecks(in)
	annotate(tests)
	annotate(findings)
	scored := tests
	if model == ModelHarden {
		noteCorrections(in, tests)
		scored = append(append([]TestResult(nil), tests...), findings...)
	}
	total, passed := score(scored)
	return &Report{
		Host:          site.Host,
		Model:         model,
		Observatory:   observatoryName,
		URL:           final.URL,
		StatusCode:    final.Status,
		Grade:         GradeFor(total),
		Score:         total,
		TestsPassed:   passed,
		TestsFailed:   len(scored) - passed,
		TestsQuantity: len(scored),
		Tests:         tests,
		Findings:      findings,
	}
}

// corrections say why the harden model grades an Observatory test
// differently from the Observatory.
var corrections = map[string]string{
	TestXFrameOptions: "the Observatory counts any CSP frame-ancestors, even one in a <meta> policy (browsers ignore it there) or one that allows every origin; the harden model counts only a header frame-ancestors that keeps foreign origins out",
	TestCORS:          "the Observatory never sees an Origin reflected with credentials (it reads the Origin it sent from a field its HTTP client leaves empty); the harden model catches it",
}

// noteCorrections says, on each of the Observatory's tests that the harden
// model grades differently, what the Observatory gives and why the models
// differ, so that a harden-model score lower than the Observatory's is
// explained where it is shown. in is the harden model's input; the
// Observatory's results come from the same parsed page with the
// corrections off.
func noteCorrections(in *obsInput, tests []TestResult) {
	unfixed := *in
	unfixed.fixed = false
	obs := observatoryTests(&unfixed)
	for i := range tests {
		t, o := &tests[i], obs[i]
		if t.Name != o.Name || t.Result == o.Result {
			continue
		}
		if t.Result == "x-frame-options-not-implemented" {
			t.Description = "no X-Frame-Options, and the only CSP frame-ancestors is in a <meta> policy (browsers ignore it there) or allows every origin: the page can be framed (clickjacking)"
		}
		t.Description += fmt.Sprintf("; the Observatory gives %s (%+d): %s", o.Result, modifiers[o.Result], corrections[t.Name])
	}
}
