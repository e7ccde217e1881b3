package scan

import (
	"net/url"
	"strings"

	"github.com/harden-go/harden/scan/csp"
	"github.com/harden-go/harden/scan/internal/js"
)

// The Observatory's test names, in its order.
const (
	TestCSP             = "content-security-policy"
	TestCookies         = "cookies"
	TestCORS            = "cross-origin-resource-sharing"
	TestRedirection     = "redirection"
	TestReferrerPolicy  = "referrer-policy"
	TestHSTS            = "strict-transport-security"
	TestSRI             = "subresource-integrity"
	TestXContentType    = "x-content-type-options"
	TestXFrameOptions   = "x-frame-options"
	TestCORP            = "cross-origin-resource-policy"
	observatoryOrigin   = "https://http-observatory.security.mozilla.org"
	sixMonths           = 15552000
	maxDataLen          = 256
	observatoryMaxHSTS  = 1024
	observatoryMaxFrame = 1024
)

// PreloadEntry is one host of an HSTS preload list, in the format of the
// Observatory's hsts-preload.json.
type PreloadEntry struct {
	IncludeSubDomains bool   `json:"includeSubDomains"`
	Mode              string `json:"mode"`
}

// PreloadList maps a host name to its preload entry.
type PreloadList map[string]PreloadEntry

// preloaded reports whether host is covered by the list: the host itself in
// force-https mode, or a parent with includeSubDomains.
func (l PreloadList) preloaded(host string) (PreloadEntry, bool) {
	if e, ok := l[host]; ok && e.Mode == "force-https" {
		return e, true
	}
	parts := strings.Split(host, ".")
	for i := 1; i < len(parts); i++ {
		if e, ok := l[strings.Join(parts[i:], ".")]; ok && e.Mode == "force-https" && e.IncludeSubDomains {
			return e, true
		}
	}
	return PreloadEntry{}, false
}

// obsInput is a recorded site as the Observatory's tests see it.
type obsInput struct {
	site       *Site
	preload    PreloadList
	auto       *Response
	autoH      nodeHeaders
	sessionURL *url.URL
	page       string
	hasPage    bool
	doc        *document // nil unless the page is HTML
	jar        cookieJar
	fixed      bool // the harden model: quirks that hide a risk are corrected
}

func newObsInput(s *Site, preload PreloadList, fixed bool) *obsInput {
	in := &obsInput{site: s, preload: preload, fixed: fixed}
	ch := s.page()
	if ch == nil {
		return in
	}
	in.auto = ch.Final()
	in.autoH = newNodeHeaders(in.auto.Header)
	in.sessionURL = ch.startURL()
	in.page, in.hasPage = pageText(in.auto.Body)
	ct, _ := in.autoH.get("content-type")
	if htmlTypes[mediaType(ct)] && in.hasPage {
		in.doc = parseDocument(in.page)
	}
	for _, h := range ch.Hops {
		in.jar.set(h.URL, newNodeHeaders(h.Header).setCookie)
	}
	if ch == s.HTTPS && !ch.Verified {
		for _, r := range s.Extra {
			if strings.HasPrefix(r.URL, "https:") {
				in.jar.set(r.URL, newNodeHeaders(r.Header).setCookie)
			}
		}
	}
	return in
}

// observatoryTests runs the ten tests in the Observatory's order.
func observatoryTests(in *obsInput) []TestResult {
	return []TestResult{
		cspTest(in),
		cookiesTest(in),
		corsTest(in),
		redirectionTest(in),
		referrerTest(in),
		hstsTest(in),
		sriTest(in),
		xctoTest(in),
		xfoTest(in),
		corpTest(in),
	}
}

// worse returns next when it ranks worse than cur in order (best first).
func worse(next, cur string, order []string) string {
	if cur == "" {
		return next
	}
	if indexOf(order, next) > indexOf(order, cur) {
		return next
	}
	return cur
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// --- content-security-policy -------------------------------------------------

var (
	cspDangerouslyBroad = []string{"ftp:", "http:", "https:", "*", "http://*", "http://*.*", "https://*", "https://*.*"}
	cspUnsafeInline     = []string{"'unsafe-inline'", "data:"}
	cspNoncesHashes     = []string{"'sha256-", "'sha384-", "'sha512-", "'nonce-"}
)

func contains(list []string, s string) bool { return indexOf(list, s) >= 0 }

func broadOrInline(s string) bool {
	return contains(cspDangerouslyBroad, s) || contains(cspUnsafeInline, s)
}

func hasNonceOrHash(s *csp.Sources) bool {
	for _, v := range s.Values() {
		for _, p := range cspNoncesHashes {
			if strings.HasPrefix(v, p) {
				return true
			}
		}
	}
	return false
}

// cspOutcome is the CSP test's result plus what the X-Frame-Options test
// reads from it.
type cspOutcome struct {
	TestResult
	parsed *csp.Policy // nil unless the test reached its end
}

func cspTest(in *obsInput) TestResult { return cspAnalysis(in).TestResult }

// cspAnalysis runs the Observatory's CSP test on the recorded page and
// keeps the merged policy for the X-Frame-Options test.
func cspAnalysis(in *obsInput) cspOutcome {
	out := cspOutcome{TestResult: TestResult{Name: TestCSP}}
	if in.auto == nil || in.sessionURL == nil {
		out.Result = "csp-not-implemented"
		return out
	}
	header, hasHeader := in.autoH.get("content-security-policy")
	var httpCSP []string
	if hasHeader {
		httpCSP = []string{header}
	}
	var metaCSP []string
	if in.doc != nil {
		metaCSP = in.doc.metaCSP
	}
	all, err := csp.Parse(append(append([]string(nil), httpCSP...), metaCSP...))
	if err != nil {
		out.Result = "csp-header-invalid"
		out.Data = header
		return out
	}
	if !cspDeclared(httpCSP, metaCSP) {
		if v, ok := in.autoH.get("content-security-policy-report-only"); ok && v != "" {
			out.Result = "csp-not-implemented-but-reporting-enabled"
		} else {
			out.Result = "csp-not-implemented"
		}
		return out
	}
	out.Data = strings.Join(append(append([]string(nil), httpCSP...), metaCSP...), " | ")
	c := newCSPGrade(all)
	c.grade(in.sessionURL.Scheme == "https")
	out.Result = c.result
	switch c.result {
	case "csp-implemented-with-no-unsafe", "csp-implemented-with-no-unsafe-default-src-none",
		"csp-implemented-with-unsafe-inline-in-style-src-only",
		"csp-implemented-with-insecure-scheme-in-passive-content-only":
		out.Pass = true
		if len(all.Duplicates) > 0 {
			out.Result = "csp-implemented-but-duplicate-directives"
		}
	}
	out.parsed = all
	return out
}

// cspDeclared reports whether the header policy or the <meta> policies,
// each parsed on its own, declare any directive; a part that does not
// parse declares none.
func cspDeclared(httpCSP, metaCSP []string) bool {
	headerOnly, err := csp.Parse(httpCSP)
	if err != nil {
		headerOnly = &csp.Policy{}
	}
	metaOnly, err := csp.ParseMeta(metaCSP)
	if err != nil {
		metaOnly = &csp.Policy{}
	}
	return headerOnly.Size()+metaOnly.Size() != 0
}

// cspGrade is the CSP test's judgement of a merged policy: the effective
// script, style and object sources, and the first finding.
type cspGrade struct {
	all                            *csp.Policy
	scriptSrc, styleSrc, objectSrc *csp.Sources
	result                         string // "" until a finding is set
}

// newCSPGrade resolves the effective sources of all, dropping those that
// browsers ignore next to a nonce, a hash or 'strict-dynamic'. A
// 'strict-dynamic' without a nonce or hash makes the policy invalid.
func newCSPGrade(all *csp.Policy) cspGrade {
	c := cspGrade{
		all:       all,
		scriptSrc: firstSet(all.Get("script-src"), all.Get("default-src")),
		styleSrc:  firstSet(all.Get("style-src"), all.Get("default-src")),
		objectSrc: firstSet(all.Get("object-src"), all.Get("default-src")),
	}
	// A nonce or hash makes browsers ignore 'unsafe-inline'.
	for _, s := range []*csp.Sources{c.scriptSrc, c.styleSrc} {
		if hasNonceOrHash(s) && s.Has("'unsafe-inline'") {
			s.Delete("'unsafe-inline'")
		}
	}
	if hasNonceOrHash(c.scriptSrc) && c.scriptSrc.Has("'strict-dynamic'") {
		// 'strict-dynamic' makes browsers ignore host and scheme sources,
		// 'self' and 'unsafe-inline'.
		for _, v := range c.scriptSrc.Values() {
			broad := false
			for _, b := range cspDangerouslyBroad {
				if strings.HasPrefix(v, b) {
					broad = true
				}
			}
			if broad || v == "'self'" || v == "'unsafe-inline'" {
				c.scriptSrc.Delete(v)
			}
		}
	} else if c.scriptSrc.Has("'strict-dynamic'") {
		c.result = "csp-header-invalid"
	}
	return c
}

// set records r as the finding unless an earlier one stands.
func (c *cspGrade) set(r string) {
	if c.result == "" {
		c.result = r
	}
}

// grade sets the finding, worst first: unsafe inline or broad sources,
// insecure schemes (on an https page), 'unsafe-eval', then the passing
// results.
func (c *cspGrade) grade(https bool) {
	isBroad := func(v string) bool { return contains(cspDangerouslyBroad, v) }
	if anySource(c.scriptSrc, broadOrInline) || anySource(c.objectSrc, isBroad) {
		c.set("csp-implemented-with-unsafe-inline")
	}
	if https && c.insecureActive() {
		c.set("csp-implemented-with-insecure-scheme")
	}
	if c.scriptSrc.Has("'unsafe-eval'") || c.styleSrc.Has("'unsafe-eval'") {
		c.set("csp-implemented-with-unsafe-eval")
	}
	if https && c.insecurePassive() {
		c.set("csp-implemented-with-insecure-scheme-in-passive-content-only")
	}
	if anySource(c.styleSrc, broadOrInline) {
		c.set("csp-implemented-with-unsafe-inline-in-style-src-only")
	}
	if d := c.all.Get("default-src"); d != nil && d.Has("'none'") && d.Len() == 1 {
		c.set("csp-implemented-with-no-unsafe-default-src-none")
	} else {
		c.set("csp-implemented-with-no-unsafe")
	}
}

// insecureActive reports whether a source that governs active content
// has an insecure scheme: those of every directive but img-src, media-src
// and script-src, the names of repeated directives, and the effective
// script sources.
func (c *cspGrade) insecureActive() bool {
	var active []string
	for _, d := range c.all.Order {
		if d == "img-src" || d == "media-src" || d == "script-src" {
			continue
		}
		active = append(active, c.all.Get(d).Values()...)
	}
	if len(c.all.Duplicates) > 0 {
		active = append(active, c.all.Duplicates...)
	}
	active = append(active, c.scriptSrc.Values()...)
	return insecureScheme(active)
}

// insecurePassive reports whether a source of img-src or media-src, each
// falling back to default-src, has an insecure scheme.
func (c *cspGrade) insecurePassive() bool {
	var passive []string
	for _, d := range []string{"img-src", "media-src"} {
		s := c.all.Get(d)
		if s == nil {
			s = c.all.Get("default-src")
		}
		if s != nil {
			passive = append(passive, s.Values()...)
		}
	}
	return insecureScheme(passive)
}

// insecureScheme reports whether a source of list is an http: or ftp: one.
func insecureScheme(list []string) bool {
	for _, v := range list {
		if strings.HasPrefix(v, "http:") || strings.HasPrefix(v, "ftp:") {
			return true
		}
	}
	return false
}

// anySource reports whether f holds for a source of s.
func anySource(s *csp.Sources, f func(string) bool) bool {
	for _, v := range s.Values() {
		if f(v) {
			return true
		}
	}
	return false
}

// firstSet is JavaScript's a || b || new Set(["*"]) over directive sets.
func firstSet(a, b *csp.Sources) *csp.Sources {
	if a != nil {
		return a
	}
	if b != nil {
		return b
	}
	return csp.NewSources("*")
}

// --- cookies -------------------------------------------------------------------

var cookieOrder = []string{
	"cookies-without-secure-flag-but-protected-by-hsts",
	"cookies-without-secure-flag",
	"cookies-session-without-secure-flag-but-protected-by-hsts",
	"cookies-samesite-flag-invalid",
	"cookies-anticsrf-without-samesite-flag",
	"cookies-session-without-httponly-flag",
	"cookies-session-without-secure-flag",
}

// invalidSameSite reports a SameSite attribute with no value or an unknown
// one, read the Observatory's way (splitting each attribute on every '=').
func invalidSameSite(raw string) bool {
	for _, p := range strings.Split(js.Trim(raw), ";") {
		fields := strings.Split(js.Trim(p), "=")
		if strings.ToLower(js.Trim(fields[0])) != "samesite" {
			continue
		}
		if len(fields) < 2 || fields[1] == "" {
			return true
		}
		switch strings.ToLower(js.Trim(fields[1])) {
		case "lax", "strict", "none":
		default:
			return true
		}
	}
	return false
}

// sessionCookie is the Observatory's guess that a cookie identifies a
// session or a login.
func sessionCookie(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "login") || strings.Contains(n, "sess")
}

func cookiesTest(in *obsInput) TestResult {
	out := TestResult{Name: TestCookies}
	hsts := hstsTest(in).Pass
	result := ""
	if in.auto != nil {
		for _, raw := range in.autoH.setCookie {
			if invalidSameSite(raw) {
				result = worse("cookies-samesite-flag-invalid", result, cookieOrder)
			}
		}
	}
	var cookies []*Cookie
	for _, c := range in.jar.cookies {
		if c.Name != "" && c.Name != "heroku-session-affinity" {
			cookies = append(cookies, c)
		}
	}
	if len(cookies) == 0 {
		out.Result, out.Pass = "cookies-not-found", true
		return out
	}
	missingSameSite := false
	var names []string
	for _, c := range cookies {
		names = append(names, c.Name)
		sess := sessionCookie(c.Name)
		anticsrf := strings.Contains(strings.ToLower(c.Name), "csrf")
		if !c.Secure && c.SameSite == "none" {
			result = worse("cookies-samesite-flag-invalid", result, cookieOrder)
		}
		if !c.Secure && hsts {
			result = worse("cookies-without-secure-flag-but-protected-by-hsts", result, cookieOrder)
		} else if !c.Secure {
			result = worse("cookies-without-secure-flag", result, cookieOrder)
		}
		if anticsrf && c.SameSite == "" {
			result = worse("cookies-anticsrf-without-samesite-flag", result, cookieOrder)
		}
		if sess && !c.Secure && hsts {
			result = worse("cookies-session-without-secure-flag-but-protected-by-hsts", result, cookieOrder)
		} else if sess && !c.Secure {
			result = worse("cookies-session-without-secure-flag", result, cookieOrder)
		}
		if sess && !c.HttpOnly {
			result = worse("cookies-session-without-httponly-flag", result, cookieOrder)
		}
		if c.SameSite == "" {
			missingSameSite = true
		}
	}
	if result == "" {
		if missingSameSite {
			result = "cookies-secure-with-httponly-sessions"
		} else {
			result = "cookies-secure-with-httponly-sessions-and-samesite"
		}
	}
	out.Result = result
	out.Data = strings.Join(names, ", ")
	out.Pass = result == "cookies-secure-with-httponly-sessions" || result == "cookies-secure-with-httponly-sessions-and-samesite"
	return out
}

// --- cross-origin-resource-sharing --------------------------------------------

func corsTest(in *obsInput) TestResult {
	out := TestResult{Name: TestCORS, Result: "cross-origin-resource-sharing-not-implemented"}
	pf := in.site.Preflight
	if pf != nil && pf.Status >= 200 && pf.Status < 300 {
		h := newNodeHeaders(pf.Header)
		acao, _ := h.get("access-control-allow-origin")
		if acao != "" {
			out.Data = strings.ToLower(js.Trim(truncate(acao, maxDataLen)))
			creds, _ := h.get("access-control-allow-credentials")
			switch {
			case out.Data == "*":
				out.Result = "cross-origin-resource-sharing-implemented-with-public-access"
			// The Observatory reads the Origin it sent from a field its HTTP
			// client does not fill, so it never sees a reflected origin. The
			// harden model does.
			case in.fixed && acao == in.site.PreflightOrigin && strings.ToLower(js.Trim(creds)) == "true":
				out.Result = "cross-origin-resource-sharing-implemented-with-universal-access"
			default:
				out.Result = "cross-origin-resource-sharing-implemented-with-restricted-access"
			}
		}
	}
	out.Pass = out.Result != "cross-origin-resource-sharing-implemented-with-universal-access"
	return out
}

// --- redirection -------------------------------------------------------------

func redirectionTest(in *obsInput) TestResult {
	out := TestResult{Name: TestRedirection}
	ch := in.site.HTTP
	if ch == nil || ch.Final() == nil {
		out.Result, out.Pass = "redirection-not-needed-no-http", true
		return out
	}
	if !ch.Verified {
		out.Result = "redirection-invalid-cert"
		return out
	}
	route := make([]*url.URL, 0, len(ch.Hops))
	var shown []string
	for _, h := range ch.Hops {
		u, err := url.Parse(h.URL)
		if err != nil {
			u = &url.URL{}
		}
		route = append(route, u)
		shown = append(shown, h.URL)
	}
	if ch.StoppedAt != "" {
		// The redirect to another host was not followed. The Observatory's
		// rules read only the scheme of the end of the route and the scheme
		// and host of its second URL, and without further redirects the
		// first Location is both: http -> https://other-host is
		// off-host-from-http, http -> http://other-host is
		// not-to-https-on-initial-redirection, as when following (unless
		// the other host later redirects back to plain HTTP).
		if u, err := url.Parse(ch.StoppedAt); err == nil {
			route = append(route, u)
			shown = append(shown, ch.StoppedAt+" (not followed)")
		}
	}
	out.Data = strings.Join(shown, " -> ")
	all := true
	for _, u := range route {
		if _, ok := in.preload.preloaded(u.Hostname()); !ok {
			all = false
			break
		}
	}
	switch {
	case all:
		out.Result = "redirection-all-redirects-preloaded"
	case len(route) == 1:
		out.Result = "redirection-missing"
	case ch.StoppedAt != "" && route[len(route)-1].Scheme == "http" && route[1].Scheme == "http":
		// Plain HTTP to plain HTTP on another host: the Observatory scores
		// the first hop, whatever follows, once the route ends on HTTPS.
		out.Result = "redirection-not-to-https-on-initial-redirection"
	case route[len(route)-1].Scheme != "https":
		out.Result = "redirection-not-to-https"
	case route[1].Scheme == "http":
		out.Result = "redirection-not-to-https-on-initial-redirection"
	case route[0].Scheme == "http" && route[1].Scheme == "https" && route[0].Hostname() != route[1].Hostname():
		out.Result = "redirection-off-host-from-http"
	default:
		out.Result = "redirection-to-https"
	}
	out.Pass = out.Result == "redirection-to-https" || out.Result == "redirection-all-redirects-preloaded"
	return out
}

// --- referrer-policy ---------------------------------------------------------

var (
	referrerGood = []string{"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
	referrerBad  = []string{"origin", "origin-when-cross-origin", "unsafe-url", "no-referrer-when-downgrade"}
)

func referrerTest(in *obsInput) TestResult {
	out := TestResult{Name: TestReferrerPolicy}
	if in.auto == nil {
		out.Result = "referrer-policy-not-implemented"
		return out
	}
	var values []string
	if v, ok := in.autoH.get("referrer-policy"); ok {
		values = append(values, v)
	}
	if in.doc != nil && in.doc.hasReferrer {
		values = append(values, in.doc.referrer...)
	}
	if len(values) == 0 {
		out.Result, out.Pass = "referrer-policy-not-implemented", true
		return out
	}
	out.Data = strings.Join(values, ", ")
	policy := ""
	for _, e := range strings.Split(out.Data, ",") {
		v := strings.ToLower(js.Trim(e))
		if contains(referrerGood, v) || contains(referrerBad, v) {
			policy = v // the last valid token wins
		}
	}
	switch {
	case contains(referrerGood, policy):
		out.Result, out.Pass = "referrer-policy-private", true
	case contains(referrerBad, policy):
		out.Result = "referrer-policy-unsafe"
	default:
		out.Result = "referrer-policy-header-invalid"
	}
	return out
}

// --- strict-transport-security -----------------------------------------------

func hstsTest(in *obsInput) TestResult {
	out := TestResult{Name: TestHSTS, Result: "hsts-not-implemented"}
	ch := in.site.HTTPS
	resp := ch.Final()
	switch {
	case resp == nil:
		out.Result = "hsts-not-implemented-no-https"
	case !ch.Verified:
		out.Result = "hsts-invalid-cert"
	default:
		h := newNodeHeaders(resp.Header)
		if v, ok := h.get("strict-transport-security"); ok {
			out.Result = hstsValue(truncate(v, observatoryMaxHSTS))
			out.Data = v
		}
	}
	if resp != nil {
		if _, ok := in.preload.preloaded(in.site.Host); ok {
			out.Result = "hsts-preloaded"
		}
	}
	out.Pass = out.Result == "hsts-implemented-max-age-at-least-six-months" || out.Result == "hsts-preloaded"
	return out
}

// hstsValue grades a Strict-Transport-Security value the Observatory's way:
// a comma means the header was sent twice (invalid), max-age is read with
// parseInt, and an unreadable max-age counts as long enough.
func hstsValue(v string) string {
	if strings.Contains(v, ",") {
		return "hsts-header-invalid"
	}
	found, nan := false, false
	var maxAge int64
	for _, p := range strings.Split(v, ";") {
		p = strings.ToLower(js.Trim(p))
		if strings.HasPrefix(p, "max-age=") {
			n, ok := js.ParseInt(truncate(p[len("max-age="):], 120))
			found, maxAge, nan = true, n, !ok
		}
	}
	switch {
	case !found:
		return "hsts-header-invalid"
	case !nan && maxAge < sixMonths:
		return "hsts-implemented-max-age-less-than-six-months"
	}
	return "hsts-implemented-max-age-at-least-six-months"
}

// --- subresource-integrity ---------------------------------------------------

var sriOrder = []string{
	"sri-implemented-and-all-scripts-loaded-securely",
	"sri-implemented-and-external-scripts-loaded-securely",
	"sri-implemented-but-external-scripts-not-loaded-securely",
	"sri-not-implemented-but-external-scripts-loaded-securely",
	"sri-not-implemented-and-external-scripts-not-loaded-securely",
	"sri-not-implemented-response-not-html",
}

func sriTest(in *obsInput) TestResult {
	out := TestResult{Name: TestSRI}
	if in.auto == nil {
		out.Result = "sri-not-implemented-but-no-scripts-loaded"
		return out
	}
	ct, _ := in.autoH.get("content-type")
	if !htmlTypes[mediaType(ct)] {
		out.Result, out.Pass = "sri-not-implemented-response-not-html", true
		return out
	}
	doc := in.doc
	if doc == nil {
		doc = &document{} // an HTML response with no page text
	}
	result := ""
	foreign := false
	siteDomain := hostDomain(in.site.Host)
	var external []string
	for _, s := range doc.scripts {
		if !s.html || !s.hasSrc {
			continue
		}
		src := doc.scriptSrc(s)
		integrity := s.hasInteg && s.integrity != ""
		relProtocol, relOrigin, sameDomain := false, false, false
		switch {
		case len(src) > 2 && strings.HasPrefix(src, "//") && src[2] != '/':
			relProtocol, sameDomain = true, true
		case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
			u, _ := url.Parse(src)
			d := ""
			if u != nil {
				d = registrableDomain(u.Hostname(), false)
			}
			sameDomain = d == siteDomain
		default:
			relOrigin, sameDomain = true, true
		}
		secureOrigin := relOrigin || (sameDomain && !relProtocol)
		if !secureOrigin {
			foreign = true
		}
		secureScheme := strings.HasPrefix(src, "https:") && !relProtocol && !relOrigin ||
			relOrigin && in.sessionURL != nil && in.sessionURL.Scheme == "https"
		if !secureOrigin {
			external = append(external, src)
			switch {
			case integrity && !secureScheme:
				result = worse("sri-implemented-but-external-scripts-not-loaded-securely", result, sriOrder)
			case !integrity && secureScheme:
				result = worse("sri-not-implemented-but-external-scripts-loaded-securely", result, sriOrder)
			case !integrity && !secureScheme:
				result = worse("sri-not-implemented-and-external-scripts-not-loaded-securely", result, sriOrder)
			}
		} else if integrity && secureScheme && result == "" {
			result = "sri-implemented-and-all-scripts-loaded-securely"
		}
	}
	switch {
	case len(doc.scripts) == 0:
		result = "sri-not-implemented-but-no-scripts-loaded"
	case result == "" && foreign:
		result = "sri-implemented-and-external-scripts-loaded-securely"
	case result == "":
		result = "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"
	}
	out.Result = result
	out.Data = strings.Join(external, " ")
	switch result {
	case "sri-implemented-and-all-scripts-loaded-securely", "sri-implemented-and-external-scripts-loaded-securely",
		"sri-not-implemented-response-not-html", "sri-not-implemented-but-all-scripts-loaded-from-secure-origin",
		"sri-not-implemented-but-no-scripts-loaded":
		out.Pass = true
	}
	return out
}

// --- x-content-type-options --------------------------------------------------

func xctoTest(in *obsInput) TestResult {
	out := TestResult{Name: TestXContentType, Result: "x-content-type-options-not-implemented"}
	if in.auto != nil {
		if v, _ := in.autoH.get("x-content-type-options"); v != "" {
			out.Data = truncate(v, maxDataLen)
			if strings.ToLower(js.Trim(out.Data)) == "nosniff" {
				out.Result, out.Pass = "x-content-type-options-nosniff", true
			} else {
				out.Result = "x-content-type-options-header-invalid"
			}
		}
	}
	return out
}

// --- x-frame-options ---------------------------------------------------------

func xfoTest(in *obsInput) TestResult {
	out := TestResult{Name: TestXFrameOptions, Result: "x-frame-options-not-implemented"}
	if in.auto == nil {
		return out
	}
	if v, _ := in.autoH.get("x-frame-options"); v != "" {
		out.Data = truncate(v, observatoryMaxFrame)
		xfo := strings.ToLower(js.Trim(out.Data))
		switch {
		case xfo == "deny" || xfo == "sameorigin":
			out.Result = "x-frame-options-sameorigin-or-deny"
		case strings.HasPrefix(xfo, "allow-from"):
			out.Result = "x-frame-options-allow-from-origin"
		default:
			out.Result = "x-frame-options-header-invalid"
		}
	}
	// Any frame-ancestors directive counts, whatever its value and even from
	// a <meta> policy, where browsers ignore it. The harden model counts only
	// a header policy that does not allow every origin.
	c := cspAnalysis(in)
	if fa := c.parsed.Get("frame-ancestors"); fa != nil {
		if !in.fixed || frameAncestorsProtect(in) {
			out.Result = "x-frame-options-implemented-via-csp"
		}
	}
	switch out.Result {
	case "x-frame-options-allow-from-origin", "x-frame-options-sameorigin-or-deny", "x-frame-options-implemented-via-csp":
		out.Pass = true
	}
	return out
}

// frameAncestorsProtect reports whether the header policy's frame-ancestors
// keeps foreign origins from framing the page.
func frameAncestorsProtect(in *obsInput) bool {
	v, ok := in.autoH.get("content-security-policy")
	if !ok {
		return false
	}
	p, err := csp.Parse([]string{v})
	if err != nil {
		return false
	}
	fa := p.Get("frame-ancestors")
	if fa == nil {
		return false
	}
	for _, s := range fa.Values() {
		if contains(cspDangerouslyBroad, s) {
			return false
		}
	}
	return true
}

// --- cross-origin-resource-policy --------------------------------------------

func corpTest(in *obsInput) TestResult {
	out := TestResult{Name: TestCORP, Result: "corp-not-implemented", Pass: true}
	if in.auto == nil {
		return out
	}
	if v, _ := in.autoH.get("cross-origin-resource-policy"); v != "" {
		corp := strings.ToLower(js.Trim(truncate(v, maxDataLen)))
		if corp != "" {
			out.Data = corp
			switch corp {
			case "same-site":
				out.Result = "corp-implemented-with-same-site"
			case "same-origin":
				out.Result = "corp-implemented-with-same-origin"
			case "cross-origin":
				out.Result = "corp-implemented-with-cross-origin"
			default:
				out.Result, out.Pass = "corp-header-invalid", false
			}
		}
	}
	return out
}
