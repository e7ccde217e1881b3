package scan

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// SiteFinding is a test that some pages of a site-mode crawl do worse on
// than the graded page.
type SiteFinding struct {
	// Test is the test or finding's name; HomeResult is its result on the
	// graded page and Result the worse one on Pages.
	Test       string `json:"test"`
	HomeResult string `json:"home_result"`
	Result     string `json:"result"`
	// Pages lists the pages: their paths, the probes marked.
	Pages []string `json:"pages"`
	// Description and Fix say what differs and what to change.
	Description string `json:"description"`
	Fix         string `json:"fix,omitempty"`
}

// siteWide are the tests whose result does not depend on the page: the
// redirection of plain HTTP, the CORS preflight, the probes, and HSTS
// preload eligibility are judged once, on the graded page.
var siteWide = map[string]bool{
	TestRedirection: true, TestCORS: true, TestHSTSPreload: true, TestCORSProbe: true, TestCSRFProbe: true,
}

// contentTests judge what a page contains (cookies it sets, scripts it
// loads) rather than the headers every response should carry: a page that
// sets no cookie or loads no script is not worse for missing the bonus.
var contentTests = map[string]bool{TestCookies: true, TestSRI: true, TestCookiePrefixes: true}

// documentTests judge headers that act only on a document a browser
// renders: Cross-Origin-Opener-Policy is applied when a navigation
// creates a top-level document (HTML, "obtain a cross-origin opener
// policy"), Cross-Origin-Embedder-Policy gates what a document or worker
// embeds, Permissions-Policy sets the features a document and its frames
// may use (Permissions Policy, "initialize a document's policy"), and
// X-XSS-Protection steered the legacy auditor of HTML pages, and a strict
// script policy and Trusted Types guard the scripts of a document (a
// response that runs no script has no script policy to make strict). A JSON
// answer, an image or a style sheet that declares its type with nosniff
// is never such a document's scripts or frames, so a crawled response of
// that kind is not worse for lacking them (the compact header set of
// harden's headers package leaves them out there).
var documentTests = map[string]bool{
	TestCOOP: true, TestCOEP: true, TestPermissions: true, TestXSSProtection: true,
	TestStrictCSP: true, TestTrustedTypes: true,
}

// isDocument reports whether a browser may render the response as a
// document with scripts: HTML, XHTML, XML and SVG (which can hold
// scripts), a response without a Content-Type, or one the browser may
// sniff into HTML because it lacks X-Content-Type-Options: nosniff.
func isDocument(r *Response) bool {
	if !strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Content-Type-Options")), "nosniff") {
		return true
	}
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "", mt == "text/html", mt == "application/xhtml+xml", mt == "image/svg+xml",
		mt == "text/xml", mt == "application/xml", strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

// pageWorse reports whether a page's result is worse than the graded
// page's: it fails where the graded page passes, it costs more, or, for a
// header test, it loses a bonus the graded page earns (a header the home
// page sends and this page lacks).
func pageWorse(page, home TestResult) bool {
	if home.Pass && !page.Pass {
		return true
	}
	if page.ScoreModifier >= home.ScoreModifier {
		return false
	}
	return page.ScoreModifier < 0 || !contentTests[page.Name]
}

// pageSite is the site as it would look if p were its page: the same
// plain-HTTP chain and certificate verification, p's response as the page.
func pageSite(site *Site, p *Page) *Site {
	graded := site.page()
	ch := &Chain{Start: p.URL, Hops: []*Response{p.Response}, Verified: graded.Verified}
	ps := &Site{Host: site.Host, HTTP: site.HTTP, HTTPStart: site.HTTPStart}
	if strings.HasPrefix(p.Response.URL, "https:") {
		ps.HTTPS = ch
	} else {
		ps.HTTP, ps.HTTPS = ch, nil
	}
	return ps
}

// gradePages grades every crawled page and lists what pages do worse than
// the graded page.
func gradePages(site *Site, rep *Report, preload PreloadList, model string) {
	type key struct{ test, result string }
	worse := map[key][]string{}
	var order []key
	home := map[string]TestResult{}
	for _, t := range append(append([]TestResult(nil), rep.Tests...), rep.Findings...) {
		home[t.Name] = t
	}
	for _, p := range site.Pages {
		if p.Response == nil {
			rep.Pages = append(rep.Pages, &Report{Host: site.Host, URL: p.URL, Source: p.Source, Method: p.Method, Error: p.Error})
			continue
		}
		pr := gradeSite(pageSite(site, p), preload, model)
		pr.URL, pr.Source, pr.Method = p.URL, p.Source, p.Method
		document := isDocument(p.Response)
		for _, list := range [][]TestResult{pr.Tests, pr.Findings} {
			for _, t := range list {
				h, ok := home[t.Name]
				if !ok || siteWide[t.Name] || documentTests[t.Name] && !document {
					continue
				}
				if pageWorse(t, h) {
					k := key{t.Name, t.Result}
					if worse[k] == nil {
						order = append(order, k)
					}
					worse[k] = append(worse[k], pageLabel(p))
				}
			}
		}
		rep.Pages = append(rep.Pages, pr)
	}
	sort.SliceStable(order, func(i, j int) bool {
		return modifiers[order[i].result]-home[order[i].test].ScoreModifier < modifiers[order[j].result]-home[order[j].test].ScoreModifier
	})
	for _, k := range order {
		h := home[k.test]
		a := advices[k.result]
		f := SiteFinding{
			Test: k.test, HomeResult: h.Result, Result: k.result, Pages: worse[k],
			Description: fmt.Sprintf("%s on %d page(s), better on the graded page (%s): %s", k.result, len(worse[k]), h.Result, a.what),
		}
		if a.fix != "" {
			f.Fix = a.fix + "; on every response, error pages included (the harden stack sets its headers on every response, refusals and panics included)"
		} else {
			f.Fix = "send the graded page's headers on every response, error pages included"
		}
		rep.SiteFindings = append(rep.SiteFindings, f)
	}
}

// pageLabel names a page for a finding: its path and how it was found.
func pageLabel(p *Page) string { return label(p.URL, p.Source, p.Method) }

// pageLabelOf is pageLabel of a graded page.
func pageLabelOf(r *Report) string { return label(r.URL, r.Source, r.Method) }

func label(pageURL, source, method string) string {
	s := pageURL
	if u, err := url.Parse(pageURL); err == nil {
		s = u.RequestURI()
	}
	switch source {
	case SourceNotFound:
		return s + " (404 probe)"
	case SourceMethodNotAllowed:
		return method + " " + s + " (method probe)"
	}
	return s
}
