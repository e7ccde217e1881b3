package scan

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/html"

	"github.com/harden-go/harden/ssrf"
)

// Defaults and limits of site mode.
const (
	// MaxCrawlPages bounds Options.Crawl.
	MaxCrawlPages = 500
	// DefaultCrawlConcurrency is the number of pages fetched at once.
	DefaultCrawlConcurrency = 4
	// DefaultCrawlMaxBytes bounds the body bytes read over a whole crawl.
	DefaultCrawlMaxBytes = 32 << 20
	// maxDiscovered bounds the URLs remembered as seen or queued.
	maxDiscovered = 20 * MaxCrawlPages
)

// How a page of a crawl was found.
const (
	SourceLink             = "link"               // <a href> or <area href> on a crawled page
	SourceForm             = "form"               // a <form action> on a crawled page
	SourceSitemap          = "sitemap"            // a <loc> of /sitemap.xml or of a sitemap robots.txt names
	SourceRobots           = "robots"             // an Allow or Disallow path of /robots.txt
	SourceNotFound         = "not-found"          // a path that does not exist: the site's 404 page
	SourceMethodNotAllowed = "method-not-allowed" // TRACE of the page: the site's 405 page (or 403, 501: its refusal)
)

// Page is one page of a site-mode crawl.
type Page struct {
	// URL is the URL requested (same origin as the graded page).
	URL string `json:"url"`
	// Source says how the page was found; Method is the request method
	// (GET but for the method probe).
	Source string `json:"source"`
	Method string `json:"method"`
	// Response is the final answer after same-origin redirects; nil when
	// the request failed.
	Response *Response `json:"response,omitempty"`
	// Error says why the request failed.
	Error string `json:"error,omitempty"`
}

// ErrCrawlRefused means a page of the crawl would connect to an address the
// SSRF guard refuses.
var ErrCrawlRefused = errors.New("scan: the crawl may not connect there")

// staticExt are the file types the crawl does not fetch as pages.
var staticExt = map[string]bool{
	".css": true, ".js": true, ".mjs": true, ".map": true, ".png": true, ".jpg": true, ".jpeg": true,
	".gif": true, ".webp": true, ".avif": true, ".svg": true, ".ico": true, ".woff": true, ".woff2": true,
	".ttf": true, ".otf": true, ".eot": true, ".pdf": true, ".zip": true, ".gz": true, ".tgz": true,
	".mp4": true, ".webm": true, ".mp3": true, ".wav": true, ".ogg": true, ".dmg": true, ".exe": true,
	".iso": true, ".tar": true, ".bz2": true, ".xz": true, ".7z": true, ".apk": true, ".wasm": true,
}

// isLoopbackTarget reports whether the host names the local machine
// itself: a loopback address or localhost. No DNS is asked: a name that
// merely resolves to a loopback address is not trusted as one.
func isLoopbackTarget(hostname string) bool {
	h := strings.TrimSuffix(strings.ToLower(hostname), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// crawler fetches the pages of one origin.
type crawler struct {
	f        *fetcher
	page     *Chain // the graded page's chain: its cookies and verification mode
	origin   *url.URL
	maxPages int
	workers  int
	budget   atomic.Int64 // body bytes left
	mu       sync.Mutex
	seen     map[string]bool
}

// crawl fetches up to opts.Crawl pages of the graded page's origin, plus a
// 404 probe and a method probe (TRACE, for the 405 page), and records them
// in site.Pages.
func (f *fetcher) crawl(ctx context.Context, site *Site, page *Chain) error {
	start, err := url.Parse(page.Final().URL)
	if err != nil {
		return err
	}
	origin := &url.URL{Scheme: start.Scheme, Host: start.Host}
	if !isLoopbackTarget(f.hostname) {
		// The crawl follows URLs the site names, so it connects only
		// where the SSRF guard allows: this origin's host and port, and
		// never an internal address (DNS rebinding, a name that points
		// into the scanner's network).
		guarded, err := f.guardedFetcher(origin)
		if err != nil {
			return err
		}
		defer guarded.close()
		f = guarded
	}
	c := &crawler{f: f, page: page, origin: origin, maxPages: f.opts.Crawl, workers: f.opts.CrawlConcurrency, seen: map[string]bool{}}
	c.budget.Store(f.opts.CrawlMaxBytes)
	c.seen[canonical(start)] = true

	// The error pages come first: they are the pages a site forgets.
	probeName := make([]byte, 8)
	_, _ = rand.Read(probeName)
	notFound := origin.ResolveReference(&url.URL{Path: "/harden-scan-" + hex.EncodeToString(probeName)})
	probes := []*Page{
		{URL: notFound.String(), Source: SourceNotFound, Method: http.MethodGet},
		// TRACE is a safe method (RFC 9110) that applications rarely
		// route, so it shows the site's refusal page without side effects.
		{URL: start.String(), Source: SourceMethodNotAllowed, Method: http.MethodTrace},
	}
	c.fetchAll(ctx, probes)
	site.Pages = append(site.Pages, probes...)

	// Then what the site lists, then what its pages link to, breadth first.
	var frontier []*Page
	frontier = append(frontier, c.fromRobots(ctx)...)
	frontier = append(frontier, c.fromSitemap(ctx, origin.ResolveReference(&url.URL{Path: "/sitemap.xml"}).String())...)
	frontier = append(frontier, c.links(page.Final())...)
	fetched := 0
	for len(frontier) > 0 && fetched < c.maxPages && ctx.Err() == nil {
		frontier = frontier[:min(len(frontier), c.maxPages-fetched)]
		c.fetchAll(ctx, frontier)
		fetched += len(frontier)
		site.Pages = append(site.Pages, frontier...)
		var next []*Page
		for _, p := range frontier {
			if p.Response != nil {
				next = append(next, c.links(p.Response)...)
			}
		}
		frontier = next
	}
	return nil
}

// guardedFetcher is a copy of f whose connections go through the SSRF
// guard, allowed to reach only origin's host and port.
func (f *fetcher) guardedFetcher(origin *url.URL) (*fetcher, error) {
	port := origin.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[origin.Scheme]
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("scan: crawl origin %s: bad port", origin)
	}
	f.mu.Lock()
	jars := maps.Clone(f.jars)
	f.mu.Unlock()
	g := &fetcher{host: f.host, hostname: f.hostname, opts: f.opts, jars: jars}
	for i, insecure := range []bool{false, true} {
		c, err := ssrf.New(ssrf.Config{
			AllowedSchemes:   []string{origin.Scheme},
			AllowedPorts:     []uint16{uint16(n)},
			AllowedHosts:     []string{origin.Hostname()},
			MaxResponseBytes: f.opts.MaxBodyBytes + 1,
			DialTimeout:      f.opts.Timeout,
			TLSClientConfig:  f.tlsConfig(insecure),
		})
		if err != nil {
			return nil, fmt.Errorf("scan: crawl guard for %s: %w", origin, err)
		}
		rt := c.Transport.(roundTripper) // ssrf's transport closes its idle connections
		if i == 0 {
			g.verified = rt
		} else {
			g.insecure = rt
		}
	}
	return g, nil
}

// canonical is a URL without its fragment, the key of the seen set.
func canonical(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	if c.Path == "" {
		c.Path = "/"
	}
	return c.String()
}

// add queues ref (resolved against base) when it is a new same-origin page.
func (c *crawler) add(out []*Page, base *url.URL, ref, source string) []*Page {
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return out
	}
	u := base.ResolveReference(r)
	if u.Scheme != c.origin.Scheme || !strings.EqualFold(u.Host, c.origin.Host) || u.User != nil {
		return out // same origin only
	}
	if staticExt[strings.ToLower(path.Ext(u.Path))] {
		return out
	}
	key := canonical(u)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[key] || len(c.seen) >= maxDiscovered {
		return out
	}
	c.seen[key] = true
	return append(out, &Page{URL: key, Source: source, Method: http.MethodGet})
}

// fetchAll fetches pages, at most c.workers at once.
func (c *crawler) fetchAll(ctx context.Context, pages []*Page) {
	sem := make(chan struct{}, max(1, c.workers))
	var wg sync.WaitGroup
	for _, p := range pages {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c.fetch(ctx, p)
		}()
	}
	wg.Wait()
}

func (c *crawler) fetch(ctx context.Context, p *Page) {
	if c.budget.Load() <= 0 {
		p.Error = "not fetched: the crawl's byte budget is spent"
		return
	}
	if ctx.Err() != nil {
		p.Error = "not fetched: " + ctx.Err().Error()
		return
	}
	r, err := c.f.request(ctx, c.page, p.Method, p.URL, http.Header{"Accept": {acceptHTML}}, nil, true)
	if err != nil {
		p.Error = err.Error()
		if errors.Is(err, ssrf.ErrDestinationNotAllowed) {
			p.Error = ErrCrawlRefused.Error() + ": " + refusal(err).Error()
		}
		return
	}
	c.budget.Add(-int64(len(r.Body)))
	p.Response = r
}

// refusal returns the SSRF guard's own refusal inside err, which
// errors.Is matches to ssrf.ErrDestinationNotAllowed: the innermost error
// that still matches, without the request and dial errors around it.
func refusal(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil || !errors.Is(next, ssrf.ErrDestinationNotAllowed) {
			return err
		}
		err = next
	}
}

// links are the same-origin pages a response links to: <a href>,
// <area href> and <form action> of an HTML page.
func (c *crawler) links(r *Response) []*Page {
	if r == nil || !htmlTypes[mediaType(r.Header.Get("Content-Type"))] {
		return nil
	}
	base, err := url.Parse(r.URL)
	if err != nil {
		return nil
	}
	var out []*Page
	z := html.NewTokenizer(bytes.NewReader(r.Body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return out
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		tag := string(name)
		var want, source string
		switch tag {
		case "a", "area":
			want, source = "href", SourceLink
		case "form":
			want, source = "action", SourceForm
		case "base":
			want = "href"
		default:
			continue
		}
		found := false
		for hasAttr {
			k, v, more := z.TagAttr()
			hasAttr = more
			if string(k) != want {
				continue
			}
			found = true
			if tag == "base" {
				if b, err := url.Parse(strings.TrimSpace(string(v))); err == nil {
					base = base.ResolveReference(b)
				}
				continue
			}
			out = c.add(out, base, string(v), source)
		}
		if tag == "form" && !found {
			// A form without action submits to its own page, already seen.
			continue
		}
	}
}

// fromRobots reads /robots.txt: its Allow and Disallow paths (up to the
// first wildcard) are pages, its Sitemap lines are sitemaps to read.
func (c *crawler) fromRobots(ctx context.Context) []*Page {
	u := c.origin.ResolveReference(&url.URL{Path: "/robots.txt"})
	r, err := c.f.request(ctx, c.page, http.MethodGet, u.String(), http.Header{"Accept": {"text/plain,*/*;q=0.8"}}, nil, true)
	if err != nil || r.Status != http.StatusOK {
		return nil
	}
	c.budget.Add(-int64(len(r.Body)))
	paths, sitemaps := robotsEntries(r.Body)
	var out []*Page
	for _, p := range paths {
		out = c.add(out, u, p, SourceRobots)
	}
	for _, v := range sitemaps {
		if sm, err := url.Parse(v); err == nil && sm.Scheme == c.origin.Scheme && strings.EqualFold(sm.Host, c.origin.Host) && sm.Path != "/sitemap.xml" {
			out = append(out, c.fromSitemap(ctx, sm.String())...)
		}
	}
	return out
}

// robotsEntries reads a robots.txt: the paths of its Allow and Disallow
// lines (cut at the first wildcard; "/" and empty ones left out) and the
// URLs of its Sitemap lines, in order.
func robotsEntries(body []byte) (paths, sitemaps []string) {
	for _, line := range strings.Split(string(body), "\n") {
		line, _, _ = strings.Cut(line, "#")
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "allow", "disallow":
			if i := strings.IndexAny(value, "*$"); i >= 0 {
				value = value[:i]
			}
			if strings.HasPrefix(value, "/") && value != "/" {
				paths = append(paths, value)
			}
		case "sitemap":
			if value != "" {
				sitemaps = append(sitemaps, value)
			}
		}
	}
	return paths, sitemaps
}

// fromSitemap reads the <loc> entries of a sitemap (a urlset or, one level
// down, a sitemap index).
func (c *crawler) fromSitemap(ctx context.Context, sitemapURL string) []*Page {
	return c.sitemap(ctx, sitemapURL, 1)
}

func (c *crawler) sitemap(ctx context.Context, sitemapURL string, depth int) []*Page {
	r, err := c.f.request(ctx, c.page, http.MethodGet, sitemapURL, http.Header{"Accept": {"application/xml,text/xml;q=0.9,*/*;q=0.8"}}, nil, true)
	if err != nil || r.Status != http.StatusOK {
		return nil
	}
	c.budget.Add(-int64(len(r.Body)))
	base, _ := url.Parse(r.URL)
	var doc struct {
		XMLName xml.Name
		URLs    []string `xml:"url>loc"`
		Maps    []string `xml:"sitemap>loc"`
	}
	if xml.Unmarshal(r.Body, &doc) != nil {
		return nil
	}
	var out []*Page
	for _, loc := range doc.URLs {
		out = c.add(out, base, loc, SourceSitemap)
	}
	if depth > 0 {
		for i, loc := range doc.Maps {
			if i >= 10 {
				break
			}
			u, err := url.Parse(strings.TrimSpace(loc))
			if err != nil {
				continue
			}
			u = base.ResolveReference(u)
			if u.Scheme == c.origin.Scheme && strings.EqualFold(u.Host, c.origin.Host) {
				out = append(out, c.sitemap(ctx, u.String(), depth-1)...)
			}
		}
	}
	return out
}
