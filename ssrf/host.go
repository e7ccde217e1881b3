package ssrf

import (
	"net/netip"
	"strings"

	"github.com/harden-go/harden/internal/httpsyntax"
)

// parsedHost is a URL or dial host, classified.
type parsedHost struct {
	addr  netip.Addr // valid when the host is an IP literal
	name  string     // lower case, no trailing dot, when it is a name
	ascii bool       // the name is ASCII (non-ASCII names are judged after IDNA, at dial)
}

func hostErr(reason, host string) *blockedError {
	return &blockedError{Kind: errHostNotAllowed, Reason: reason, Host: host}
}

// parseHost classifies host (brackets allowed around IPv6). It refuses
// ambiguous IP encodings outright instead of guessing what a resolver,
// a browser or an inet_aton would make of them:
//
//   - a host whose last label is a number (all digits, or 0x and hex
//     digits — the WHATWG URL "ends in a number" rule) must be a canonical
//     dotted-quad IPv4 address: "2130706433" (decimal), "0177.0.0.1"
//     (octal), "0x7f.1" (hex), "127.1" (short form), "127.0.0.01" and
//     "127.0.0.1." are refused, since getaddrinfo, inet_aton and browsers
//     read them as 127.0.0.1 while Go's parser does not;
//   - an IPv6 literal must parse and carry no zone;
//   - "localhost" and names under ".localhost" (RFC 6761) are refused
//     without asking a resolver.
func parseHost(host string) (parsedHost, *blockedError) {
	if host == "" {
		return parsedHost{}, hostErr(reasonEmptyHost, host)
	}
	if host[0] == '[' {
		if len(host) < 2 || host[len(host)-1] != ']' {
			return parsedHost{}, hostErr(reasonMalformedIP, host)
		}
		host = host[1 : len(host)-1]
		if !strings.Contains(host, ":") {
			return parsedHost{}, hostErr(reasonMalformedIP, host)
		}
	}
	if strings.ContainsAny(host, ":%") {
		if strings.Contains(host, "%") {
			return parsedHost{}, hostErr(reasonZone, host)
		}
		a, err := netip.ParseAddr(host)
		if err != nil {
			return parsedHost{}, hostErr(reasonMalformedIP, host)
		}
		return parsedHost{addr: a}, nil
	}
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			// Internationalised: net/http converts it with IDNA (which maps
			// full-width digits and dots to ASCII) before dialing, and the
			// dial check judges the result.
			return parsedHost{name: host}, nil
		}
	}
	name := strings.ToLower(host)
	trimmed := strings.TrimSuffix(name, ".")
	if httpsyntax.EndsInNumber(trimmed) {
		if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
			return parsedHost{addr: a}, nil
		}
		return parsedHost{}, hostErr(reasonNonCanonicalIPv4, host)
	}
	// Names have the LDH grammar every harden layer shares.
	if !httpsyntax.IsName(trimmed) {
		return parsedHost{}, hostErr(reasonBadHostname, host)
	}
	if isLocalhostName(trimmed) {
		return parsedHost{}, hostErr(reasonLocalhostName, host)
	}
	return parsedHost{name: trimmed, ascii: true}, nil
}

func isLocalhostName(s string) bool {
	switch s {
	case "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback":
		return true
	}
	return strings.HasSuffix(s, ".localhost")
}

// hostPattern is one Config.AllowedHosts entry.
type hostPattern struct {
	name     string     // exact name, or the suffix after "*."
	wildcard bool       // "*.example.com": any name strictly below example.com
	addr     netip.Addr // an IP literal entry
}

func (p hostPattern) matchName(name string) bool {
	if p.addr.IsValid() {
		return false
	}
	if p.wildcard {
		return len(name) > len(p.name)+1 && strings.HasSuffix(name, p.name) && name[len(name)-len(p.name)-1] == '.'
	}
	return name == p.name
}
