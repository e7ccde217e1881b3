// Package ssrf makes outbound HTTP requests that cannot be turned against
// the service's own network (server-side request forgery, OWASP A10).
//
// # What it defends against
//
// A feature that fetches a URL chosen by a user — link previews, webhooks,
// avatar-by-URL, importers — lets an attacker make the server request
// http://169.254.169.254/ (cloud credentials), http://localhost:6379/, an
// admin panel on 10.0.0.0/8, or a port scan of the internal network. A
// check of the URL alone is not enough: the host may resolve to an internal
// address (or to a public one when checked and an internal one when
// connecting: DNS rebinding), a public server may redirect to an internal
// one, and one address has many spellings (2130706433, 0177.0.0.1, 0x7f.1,
// [::ffff:127.0.0.1], [64:ff9b::7f00:1], ...).
//
// # How
//
// [New] returns a [Client] (an *http.Client) that checks at three points:
//
//  1. Each request and each redirect, before it is sent: the scheme (http,
//     https), credentials in the URL (refused), the host's spelling (see
//     below), the optional host allowlist, the port (80 and 443 by
//     default), and the address if the host is an IP literal. Redirects are
//     limited (5 by default).
//  2. At dial time: the host is resolved (through Config.LookupNetIP), and
//     if ANY of its addresses is refused the destination is refused; the
//     connection is then made to the checked IP itself, so no second
//     resolution can change the answer.
//  3. At connect time: net.Dialer.Control checks the address the socket is
//     about to connect to, whatever produced it.
//
// The address rule refuses loopback, private, link-local, CGNAT,
// unspecified, multicast, broadcast, reserved, documentation and
// benchmarking ranges, unique-local, site-local, cloud metadata addresses,
// and the IPv4-mapped, IPv4-compatible, NAT64 and 6to4 forms of refused
// IPv4 addresses (Teredo is refused whole). IPv6 must be global unicast
// (2000::/3).
//
// Ambiguous spellings are refused rather than interpreted: a host whose
// last label is a number (decimal, or 0x-hex: the WHATWG URL rule) must be
// a canonical dotted quad, so "2130706433", "0177.0.0.1", "0x7f.1",
// "127.1" and "127.0.0.1." are refused (Go does not read them as IPv4, but
// getaddrinfo, inet_aton and browsers do). Zoned IPv6 literals and
// "localhost" names are refused without resolving. Internationalised hosts
// are judged after net/http's IDNA conversion, at dial time (so
// "127。0。0。1" is caught as 127.0.0.1).
//
// The Transport ignores HTTP_PROXY and friends (a proxy would resolve and
// connect for us, unchecked). Responses are capped in size
// (ErrResponseTooLarge, 1 MiB by default) and time (10 s by default).
//
// # Errors
//
// Every refused destination is an error for which
// errors.Is(err, [ErrDestinationNotAllowed]) is true (through the *url.Error
// of http.Client too). Handlers answer it with
// 400 {"error":"destination not allowed"} and log the error (it is a
// slog.LogValuer carrying reason, kind, host, address and port) as an
// ssrf_blocked event. Its text names the refused host: log it, never send
// it to the client. [New] reports every invalid Config entry as a
// *harden.ConfigError wrapping [ErrInvalidConfig].
//
// # Tests
//
// Config.DangerouslyAllowAddrs lets a test reach its httptest server on
// 127.0.0.1:port, and Config.DangerouslyDialContext replaces the final
// connect step, so a test can install a dialer that fails the test for any
// address but that server: then even a broken guard cannot make a test
// leave the machine. Neither belongs in production configuration.
//
// Host names must have the grammar every harden layer shares
// (internal/httpsyntax): LDH labels, so "_" and a hyphen at either end of a
// label are refused; non-ASCII names are judged after IDNA, at dial time.
//
// Imports: the standard library and harden's internal/configerr and
// internal/httpsyntax.
package ssrf
