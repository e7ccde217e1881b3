package scan

import (
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/harden-go/harden/internal/cookieprefix"
	"github.com/harden-go/harden/scan/internal/js"
)

// Names of the checks beyond the Observatory.
const (
	TestXSSProtection  = "x-xss-protection"
	TestObsolete       = "obsolete-headers"
	TestDisclosure     = "information-disclosure"
	TestPermissions    = "permissions-policy"
	TestCOOP           = "cross-origin-opener-policy"
	TestCOEP           = "cross-origin-embedder-policy"
	TestCookiePrefixes = "cookie-prefixes"
	TestHSTSPreload    = "hsts-preload-eligibility"
	TestCORSProbe      = "cors-probe"
	TestCSRFProbe      = "csrf-probe"
)

func init() {
	for r, m := range map[string]int{
		"x-xss-protection-not-set": 0, "x-xss-protection-disabled": 0, "x-xss-protection-enabled": -5,
		"obsolete-headers-none": 0, "obsolete-headers-present": 0, "obsolete-headers-harmful": -5,
		"information-disclosure-none": 0, "information-disclosure-version": -5,
		"permissions-policy-implemented": 0, "permissions-policy-not-implemented": 0, "permissions-policy-header-invalid": -5,
		"coop-implemented-with-same-origin": 0, "coop-implemented-with-same-origin-allow-popups": 0,
		"coop-unsafe-none": -5, "coop-not-implemented": -5, "coop-header-invalid": -5,
		"coep-implemented": 0, "coep-not-implemented": 0, "coep-unsafe-none": 0, "coep-header-invalid": -5,
		"cookie-prefixes-used": 0, "cookie-prefixes-no-cookies": 0, "cookie-prefixes-missing": -5, "cookie-prefixes-invalid": -10,
		"hsts-preload-eligible": 0, "hsts-preload-not-eligible": 0,
		"cors-probe-denied": 0, "cors-probe-public": 0, "cors-probe-reflects-origin": -10, "cors-probe-reflects-origin-with-credentials": -50,
		"csrf-probe-refused": 0, "csrf-probe-accepted": -20,
	} {
		modifiers[r] = m
	}
	for r, a := range map[string]advice{
		"x-xss-protection-not-set":                       {"no X-XSS-Protection (the legacy auditor stays off in current browsers)", ""},
		"x-xss-protection-disabled":                      {"X-XSS-Protection: 0 turns the legacy auditor off", ""},
		"x-xss-protection-enabled":                       {"X-XSS-Protection enables the legacy XSS auditor, which can be abused to leak data", "send X-XSS-Protection: 0 (harden: headers, the default)"},
		"obsolete-headers-none":                          {"no obsolete security headers", ""},
		"obsolete-headers-present":                       {"obsolete headers that browsers ignore (Expect-CT, Feature-Policy)", "remove them; use Permissions-Policy instead of Feature-Policy (harden: headers.Config.PermissionsPolicy)"},
		"obsolete-headers-harmful":                       {"Public-Key-Pins can lock users out of the site if a key is lost", "remove Public-Key-Pins"},
		"information-disclosure-none":                    {"no technology or version leaks", ""},
		"information-disclosure-version":                 {"headers reveal the technology or its version (X-Powered-By, a versioned Server, X-AspNet-Version)", "stop sending X-Powered-By and drop the version from Server: in a Go handler, do not set them (net/http sets neither, and the harden stack passes a handler's own headers through unchanged); in front of an app in another language, turn them off there (Express: app.disable(\"x-powered-by\")) or put harden proxy in front, which strips them from upstream responses"},
		"permissions-policy-implemented":                 {"Permissions-Policy restricts powerful browser features", ""},
		"permissions-policy-not-implemented":             {"no Permissions-Policy", "send Permissions-Policy, e.g. camera=(), microphone=(), geolocation=() (harden: headers.Config.PermissionsPolicy)"},
		"permissions-policy-header-invalid":              {"Permissions-Policy is not a valid structured-field dictionary (Feature-Policy syntax?)", "use the feature=(allowlist) syntax (harden: headers.Config.PermissionsPolicy)"},
		"coop-implemented-with-same-origin":              {"Cross-Origin-Opener-Policy: same-origin isolates the browsing context", ""},
		"coop-implemented-with-same-origin-allow-popups": {"Cross-Origin-Opener-Policy: same-origin-allow-popups", ""},
		"coop-unsafe-none":                               {"Cross-Origin-Opener-Policy: unsafe-none leaves window references to other sites", "send Cross-Origin-Opener-Policy: same-origin (harden: headers.Config.CrossOriginOpenerPolicy)"},
		"coop-not-implemented":                           {"no Cross-Origin-Opener-Policy: cross-site windows keep a handle on this one (XS-Leaks)", "send Cross-Origin-Opener-Policy: same-origin (harden: headers, on by default)"},
		"coop-header-invalid":                            {"Cross-Origin-Opener-Policy has an invalid value", "send Cross-Origin-Opener-Policy: same-origin (harden: headers.Config.CrossOriginOpenerPolicy)"},
		"coep-implemented":                               {"Cross-Origin-Embedder-Policy enables cross-origin isolation", ""},
		"coep-not-implemented":                           {"no Cross-Origin-Embedder-Policy (needed only for cross-origin isolation)", ""},
		"coep-unsafe-none":                               {"Cross-Origin-Embedder-Policy: unsafe-none", ""},
		"coep-header-invalid":                            {"Cross-Origin-Embedder-Policy has an invalid value", "send require-corp or credentialless (harden: headers.Config.CrossOriginEmbedderPolicy)"},
		"cookie-prefixes-used":                           {"session cookies use the __Host- or __Secure- prefix", ""},
		"cookie-prefixes-no-cookies":                     {"no session cookies", ""},
		"cookie-prefixes-missing":                        {"session cookies lack the __Host- prefix, so a subdomain or a plain-HTTP page can overwrite them", "name session cookies __Host-... with Secure, Path=/ and no Domain (harden: session, the production default)"},
		"cookie-prefixes-invalid":                        {"a __Host-/__Secure- cookie breaks its prefix rules and browsers drop it", "give __Secure- cookies Secure; give __Host- cookies Secure, Path=/ and no Domain (harden: package cookie refuses such cookies)"},
		"hsts-preload-eligible":                          {"HSTS meets the preload list's requirements", ""},
		"hsts-preload-not-eligible":                      {"HSTS does not meet the preload list's requirements", ""},
		"cors-probe-denied":                              {"a credentialed request from a foreign origin gets no CORS access", ""},
		"cors-probe-public":                              {"a foreign origin gets public (*) CORS access without credentials", ""},
		"cors-probe-reflects-origin":                     {"CORS echoes any Origin: every site can read responses", "allow an explicit list of origins (harden: cors.Config.Origins)"},
		"cors-probe-reflects-origin-with-credentials":    {"CORS echoes any Origin with credentials: every site can read authenticated responses", "allow an explicit list of origins and never reflect Origin (harden: cors.Config.Origins)"},
		"csrf-probe-refused":                             {"a cross-site form POST is refused", ""},
		"csrf-probe-accepted":                            {"a cross-site form POST (Sec-Fetch-Site: cross-site) was accepted", "refuse cross-site unsafe requests (harden: package csrf, built on http.CrossOriginProtection)"},
	} {
		advices[r] = a
	}
}

// hardenChecks are the checks beyond the Observatory, over the graded page.
func hardenChecks(in *obsInput) []TestResult {
	tests := []TestResult{
		xssProtectionCheck(in),
		obsoleteCheck(in),
		disclosureCheck(in),
		permissionsCheck(in),
		coopCheck(in),
		coepCheck(in),
		cookiePrefixCheck(in),
		hstsPreloadCheck(in),
	}
	tests = append(tests, strictChecks(in)...)
	if p := in.site.Probes; p != nil {
		tests = append(tests, corsProbeCheck(p))
		if p.CSRF != nil {
			tests = append(tests, csrfProbeCheck(p))
		}
	}
	return tests
}

func (in *obsInput) header(name string) (string, bool) {
	if in.auto == nil {
		return "", false
	}
	return in.autoH.get(name)
}

func xssProtectionCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestXSSProtection, Result: "x-xss-protection-not-set", Pass: true}
	if v, ok := in.header("x-xss-protection"); ok {
		out.Data = v
		if js.Trim(v) == "0" {
			out.Result = "x-xss-protection-disabled"
		} else {
			out.Result, out.Pass = "x-xss-protection-enabled", false
		}
	}
	return out
}

func obsoleteCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestObsolete, Result: "obsolete-headers-none", Pass: true}
	var found []string
	for _, h := range []string{"public-key-pins", "public-key-pins-report-only", "expect-ct", "feature-policy"} {
		if _, ok := in.header(h); ok {
			found = append(found, h)
		}
	}
	if len(found) > 0 {
		out.Pass, out.Data = false, strings.Join(found, ", ")
		out.Result = "obsolete-headers-present"
		if strings.HasPrefix(found[0], "public-key-pins") {
			out.Result = "obsolete-headers-harmful"
		}
	}
	return out
}

var versioned = regexp.MustCompile(`[0-9]`)

func disclosureCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestDisclosure, Result: "information-disclosure-none", Pass: true}
	var leaks []string
	for _, h := range []string{"x-powered-by", "x-aspnet-version", "x-aspnetmvc-version", "x-generator"} {
		if v, ok := in.header(h); ok && v != "" {
			leaks = append(leaks, h+": "+v)
		}
	}
	if v, ok := in.header("server"); ok && versioned.MatchString(v) {
		leaks = append(leaks, "server: "+v)
	}
	if len(leaks) > 0 {
		out.Result, out.Pass, out.Data = "information-disclosure-version", false, strings.Join(leaks, "; ")
	}
	return out
}

// permissionsMember is one member of a Permissions-Policy dictionary: a
// feature and an allowlist (*, self, or an inner list).
var permissionsMember = regexp.MustCompile(`^[a-z*][a-z0-9_\-.*]*=(\*|self|\((\s*(self|src|\*|"[^"]*")\s*)*\))(;[^,]*)?$`)

func permissionsCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestPermissions, Result: "permissions-policy-not-implemented"}
	v, ok := in.header("permissions-policy")
	if !ok {
		return out
	}
	out.Data = v
	for _, m := range strings.Split(v, ",") {
		if !permissionsMember.MatchString(strings.TrimSpace(m)) {
			out.Result = "permissions-policy-header-invalid"
			return out
		}
	}
	out.Result, out.Pass = "permissions-policy-implemented", true
	return out
}

// policyToken is the first token of a COOP/COEP value; parameters such as
// report-to are ignored. The value is a structured-field token, which is
// case-sensitive: browsers ignore "SAME-ORIGIN" and apply unsafe-none, so
// the token is not lower-cased (that would pass a page left unprotected).
func policyToken(v string) string {
	t, _, _ := strings.Cut(v, ";")
	return strings.Trim(t, " \t")
}

func coopCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestCOOP, Result: "coop-not-implemented"}
	v, ok := in.header("cross-origin-opener-policy")
	if !ok {
		return out
	}
	out.Data = v
	switch policyToken(v) {
	case "same-origin":
		out.Result, out.Pass = "coop-implemented-with-same-origin", true
	case "same-origin-allow-popups", "noopener-allow-popups":
		out.Result, out.Pass = "coop-implemented-with-same-origin-allow-popups", true
	case "unsafe-none":
		out.Result = "coop-unsafe-none"
	default:
		out.Result = "coop-header-invalid"
	}
	return out
}

func coepCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestCOEP, Result: "coep-not-implemented", Pass: true}
	v, ok := in.header("cross-origin-embedder-policy")
	if !ok {
		return out
	}
	out.Data = v
	switch policyToken(v) {
	case "require-corp", "credentialless":
		out.Result = "coep-implemented"
	case "unsafe-none":
		out.Result = "coep-unsafe-none"
	default:
		out.Result, out.Pass = "coep-header-invalid", false
	}
	return out
}

func cookiePrefixCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestCookiePrefixes, Result: "cookie-prefixes-no-cookies", Pass: true}
	ch := in.site.page()
	if ch == nil {
		return out
	}
	var bad, unprefixed []string
	sessions := 0
	for _, h := range ch.Hops {
		u, _ := url.Parse(h.URL)
		for _, raw := range newNodeHeaders(h.Header).setCookie {
			c, ok := parseSetCookie(raw)
			if !ok {
				continue
			}
			hasDomain := c.Domain != ""
			pathRoot := c.Path == "/"
			switch {
			// In any letter case: browsers enforce "__host-" as "__Host-"
			// (RFC 6265bis), so a "__HOST-sid" without Secure is dropped.
			case cookieprefix.IsHost(c.Name):
				if !c.Secure || hasDomain || !pathRoot || u == nil || u.Scheme != "https" {
					bad = append(bad, c.Name)
				}
			case cookieprefix.IsSecure(c.Name):
				if !c.Secure || u == nil || u.Scheme != "https" {
					bad = append(bad, c.Name)
				}
			case sessionCookie(c.Name):
				unprefixed = append(unprefixed, c.Name)
			}
			if sessionCookie(c.Name) {
				sessions++
			}
		}
	}
	switch {
	case len(bad) > 0:
		out.Result, out.Pass, out.Data = "cookie-prefixes-invalid", false, strings.Join(dedupe(bad), ", ")
	case len(unprefixed) > 0:
		out.Result, out.Pass, out.Data = "cookie-prefixes-missing", false, strings.Join(dedupe(unprefixed), ", ")
	case sessions > 0:
		out.Result = "cookie-prefixes-used"
	}
	return out
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// hstsPreloadCheck lists what the preload list requires and the site lacks:
// HTTPS, a redirect from HTTP to HTTPS on the same host, and HSTS with
// max-age of at least a year, includeSubDomains and preload.
func hstsPreloadCheck(in *obsInput) TestResult {
	out := TestResult{Name: TestHSTSPreload, Result: "hsts-preload-eligible", Pass: true}
	var missing []string
	resp := in.site.HTTPS.Final()
	if resp == nil || !in.site.HTTPS.Verified {
		missing = append(missing, "a valid HTTPS certificate")
	} else {
		v := newNodeHeaders(resp.Header).fields["strict-transport-security"]
		out.Data = v
		var maxAge int64
		sub, pre := false, false
		for _, p := range strings.Split(v, ";") {
			p = strings.ToLower(strings.TrimSpace(p))
			switch {
			case strings.HasPrefix(p, "max-age="):
				maxAge, _ = js.ParseInt(strings.Trim(p[len("max-age="):], `"`))
			case p == "includesubdomains":
				sub = true
			case p == "preload":
				pre = true
			}
		}
		if maxAge < 31536000 {
			missing = append(missing, "max-age of at least 31536000")
		}
		if !sub {
			missing = append(missing, "includeSubDomains")
		}
		if !pre {
			missing = append(missing, "preload")
		}
	}
	if r := redirectionTest(in); r.Result != "redirection-to-https" && r.Result != "redirection-not-needed-no-http" && r.Result != "redirection-all-redirects-preloaded" {
		missing = append(missing, "a redirect from http:// to https:// on the same host")
	}
	if len(missing) > 0 {
		out.Result, out.Pass = "hsts-preload-not-eligible", false
		out.Fix = "for the preload list, add: " + strings.Join(missing, ", ") + " (harden: headers.Config.HSTS{Preload: true})"
	}
	return out
}

func corsProbeCheck(p *Probes) TestResult {
	out := TestResult{Name: TestCORSProbe, Result: "cors-probe-denied", Pass: true}
	if p.CORS == nil {
		return out
	}
	h := newNodeHeaders(p.CORS.Header)
	acao, _ := h.get("access-control-allow-origin")
	creds, _ := h.get("access-control-allow-credentials")
	out.Data = acao
	switch {
	case acao == "*":
		out.Result = "cors-probe-public"
	case acao == p.Origin || acao == "null":
		out.Pass = false
		out.Result = "cors-probe-reflects-origin"
		if strings.EqualFold(strings.TrimSpace(creds), "true") {
			out.Result = "cors-probe-reflects-origin-with-credentials"
		}
	}
	return out
}

func csrfProbeCheck(p *Probes) TestResult {
	out := TestResult{Name: TestCSRFProbe, Result: "csrf-probe-refused", Pass: true}
	if p.CSRF.Status < 400 {
		out.Result, out.Pass = "csrf-probe-accepted", false
	}
	out.Data = p.CSRF.URL
	return out
}
