package httpsyntax

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// Errors. Their text never contains the value parsed.
var (
	ErrEmpty    = errors.New("is empty")
	ErrHost     = errors.New("is not a host name (letters, digits and inner hyphens, labels separated by dots) or an IP address")
	ErrPort     = errors.New("has a port that is not 1-65535 in decimal digits without a leading zero")
	ErrSyntax   = errors.New("is not scheme://host[:port]")
	ErrScheme   = errors.New("has a scheme other than http or https")
	ErrOpaque   = errors.New("is an opaque origin (null or file:), sent by sandboxed and local documents of any site")
	ErrUserinfo = errors.New("has userinfo (user@ or user:password@)")
	ErrPath     = errors.New("has a path, query or fragment")
)

// Limits of RFC 1035 section 2.3.4.
const (
	MaxNameLen  = 253 // bytes, without a trailing dot
	MaxLabelLen = 63
)

// TrimOWS removes the optional white space of RFC 9110 section 5.6.3
// (spaces and horizontal tabs) around s.
func TrimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// IsLabels reports whether s is one or more lower-case LDH labels separated
// by single dots, at most MaxNameLen bytes: a host name in canonical form,
// without the numeric-last-label rule. It judges the labels in front of a
// known suffix ("a.b" of "a.b.example.com").
func IsLabels(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '.' {
			c := s[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
			continue
		}
		n := i - start
		// An empty label ("a..b", ".a", "a.") or one with a hyphen at an end
		// ("-a", "a-").
		if n == 0 || n > MaxLabelLen || s[start] == '-' || s[i-1] == '-' {
			return false
		}
		start = i + 1
	}
	return true
}

// IsName reports whether s is a host name in canonical form: lower-case LDH
// labels whose last label is not a number (see [EndsInNumber]).
func IsName(s string) bool {
	return IsLabels(s) && !EndsInNumber(s)
}

// EndsInNumber is the WHATWG URL host parser's test for an IPv4 host: the
// last label (after one trailing dot) is all decimal digits, or "0x" or "0X"
// followed by zero or more hex digits. A browser, getaddrinfo and inet_aton
// read such a host as an IPv4 address in some spelling.
func EndsInNumber(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return false
	}
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		for i := 2; i < len(s); i++ {
			if !isHex(s[i]) {
				return false
			}
		}
		return true
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// ParseName returns the host name s in lower case, or ErrHost. IP addresses
// are not names: a numeric last label is refused.
func ParseName(s string) (string, error) {
	s = lower(s)
	if !IsName(s) {
		return "", ErrHost
	}
	return s, nil
}

// ParseHost returns the canonical form of the host s: a lower-case name, a
// dotted-quad IPv4 address, or a bracketed IPv6 address as WHATWG serialises
// it. An IPv6 address without brackets is refused: in a URL authority and a
// Host header it is always bracketed.
func ParseHost(s string) (string, error) {
	if s == "" {
		return "", ErrEmpty
	}
	if s[0] == '[' {
		if len(s) < 4 || s[len(s)-1] != ']' {
			return "", ErrHost
		}
		a, err := netip.ParseAddr(s[1 : len(s)-1])
		// A zone names an interface of one machine; "[1.2.3.4]" is not IPv6.
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", ErrHost
		}
		var buf [48]byte
		c := appendIPv6(buf[:0], a)
		if string(c) == s {
			return s, nil // already canonical: nothing allocated
		}
		return string(c), nil
	}
	if EndsInNumber(s) {
		// Only the canonical dotted quad: "127.1", "0x7f.0.0.1",
		// "2130706433" and "127.0.0.01" all reach 127.0.0.1 in a browser or
		// resolver but would be a different string to a string comparison.
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return "", ErrHost
		}
		return s, nil
	}
	return ParseName(s)
}

// ParseHostPort splits s, a host with an optional port, into the canonical
// host (see [ParseHost]) and the port, 0 when s has none.
func ParseHostPort(s string) (host string, port int, err error) {
	if s == "" {
		return "", 0, ErrEmpty
	}
	h, p := s, ""
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, ErrHost
		}
		h, p = s[:end+1], s[end+1:]
		if p != "" && p[0] != ':' {
			return "", 0, ErrHost
		}
	} else if i := strings.IndexByte(s, ':'); i >= 0 {
		h, p = s[:i], s[i:]
	}
	if h == "" {
		return "", 0, ErrHost
	}
	host, err = ParseHost(h)
	if err != nil {
		return "", 0, err
	}
	if p != "" {
		if port, err = parsePort(p[1:]); err != nil {
			return "", 0, err
		}
	}
	return host, port, nil
}

// ParseRequestHost is [ParseHostPort] for a Host header value or a
// forwarded host: one trailing dot after a name ("example.com." or
// "example.com.:8443", the fully qualified spelling of the same DNS name,
// which a browser sends when its user typed it) is dropped.
func ParseRequestHost(s string) (host string, port int, err error) {
	if s != "" && s[0] != '[' {
		name, rest := s, ""
		if i := strings.IndexByte(s, ':'); i >= 0 {
			name, rest = s[:i], s[i:]
		}
		// Names only: browsers drop the dot of "127.0.0.1." themselves.
		if n, ok := strings.CutSuffix(name, "."); ok && n != "" && n[len(n)-1] != '.' && !EndsInNumber(n) {
			if rest == "" {
				s = n
			} else {
				s = n + rest
			}
		}
	}
	return ParseHostPort(s)
}

// parsePort parses 1 to 65535 in decimal digits without a leading zero.
func parsePort(p string) (int, error) {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return 0, ErrPort
	}
	n := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c < '0' || c > '9' {
			return 0, ErrPort
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return 0, ErrPort
	}
	return n, nil
}

// Origin is a tuple origin (RFC 6454) of an http or https URL, in canonical
// form.
type Origin struct {
	Scheme string // "http" or "https"
	Host   string // as [ParseHost] returns it
	Port   int    // 0 for the scheme's default port
}

// DefaultPort returns 443 for https and 80 for http.
func DefaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// String returns the origin's serialisation, as a browser sends it in the
// Origin header: "https://example.com", "http://[::1]:8080".
func (o Origin) String() string {
	return o.Scheme + "://" + o.HostPort()
}

// HostPort returns the host and, when it is not the scheme's default, the
// port: what a browser sends in the Host header for this origin.
func (o Origin) HostPort() string {
	if o.Port == 0 {
		return o.Host
	}
	return o.Host + ":" + strconv.Itoa(o.Port)
}

// Addr returns the origin's host as an IP address, and whether it is one.
func (o Origin) Addr() (netip.Addr, bool) {
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(o.Host, "["), "]"))
	return a, err == nil
}

// IsLoopback reports whether the origin's host is a loopback address or the
// name "localhost" or a name under it (RFC 6761 section 6.3, which browsers
// resolve to loopback without asking DNS).
func (o Origin) IsLoopback() bool {
	if o.Host == "localhost" || strings.HasSuffix(o.Host, ".localhost") {
		return true
	}
	a, ok := o.Addr()
	return ok && a.IsLoopback()
}

// ParseOrigin parses s as an origin: scheme "://" host [":" port], scheme
// http or https in any case, then optionally one "/". It returns the
// canonical origin, or ErrOpaque, ErrSyntax, ErrScheme, ErrUserinfo,
// ErrPath, ErrHost or ErrPort.
func ParseOrigin(s string) (Origin, error) {
	if s == "" {
		return Origin{}, ErrEmpty
	}
	if s == "null" || len(s) >= 5 && strings.EqualFold(s[:5], "file:") {
		return Origin{}, ErrOpaque
	}
	i := strings.Index(s, "://")
	if i < 0 {
		return Origin{}, ErrSyntax
	}
	var o Origin
	switch scheme := s[:i]; {
	case strings.EqualFold(scheme, "https"):
		o.Scheme = "https"
	case strings.EqualFold(scheme, "http"):
		o.Scheme = "http"
	default:
		return Origin{}, ErrScheme
	}
	auth := strings.TrimSuffix(s[i+3:], "/")
	if auth == "" {
		return Origin{}, ErrHost
	}
	end := strings.IndexAny(auth, "/?#")
	if j := strings.IndexByte(auth, '@'); j >= 0 && (end < 0 || j < end) {
		// Userinfo would be dropped by a browser and can make
		// "https://trusted.example@evil.example" read as trusted.
		return Origin{}, ErrUserinfo
	}
	if end >= 0 {
		return Origin{}, ErrPath
	}
	host, port, err := ParseHostPort(auth)
	if err != nil {
		return Origin{}, err
	}
	if port == DefaultPort(o.Scheme) {
		port = 0
	}
	o.Host, o.Port = host, port
	return o, nil
}

// ParsePublicURL parses s, the URL clients use to reach the service, with
// the grammar of [ParseOrigin]: a path, query or fragment would be silently
// dropped from redirects, and userinfo would be sent to clients.
func ParsePublicURL(s string) (Origin, error) {
	o, err := ParseOrigin(s)
	if err == ErrOpaque {
		return Origin{}, ErrScheme
	}
	return o, err
}

// appendIPv6 appends a to dst as the WHATWG URL standard serialises it, in
// brackets: eight lower-case hex groups without leading zeros, the first
// longest run of two or more zero groups written "::". Unlike
// netip.Addr.String it writes an IPv4-mapped address in hex
// ("[::ffff:102:304]"), as browsers do.
func appendIPv6(dst []byte, a netip.Addr) []byte {
	b := a.As16()
	var g [8]uint16
	for i := range g {
		g[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	best, bestLen := -1, 1
	for i := 0; i < 8; {
		if g[i] != 0 {
			i++
			continue
		}
		j := i
		for j < 8 && g[j] == 0 {
			j++
		}
		if j-i > bestLen {
			best, bestLen = i, j-i
		}
		i = j
	}
	dst = append(dst, '[')
	for i := 0; i < 8; i++ {
		if i == best {
			dst = append(dst, ':', ':')
			i += bestLen - 1
			continue
		}
		if i > 0 && dst[len(dst)-1] != ':' {
			dst = append(dst, ':')
		}
		dst = strconv.AppendUint(dst, uint64(g[i]), 16)
	}
	return append(dst, ']')
}

// lower returns s with ASCII letters in lower case, allocating only when s
// has upper-case ones. Other bytes are left alone: strings.ToLower would turn
// the Kelvin sign (U+212A) into "k" and the dotted capital I (U+0130) into
// "i" plus a combining dot, so a Unicode name could pass as an ASCII one.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
