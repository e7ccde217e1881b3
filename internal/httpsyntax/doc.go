// Package httpsyntax is harden's one grammar for the addresses HTTP carries:
// origins, host names, host:port pairs (the Host header and its forwarded
// copies) and the service's public URL, plus the optional white space of
// HTTP field values. Every layer that parses one of them (cors, csrf,
// allowedhosts, httpsredirect, clientip, ssrf and the root stack) calls this
// package, so that a value one layer accepts is never read differently by
// another: CSRF trusts the CORS allowlist, allowedhosts admits the public
// URL's host, and a split between two parsers is where smuggling starts.
//
// # Grammar
//
// A host name is one or more labels separated by single dots (RFC 1123
// section 2.1, RFC 3986 reg-name restricted to LDH): each label 1 to 63
// ASCII letters, digits or hyphens, not starting or ending with a hyphen;
// the name at most 253 bytes; compared and returned in lower case. A name
// whose last label is a number (all digits, or "0x" and hex digits: the
// WHATWG URL "ends in a number" rule) is an IPv4 address, and only the
// canonical dotted quad is accepted ("127.0.0.1", not "127.1", "0x7f.1",
// "2130706433" or "127.0.0.01", which browsers and inet_aton read as
// 127.0.0.1 and Go does not).
//
// A host is a name, a dotted-quad IPv4 address, or an IPv6 address in
// brackets without a zone. IPv6 is returned as the WHATWG URL standard
// serialises it (lower-case hex, the first longest run of two or more zero
// groups as "::", embedded IPv4 in hex: "[::ffff:102:304]"), which is what a
// browser puts in an Origin header.
//
// A host:port is a host, optionally followed by ":" and a port: 1 to 65535
// in decimal digits without a leading zero (RFC 3986 allows "08443" and an
// empty port; browsers never send either, so both are refused).
//
// An origin (RFC 6454 section 6.2, the WHATWG URL origin serialisation) is
// scheme "://" host [":" port] with scheme http or https, compared and
// returned in canonical form: lower case, the scheme's default port (80,
// 443) elided, no trailing dot, no userinfo, path, query or fragment. One
// trailing "/" (the empty path) is tolerated on input, since configuration
// files often carry it. "null" and file: origins are opaque (RFC 6454
// section 7.1): sandboxed and local documents of any site send them.
//
// The public URL is an origin with the same grammar: the URL clients use to
// reach the service, from which redirects and the allowed host are built.
//
// HTTP tokens (RFC 9110 section 5.6.2: methods, header names) are checked
// with golang.org/x/net/http/httpguts, not here.
//
// # Internationalised names
//
// Names are ASCII. A Unicode label (U-label) is refused: configure the
// A-label ("xn--...") form, which is what browsers send in Origin and Host
// and what DNS resolves. A-labels are accepted as LDH labels; their Punycode
// is not decoded, so a malformed one is a name that no browser sends and
// that therefore never matches.
//
// # Where harden is stricter than RFC 3986 and the WHATWG URL standard
//
//   - "_" in a label (allowed by DNS and WHATWG): refused, host names are
//     LDH (RFC 1123), and one grammar everywhere means a name accepted in
//     the Host header is one an origin can carry.
//   - a label starting or ending with "-" (WHATWG, CheckHyphens=false):
//     refused, RFC 1123.
//   - a trailing dot (WHATWG keeps "example.com." as a distinct host):
//     refused in origins and the public URL, where it would name a second
//     origin for the same site; tolerated in a Host header value
//     ([ParseRequestHost]) and dropped, as DNS does.
//   - leading zeros in a port, an empty port (RFC 3986 allows both;
//     browsers normalise them away before sending): refused.
//   - non-canonical IPv4 (short, octal, hex, decimal forms that WHATWG
//     rewrites): refused instead of rewritten.
//   - percent-encoded, backslash, tab or newline characters in a host
//     (WHATWG decodes, rewrites or strips them): refused.
//   - IPv6 zones ("%eth0"): refused, they name an interface of one machine.
//
// Browsers do send the first three (Chromium serialises
// "https://ex_ample.com", "https://-a.example" and "https://example.com."
// as they are): a site whose name has "_" or a hyphen at a label's end
// cannot be a trusted origin or an allowed host, and a page loaded from
// "https://example.com." is not the trusted origin "https://example.com"
// (its Host header still is the allowed host). Every other refused
// spelling is one no browser puts in an Origin or Host header. The package's tests check both against
// a real Chromium.
//
// # How it fails
//
// Every function returns one of the Err sentinels of this package; their
// text never contains the input, so callers may log or return them to
// clients without echoing attacker data. Nothing is allocated for a host that is
// already canonical.
//
// Imports: the standard library only.
package httpsyntax
