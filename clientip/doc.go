// Package clientip answers, for every request, three questions that the other
// layers must not answer for themselves: what is the client's address, did the
// client use HTTPS, and which host did it ask for.
//
// # What it defends against
//
// Forwarding headers (X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host,
// RFC 7239 Forwarded) are plain request headers: any client can send them.
// Trusting them blindly lets a client pick its own address (defeating rate
// limits, brute-force lockouts and audit logs), claim HTTPS (defeating HTTPS
// enforcement and Secure cookies) or pick the host used to build links
// (password-reset poisoning). This package reads them only as far as they
// were written by proxies the operator declared trusted, and nobody else in
// harden reads them at all.
//
// # Trust model
//
// A [Config] names the trusted proxies in one of two ways, never both:
//
//   - TrustedHops: the number of reverse proxies in front of the service
//     (1 = a single load balancer). The TCP peer counts as the first. The
//     network must make it impossible to reach the service except through
//     those proxies.
//   - TrustedProxies: the addresses or CIDR ranges of the proxies. A hop is
//     trusted when its address is in one of them.
//
// The zero Config trusts no proxy: the TCP peer is the client, the scheme is
// https exactly when the connection is TLS, and the host is r.Host. There is
// no "trust every proxy" switch; a 0.0.0.0/0 or ::/0 range (or anything
// broader than /8 for IPv4, /7 for IPv6) is refused unless
// DangerouslyTrustBroadRanges is set, which the harden stack refuses in
// production.
//
// # The walk
//
// The chain of addresses is the forwarding header's list followed by the TCP
// peer. Starting from the peer, the resolver walks right to left while the
// current hop is trusted; the first untrusted address is the client. Entries
// to the left of it were written by the client and are never read. Several
// header lines are one list, in order.
//
// # How it fails
//
// It fails closed. An entry that does not parse where the walk needs it
// (garbage, an empty list item, "unknown", an obfuscated RFC 7239 identifier,
// a Forwarded line with a syntax error) ends the walk: the client is then the
// last address the walk trusted, never a header value. A list shorter than the
// walk expects makes its left-most entry the client; that entry was written
// by a trusted proxy. IPv4-mapped IPv6 addresses are unmapped and zones
// dropped before any comparison.
//
// # Scheme and host
//
// The scheme and host come from a forwarding header only when the TCP peer is
// trusted. With Forwarded they come from the element that named the client
// (the one written by the outermost trusted proxy), or the nearest trusted
// element inward that carries proto= or host=. With X-Forwarded-For they come
// from the right-most X-Forwarded-Proto and X-Forwarded-Host values, which the
// nearest proxy must set or overwrite (nginx, HAProxy, Caddy, Traefik, Envoy
// and cloud load balancers do). A value that is not "http"/"https" or not a
// plausible host falls back to what the connection says.
//
// A forwarded host must be a host in the grammar every harden layer shares
// (internal/httpsyntax): an LDH name (one trailing dot tolerated), a
// canonical dotted-quad IPv4 address or a bracketed IPv6 address, with an
// optional port of 1-65535 without a leading zero.
//
// Imports: the standard library, golang.org/x/net/http/httpguts (RFC 9110
// token characters) and harden's internal/httpsyntax and internal/clientctx
// (the context key).
package clientip
