package scan

import (
	"fmt"
	"net/http"
	"os"
)

// A site-mode record: the home page sends a policy, the 404 page does not.
// The 404 page is graded too, and the difference is a site finding.
func ExampleGrade_siteMode() {
	headers := http.Header{
		"Content-Type":              {"text/html"},
		"Content-Security-Policy":   {"default-src 'none'; frame-ancestors 'none'"},
		"Strict-Transport-Security": {"max-age=31536000"},
		"X-Content-Type-Options":    {"nosniff"},
	}
	home := &Response{URL: "https://example.com/", Status: 200, Header: headers}
	notFound := &Response{URL: "https://example.com/nope", Status: 404, Header: http.Header{"Content-Type": {"text/plain"}}}
	site := &Site{
		Host:  "example.com",
		HTTPS: &Chain{Start: "https://example.com/", Verified: true, Hops: []*Response{home}},
		Pages: []*Page{{URL: "https://example.com/nope", Source: SourceNotFound, Method: http.MethodGet, Response: notFound}},
	}
	rep, _ := Grade(site, GradeOptions{})
	fmt.Println("home:", rep.Grade, rep.Score)
	for _, p := range rep.Pages {
		fmt.Println(p.Source+":", p.StatusCode, p.Grade, p.Score)
	}
	for _, f := range rep.SiteFindings {
		fmt.Println(f.Test, f.Result, f.Pages)
	}
	// Output:
	// home: A+ 115
	// not-found: 404 D 30
	// content-security-policy csp-not-implemented [/nope (404 probe)]
	// x-frame-options x-frame-options-not-implemented [/nope (404 probe)]
	// strict-transport-security hsts-not-implemented [/nope (404 probe)]
	// x-content-type-options x-content-type-options-not-implemented [/nope (404 probe)]
}

// Regression mode: the earlier report is the baseline; a test that got
// worse is a change with Worse set.
func ExampleCompare() {
	before := &Report{Host: "example.com", Grade: "A+", Score: 115, Tests: []TestResult{
		{Name: TestCSP, Result: "csp-implemented-with-no-unsafe-default-src-none", Pass: true, ScoreModifier: 10}}}
	after := &Report{Host: "example.com", Grade: "B+", Score: 80, Tests: []TestResult{
		{Name: TestCSP, Result: "csp-not-implemented", Pass: false, ScoreModifier: -25}}}
	_ = WriteChanges(os.Stdout, Compare([]*Report{before}, []*Report{after}))
	// Output:
	// WORSE example.com: grade: A+ 115 -> B+ 80
	// WORSE example.com: content-security-policy: csp-implemented-with-no-unsafe-default-src-none (+10) -> csp-not-implemented (-25)
}
