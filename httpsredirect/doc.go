// Package httpsredirect enforces HTTPS by redirecting plain-HTTP requests to
// the service's configured public URL.
//
// # What it defends against
//
// A request that arrived over plain HTTP can be read and changed on the way;
// redirecting it to HTTPS (and, from the headers layer, HSTS on the HTTPS
// answer) moves the client onto an encrypted connection. The common way to
// build the target, "https://" + r.Host + r.URL, is an open redirect: any
// client can send "Host: evil.example" and get a redirect there, which a
// cache may then serve to others. Here the target's scheme and host come only
// from Config.PublicURL, fixed at start-up; the request contributes its path
// and query, never its Host header or a forwarded host.
//
// Whether a request used HTTPS is what [clientip.IsHTTPS] says: the TLS
// state of the connection, or a trusted proxy's X-Forwarded-Proto or
// Forwarded proto=. A client cannot claim HTTPS unless the trust model in
// front of this layer lets it.
//
// # Behaviour
//
// GET and HEAD get 301 Moved Permanently; every other method gets 308
// Permanent Redirect, so a POST is repeated as a POST with its body instead
// of turning into a GET. The answer carries Location, a short fixed plain
// text body (no request input is reflected) and Content-Length. Paths listed
// in Config.Exempt (exact matches, such as "/healthz" for a load balancer's
// plain-HTTP health check) pass through.
//
// [RedirectOnly] returns the handler of a plain-HTTP listener that only
// redirects (harden serve --redirect-addr).
//
// # How it fails
//
// At construction: a PublicURL that is not an https origin ("https://" host
// [":" port], optionally followed by "/", with the host grammar every layer
// shares: no trailing dot, no leading zero in the port), or that carries
// userinfo, a path other than "/", a query or a fragment, is a
// *harden.ConfigError. At request time it cannot fail: an absolute-form
// target ("http://evil.example/p") keeps its path and query, never its host;
// a target without a path ("*") redirects to "/" plus the query.
//
// The package is named for what it does; it does not send HSTS (the headers
// layer does, only on HTTPS answers).
//
// Imports: the standard library and harden's clientip and
// internal/httpsyntax.
package httpsredirect
