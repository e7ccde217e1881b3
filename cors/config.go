package cors

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Config declares a CORS policy. The zero value allows no origin: every
// response gets "Vary: Origin" and every preflight is refused.
type Config struct {
	// Origins lists allowed origins: exact ones ("https://app.example.com",
	// "https://app.example.com:8443") and subdomain patterns
	// ("https://*.example.com", any depth, not the apex). "*" alone allows
	// every origin without credentials. Default: none.
	Origins []string `json:"origins,omitempty"`
	// Credentials lets browsers send cookies and HTTP authentication and read
	// the answer (Access-Control-Allow-Credentials: true). Default: false.
	Credentials bool `json:"credentials,omitempty"`
	// Methods lists the methods preflights may ask for, beyond GET, HEAD and
	// POST which are always allowed ("PUT", "PATCH", "DELETE"). Default: none.
	Methods []string `json:"methods,omitempty"`
	// RequestHeaders lists the request headers preflights may ask for
	// ("Content-Type", "Authorization", "X-CSRF-Token"). Default: none.
	RequestHeaders []string `json:"request_headers,omitempty"`
	// ExposedHeaders lists response headers that scripts may read beyond the
	// safelisted ones. "*" (alone, without credentials) exposes all.
	// Default: none.
	ExposedHeaders []string `json:"exposed_headers,omitempty"`
	// MaxAge is how many seconds browsers may cache a preflight answer, at
	// most 86400; -1 forbids caching. Default (0): no header, which browsers
	// take as 5 seconds.
	MaxAge int `json:"max_age,omitempty"`
	// PrivateNetworkAccess answers Private Network Access preflights with
	// Access-Control-Allow-Private-Network: true, letting public sites reach
	// this service on a private network. Default: false.
	PrivateNetworkAccess bool `json:"private_network_access,omitempty"`
	// DangerouslyAllowInsecureOrigins accepts http:// origins other than
	// loopback ones. Default: false.
	DangerouslyAllowInsecureOrigins bool `json:"dangerously_allow_insecure_origins,omitempty"`
	// DangerouslyAllowSubdomainsWithCredentials accepts subdomain patterns
	// together with Credentials. Default: false.
	DangerouslyAllowSubdomainsWithCredentials bool `json:"dangerously_allow_subdomains_with_credentials,omitempty"`
}

// Configuration errors. A *ConfigError wraps one of them.
var (
	ErrInvalidOrigin          = errors.New("is not an origin (scheme://host[:port]) or a pattern (https://*.example.com)")
	ErrOpaqueOrigin           = errors.New("null and file:// origins are sent by sandboxed and local documents of any site")
	ErrInsecureOrigin         = errors.New("http:// origin needs DangerouslyAllowInsecureOrigins")
	ErrWildcardCredentials    = errors.New(`"*" cannot be combined with credentials`)
	ErrWildcardNotAlone       = errors.New(`"*" must be the only origin`)
	ErrPatternCredentials     = errors.New("subdomain pattern with credentials needs DangerouslyAllowSubdomainsWithCredentials")
	ErrPublicSuffixPattern    = errors.New("pattern must be below a registrable domain, not a public suffix")
	ErrInvalidMethod          = errors.New("is not a method name")
	ErrForbiddenMethod        = errors.New("is a forbidden method (CONNECT, TRACE, TRACK)")
	ErrInvalidHeader          = errors.New("is not a header name")
	ErrForbiddenHeader        = errors.New("is a header browsers never let scripts set or read")
	ErrWildcardExposeNotAlone = errors.New(`"*" must be the only exposed header and needs credentials off`)
	ErrMaxAge                 = errors.New("must be -1, 0 or 1..86400")
)

// ConfigError describes one invalid Config entry.
type ConfigError struct {
	Field string // the JSON name of the field
	Index int    // the entry's index in a list field, or -1
	Value string // the offending value, as configured
	Err   error  // one of the Err... sentinels
}

func (e *ConfigError) Error() string {
	if e.Index < 0 {
		return fmt.Sprintf("cors: %s %q: %v", e.Field, e.Value, e.Err)
	}
	return fmt.Sprintf("cors: %s[%d] %q: %v", e.Field, e.Index, e.Value, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// origin is a parsed Config origin.
type origin struct {
	scheme  string // "https" or "http"
	host    string // lower case; IPv6 in brackets; for patterns, the base name
	port    int    // 0 for the scheme's default
	pattern bool   // "scheme://*.host[:port]"
}

// String is the normalised serialisation, as browsers send it.
func (o origin) String() string {
	s := o.scheme + "://"
	if o.pattern {
		s += "*."
	}
	s += o.host
	if o.port != 0 {
		s += ":" + strconv.Itoa(o.port)
	}
	return s
}

// loopback reports whether o's host is a loopback name or address.
func (o origin) loopback() bool {
	if o.host == "localhost" || strings.HasSuffix(o.host, ".localhost") {
		return true
	}
	h := strings.TrimSuffix(strings.TrimPrefix(o.host, "["), "]")
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// parseOrigin parses and normalises one configured origin or pattern. It
// checks syntax only; policy (insecure, credentials) is New's.
func parseOrigin(s string) (origin, error) {
	var o origin
	if s == "null" || len(s) >= 7 && strings.EqualFold(s[:7], "file://") {
		return o, ErrOpaqueOrigin
	}
	i := strings.Index(s, "://")
	if i < 0 {
		return o, ErrInvalidOrigin
	}
	o.scheme = strings.ToLower(s[:i])
	if o.scheme != "https" && o.scheme != "http" {
		return o, ErrInvalidOrigin
	}
	rest := strings.TrimSuffix(s[i+3:], "/")
	if strings.HasPrefix(rest, "*.") {
		o.pattern = true
		rest = rest[2:]
	}
	hostPart, portPart := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 || o.pattern {
			return o, ErrInvalidOrigin
		}
		a, err := netip.ParseAddr(rest[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return o, ErrInvalidOrigin
		}
		o.host = "[" + a.String() + "]"
		hostPart, portPart = "", rest[end+1:]
		if portPart != "" && portPart[0] != ':' {
			return o, ErrInvalidOrigin
		}
	} else {
		if j := strings.IndexByte(rest, ':'); j >= 0 {
			hostPart, portPart = rest[:j], rest[j:]
		}
		h := strings.ToLower(hostPart)
		if !validDNSName(h) {
			return o, ErrInvalidOrigin
		}
		if a, err := netip.ParseAddr(h); err == nil {
			if o.pattern || !a.Is4() {
				return o, ErrInvalidOrigin
			}
		}
		o.host = h
	}
	if portPart != "" {
		p := portPart[1:]
		if p == "" || len(p) > 5 {
			return o, ErrInvalidOrigin
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || p[0] == '+' || p[0] == '-' {
			return o, ErrInvalidOrigin
		}
		o.port = n
	}
	if o.scheme == "https" && o.port == 443 || o.scheme == "http" && o.port == 80 {
		o.port = 0
	}
	return o, nil
}

// validDNSName accepts lower-case labels of letters, digits and '-' (not at
// a label's ends), separated by single dots; an IPv4 address passes too.
func validDNSName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, label := range labels {
		if !validLabel(label) {
			return false
		}
	}
	// A numeric last label is an IPv4 address in some spelling ("1.2.3",
	// "0x7f.1"), which browsers rewrite: only the canonical form is a name.
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		a, err := netip.ParseAddr(h)
		return err == nil && a.Is4()
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isPublicSuffix reports whether name is a public suffix (or a single label),
// under which anyone can register a subdomain.
func isPublicSuffix(name string) bool {
	if !strings.Contains(name, ".") {
		return name != "localhost"
	}
	ps, _ := publicsuffix.PublicSuffix(name)
	return ps == name
}

// isToken reports whether s is an RFC 9110 token (a method or header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
			continue
		}
		switch c {
		case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
			continue
		}
		return false
	}
	return true
}

// forbiddenRequestHeader reports whether browsers refuse to let scripts set
// the (lower-case) header name, per the Fetch standard.
func forbiddenRequestHeader(name string) bool {
	switch name {
	case "accept-charset", "accept-encoding", "access-control-request-headers",
		"access-control-request-method", "access-control-request-private-network",
		"connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect",
		"host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
		"transfer-encoding", "upgrade", "via":
		return true
	}
	return strings.HasPrefix(name, "proxy-") || strings.HasPrefix(name, "sec-")
}
