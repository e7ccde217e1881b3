package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultMaxRedirects = 10
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 2 << 20
	// DefaultProbeOrigin is the attacker origin the active probes claim.
	DefaultProbeOrigin = "https://attacker.invalid"
)

// acceptHTML is the Accept header of the page requests, the Observatory's.
const acceptHTML = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// Options tunes Fetch. The zero value is usable: both schemes on the host's
// port (or 80 and 443), ten redirects on the same host, ten seconds per
// request, 2 MiB of body, system roots, no probes.
type Options struct {
	// HTTPPort and HTTPSPort override the port of http:// and https://;
	// zero keeps the port given with the host, or the scheme's default.
	HTTPPort  int `json:"http_port,omitempty"`
	HTTPSPort int `json:"https_port,omitempty"`
	// MaxRedirects bounds the redirects followed per chain (default 10).
	MaxRedirects int `json:"max_redirects,omitempty"`
	// FollowOffHost follows redirects to other host names. Off by default:
	// the scan stops at the first redirect that leaves the host and records
	// it, so a scan never wanders to a host it was not pointed at.
	FollowOffHost bool `json:"follow_off_host,omitempty"`
	// Timeout bounds each request (default 10s).
	Timeout time.Duration `json:"timeout,omitempty"`
	// MaxBodyBytes bounds the page body read (default 2 MiB).
	MaxBodyBytes int64 `json:"max_body_bytes,omitempty"`
	// TLSConfig is the client TLS configuration (RootCAs for a private CA);
	// nil means the system roots.
	TLSConfig *tls.Config `json:"-"`
	// UserAgent replaces the default User-Agent.
	UserAgent string `json:"user_agent,omitempty"`
	// Probe sends the active probes: a credentialed request from a foreign
	// origin (CORS), and, with CSRFURL, a cross-site form POST.
	Probe bool `json:"probe,omitempty"`
	// CSRFURL is the URL (on the scanned host) the CSRF probe posts to.
	CSRFURL string `json:"csrf_url,omitempty"`
	// ProbeOrigin is the origin the probes claim (default DefaultProbeOrigin).
	ProbeOrigin string `json:"probe_origin,omitempty"`
	// Crawl turns on site mode: after the page, up to Crawl more pages of
	// its origin are fetched (links, form actions, sitemap.xml and
	// robots.txt entries, breadth first), plus a 404 probe and a TRACE
	// probe (the 405 or other refusal page), and each is graded. Zero (the
	// default) grades the page alone; at most MaxCrawlPages. Unless the
	// target is a loopback address or localhost, the crawl connects only
	// where the SSRF guard (package ssrf) allows.
	Crawl int `json:"crawl,omitempty"`
	// CrawlConcurrency is the pages fetched at once (default 4).
	CrawlConcurrency int `json:"crawl_concurrency,omitempty"`
	// CrawlMaxBytes bounds the body bytes read over the crawl (default
	// 32 MiB); pages past it are listed as not fetched.
	CrawlMaxBytes int64 `json:"crawl_max_bytes,omitempty"`
}

func (o *Options) defaults() {
	if o.MaxRedirects <= 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.ProbeOrigin == "" {
		o.ProbeOrigin = DefaultProbeOrigin
	}
	if o.Crawl > MaxCrawlPages {
		o.Crawl = MaxCrawlPages
	}
	if o.CrawlConcurrency <= 0 {
		o.CrawlConcurrency = DefaultCrawlConcurrency
	}
	if o.CrawlMaxBytes <= 0 {
		o.CrawlMaxBytes = DefaultCrawlMaxBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = "Mozilla/5.0 (compatible; harden-scan)"
	}
}

// ErrHost means the target is not a host, host:port or http(s) URL.
var ErrHost = errors.New("scan: target must be a host, host:port or http(s)://host[:port]/ URL")

// ParseTarget reduces a target to host[:port]: "example.com",
// "example.com:8443", "https://example.com/" all name a host.
func ParseTarget(target string) (string, error) {
	t := strings.TrimSpace(target)
	if strings.Contains(t, "://") {
		u, err := url.Parse(t)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", ErrHost
		}
		t = u.Host
	}
	if t == "" || strings.ContainsAny(t, "/?#@ \t") {
		return "", ErrHost
	}
	u, err := url.Parse("http://" + t + "/")
	if err != nil || strings.HasPrefix(u.Hostname(), "-") {
		// No host name starts with "-": such a target is a misplaced flag.
		return "", ErrHost
	}
	return t, nil
}

// Scan fetches a site and grades it.
func Scan(ctx context.Context, target string, opts Options, g GradeOptions) (*Report, *Site, error) {
	site, err := Fetch(ctx, target, opts)
	if err != nil {
		return nil, site, err
	}
	r, err := Grade(site, g)
	return r, site, err
}

// Fetch records what a site answers: the chains from http:// and https://
// (fetched at once, as the Observatory does), a CORS preflight from a
// foreign origin to the page, and, with Options.Probe, the probes.
func Fetch(ctx context.Context, target string, opts Options) (*Site, error) {
	host, err := ParseTarget(target)
	if err != nil {
		return nil, err
	}
	opts.defaults()
	f := newFetcher(host, opts)
	defer f.close()
	site := &Site{Host: host, HTTPStart: f.startURL("http")}
	var wg sync.WaitGroup
	var httpErr, httpsErr error
	wg.Add(2)
	go func() { defer wg.Done(); site.HTTP, httpErr = f.chain(ctx, f.startURL("http")) }()
	go func() { defer wg.Done(); site.HTTPS, httpsErr = f.chain(ctx, f.startURL("https")) }()
	wg.Wait()
	page := site.page()
	if page == nil {
		return site, fmt.Errorf("%w: http: %v; https: %v", ErrNoResponse, httpErr, httpsErr)
	}
	preflightURL := page.Final().URL
	if page == site.HTTPS && !page.Verified {
		// Without verification the Observatory's follow-up requests share
		// the page's cookie jar and redirect log: robots.txt cookies count,
		// and a robots.txt that answers becomes the preflight's target.
		robots, err := f.request(ctx, page, http.MethodGet, resolve(page.Start, "/robots.txt"), http.Header{"Accept": {"text/plain,*/*;q=0.8"}}, nil, true)
		if err == nil {
			site.Extra = append(site.Extra, robots)
			if robots.Status >= 200 && robots.Status < 300 {
				preflightURL = robots.URL
			}
		}
	}
	site.PreflightOrigin = observatoryOrigin
	pre, err := f.request(ctx, page, http.MethodOptions, preflightURL, http.Header{
		"Access-Control-Request-Method": {"GET"},
		"Origin":                        {observatoryOrigin},
	}, nil, true)
	if err == nil {
		site.Preflight = pre
		if page == site.HTTPS && !page.Verified {
			site.Extra = append(site.Extra, pre)
		}
	}
	if opts.Probe {
		site.Probes = &Probes{Origin: opts.ProbeOrigin}
		if r, err := f.request(ctx, page, http.MethodGet, page.Final().URL, http.Header{"Origin": {opts.ProbeOrigin}}, nil, false); err == nil {
			site.Probes.CORS = r
		}
		if opts.CSRFURL != "" {
			u, err := url.Parse(opts.CSRFURL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !f.sameHost(u) {
				return site, fmt.Errorf("scan: the CSRF probe URL must be an http(s) URL on %s", host)
			}
			r, err := f.request(ctx, page, http.MethodPost, u.String(), http.Header{
				"Content-Type":   {"application/x-www-form-urlencoded"},
				"Origin":         {opts.ProbeOrigin},
				"Sec-Fetch-Site": {"cross-site"},
				"Sec-Fetch-Mode": {"navigate"},
				"Sec-Fetch-Dest": {"document"},
			}, strings.NewReader("harden_probe=1"), false)
			if err != nil {
				return site, fmt.Errorf("scan: CSRF probe: %w", err)
			}
			site.Probes.CSRF = r
		}
	}
	if opts.Crawl > 0 {
		if err := f.crawl(ctx, site, page); err != nil {
			return site, err
		}
	}
	return site, nil
}

// roundTripper is what the fetcher needs of a transport.
type roundTripper interface {
	http.RoundTripper
	CloseIdleConnections()
}

type fetcher struct {
	host     string
	hostname string
	opts     Options
	verified roundTripper
	insecure roundTripper
	mu       sync.Mutex
	jars     map[*Chain]http.CookieJar
}

func newFetcher(host string, opts Options) *fetcher {
	u, _ := url.Parse("http://" + host + "/")
	f := &fetcher{host: host, hostname: strings.ToLower(u.Hostname()), opts: opts, jars: map[*Chain]http.CookieJar{}}
	f.verified = f.transport(false)
	f.insecure = f.transport(true)
	return f
}

func (f *fetcher) close() {
	f.verified.CloseIdleConnections()
	f.insecure.CloseIdleConnections()
}

// tlsConfig is the client TLS configuration of the verified or the
// unverified transport.
func (f *fetcher) tlsConfig(insecure bool) *tls.Config {
	var cfg *tls.Config
	if f.opts.TLSConfig != nil {
		cfg = f.opts.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if insecure {
		// Only to grade a site whose certificate does not verify, as the
		// Observatory does; such a chain is marked unverified and fails the
		// HSTS and redirection tests.
		cfg.InsecureSkipVerify = true // #nosec G402 -- a retry after verification failed, as the Observatory does; the result is marked unverified and fails HSTS
	}
	return cfg
}

func (f *fetcher) transport(insecure bool) *http.Transport {
	d := &net.Dialer{Timeout: f.opts.Timeout}
	return &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            d.DialContext,
		TLSClientConfig:        f.tlsConfig(insecure),
		TLSHandshakeTimeout:    f.opts.Timeout,
		ResponseHeaderTimeout:  f.opts.Timeout,
		MaxResponseHeaderBytes: 256 << 10,
		MaxIdleConnsPerHost:    4,
	}
}

func (f *fetcher) startURL(scheme string) string {
	u, _ := url.Parse(scheme + "://" + f.host + "/")
	port := f.opts.HTTPPort
	if scheme == "https" {
		port = f.opts.HTTPSPort
	}
	if port > 0 {
		u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	}
	return u.String()
}

func (f *fetcher) sameHost(u *url.URL) bool {
	return strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), f.hostname)
}

// isCertError reports a failed certificate verification.
func isCertError(err error) bool {
	var v *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var h x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &v) || errors.As(err, &ua) || errors.As(err, &h) || errors.As(err, &ci)
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// resolve is new URL(ref, base).href; an unparsable reference gives "".
func resolve(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ""
	}
	return b.ResolveReference(r).String()
}

// chain fetches start and follows its redirects; when a certificate does
// not verify it starts over without verification, as the Observatory does.
func (f *fetcher) chain(ctx context.Context, start string) (*Chain, error) {
	c, err := f.follow(ctx, start, false)
	if err != nil && isCertError(err) {
		c, err = f.follow(ctx, start, true)
	}
	return c, err
}

func (f *fetcher) follow(ctx context.Context, start string, insecure bool) (*Chain, error) {
	jar, _ := cookiejar.New(nil)
	c := &Chain{Start: start, Verified: !insecure}
	client := f.client(jar, insecure)
	next := start
	for redirects := 0; ; redirects++ {
		resp, err := f.do(ctx, client, http.MethodGet, next, http.Header{"Accept": {acceptHTML}}, nil)
		if err != nil {
			return nil, err
		}
		c.Hops = append(c.Hops, resp)
		if !isRedirect(resp.Status) || redirects >= f.opts.MaxRedirects {
			break
		}
		loc := resp.Header.Get("Location")
		if _, ok := resp.Header["Location"]; !ok {
			loc = "undefined" // the Observatory resolves a missing Location as this text
		}
		target := resolve(resp.URL, loc)
		u, err := url.Parse(target)
		if err != nil || target == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("scan: bad redirect from %s", resp.URL)
		}
		if !f.opts.FollowOffHost && !f.sameHost(u) {
			c.StoppedAt = target
			break
		}
		next = target
	}
	// Only the page's body is kept.
	for _, h := range c.Hops[:len(c.Hops)-1] {
		h.Body, h.Truncated = nil, false
	}
	f.mu.Lock()
	f.jars[c] = jar
	f.mu.Unlock()
	return c, nil
}

func (f *fetcher) client(jar http.CookieJar, insecure bool) *http.Client {
	tr := f.verified
	if insecure {
		tr = f.insecure
	}
	return &http.Client{
		Transport:     tr,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// request sends one follow-up request in the context of the page's chain
// (its cookies and verification mode), following same-host redirects when
// follow is set.
func (f *fetcher) request(ctx context.Context, page *Chain, method, target string, h http.Header, body io.Reader, follow bool) (*Response, error) {
	f.mu.Lock()
	jar := f.jars[page]
	f.mu.Unlock()
	client := f.client(jar, !page.Verified)
	for redirects := 0; ; redirects++ {
		resp, err := f.do(ctx, client, method, target, h, body)
		if err != nil {
			return nil, err
		}
		if !follow || !isRedirect(resp.Status) || redirects >= f.opts.MaxRedirects {
			return resp, nil
		}
		next := resolve(resp.URL, resp.Header.Get("Location"))
		u, err := url.Parse(next)
		if err != nil || next == "" || (u.Scheme != "http" && u.Scheme != "https") || (!f.opts.FollowOffHost && !f.sameHost(u)) {
			return resp, nil
		}
		if resp.Status == 303 {
			method = http.MethodGet
		}
		target = next
	}
}

func (f *fetcher) do(ctx context.Context, client *http.Client, method, target string, h http.Header, body io.Reader) (*Response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("scan: reading %s: %w", target, err)
	}
	r := &Response{URL: target, Status: resp.StatusCode, Header: resp.Header, Body: data}
	if int64(len(data)) > f.opts.MaxBodyBytes {
		r.Body, r.Truncated = data[:f.opts.MaxBodyBytes], true
	}
	return r, nil
}
