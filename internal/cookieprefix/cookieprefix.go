package cookieprefix

import "strings"

// The prefixes, as they are written when harden names a cookie.
const (
	// Host: the cookie must be Secure, Path=/ and have no Domain, so no
	// sibling subdomain can set it.
	Host = "__Host-"
	// Secure: the cookie must be Secure.
	Secure = "__Secure-"
)

// IsHost reports whether name carries the __Host- prefix in any letter
// case. Browsers enforce the prefixes case-insensitively (RFC 6265bis
// 5.7), so "__HOST-sid" must meet the same rules, or it is refused.
func IsHost(name string) bool { return hasPrefixFold(name, Host) }

// IsSecure reports whether name carries the __Secure- prefix in any letter
// case.
func IsSecure(name string) bool { return hasPrefixFold(name, Secure) }

// Strip returns name without its __Host- prefix and then without its
// __Secure- prefix, in any letter case: what is left carries no prefix
// rule, so a browser keeps it over plain HTTP.
func Strip(name string) string {
	if IsHost(name) {
		name = name[len(Host):]
	}
	if IsSecure(name) {
		name = name[len(Secure):]
	}
	return name
}

func hasPrefixFold(name, prefix string) bool {
	return len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}
