// Package cors lets chosen browser origins call the service cross-origin,
// and nobody else.
//
// # What it defends against
//
// CORS relaxes the same-origin policy; every mistake in it hands an attacker's
// page the user's data. The classic ones are refused when the [Config] is
// built, with a *harden.ConfigError naming the entry:
//
//   - "*" with credentials (and any "reflect every origin" mode: there is
//     none). "*" is accepted only alone and without credentials, for public
//     data.
//   - Subdomain patterns with credentials, unless
//     DangerouslyAllowSubdomainsWithCredentials: one vulnerable or taken-over
//     subdomain then reads every user's data.
//   - Patterns that are bare suffix matches ("example.com" matching
//     "evil-example.com") cannot be written: a pattern is "https://*." plus a
//     name of at least two labels that is not a public suffix ("*.co.uk",
//     "*.github.io" are refused).
//   - "null" and file:// origins, with no escape hatch: sandboxed iframes and
//     local files of any site send "Origin: null".
//   - http:// origins, unless DangerouslyAllowInsecureOrigins: anyone on the
//     network path can inject script into them. Loopback origins
//     (http://localhost, http://*.localhost, http://127.0.0.1,
//     http://[::1], any port) are accepted without it, because browsers
//     treat them as secure contexts and no network attacker sits between a
//     browser and its own machine; the harden stack warns about them in
//     production.
//
// Origins are normalised (lower case, default port dropped, IPv6 in canonical
// form, one trailing "/" tolerated) and matched against the Origin header as
// browsers serialise it.
//
// # Behaviour
//
// Every response of a route behind [Middleware.Handler] carries
// "Vary: Origin", so that a cache never serves one origin's answer to
// another. An actual request from an allowed origin gets
// Access-Control-Allow-Origin with exactly that origin (or "*"),
// Access-Control-Allow-Credentials when Credentials is set, and
// Access-Control-Expose-Headers when configured; a request from any other
// origin gets no CORS header at all and is passed on unchanged (whether it may
// change state is CSRF's question, not CORS's).
//
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
// answered here and never reaches the handlers behind, so CSRF, sessions and
// rate limits placed after this layer do not see it. An allowed preflight gets
// 204 with Access-Control-Allow-Methods, -Headers and Max-Age; a refused one
// (origin, method or header not allowed) gets 403 through the shared
// responder with the event "cors_rejected" — never a 500. The CORS-safelisted
// methods GET, HEAD and POST are always allowed; request headers must be
// listed (list "Content-Type" for JSON requests). Private Network Access
// preflights (Access-Control-Request-Private-Network: true) are granted only
// with Config.PrivateNetworkAccess; without it the header is ignored.
//
// The cost of a preflight is bounded: Access-Control-Request-Headers longer
// than the configured names could produce is refused before it is split.
//
// # Reverse proxies and other layers
//
// [Middleware.SetHeaders] writes an actual request's CORS headers into any
// header map, and [Middleware.ModifyResponse] removes an upstream's own CORS headers in an
// httputil.ReverseProxy wrapped by Handler. [Middleware.Origins],
// [Middleware.Patterns] and [Middleware.Trusts] expose the allowlist (never
// "*") for the CSRF layer's trusted origins.
//
// Origins are parsed with harden's one origin grammar (internal/httpsyntax),
// the one the CSRF layer parses the same list with: lower case, no trailing
// dot, a port of 1-65535 without a leading zero, LDH host names, canonical
// IPv4, IPv6 as browsers write it.
//
// Imports: the standard library, golang.org/x/net/publicsuffix,
// golang.org/x/net/http/httpguts and harden's respond and
// internal/httpsyntax.
package cors
