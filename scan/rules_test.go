package scan

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// hdr builds a header from name, value pairs; a name may repeat.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// recorded is a site on example.com whose http:// redirects to https://,
// which answers 200 with h and body.
func recorded(h http.Header, body string) *Site {
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	pageResp := func() *Response {
		return &Response{URL: "https://example.com/", Status: 200, Header: h.Clone(), Body: []byte(body)}
	}
	return &Site{
		Host: "example.com",
		HTTP: &Chain{Start: "http://example.com/", Verified: true, Hops: []*Response{
			{URL: "http://example.com/", Status: 301, Header: hdr("Location", "https://example.com/")},
			pageResp(),
		}},
		HTTPS: &Chain{Start: "https://example.com/", Verified: true, Hops: []*Response{pageResp()}},
	}
}

// good is a header set that passes every Observatory test.
func good(kv ...string) http.Header {
	base := []string{
		"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'",
		"Strict-Transport-Security", "max-age=31536000",
		"X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY",
		"Referrer-Policy", "no-referrer",
	}
	h := hdr(base...)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			h.Del(kv[i])
			continue
		}
		h.Del(kv[i])
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			h.Add(kv[i], kv[i+1])
		}
	}
	return h
}

type ruleCase struct {
	name   string
	test   string
	site   *Site
	model  string
	result string
	pass   bool
}

func withHTTP(s *Site, hops ...*Response) *Site {
	s.HTTP = &Chain{Start: hops[0].URL, Verified: true, Hops: hops}
	return s
}

func resp(u string, status int, kv ...string) *Response {
	return &Response{URL: u, Status: status, Header: hdr(kv...)}
}

func ruleCases() []ruleCase {
	csp := func(name, policy, result string, pass bool) ruleCase {
		return ruleCase{name: name, test: TestCSP, site: recorded(good("Content-Security-Policy", policy), ""), result: result, pass: pass}
	}
	cookie := func(name, result string, pass bool, h http.Header, cookies ...string) ruleCase {
		for _, c := range cookies {
			h.Add("Set-Cookie", c)
		}
		return ruleCase{name: name, test: TestCookies, site: recorded(h, ""), result: result, pass: pass}
	}
	html := func(test, name, body, result string, pass bool) ruleCase {
		return ruleCase{name: name, test: test, site: recorded(good(), body), result: result, pass: pass}
	}
	header := func(test, name, result string, pass bool, kv ...string) ruleCase {
		return ruleCase{name: name, test: test, site: recorded(good(kv...), ""), result: result, pass: pass}
	}
	preflight := func(name, result string, pass bool, model string, kv ...string) ruleCase {
		s := recorded(good(), "")
		s.Preflight, s.PreflightOrigin = resp("https://example.com/", 200, kv...), observatoryOrigin
		return ruleCase{name: name, test: TestCORS, site: s, result: result, pass: pass, model: model}
	}
	noHTTPS := recorded(good(), "")
	noHTTPS.HTTPS = nil
	badCert := recorded(good(), "")
	badCert.HTTPS.Verified = false
	badCertHTTP := recorded(good(), "")
	badCertHTTP.HTTP.Verified = false
	noHTTP := recorded(good(), "")
	noHTTP.HTTP = nil
	metaFA := recorded(good("Content-Security-Policy", "", "X-Frame-Options", ""),
		`<meta http-equiv="content-security-policy" content="default-src 'self'; frame-ancestors 'none'">`)
	metaFA2 := recorded(good("Content-Security-Policy", "", "X-Frame-Options", ""),
		`<meta http-equiv="content-security-policy" content="default-src 'self'; frame-ancestors 'none'">`)
	probe := func(name, result string, pass bool, cors *Response, csrf *Response) ruleCase {
		s := recorded(good(), "")
		s.Probes = &Probes{Origin: "https://attacker.invalid", CORS: cors, CSRF: csrf}
		test := TestCORSProbe
		if csrf != nil {
			test = TestCSRFProbe
		}
		return ruleCase{name: name, test: test, site: s, result: result, pass: pass}
	}
	return []ruleCase{
		// content-security-policy
		csp("default-src none", "default-src 'none'", "csp-implemented-with-no-unsafe-default-src-none", true),
		csp("self", "default-src 'self'", "csp-implemented-with-no-unsafe", true),
		csp("style unsafe-inline", "default-src 'self'; style-src 'self' 'unsafe-inline'", "csp-implemented-with-unsafe-inline-in-style-src-only", true),
		csp("passive http", "default-src 'none'; img-src http://img.example.com", "csp-implemented-with-insecure-scheme-in-passive-content-only", true),
		csp("unsafe-eval", "default-src 'self'; script-src 'self' 'unsafe-eval'", "csp-implemented-with-unsafe-eval", false),
		csp("unsafe-inline", "default-src 'self'; script-src 'self' 'unsafe-inline'", "csp-implemented-with-unsafe-inline", false),
		csp("broad object-src", "default-src 'self'; object-src https:", "csp-implemented-with-unsafe-inline", false),
		csp("nonce cancels unsafe-inline", "default-src 'self'; script-src 'nonce-abc' 'unsafe-inline'", "csp-implemented-with-no-unsafe", true),
		csp("strict-dynamic with nonce drops https:", "default-src 'none'; script-src 'nonce-abc' 'strict-dynamic' https: 'unsafe-inline'", "csp-implemented-with-no-unsafe-default-src-none", true),
		csp("active http", "default-src 'self' http://cdn.example.com", "csp-implemented-with-insecure-scheme", false),
		csp("duplicate directive", "default-src 'self'; default-src 'none'", "csp-header-invalid", false),
		csp("too short", "a b", "csp-header-invalid", false),
		csp("strict-dynamic without nonce", "default-src 'self'; script-src 'strict-dynamic'", "csp-header-invalid", false),
		csp("duplicate report-uri", "default-src 'none'; report-uri /a; report-uri /b", "csp-implemented-but-duplicate-directives", true),
		{name: "none", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), ""), result: "csp-not-implemented"},
		{name: "report-only", test: TestCSP, site: recorded(good("Content-Security-Policy", "", "Content-Security-Policy-Report-Only", "default-src 'none'"), ""), result: "csp-not-implemented-but-reporting-enabled"},
		{name: "meta policy", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<meta http-equiv="Content-Security-Policy" content="default-src 'none'">`), result: "csp-implemented-with-no-unsafe-default-src-none", pass: true},
		{name: "meta with only frame-ancestors", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<meta http-equiv="Content-Security-Policy" content="frame-ancestors 'none'">`), result: "csp-not-implemented"},
		// Browsers (and the Observatory's parser) run with scripting on, so
		// <noscript> holds text, not a <meta> element.
		{name: "meta policy inside noscript in head", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<!doctype html><html><head><noscript><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></noscript></head><body>x</body></html>`), result: "csp-not-implemented"},
		{name: "meta policy inside select", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<!doctype html><html><body><select><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></select></body></html>`), result: "csp-not-implemented"},
		{name: "meta policy after a textarea closed the select", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<select><textarea></textarea><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></select>`), result: "csp-implemented-with-no-unsafe-default-src-none", pass: true},
		{name: "meta policy after a nested select closed the select", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<select><option>a<select><meta http-equiv="Content-Security-Policy" content="default-src 'none'">`), result: "csp-implemented-with-no-unsafe-default-src-none", pass: true},
		{name: "meta policy after an input in an iframe closed the select", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<select><iframe><input><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></iframe>`), result: "csp-implemented-with-no-unsafe-default-src-none", pass: true},
		{name: "meta policy inside noscript in body", test: TestCSP, site: recorded(good("Content-Security-Policy", ""), `<!doctype html><html><body><noscript><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></noscript></body></html>`), result: "csp-not-implemented"},

		// cookies
		cookie("none", "cookies-not-found", true, good()),
		cookie("all good", "cookies-secure-with-httponly-sessions-and-samesite", true, good(), "sessionid=1; Secure; HttpOnly; SameSite=Lax"),
		cookie("no samesite", "cookies-secure-with-httponly-sessions", true, good(), "sessionid=1; Secure; HttpOnly"),
		cookie("no secure, hsts", "cookies-without-secure-flag-but-protected-by-hsts", false, good(), "theme=1; SameSite=Lax"),
		cookie("session no secure, hsts", "cookies-session-without-secure-flag-but-protected-by-hsts", false, good(), "sessionid=1; HttpOnly; SameSite=Lax"),
		cookie("no secure, no hsts", "cookies-without-secure-flag", false, good("Strict-Transport-Security", ""), "theme=1; SameSite=Lax"),
		cookie("samesite bogus", "cookies-samesite-flag-invalid", false, good(), "theme=1; Secure; SameSite=Bogus"),
		cookie("samesite none without secure", "cookies-samesite-flag-invalid", false, good(), "theme=1; SameSite=None"),
		cookie("csrf no samesite", "cookies-anticsrf-without-samesite-flag", false, good(), "csrftoken=1; Secure"),
		cookie("session not httponly", "cookies-session-without-httponly-flag", false, good(), "sessionid=1; Secure; SameSite=Lax"),
		cookie("session no secure, no hsts", "cookies-session-without-secure-flag", false, good("Strict-Transport-Security", ""), "login=1; HttpOnly; SameSite=Lax"),
		cookie("deletion still counts", "cookies-session-without-secure-flag", false, good("Strict-Transport-Security", ""), "sess=; Max-Age=0; HttpOnly; SameSite=Lax"),
		cookie("bad __Host- dropped by the jar", "cookies-not-found", true, good(), "__Host-sid=1; Secure; Domain=example.com; Path=/"),
		cookie("foreign domain dropped", "cookies-not-found", true, good(), "sid=1; Domain=other.org"),
		cookie("heroku affinity ignored", "cookies-not-found", true, good(), "heroku-session-affinity=1"),

		// cross-origin-resource-sharing
		{name: "no preflight", test: TestCORS, site: recorded(good(), ""), result: "cross-origin-resource-sharing-not-implemented", pass: true},
		preflight("wildcard", "cross-origin-resource-sharing-implemented-with-public-access", true, "", "Access-Control-Allow-Origin", "*"),
		preflight("specific", "cross-origin-resource-sharing-implemented-with-restricted-access", true, "", "Access-Control-Allow-Origin", "https://app.example.com"),
		preflight("reflected: Observatory misses it", "cross-origin-resource-sharing-implemented-with-restricted-access", true, ModelObservatory,
			"Access-Control-Allow-Origin", observatoryOrigin, "Access-Control-Allow-Credentials", "true"),
		preflight("reflected: harden catches it", "cross-origin-resource-sharing-implemented-with-universal-access", false, ModelHarden,
			"Access-Control-Allow-Origin", observatoryOrigin, "Access-Control-Allow-Credentials", "true"),

		// redirection
		{name: "to https", test: TestRedirection, site: recorded(good(), ""), result: "redirection-to-https", pass: true},
		{name: "no http", test: TestRedirection, site: noHTTP, result: "redirection-not-needed-no-http", pass: true},
		{name: "invalid cert", test: TestRedirection, site: badCertHTTP, result: "redirection-invalid-cert"},
		{name: "missing", test: TestRedirection, site: withHTTP(recorded(good(), ""), resp("http://example.com/", 200)), result: "redirection-missing"},
		{name: "not to https", test: TestRedirection, site: withHTTP(recorded(good(), ""), resp("http://example.com/", 301, "Location", "/x"), resp("http://example.com/x", 200)), result: "redirection-not-to-https"},
		{name: "http first", test: TestRedirection, site: withHTTP(recorded(good(), ""), resp("http://example.com/", 301), resp("http://www.example.com/", 301), resp("https://www.example.com/", 200)), result: "redirection-not-to-https-on-initial-redirection"},
		{name: "off host", test: TestRedirection, site: withHTTP(recorded(good(), ""), resp("http://example.com/", 301), resp("https://www.example.com/", 200)), result: "redirection-off-host-from-http"},

		// referrer-policy
		header(TestReferrerPolicy, "private", "referrer-policy-private", true, "Referrer-Policy", "strict-origin-when-cross-origin"),
		header(TestReferrerPolicy, "none", "referrer-policy-not-implemented", true, "Referrer-Policy", ""),
		header(TestReferrerPolicy, "unsafe", "referrer-policy-unsafe", false, "Referrer-Policy", "unsafe-url"),
		header(TestReferrerPolicy, "last valid wins", "referrer-policy-unsafe", false, "Referrer-Policy", "no-referrer, bogus, origin"),
		header(TestReferrerPolicy, "invalid", "referrer-policy-header-invalid", false, "Referrer-Policy", "bogus"),
		html(TestReferrerPolicy, "meta overrides header", `<meta name="referrer" content="unsafe-url">`, "referrer-policy-unsafe", false),
		html(TestReferrerPolicy, "meta inside noscript does not count", `<head><noscript><meta name="referrer" content="unsafe-url"></noscript></head>`, "referrer-policy-private", true),

		// strict-transport-security
		header(TestHSTS, "six months", "hsts-implemented-max-age-at-least-six-months", true, "Strict-Transport-Security", "max-age=15552000"),
		header(TestHSTS, "short", "hsts-implemented-max-age-less-than-six-months", false, "Strict-Transport-Security", "max-age=86400"),
		header(TestHSTS, "unreadable max-age counts as long", "hsts-implemented-max-age-at-least-six-months", true, "Strict-Transport-Security", `max-age="1"`),
		header(TestHSTS, "none", "hsts-not-implemented", false, "Strict-Transport-Security", ""),
		header(TestHSTS, "no max-age", "hsts-header-invalid", false, "Strict-Transport-Security", "includeSubDomains"),
		{name: "twice", test: TestHSTS, site: recorded(good("Strict-Transport-Security", "max-age=31536000", "Strict-Transport-Security", "max-age=1"), ""), result: "hsts-header-invalid"},
		{name: "no https", test: TestHSTS, site: noHTTPS, result: "hsts-not-implemented-no-https"},
		{name: "bad cert", test: TestHSTS, site: badCert, result: "hsts-invalid-cert"},

		// subresource-integrity
		html(TestSRI, "no scripts", "<p>x</p>", "sri-not-implemented-but-no-scripts-loaded", true),
		onHost("127.0.0.1", html(TestSRI, "an IPv4 address in short form is the site's", `<script src="https://127.1/a.js"></script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", true)),
		onHost("xn--4ca0b.example", html(TestSRI, "an internationalized host is compared in punycode", `<script src="https://ÄÖ.example/a.js"></script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", true)),
		// A script src resolved against <base href> as the URL standard does.
		html(TestSRI, "backslashes against a base name a host", `<base href="https://example.com/"><script src="\\cdn.example.org\a.js"></script>`, "sri-not-implemented-but-external-scripts-loaded-securely", false),
		html(TestSRI, "https: without slashes against an https base is a path", `<base href="https://example.com/"><script src="https:a.js"></script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", true),
		html(TestSRI, "a stray percent still resolves against the base", `<base href="https://cdn.example.org/"><script src="%zz.js"></script>`, "sri-not-implemented-but-external-scripts-loaded-securely", false),
		html(TestSRI, "script in an iframe inside select is markup", `<select><iframe><script src="http://cdn.example.org/x.js"></script></iframe></select>`, "sri-not-implemented-and-external-scripts-not-loaded-securely", false),
		html(TestSRI, "script in a style inside select is markup", `<select><style><script src="https://cdn.example.org/x.js"></script></style></select>`, "sri-not-implemented-but-external-scripts-loaded-securely", false),
		html(TestSRI, "svg script inside select is an HTML script", `<select><svg><script src="http://cdn.example.org/x.js"></script></svg></select>`, "sri-not-implemented-and-external-scripts-not-loaded-securely", false),
		html(TestSRI, "same origin", `<script src="/a.js"></script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", true),
		html(TestSRI, "same origin with integrity", `<script src="/a.js" integrity="sha384-x"></script>`, "sri-implemented-and-all-scripts-loaded-securely", true),
		html(TestSRI, "external with integrity", `<script src="https://cdn.other.org/a.js" integrity="sha384-x"></script>`, "sri-implemented-and-external-scripts-loaded-securely", true),
		html(TestSRI, "external without integrity", `<script src="https://cdn.other.org/a.js"></script>`, "sri-not-implemented-but-external-scripts-loaded-securely", false),
		html(TestSRI, "external http with integrity", `<script src="http://cdn.other.org/a.js" integrity="sha384-x"></script>`, "sri-implemented-but-external-scripts-not-loaded-securely", false),
		html(TestSRI, "external http", `<script src="http://cdn.other.org/a.js"></script>`, "sri-not-implemented-and-external-scripts-not-loaded-securely", false),
		html(TestSRI, "protocol relative", `<script src="//cdn.example.com/a.js"></script>`, "sri-not-implemented-and-external-scripts-not-loaded-securely", false),
		html(TestSRI, "subdomain counts as same site", `<script src="https://cdn.example.com/a.js"></script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", true),
		html(TestSRI, "template content ignored", `<template><script src="http://x.org/a.js"></script></template><script>1</script>`, "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", true),
		{name: "not html", test: TestSRI, site: recorded(good("Content-Type", "application/json"), `{"a":1}`), result: "sri-not-implemented-response-not-html", pass: true},

		// x-content-type-options
		header(TestXContentType, "nosniff", "x-content-type-options-nosniff", true, "X-Content-Type-Options", "NoSniff"),
		header(TestXContentType, "none", "x-content-type-options-not-implemented", false, "X-Content-Type-Options", ""),
		{name: "twice", test: TestXContentType, site: recorded(good("X-Content-Type-Options", "nosniff", "X-Content-Type-Options", "nosniff"), ""), result: "x-content-type-options-header-invalid"},

		// x-frame-options
		header(TestXFrameOptions, "via csp", "x-frame-options-implemented-via-csp", true),
		header(TestXFrameOptions, "deny", "x-frame-options-sameorigin-or-deny", true, "Content-Security-Policy", "default-src 'none'"),
		header(TestXFrameOptions, "allow-from", "x-frame-options-allow-from-origin", true, "Content-Security-Policy", "default-src 'none'", "X-Frame-Options", "ALLOW-FROM https://a.example"),
		header(TestXFrameOptions, "none", "x-frame-options-not-implemented", false, "Content-Security-Policy", "default-src 'none'", "X-Frame-Options", ""),
		header(TestXFrameOptions, "invalid", "x-frame-options-header-invalid", false, "Content-Security-Policy", "default-src 'none'", "X-Frame-Options", "allowall"),
		{name: "meta frame-ancestors counts for the Observatory", test: TestXFrameOptions, site: metaFA, model: ModelObservatory, result: "x-frame-options-implemented-via-csp", pass: true},
		{name: "meta frame-ancestors does not count for harden", test: TestXFrameOptions, site: metaFA2, model: ModelHarden, result: "x-frame-options-not-implemented"},
		only(ModelObservatory, header(TestXFrameOptions, "frame-ancestors * counts for the Observatory", "x-frame-options-implemented-via-csp", true, "Content-Security-Policy", "default-src 'none'; frame-ancestors *", "X-Frame-Options", "")),
		only(ModelHarden, header(TestXFrameOptions, "frame-ancestors * does not count for harden", "x-frame-options-not-implemented", false, "Content-Security-Policy", "default-src 'none'; frame-ancestors *", "X-Frame-Options", "")),

		// cross-origin-resource-policy
		header(TestCORP, "none", "corp-not-implemented", true),
		header(TestCORP, "same-origin", "corp-implemented-with-same-origin", true, "Cross-Origin-Resource-Policy", "same-origin"),
		header(TestCORP, "same-site", "corp-implemented-with-same-site", true, "Cross-Origin-Resource-Policy", "Same-Site"),
		header(TestCORP, "cross-origin", "corp-implemented-with-cross-origin", true, "Cross-Origin-Resource-Policy", "cross-origin"),
		header(TestCORP, "invalid", "corp-header-invalid", false, "Cross-Origin-Resource-Policy", "same"),

		// Beyond the Observatory.
		header(TestXSSProtection, "absent", "x-xss-protection-not-set", true),
		header(TestXSSProtection, "zero", "x-xss-protection-disabled", true, "X-XSS-Protection", "0"),
		header(TestXSSProtection, "enabled", "x-xss-protection-enabled", false, "X-XSS-Protection", "1; mode=block"),
		header(TestObsolete, "none", "obsolete-headers-none", true),
		header(TestObsolete, "expect-ct", "obsolete-headers-present", false, "Expect-CT", "max-age=0"),
		header(TestObsolete, "feature-policy", "obsolete-headers-present", false, "Feature-Policy", "camera 'none'"),
		header(TestObsolete, "hpkp", "obsolete-headers-harmful", false, "Public-Key-Pins", `pin-sha256="x"; max-age=1`),
		header(TestDisclosure, "none", "information-disclosure-none", true, "Server", "nginx"),
		header(TestDisclosure, "powered-by", "information-disclosure-version", false, "X-Powered-By", "Express"),
		header(TestDisclosure, "server version", "information-disclosure-version", false, "Server", "Apache/2.4.41 (Ubuntu)"),
		header(TestPermissions, "absent", "permissions-policy-not-implemented", false),
		header(TestPermissions, "valid", "permissions-policy-implemented", true, "Permissions-Policy", `camera=(), geolocation=(self "https://maps.example.com"), fullscreen=*`),
		header(TestPermissions, "feature-policy syntax", "permissions-policy-header-invalid", false, "Permissions-Policy", "camera 'none'"),
		header(TestCOOP, "absent", "coop-not-implemented", false),
		header(TestCOOP, "same-origin", "coop-implemented-with-same-origin", true, "Cross-Origin-Opener-Policy", "same-origin; report-to=\"x\""),
		header(TestCOOP, "allow-popups", "coop-implemented-with-same-origin-allow-popups", true, "Cross-Origin-Opener-Policy", "same-origin-allow-popups"),
		header(TestCOOP, "unsafe-none", "coop-unsafe-none", false, "Cross-Origin-Opener-Policy", "unsafe-none"),
		header(TestCOOP, "invalid", "coop-header-invalid", false, "Cross-Origin-Opener-Policy", "same"),
		// Structured-field tokens are case-sensitive: browsers ignore an
		// upper-case policy and apply unsafe-none.
		header(TestCOOP, "upper case", "coop-header-invalid", false, "Cross-Origin-Opener-Policy", "SAME-ORIGIN"),
		header(TestCOEP, "upper case", "coep-header-invalid", false, "Cross-Origin-Embedder-Policy", "Require-Corp"),
		header(TestCOEP, "absent", "coep-not-implemented", true),
		header(TestCOEP, "require-corp", "coep-implemented", true, "Cross-Origin-Embedder-Policy", "require-corp"),
		header(TestCOEP, "unsafe-none", "coep-unsafe-none", true, "Cross-Origin-Embedder-Policy", "unsafe-none"),
		header(TestCOEP, "invalid", "coep-header-invalid", false, "Cross-Origin-Embedder-Policy", "corp"),
		cookiePrefix("no cookies", "cookie-prefixes-no-cookies", true),
		cookiePrefix("host prefix", "cookie-prefixes-used", true, "__Host-session=1; Secure; HttpOnly; Path=/"),
		cookiePrefix("unprefixed session", "cookie-prefixes-missing", false, "sessionid=1; Secure; HttpOnly"),
		cookiePrefix("broken host prefix", "cookie-prefixes-invalid", false, "__Host-sid=1; Secure; Path=/app"),
		cookiePrefix("broken secure prefix", "cookie-prefixes-invalid", false, "__Secure-sid=1"),
		cookiePrefix("broken host prefix in lower case", "cookie-prefixes-invalid", false, "__host-sid=1; Path=/"),
		cookiePrefix("broken secure prefix in upper case", "cookie-prefixes-invalid", false, "__SECURE-sid=1"),
		cookiePrefix("host prefix in another case", "cookie-prefixes-used", true, "__HOST-session=1; Secure; HttpOnly; Path=/"),
		header(TestHSTSPreload, "eligible", "hsts-preload-eligible", true, "Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload"),
		header(TestHSTSPreload, "not eligible", "hsts-preload-not-eligible", false),
		probe("cors denied", "cors-probe-denied", true, resp("https://example.com/", 200), nil),
		probe("cors public", "cors-probe-public", true, resp("https://example.com/", 200, "Access-Control-Allow-Origin", "*"), nil),
		probe("cors reflected", "cors-probe-reflects-origin", false, resp("https://example.com/", 200, "Access-Control-Allow-Origin", "https://attacker.invalid"), nil),
		probe("cors reflected with credentials", "cors-probe-reflects-origin-with-credentials", false,
			resp("https://example.com/", 200, "Access-Control-Allow-Origin", "https://attacker.invalid", "Access-Control-Allow-Credentials", "true"), nil),
		probe("csrf refused", "csrf-probe-refused", true, nil, resp("https://example.com/login", 403)),
		probe("csrf accepted", "csrf-probe-accepted", false, nil, resp("https://example.com/login", 200)),
		policy(TestStrictCSP, "strict", strictPolicy, "", "strict-csp-implemented", true),
		policy(TestStrictCSP, "strict with hash and base-uri self", "script-src 'sha256-abc=' 'strict-dynamic'; object-src 'none'; base-uri 'self'", "", "strict-csp-implemented", true),
		policy(TestStrictCSP, "strict from default-src", "default-src 'nonce-abc' 'strict-dynamic'; object-src 'none'; base-uri 'none'", "", "strict-csp-implemented", true),
		policy(TestStrictCSP, "no script at all", "default-src 'none'; base-uri 'none'", "", "strict-csp-implemented", true),
		policy(TestStrictCSP, "allowlist", "default-src 'self'; object-src 'none'; base-uri 'none'", "", "strict-csp-not-implemented", false),
		policy(TestStrictCSP, "no base-uri", "script-src 'nonce-abc' 'strict-dynamic'; object-src 'none'", "", "strict-csp-not-implemented", false),
		policy(TestStrictCSP, "plugins allowed", "script-src 'nonce-abc' 'strict-dynamic'; base-uri 'none'", "", "strict-csp-not-implemented", false),
		policy(TestStrictCSP, "no policy", "", "", "strict-csp-not-implemented", false),
		policy(TestTrustedTypes, "required", strictPolicy, "", "trusted-types-required", true),
		policy(TestTrustedTypes, "required with policy names", "default-src 'none'; require-trusted-types-for 'script'; trusted-types app", "", "trusted-types-required", true),
		policy(TestTrustedTypes, "absent", "default-src 'none'", "", "trusted-types-not-required", false),
		policy(TestTrustedTypes, "no policy", "", "", "trusted-types-not-required", false),
		policy(TestSelfUploads, "no upload form", "default-src 'self'", `<form method=post><input name=q></form>`, "script-src-self-uploads-none", true),
		policy(TestSelfUploads, "file input and self", "default-src 'self'", `<form method=post><input type=FILE name=f></form>`, "script-src-self-uploads-self-allowed", false),
		policy(TestSelfUploads, "multipart form and own origin", "default-src 'none'; script-src https://example.com/", `<form method=post enctype="multipart/form-data"><input name=q></form>`, "script-src-self-uploads-self-allowed", false),
		policy(TestSelfUploads, "file input and strict-dynamic", "script-src 'nonce-abc' 'strict-dynamic' 'self'", `<input type=file>`, "script-src-self-uploads-self-not-allowed", true),
		policy(TestSelfUploads, "file input and no self", "default-src 'none'; script-src https://cdn.example.net", `<input type=file>`, "script-src-self-uploads-self-not-allowed", true),
	}
}

// strictPolicy is Google's strict CSP, as the strict preset of package
// headers sends it.
const strictPolicy = "script-src 'nonce-abc' 'strict-dynamic' https: 'unsafe-inline'; object-src 'none'; base-uri 'none'; require-trusted-types-for 'script'; frame-ancestors 'none'"

// policy is a case of the checks of a page's policy: csp is the
// Content-Security-Policy (none when empty), body the page.
func policy(test, name, csp, body, result string, pass bool) ruleCase {
	h := good("Content-Security-Policy", csp)
	if csp == "" {
		h.Del("Content-Security-Policy")
	}
	return ruleCase{name: name, test: test, site: recorded(h, body), result: result, pass: pass}
}

// onHost moves the case's site to host (its responses keep their URLs).
func onHost(host string, tc ruleCase) ruleCase {
	tc.site.Host = host
	return tc
}

func only(model string, tc ruleCase) ruleCase {
	tc.model = model
	return tc
}

func cookiePrefix(name, result string, pass bool, cookies ...string) ruleCase {
	h := good()
	for _, c := range cookies {
		h.Add("Set-Cookie", c)
	}
	return ruleCase{name: name, test: TestCookiePrefixes, site: recorded(h, ""), result: result, pass: pass}
}

func TestRules(t *testing.T) {
	for _, tc := range ruleCases() {
		for _, model := range []string{ModelObservatory, ModelHarden} {
			if tc.model != "" && tc.model != model {
				continue
			}
			rep, err := Grade(tc.site, GradeOptions{Model: model})
			if err != nil {
				t.Fatalf("%s/%s: %v", tc.test, tc.name, err)
			}
			got, ok := rep.Test(tc.test)
			if !ok {
				t.Fatalf("%s/%s: no such test in the %s report", tc.test, tc.name, model)
			}
			if got.Result != tc.result || got.Pass != tc.pass {
				t.Errorf("%s/%s (%s model): got %s pass=%v, want %s pass=%v", tc.test, tc.name, model, got.Result, got.Pass, tc.result, tc.pass)
			}
			if got.ScoreModifier != modifiers[tc.result] {
				t.Errorf("%s/%s: modifier %d, want %d", tc.test, tc.name, got.ScoreModifier, modifiers[tc.result])
			}
			if got.Description == "" || (!got.Pass && got.Fix == "") {
				t.Errorf("%s/%s: %s lacks a description or a fix", tc.test, tc.name, got.Result)
			}
		}
	}
}

// TestRulesCoverEveryResult checks that the table above exercises every
// result of the score table.
func TestRulesCoverEveryResult(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range ruleCases() {
		covered[tc.result] = true
	}
	var missing []string
	for r := range modifiers {
		if !covered[r] && r != "hsts-preloaded" && r != "redirection-all-redirects-preloaded" && r != "html-not-parseable" {
			missing = append(missing, r)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("results without a rule test: %v", missing)
	}
}

func TestPreloadList(t *testing.T) {
	s := recorded(good(), "")
	s.Host = "www.example.com"
	for i := range s.HTTP.Hops {
		s.HTTP.Hops[i].URL = strings.Replace(s.HTTP.Hops[i].URL, "example.com", "www.example.com", 1)
	}
	list := PreloadList{"example.com": {IncludeSubDomains: true, Mode: "force-https"}}
	rep, err := Grade(s, GradeOptions{Preload: list})
	if err != nil {
		t.Fatal(err)
	}
	for test, want := range map[string]string{TestHSTS: "hsts-preloaded", TestRedirection: "redirection-all-redirects-preloaded"} {
		if got, _ := rep.Test(test); got.Result != want || !got.Pass {
			t.Errorf("%s: got %s, want %s", test, got.Result, want)
		}
	}
	if _, ok := (PreloadList{"example.com": {Mode: "force-https"}}).preloaded("www.example.com"); ok {
		t.Error("a parent without includeSubDomains covered a subdomain")
	}
}

func TestGradeCurve(t *testing.T) {
	for _, tt := range []struct {
		mods  []int
		score int
		grade string
	}{
		{[]int{10, 5, 10}, 125, "A+"},
		{[]int{-10, 10, 10}, 110, "A+"},     // penalties of 10: bonuses count
		{[]int{-15, 10, 10}, 85, "A-"},      // penalties of 15: bonuses do not
		{[]int{-5, -5, -5}, 85, "A-"},       // rounded down to 85
		{[]int{-20, -25, -50, -50}, 0, "F"}, // floored at 0
		{[]int{-1}, 99, "A"},
	} {
		var tests []TestResult
		for _, m := range tt.mods {
			tests = append(tests, TestResult{ScoreModifier: m})
		}
		s, _ := score(tests)
		if s != tt.score || GradeFor(s) != tt.grade {
			t.Errorf("%v: got %d %s, want %d %s", tt.mods, s, GradeFor(s), tt.score, tt.grade)
		}
	}
}

func TestGradeErrors(t *testing.T) {
	s := recorded(good(), "")
	if _, err := Grade(s, GradeOptions{Model: "x"}); err == nil {
		t.Error("unknown model accepted")
	}
	if _, err := Grade(&Site{Host: "example.com"}, GradeOptions{}); err != ErrNoResponse {
		t.Errorf("no response: got %v", err)
	}
	s.HTTPS.Hops[0].Status = 500
	if _, err := Grade(s, GradeOptions{}); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("status 500: got %v", err)
	}
}

func BenchmarkGrade(b *testing.B) {
	h := good("Set-Cookie", "__Host-session=1; Secure; HttpOnly; SameSite=Lax; Path=/")
	s := recorded(h, `<!doctype html><html><head><meta name="referrer" content="no-referrer"></head><body><script src="/app.js" integrity="sha384-x"></script></body></html>`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Grade(s, GradeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
