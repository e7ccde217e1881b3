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
// [Strict] and [API] are stricter presets: Strict is a nonce-based policy
// with default-src 'none' for HTML apps, API is for JSON services that never
// render a page.
//
// What it defends against: cross-site scripting and data injection (CSP),
// clickjacking (frame-ancestors, X-Frame-Options), protocol downgrade and
// cookie hijacking over plain HTTP (HSTS), MIME-sniffing attacks (nosniff),
// cross-origin leaks and Spectre-class reads (COOP, CORP, COEP,
// Origin-Agent-Cluster), referrer leaks (Referrer-Policy) and abuse of
// powerful browser features (Permissions-Policy). X-XSS-Protection is set to
// 0 because the legacy XSS auditors it controls could be abused to leak data.
//
// Nonces: with CSP.Nonce set, every request gets a fresh 128-bit nonce from
// crypto/rand, added to script-src (and to style-src with CSP.StyleNonce).
// Templates read it with [Nonce]. A nonce is never reused across requests.
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
// produce an invalid or dangerous header (CR, LF or NUL in a value, unknown
// keywords, unquoted CSP keywords, a CSP without default-src, HSTS preload
// without a year and includeSubDomains). At request time it cannot fail.
//
// Imports: the standard library and package clientip.
package headers
