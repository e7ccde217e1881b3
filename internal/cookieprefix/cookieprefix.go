package cookieprefix

import "strings"

// The prefixes.
const (
	// Host requires Secure, Path "/" and no Domain.
	Host = "__Host-"
	// Secure requires Secure.
	Secure = "__Secure-"
)

// Strip returns name without a leading Host or Secure prefix.
func Strip(name string) string {
	return strings.TrimPrefix(strings.TrimPrefix(name, Host), Secure)
}
