package scan

// advice is what a result means and, when it needs fixing, what to change.
type advice struct{ what, fix string }

const (
	fixCSP      = `send Content-Security-Policy with default-src 'none' and a per-request nonce (harden: headers.Strict(), or headers.Config.CSP{Nonce: true, Directives: {"default-src": {"'none'"}}})`
	fixCookies  = "set Secure, HttpOnly and SameSite on every cookie, and prefix session cookies with __Host- (harden: package cookie and session do this by default)"
	fixHSTS     = "send Strict-Transport-Security: max-age=31536000; includeSubDomains over HTTPS (harden: headers.Config.HSTS, on by default)"
	fixRedirect = "answer every plain-HTTP request with a 301 to https:// on the same host (harden serve: --redirect-addr; library: the HTTPS enforcement layer)"
)

var advices = map[string]advice{
	"csp-implemented-with-no-unsafe-default-src-none":              {"Content-Security-Policy with default-src 'none' and no unsafe sources", ""},
	"csp-implemented-with-no-unsafe":                               {"Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval'", "set default-src to 'none' and allow each resource type explicitly (harden: headers.Strict())"},
	"csp-implemented-with-unsafe-inline-in-style-src-only":         {"Content-Security-Policy allows 'unsafe-inline' (or data:/broad sources) in style-src", "replace 'unsafe-inline' in style-src with a nonce or hashes (harden: headers.Config.CSP.StyleNonce)"},
	"csp-implemented-with-insecure-scheme-in-passive-content-only": {"Content-Security-Policy allows http: images or media on an HTTPS site", "load images and media over https: only, and drop http: sources from img-src/media-src"},
	"csp-implemented-with-unsafe-eval":                             {"Content-Security-Policy allows 'unsafe-eval'", "remove 'unsafe-eval' from script-src and style-src"},
	"csp-implemented-with-unsafe-inline":                           {"Content-Security-Policy allows inline script or broad script/object sources ('unsafe-inline', data:, *, https:)", "use a nonce with 'strict-dynamic' instead of 'unsafe-inline' and set object-src 'none' (harden: headers.Config.CSP.Nonce)"},
	"csp-implemented-with-insecure-scheme":                         {"Content-Security-Policy allows active content over http: on an HTTPS site", "drop http: and ftp: sources from the policy"},
	"csp-header-invalid":                                           {"Content-Security-Policy cannot be parsed (a repeated directive, a too-short policy, or 'strict-dynamic' without a nonce or hash)", "send one well-formed policy; " + fixCSP},
	"csp-not-implemented":                                          {"no Content-Security-Policy", fixCSP},
	"csp-not-implemented-but-reporting-enabled":                    {"only Content-Security-Policy-Report-Only: nothing is enforced", "enforce the policy with Content-Security-Policy (harden: headers.Config.CSP.ReportOnly = false)"},
	"csp-implemented-but-duplicate-directives":                     {"Content-Security-Policy repeats report-uri or report-to", "send each reporting directive once"},

	"cookies-secure-with-httponly-sessions-and-samesite":        {"all cookies are Secure and SameSite, session cookies HttpOnly", ""},
	"cookies-secure-with-httponly-sessions":                     {"all cookies are Secure, session cookies HttpOnly, but some lack SameSite", "add SameSite=Lax (or Strict) to every cookie"},
	"cookies-not-found":                                         {"no cookies set", "a page that sets Secure, HttpOnly, SameSite cookies earns +5 (e.g. the CSRF cookie __Host-csrf with Secure; HttpOnly; SameSite=Strict; Path=/ on the page that holds the form)"},
	"cookies-without-secure-flag-but-protected-by-hsts":         {"a cookie lacks Secure (HSTS mitigates it)", fixCookies},
	"cookies-session-without-secure-flag-but-protected-by-hsts": {"a session cookie lacks Secure (HSTS mitigates it)", fixCookies},
	"cookies-without-secure-flag":                               {"a cookie lacks Secure and no HSTS protects it", fixCookies},
	"cookies-samesite-flag-invalid":                             {"a cookie has an invalid SameSite value, or SameSite=None without Secure", "use SameSite=Lax or Strict, and Secure with SameSite=None"},
	"cookies-anticsrf-without-samesite-flag":                    {"an anti-CSRF cookie lacks SameSite", "set SameSite=Strict on the CSRF cookie (harden: package csrf does)"},
	"cookies-session-without-httponly-flag":                     {"a session cookie is readable by scripts (no HttpOnly)", fixCookies},
	"cookies-session-without-secure-flag":                       {"a session cookie lacks Secure and can leak over plain HTTP", fixCookies},

	"cross-origin-resource-sharing-not-implemented":                    {"no CORS access for a foreign origin", ""},
	"cross-origin-resource-sharing-implemented-with-public-access":     {"CORS allows every origin (*) without credentials", ""},
	"cross-origin-resource-sharing-implemented-with-restricted-access": {"CORS allows specific origins", ""},
	"cross-origin-resource-sharing-implemented-with-universal-access":  {"CORS reflects any Origin with credentials: any site can read authenticated responses", "allow an explicit list of origins (harden: cors.Config.Origins; never reflect Origin with credentials)"},

	"redirection-all-redirects-preloaded":             {"every host on the redirect path is HSTS-preloaded", ""},
	"redirection-to-https":                            {"plain HTTP redirects to HTTPS on the same host", ""},
	"redirection-not-needed-no-http":                  {"nothing answers over plain HTTP", ""},
	"redirection-off-host-from-http":                  {"plain HTTP redirects to HTTPS on another host first, so HSTS is never set for this host", fixRedirect},
	"redirection-not-to-https-on-initial-redirection": {"plain HTTP redirects to another plain-HTTP URL before HTTPS", fixRedirect},
	"redirection-not-to-https":                        {"plain HTTP does not end on HTTPS", fixRedirect},
	"redirection-missing":                             {"plain HTTP serves the page without redirecting to HTTPS", fixRedirect},
	"redirection-invalid-cert":                        {"the HTTPS redirect target has an invalid certificate", "serve a certificate that browsers trust for this host"},

	"referrer-policy-private":         {"Referrer-Policy keeps URLs private", ""},
	"referrer-policy-not-implemented": {"no Referrer-Policy (browsers default to strict-origin-when-cross-origin)", "send Referrer-Policy: no-referrer or strict-origin-when-cross-origin (harden: headers.Config.ReferrerPolicy, no-referrer by default)"},
	"referrer-policy-unsafe":          {"Referrer-Policy leaks full URLs to other sites", "send Referrer-Policy: no-referrer or strict-origin-when-cross-origin (harden: headers.Config.ReferrerPolicy)"},
	"referrer-policy-header-invalid":  {"Referrer-Policy has no valid value", "send Referrer-Policy: no-referrer (harden: headers.Config.ReferrerPolicy)"},

	"hsts-preloaded": {"the host is on the HSTS preload list", ""},
	"hsts-implemented-max-age-at-least-six-months":  {"Strict-Transport-Security with max-age of six months or more", ""},
	"hsts-implemented-max-age-less-than-six-months": {"Strict-Transport-Security max-age is below six months", "raise max-age to 31536000 (harden: headers.Config.HSTS.MaxAge)"},
	"hsts-not-implemented":                          {"no Strict-Transport-Security over HTTPS", fixHSTS},
	"hsts-header-invalid":                           {"Strict-Transport-Security cannot be parsed (sent twice, or no max-age)", fixHSTS},
	"hsts-not-implemented-no-https":                 {"the site does not answer over HTTPS", "serve the site over HTTPS (harden serve: --tls-cert/--tls-key) and send HSTS"},
	"hsts-invalid-cert":                             {"the HTTPS certificate is not trusted, so HSTS cannot apply", "serve a certificate that browsers trust for this host"},

	"sri-implemented-and-all-scripts-loaded-securely":               {"scripts carry integrity and load over HTTPS", ""},
	"sri-implemented-and-external-scripts-loaded-securely":          {"external scripts carry integrity and load over HTTPS", ""},
	"sri-not-implemented-response-not-html":                         {"the page is not HTML", ""},
	"sri-not-implemented-but-no-scripts-loaded":                     {"the page loads no scripts", ""},
	"sri-not-implemented-but-all-scripts-loaded-from-secure-origin": {"scripts come from the same site", "add integrity=\"sha384-...\" to <script src> elements for the bonus"},
	"sri-not-implemented-but-external-scripts-loaded-securely":      {"external scripts load over HTTPS without integrity", "add integrity and crossorigin=\"anonymous\" to external <script> elements, or host them yourself"},
	"sri-implemented-but-external-scripts-not-loaded-securely":      {"external scripts carry integrity but load over plain HTTP", "load external scripts over https://"},
	"sri-not-implemented-and-external-scripts-not-loaded-securely":  {"external scripts load over plain HTTP without integrity", "load external scripts over https:// with integrity, or host them yourself"},
	"html-not-parseable": {"the page's HTML cannot be parsed", "serve well-formed HTML"},

	"x-content-type-options-nosniff":         {"X-Content-Type-Options: nosniff", ""},
	"x-content-type-options-not-implemented": {"no X-Content-Type-Options", "send X-Content-Type-Options: nosniff (harden: headers, on by default)"},
	"x-content-type-options-header-invalid":  {"X-Content-Type-Options is not exactly nosniff (sent twice?)", "send X-Content-Type-Options: nosniff once"},
	"x-frame-options-implemented-via-csp":    {"framing is governed by CSP frame-ancestors", ""},
	"x-frame-options-sameorigin-or-deny":     {"X-Frame-Options: DENY or SAMEORIGIN", "also send CSP frame-ancestors 'none' for the bonus (harden: headers.Strict())"},
	"x-frame-options-allow-from-origin":      {"X-Frame-Options: ALLOW-FROM, which browsers ignore", "use CSP frame-ancestors instead (harden: headers.Config.CSP.Directives[\"frame-ancestors\"])"},
	"x-frame-options-not-implemented":        {"no X-Frame-Options and no CSP frame-ancestors: the page can be framed (clickjacking)", "send CSP frame-ancestors 'none' and X-Frame-Options: DENY (harden: headers.Config.FrameOptions, headers.Strict())"},
	"x-frame-options-header-invalid":         {"X-Frame-Options has an invalid value (sent twice?)", "send X-Frame-Options: DENY once (harden: headers.Config.FrameOptions)"},
	"corp-header-invalid":                    {"Cross-Origin-Resource-Policy has an invalid value", "send Cross-Origin-Resource-Policy: same-origin (harden: headers.Config.CrossOriginResourcePolicy)"},
	"corp-implemented-with-cross-origin":     {"Cross-Origin-Resource-Policy: cross-origin", "send same-origin unless other sites must embed this resource"},
	"corp-implemented-with-same-origin":      {"Cross-Origin-Resource-Policy: same-origin", ""},
	"corp-implemented-with-same-site":        {"Cross-Origin-Resource-Policy: same-site", ""},
	"corp-not-implemented":                   {"no Cross-Origin-Resource-Policy", "send Cross-Origin-Resource-Policy: same-origin for the bonus (harden: headers, on by default)"},
}

// annotate fills the modifier, description and fix of results.
func annotate(tests []TestResult) {
	for i := range tests {
		t := &tests[i]
		t.ScoreModifier = modifiers[t.Result]
		if a, ok := advices[t.Result]; ok {
			t.Description = a.what
			if t.Fix == "" {
				t.Fix = a.fix
			}
		}
	}
}
