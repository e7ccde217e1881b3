package scan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/harden-go/harden/ssrf"
)

// crawlFixture is a site whose home page sends every header, one page
// linked from it (a login form) and the 404 page lack some, and whose
// sitemap and robots.txt name more pages. It records every request.
type crawlFixture struct {
	mu   sync.Mutex
	seen []string // "METHOD /path" of every request over TLS
}

func (c *crawlFixture) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.seen)
}

func (c *crawlFixture) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.TLS == nil {
		http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
		return
	}
	c.mu.Lock()
	c.seen = append(c.seen, r.Method+" "+r.URL.RequestURI())
	c.mu.Unlock()
	full := func() {
		for _, h := range strictHeaders {
			w.Header().Set(h[0], h[1])
		}
	}
	page := func(body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, "<!doctype html><title>t</title>"+body)
	}
	if r.Method != http.MethodGet {
		full()
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/":
		full()
		page(`<a href="/about">about</a> <a href="/login#form">log in</a> <a href="https://elsewhere.example/">out</a>
			<a href="/logo.png">logo</a> <a href="mailto:a@example.com">mail</a> <a href="//` + r.Host + `/about?x=1">again</a>
			<form method="post" action="/api/subscribe"><button>go</button></form>`)
	case "/about", "/pricing", "/private/", "/about?x=1":
		full()
		page(`<a href="/">home</a> <a href="/deep">deep</a>`)
	case "/deep":
		full()
		page("deep")
	case "/login":
		// The form page forgot its CSP and X-Frame-Options.
		for _, h := range strictHeaders {
			if h[0] != "Content-Security-Policy" && h[0] != "X-Frame-Options" {
				w.Header().Set(h[0], h[1])
			}
		}
		page(`<form method="post"><input name="password" type="password"></form>`)
	case "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "User-agent: *\nDisallow: /private/\nDisallow: /\nAllow: /drafts*.html\nSitemap: https://"+r.Host+"/sitemap.xml\n")
	case "/sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		_, _ = fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://%s/pricing</loc></url><url><loc>https://other.example/x</loc></url></urlset>`, r.Host)
	default:
		// The 404 page is the framework's bare one: no headers at all.
		http.NotFound(w, r)
	}
}

func crawlSite(t *testing.T, pages int) (*crawlFixture, string, *Report, *Site) {
	t.Helper()
	ca := newTestCA(t)
	fx := &crawlFixture{}
	host := serveDual(t, ca, fx)
	rep, site, err := Scan(context.Background(), host, Options{TLSConfig: ca.clientConfig(), Crawl: pages}, GradeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return fx, host, rep, site
}

func TestCrawlFindsPagesAndGradesEach(t *testing.T) {
	fx, host, rep, _ := crawlSite(t, 20)
	if rep.Grade != "A+" {
		t.Errorf("home graded %s %d, want A+", rep.Grade, rep.Score)
	}
	got := map[string]string{}
	for _, p := range rep.Pages {
		u, _ := url.Parse(p.URL)
		got[p.Method+" "+u.RequestURI()] = p.Source
		if p.Error != "" {
			t.Errorf("%s: %s", p.URL, p.Error)
		}
	}
	notFound := ""
	for k, v := range got {
		if v == SourceNotFound {
			notFound = k
		}
	}
	want := map[string]string{
		"TRACE /":            SourceMethodNotAllowed,
		"GET /private/":      SourceRobots,
		"GET /drafts":        SourceRobots,
		"GET /pricing":       SourceSitemap,
		"GET /about":         SourceLink,
		"GET /login":         SourceLink,
		"GET /about?x=1":     SourceLink,
		"GET /api/subscribe": SourceForm,
		"GET /deep":          SourceLink,
	}
	if notFound == "" || !strings.HasPrefix(notFound, "GET /harden-scan-") {
		t.Errorf("no 404 probe among %v", got)
	}
	delete(got, notFound)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("page %s: source %q, want %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected page %s (%s)", k, got[k])
		}
	}
	for _, r := range fx.requests() {
		if strings.Contains(r, "logo.png") || strings.Contains(r, "elsewhere") || strings.Contains(r, "/x") {
			t.Errorf("the crawl fetched %s", r)
		}
	}
	// The pages are graded; the 404 page and the login form lack headers
	// the home page sends.
	byPath := map[string]*Report{}
	for _, p := range rep.Pages {
		u, _ := url.Parse(p.URL)
		byPath[p.Method+" "+u.RequestURI()] = p
	}
	if p := byPath["GET /login"]; p == nil || p.StatusCode != 200 || p.Grade == "A+" {
		t.Errorf("login page: %+v", p)
	}
	// http.NotFound sends nosniff and nothing else.
	if p := byPath[notFound]; p == nil || p.StatusCode != 404 || p.Grade != "D" || p.Score != 35 {
		t.Errorf("404 page: got %+v, want status 404 graded D 35", p)
	}
	if p := byPath["GET /about"]; p == nil || p.Grade != rep.Grade || p.Score != rep.Score {
		t.Errorf("about page: got %+v, want the home page's grade", p)
	}
	findings := map[string][]string{}
	for _, f := range rep.SiteFindings {
		findings[f.Test+"/"+f.Result] = f.Pages
		if f.Fix == "" || f.Description == "" {
			t.Errorf("finding %+v lacks a description or fix", f)
		}
	}
	nf := strings.TrimPrefix(notFound, "GET ") + " (404 probe)"
	for _, tt := range []struct {
		finding string
		pages   []string
	}{
		// /api/subscribe (a form's action, fetched with GET) and /drafts (from
		// robots.txt) are 404 pages too.
		{"content-security-policy/csp-not-implemented", []string{nf, "/login", "/api/subscribe", "/drafts"}},
		{"x-frame-options/x-frame-options-not-implemented", []string{nf, "/login", "/api/subscribe", "/drafts"}},
		{"strict-transport-security/hsts-not-implemented", []string{nf, "/api/subscribe", "/drafts"}},
		{"x-content-type-options/x-content-type-options-nosniff", nil},
	} {
		got := findings[tt.finding]
		sort.Strings(got)
		sort.Strings(tt.pages)
		if !slices.Equal(got, tt.pages) {
			t.Errorf("finding %s: pages %q, want %q", tt.finding, got, tt.pages)
		}
	}
	if _, ok := findings["redirection/redirection-missing"]; ok {
		t.Error("a site-wide test is reported per page")
	}
	_ = host
}

func TestCrawlBounds(t *testing.T) {
	fx, _, rep, _ := crawlSite(t, 2)
	crawled := 0
	for _, p := range rep.Pages {
		if p.Source != SourceNotFound && p.Source != SourceMethodNotAllowed {
			crawled++
		}
	}
	if crawled != 2 {
		t.Errorf("--crawl 2 fetched %d pages besides the probes, want 2", crawled)
	}
	gets := 0
	for _, r := range fx.requests() {
		if strings.HasPrefix(r, "GET ") && r != "GET /" && r != "GET /robots.txt" && r != "GET /sitemap.xml" && !strings.HasPrefix(r, "GET /harden-scan-") {
			gets++
		}
	}
	if gets != 2 {
		t.Errorf("the site saw %d page requests, want 2: %v", gets, fx.requests())
	}

	// A byte budget smaller than the pages: the rest are listed, not fetched.
	ca := newTestCA(t)
	host := serveDual(t, ca, &crawlFixture{})
	rep, _, err := Scan(context.Background(), host, Options{TLSConfig: ca.clientConfig(), Crawl: 20, CrawlMaxBytes: 1}, GradeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, p := range rep.Pages {
		if strings.Contains(p.Error, "byte budget") {
			skipped++
		}
	}
	if skipped == 0 {
		t.Errorf("a 1-byte budget skipped no page: %+v", rep.Pages)
	}
}

func TestCrawlGuard(t *testing.T) {
	for _, tt := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true}, {"127.9.9.9", true}, {"::1", true}, {"localhost", true}, {"LOCALHOST.", true},
		{"app.localhost", true}, {"::ffff:127.0.0.1", true},
		{"10.0.0.1", false}, {"example.com", false}, {"localhost.example.com", false}, {"169.254.169.254", false}, {"0.0.0.0", false},
	} {
		if got := isLoopbackTarget(tt.host); got != tt.want {
			t.Errorf("isLoopbackTarget(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
	// A target that is not loopback: the crawl's requests go through the
	// SSRF guard, which refuses an internal address before connecting.
	opts := Options{Crawl: 5}
	opts.defaults()
	f := newFetcher("10.1.2.3:8443", opts)
	defer f.close()
	g, err := f.guardedFetcher(&url.URL{Scheme: "https", Host: "10.1.2.3:8443"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	page := &Chain{Start: "https://10.1.2.3:8443/", Verified: true}
	_, err = g.request(context.Background(), page, http.MethodGet, "https://10.1.2.3:8443/about", nil, nil, false)
	if !errors.Is(err, ssrf.ErrDestinationNotAllowed) || !strings.HasPrefix(refusal(err).Error(), "ssrf: destination not allowed: ") {
		t.Errorf("crawl request to an internal address: got %v, want an ssrf refusal", err)
	}
	// Another port of the same host is refused too.
	_, err = g.request(context.Background(), page, http.MethodGet, "https://10.1.2.3:22/", nil, nil, false)
	if !errors.Is(err, ssrf.ErrDestinationNotAllowed) || !strings.HasPrefix(refusal(err).Error(), "ssrf: destination not allowed: ") {
		t.Errorf("crawl request to another port: got %v, want an ssrf refusal", err)
	}
}

func TestRobotsEntries(t *testing.T) {
	paths, maps := robotsEntries([]byte("User-agent: *\r\nDisallow: /admin/ # secret\nDisallow:\nDisallow: /\nAllow: /api/*/docs\nallow: /x$\nnoise\nSitemap: https://example.com/s.xml\n"))
	if want := []string{"/admin/", "/api/", "/x"}; !slices.Equal(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	if want := []string{"https://example.com/s.xml"}; !slices.Equal(maps, want) {
		t.Errorf("sitemaps %q, want %q", maps, want)
	}
}

// FuzzCrawlParsers feeds untrusted pages to the link extractor and the
// robots.txt reader: they must not panic, and every page they queue is on
// the crawled origin.
func FuzzCrawlParsers(f *testing.F) {
	f.Add([]byte(`<a href="/a">a</a><form action="b"></form><base href="/x/"><a href="c">`))
	f.Add([]byte(`<a href="https://evil.example/">x</a><a href="//evil.example/">y</a><a href="javascript:alert(1)">z</a>`))
	f.Add([]byte("User-agent: *\nDisallow: /p\nSitemap: https://evil.example/s.xml\n"))
	f.Add([]byte(`<area href="https://u:p@example.com/x"><a href="%zz">`))
	f.Fuzz(func(t *testing.T, body []byte) {
		origin := &url.URL{Scheme: "https", Host: "example.com"}
		c := &crawler{origin: origin, seen: map[string]bool{}}
		r := &Response{URL: "https://example.com/dir/page", Status: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: body}
		for _, p := range c.links(r) {
			u, err := url.Parse(p.URL)
			if err != nil || u.Scheme != "https" || u.Host != "example.com" || u.User != nil {
				t.Fatalf("queued %q off the origin", p.URL)
			}
		}
		robotsEntries(body)
	})
}

func TestSARIFSiteFindings(t *testing.T) {
	_, _, rep, _ := crawlSite(t, 10)
	var b strings.Builder
	if err := WriteSARIF(&b, rep); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string } `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(b.String()), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range log.Runs[0].Results {
		if r.RuleID != "site/content-security-policy/csp-not-implemented" {
			continue
		}
		found = true
		var uris []string
		for _, l := range r.Locations {
			u, _ := url.Parse(l.PhysicalLocation.ArtifactLocation.URI)
			uris = append(uris, u.Path)
		}
		sort.Strings(uris)
		if len(uris) != 4 || uris[0] != "/api/subscribe" || uris[1] != "/drafts" || !strings.HasPrefix(uris[2], "/harden-scan-") || uris[3] != "/login" || r.Level != "error" {
			t.Errorf("site finding result: level %s, locations %q; want error at the 404 probe, /api/subscribe, /login and /drafts", r.Level, uris)
		}
	}
	if !found {
		t.Errorf("no site finding in the SARIF log:\n%s", b.String())
	}
}
