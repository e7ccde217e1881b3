// Package headers sets the HTTP response headers that make a browser defend
// a site: Content-Security-Policy (with per-request nonces), Strict-Transport-
// Security, cross-origin isolation headers, Referrer-Policy, frame and MIME
// sniffing protections, and Permissions-Policy.
//
// Defaults: the zero [Config] sends exactly the header set and values of
// helmet 8 (the Express security-header middleware), so a team moving from
// Express keeps what it had:
//
//	Content-Security-Policy: default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests
//	Cross-Origin-Opener-Policy: same-origin
//	Cross-Origin-Resource-Policy: same-origin
//	Origin-Agent-Cluster: ?1
//	Referrer-Policy: no-referrer
//	Strict-Transport-Security: max-age=31536000; includeSubDomains
//	X-Content-Type-Options: nosniff
//	X-DNS-Prefetch-Control: off
//	X-Download-Options: noopen
//	X-Frame-Options: SAMEORIGIN
//	X-Permitted-Cross-Domain-Policies: none
//	X-XSS-Protection: 0
//
// [Strict] is a stricter configuration for HTML apps that load only their
// own scripts and styles: a nonce-based policy with default-src 'none'. A
// JSON service gets the compact set on its answers with [Config.APISet].
//
// What it defends against: cross-site scripting and data injection (CSP),
// clickjacking (frame-ancestors, X-Frame-Options), protocol downgrade and
// cookie hijacking over plain HTTP (HSTS), MIME-sniffing attacks (nosniff),
// cross-origin leaks and Spectre-class reads (COOP, CORP, COEP,
// Origin-Agent-Cluster), referrer leaks (Referrer-Policy) and abuse of
// powerful browser features (Permissions-Policy). X-XSS-Protection is set to
// 0 because the legacy XSS auditors it controls could be abused to leak data.
//
// The strict preset, CSP.Preset "strict", is Google's strict CSP with
// Trusted Types. The nonce is fresh per response (CSP.Nonce is implied),
// and with CSP.ReportURL the policy reports violations (report-uri,
// report-to) to that endpoint. Each directive, with helmet 8's value and
// the reason:
//
//   - script-src 'nonce-…' 'strict-dynamic' https: 'unsafe-inline'
//     (helmet: 'self'). Only scripts carrying the response's nonce run, and
//     the scripts they load ('strict-dynamic'). No 'self': an uploaded or
//     JSONP file on the origin is not a script an injection can point at
//     (Google's strict CSP; the CSP Evaluator flags 'self'). https: and
//     'unsafe-inline' are ignored by every browser that knows nonces and
//     'strict-dynamic', and keep the page working in older ones. A
//     response that carries no nonce gets script-src 'none' instead: it
//     runs no script in any browser.
//   - object-src 'none' (helmet: same). Plugins run code outside the
//     policy (Google, OWASP).
//   - base-uri 'none' (helmet: 'self'). An injected <base> cannot move a
//     relative script URL to another host (Google).
//   - require-trusted-types-for 'script' (helmet: none). DOM XSS sinks
//     (innerHTML, eval, script.src) refuse plain strings; only a Trusted
//     Types policy's output passes (Google, W3C Trusted Types).
//   - trusted-types CSP.TrustedTypes, when set (helmet: none). Which
//     policy names the page may create.
//   - default-src 'self', form-action 'self', frame-ancestors 'self',
//     script-src-attr 'none', font-src, img-src, style-src and
//     upgrade-insecure-requests as helmet: a restrictive fallback for
//     every fetch directive (OWASP), forms and framing kept to the origin
//     (clickjacking), no inline event handlers.
//
// Nonces: with CSP.Nonce set, a response gets a fresh 128-bit nonce from
// crypto/rand, added to script-src (and to style-src with CSP.StyleNonce),
// when it needs one: when its handler asks for it with [Nonce] (templates
// do, to print it) or when it is a page (see [Config.APISet]). A JSON answer
// draws none and carries the policy without a nonce source. A nonce is
// never reused across requests.
//
// Two sets, with [Config.APISet]: the page set above for documents and
// scripts, and a compact set for every other response, the one OWASP's
// REST Security Cheat Sheet lists for APIs. The set is chosen when the
// response's header is written, from its Content-Type and status (a
// statuswriter hook); a handler that asks for [Nonce] gets the page set.
// Until then the response holds the compact set, so an answer written
// outside the handler's writer (the stack's panic 500) is never left with
// less. Side by side, over HTTPS:
//
//	header                             page set (helmet 8)   compact set          OWASP REST
//	Content-Security-Policy            helmet's policy       default-src 'none';  default-src 'none';
//	                                   (+ nonce)             frame-ancestors      frame-ancestors
//	                                                         'none'               'none'
//	X-Content-Type-Options             nosniff               nosniff              nosniff
//	X-Frame-Options                    SAMEORIGIN            DENY                 DENY
//	Referrer-Policy                    no-referrer           no-referrer          no-referrer
//	Cross-Origin-Resource-Policy       same-origin           same-origin          same-origin
//	Strict-Transport-Security          1 year, subdomains    1 year, subdomains   yes
//	Cache-Control                      (the handler's)       no-store on JSON     no-store
//	Cross-Origin-Opener-Policy         same-origin           -                    -
//	Origin-Agent-Cluster               ?1                    -                    -
//	X-DNS-Prefetch-Control             off                   -                    -
//	X-Download-Options                 noopen                -                    -
//	X-Permitted-Cross-Domain-Policies  none                  -                    -
//	X-XSS-Protection                   0                     -                    -
//
// The headers the compact set leaves out act only on a document (opener
// isolation, agent clusters, prefetching, legacy IE and Flash switches,
// the XSS auditor); the ones it keeps are the contract every response
// holds. Configured values (Referrer-Policy, CORP, HSTS, Omit) apply to
// both sets. A header the handler set or changed itself is left as it is.
// The choice relies on nosniff, which both sets carry: a browser keeps to
// the declared type instead of sniffing a JSON answer into a page.
//
// Every response gets its own copies of the header values: a handler may
// rewrite them (w.Header()[name][0] = v) or add to them without changing
// any other response, and Nonce keeps returning the nonce the layer made.
//
// HSTS is sent only on requests that reached the service over HTTPS, as the
// trust model of package clientip says (the TLS connection itself, or a
// trusted proxy's forwarded scheme): browsers ignore it over plain HTTP, and
// a proxy-facing service must not claim HTTPS it does not have.
//
// How it fails: [New] refuses, at start-up, any configuration that would
// produce an invalid or dangerous header: CR, LF or NUL in a value, unknown
// keywords, unquoted CSP keywords, a directive name that CSP Level 3,
// Trusted Types and upgrade-insecure-requests do not define (a misspelt
// scirpt-src would silently protect nothing), 'none' beside other
// sources, a CSP without default-src, HSTS preload without a year and
// includeSubDomains, and the script sources that let an injected script
// run ('unsafe-inline', 'unsafe-eval', data:, *, http:, https: in
// script-src, script-src-elem, script-src-attr, or default-src without
// script-src) unless CSP.DangerouslyAllowUnsafeScripts is set. The strict
// preset's fallback for old browsers, 'unsafe-inline' https: beside a
// nonce or hash and 'strict-dynamic', is accepted: browsers that know
// nonces ignore it. Every refusal is a *harden.ConfigError wrapping
// [ErrInvalidConfig], naming the field as the configuration file spells
// it, its value and the fix; all are reported at once, joined. At request
// time it cannot fail.
//
// Imports: the standard library, package clientip, internal/configerr and
// internal/statuswriter.
package headers
