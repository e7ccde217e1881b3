package scan

import (
	"net/url"
	"strings"

	"golang.org/x/net/html"

	"github.com/harden-go/harden/scan/csp"
	"github.com/harden-go/harden/scan/internal/js"
)

// Names of the checks of Google's strict CSP guidance, beyond the
// Observatory.
const (
	TestStrictCSP    = "strict-csp"
	TestTrustedTypes = "trusted-types"
	TestSelfUploads  = "script-src-self-uploads"
)

func init() {
	for r, m := range map[string]int{
		"strict-csp-implemented": 0, "strict-csp-not-implemented": 0,
		"trusted-types-required": 0, "trusted-types-not-required": 0,
		"script-src-self-uploads-none": 0, "script-src-self-uploads-self-not-allowed": 0, "script-src-self-uploads-self-allowed": -5,
	} {
		modifiers[r] = m
	}
	const strictFix = "use a nonce-based strict policy: script-src 'nonce-…' 'strict-dynamic' (with https: 'unsafe-inline' as fallbacks older browsers read), object-src 'none', base-uri 'none' (harden: headers.Config.CSP.Preset \"strict\", whose nonce headers.Nonce returns for the page's <script> elements)"
	for r, a := range map[string]advice{
		"strict-csp-implemented":                   {"CSP is a strict policy: only scripts with the response's nonce or a listed hash run, and those they load ('strict-dynamic'), or no script at all; no plugins; no <base> rewriting", ""},
		"strict-csp-not-implemented":               {"CSP is not a strict policy (nonce or hash with 'strict-dynamic', object-src 'none', base-uri 'none'): an allowlist of hosts can usually be bypassed through a script those hosts serve", strictFix},
		"trusted-types-required":                   {"CSP requires Trusted Types for scripts: DOM XSS sinks such as innerHTML refuse plain strings", ""},
		"trusted-types-not-required":               {"CSP does not require Trusted Types (require-trusted-types-for 'script'): a string reaching innerHTML, eval or script.src is a DOM XSS", "send require-trusted-types-for 'script' and feed DOM sinks only from Trusted Types policies (harden: headers.Config.CSP.Preset \"strict\"; name the allowed policies in headers.Config.CSP.TrustedTypes)"},
		"script-src-self-uploads-none":             {"no file upload form found", ""},
		"script-src-self-uploads-self-not-allowed": {"the site accepts file uploads and script-src does not allow its own origin", ""},
		"script-src-self-uploads-self-allowed":     {"the site accepts file uploads and script-src allows its own origin ('self'): an uploaded file served from the origin runs as a script an injection points at", "drop 'self' from script-src with a nonce-based strict policy, where 'strict-dynamic' makes browsers ignore 'self' (harden: headers.Config.CSP.Preset \"strict\"), and serve uploads with a Content-Type that is not script, X-Content-Type-Options: nosniff and Content-Disposition: attachment"},
	} {
		advices[r] = a
	}
	siteWide[TestSelfUploads] = true
}

// strictChecks are the checks of Google's strict CSP guidance over the
// graded page; the upload check reads every crawled page as well.
func strictChecks(in *obsInput) []TestResult {
	p := pagePolicy(in)
	return []TestResult{strictCSPCheck(p), trustedTypesCheck(p), selfUploadsCheck(in, p)}
}

// pagePolicy is the page's policy, from its headers and <meta> elements
// merged as the Observatory merges them; nil when there is none or it does
// not parse.
func pagePolicy(in *obsInput) *csp.Policy {
	var list []string
	if v, ok := in.header("content-security-policy"); ok {
		list = append(list, v)
	}
	if in.doc != nil {
		list = append(list, in.doc.metaCSP...)
	}
	if len(list) == 0 {
		return nil
	}
	p, err := csp.Parse(list)
	if err != nil || p.Size() == 0 {
		return nil
	}
	return p
}

// scriptSources are the sources that govern scripts: script-src, else
// default-src; nil when neither is set.
func scriptSources(p *csp.Policy) *csp.Sources {
	if s := p.Get("script-src"); s != nil {
		return s
	}
	return p.Get("default-src")
}

func onlyNone(s *csp.Sources) bool { return s != nil && s.Len() == 1 && s.Has("'none'") }

// strictMissing lists what keeps p from being a strict policy.
func strictMissing(p *csp.Policy) []string {
	if p == nil {
		return []string{"a Content-Security-Policy"}
	}
	var missing []string
	// A response that runs no script at all (script-src 'none', as an
	// error page of the strict preset sends) is stricter than the pattern.
	if s := scriptSources(p); !onlyNone(s) {
		if s == nil || !hasNonceOrHash(s) {
			missing = append(missing, "a nonce or hash in script-src")
		}
		if s == nil || !s.Has("'strict-dynamic'") {
			missing = append(missing, "'strict-dynamic' in script-src")
		}
	}
	obj := p.Get("object-src")
	if obj == nil {
		obj = p.Get("default-src")
	}
	if !onlyNone(obj) {
		missing = append(missing, "object-src 'none'")
	}
	// base-uri does not fall back to default-src: without it an injected
	// <base> moves every relative script URL to the attacker's host.
	if b := p.Get("base-uri"); !onlyNone(b) && (b == nil || b.Len() != 1 || !b.Has("'self'")) {
		missing = append(missing, "base-uri 'none'")
	}
	return missing
}

func strictCSPCheck(p *csp.Policy) TestResult {
	out := TestResult{Name: TestStrictCSP, Result: "strict-csp-implemented", Pass: true}
	if missing := strictMissing(p); len(missing) > 0 {
		out.Result, out.Pass = "strict-csp-not-implemented", false
		out.Data = "missing: " + strings.Join(missing, ", ")
	}
	return out
}

func trustedTypesCheck(p *csp.Policy) TestResult {
	out := TestResult{Name: TestTrustedTypes, Result: "trusted-types-not-required"}
	if s := p.Get("require-trusted-types-for"); s != nil && s.Has("'script'") {
		out.Result, out.Pass = "trusted-types-required", true
		if tt := p.Get("trusted-types"); tt != nil {
			out.Data = "trusted-types " + strings.Join(tt.Values(), " ")
		}
	}
	return out
}

// selfUploadsCheck warns when the site takes file uploads (a file input or
// a multipart form on the graded page or a crawled page) and its policy lets
// the origin's own files run as scripts.
func selfUploadsCheck(in *obsInput, p *csp.Policy) TestResult {
	out := TestResult{Name: TestSelfUploads, Result: "script-src-self-uploads-none", Pass: true}
	where := uploadPages(in)
	if len(where) == 0 {
		return out
	}
	out.Data = "uploads at " + strings.Join(where, ", ")
	out.Result = "script-src-self-uploads-self-not-allowed"
	if p == nil {
		// No policy at all is the CSP test's failure, not this one's.
		return out
	}
	s := scriptSources(p)
	if s == nil {
		return out
	}
	if hasNonceOrHash(s) && s.Has("'strict-dynamic'") {
		// Browsers that know 'strict-dynamic' ignore 'self' and host
		// sources; older ones read 'self' but also 'unsafe-inline' or
		// https:, which the CSP test judges.
		return out
	}
	if s.Has("'self'") || allowsOrigin(s, in.sessionURL) {
		out.Result, out.Pass = "script-src-self-uploads-self-allowed", false
	}
	return out
}

// allowsOrigin reports whether s lists the page's own origin by name.
func allowsOrigin(s *csp.Sources, page *url.URL) bool {
	if page == nil {
		return false
	}
	origin := strings.ToLower(page.Scheme + "://" + page.Host)
	for _, v := range s.Values() {
		if strings.TrimSuffix(strings.ToLower(v), "/") == origin {
			return true
		}
	}
	return false
}

// uploadPages lists the paths of the graded page and crawled pages that
// take file uploads.
func uploadPages(in *obsInput) []string {
	var out []string
	if in.hasPage && in.doc != nil && acceptsUploads(in.page) {
		out = append(out, pathOf(in.auto.URL))
	}
	for _, pg := range in.site.Pages {
		r := pg.Response
		if r == nil || pg.Method != "GET" {
			continue
		}
		t, _ := newNodeHeaders(r.Header).get("content-type")
		if !htmlTypes[strings.ToLower(strings.TrimSpace(mediaType(t)))] {
			continue
		}
		if text, ok := pageText(r.Body); ok && acceptsUploads(text) {
			out = append(out, pathOf(pg.URL))
		}
	}
	return dedupe(out)
}

// acceptsUploads reports whether an HTML page has a file input or a form
// (or submit button) that sends multipart/form-data.
func acceptsUploads(page string) bool {
	z := html.NewTokenizer(strings.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			tag := string(name)
			if tag != "input" && tag != "form" && tag != "button" {
				continue
			}
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				val := strings.ToLower(js.Trim(string(v)))
				switch string(k) {
				case "type":
					if tag == "input" && val == "file" {
						return true
					}
				case "enctype", "formenctype":
					if val == "multipart/form-data" {
						return true
					}
				}
			}
		}
	}
}
