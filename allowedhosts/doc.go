// Package allowedhosts refuses requests addressed to a host the service does
// not answer for.
//
// # What it defends against
//
//   - DNS rebinding: a hostile page makes its own name resolve to the
//     service's address (often a development server on localhost or an
//     internal one) and reads the answers as same-origin. The browser still
//     sends the hostile name in Host, so refusing unknown hosts stops it.
//   - Host-header poisoning: code that builds absolute links (password
//     resets, redirects, cache keys) from the Host header sends users to a
//     host of the attacker's choice.
//
// The host checked is [clientip.Get](r).Host: r.Host, or the forwarded host
// when a trusted proxy set one.
//
// # Matching
//
// Hosts have the grammar of harden's other layers (the public URL, CORS
// origins, forwarded hosts): LDH names, canonical dotted-quad IPv4, IPv6 in
// brackets, a port of 1-65535 without a leading zero. Both sides are
// normalised: lower case, IPv6 as browsers write it, the scheme's default
// port (80 for http, 443 for https, per the trusted scheme) the same as no
// port. A request's host may end in one dot (the same DNS name); a
// configured one may not. An entry without a port matches that
// default port only; "example.com:8443" matches port 8443 only. An entry
// "*.example.com" matches every subdomain of example.com at any depth but
// not example.com itself.
//
// # Defaults
//
// An empty Config allows the loopback names only, on any port: "localhost",
// "*.localhost", "127.0.0.1" and "[::1]", which is what a development server
// needs and what DNS rebinding attacks. A production stack lists the public
// URL's host ("www.example.com", with its port unless it is the scheme's
// default); the harden stack does that from HARDEN_PUBLIC_URL. There is no "allow every host" setting: a service that
// truly must answer any Host should not install this layer.
//
// # How it fails
//
// A refused request gets 421 Misdirected Request through the shared
// responder with the event "host_rejected" and a fixed message that does not
// echo the host. 421 rather than 400 because it says what happened ("this
// server does not serve that host"), is never cached by default, and makes an
// HTTP/2 client that coalesced connections retry on a new one. An empty or
// malformed Host is refused the same way. A bad Config is a
// *harden.ConfigError from [New].
//
// Imports: the standard library and harden's clientip, respond and
// internal/httpsyntax.
package allowedhosts
