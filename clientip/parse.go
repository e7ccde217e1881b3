package clientip

import (
	"net/netip"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/harden-go/harden/internal/httpsyntax"
)

// parseXFFItem parses one X-Forwarded-For list item: an IPv4 or IPv6
// address, optionally with a port ("1.2.3.4:80", "[2001:db8::1]:443"), with
// or without brackets around IPv6. Anything else is not ok.
func parseXFFItem(s string) (netip.Addr, bool) {
	return parseHostPort(httpsyntax.TrimOWS(s), false)
}

// parseNode parses an RFC 7239 node (already unquoted): an address with an
// optional port or obfuscated port. "unknown" and obfuscated identifiers
// ("_hidden") are not ok: they say nothing the walk can trust.
func parseNode(s string) (netip.Addr, bool) {
	return parseHostPort(s, true)
}

func parseHostPort(s string, obfPort bool) (netip.Addr, bool) {
	if s == "" {
		return netip.Addr{}, false
	}
	var host, port string
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return netip.Addr{}, false
			}
			port = rest[1:]
			if !validPort(port, obfPort) {
				return netip.Addr{}, false
			}
		}
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() {
			return netip.Addr{}, false
		}
		return a.WithZone("").Unmap(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap(), true
	}
	// IPv4 with a port: exactly one colon.
	j := strings.IndexByte(s, ':')
	if j < 0 || strings.IndexByte(s[j+1:], ':') >= 0 {
		return netip.Addr{}, false
	}
	host, port = s[:j], s[j+1:]
	if !validPort(port, obfPort) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is4() {
		return netip.Addr{}, false
	}
	return a, true
}

// validPort accepts a decimal port up to 65535, or with obf an RFC 7239 obfport
// ("_" followed by ALPHA / DIGIT / "." / "_" / "-").
func validPort(p string, obf bool) bool {
	if p == "" {
		return false
	}
	if obf && p[0] == '_' {
		if len(p) == 1 {
			return false
		}
		for i := 1; i < len(p); i++ {
			c := p[i]
			if !(isAlnum(c) || c == '.' || c == '_' || c == '-') {
				return false
			}
		}
		return true
	}
	if len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// fwdElement is one RFC 7239 forwarded-element. Values are unquoted.
type fwdElement struct {
	forNode, proto, host string
}

// parseForwarded parses one Forwarded header line into its elements,
// appended to buf. It is strict about structure (quotes must close, a
// parameter may not repeat in an element, nothing may follow a value but
// ";" or ",") so that a client cannot make a proxy's appended element read
// as part of its own; it reports !ok for any such error. Unquoted values are
// read leniently (an unquoted "[2001:db8::1]:80" is accepted) because the
// walk only reads elements that trusted proxies wrote.
func parseForwarded(line string, buf []fwdElement) ([]fwdElement, bool) {
	var e fwdElement
	var seen uint8 // bits: for, by, proto, host
	i, n := 0, len(line)
	for {
		for i < n && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i < n && line[i] != ';' && line[i] != ',' {
			// A pair: token "=" value.
			start := i
			for i < n && httpguts.IsTokenRune(rune(line[i])) {
				i++
			}
			key := line[start:i]
			if key == "" || i >= n || line[i] != '=' {
				return buf, false
			}
			i++
			var val string
			if i < n && line[i] == '"' {
				var ok bool
				val, i, ok = quotedString(line, i)
				if !ok {
					return buf, false
				}
			} else {
				start := i
				for i < n && line[i] > ' ' && line[i] < 0x7f && line[i] != ';' && line[i] != ',' && line[i] != '"' {
					i++
				}
				val = line[start:i]
			}
			var bit uint8
			switch {
			case strings.EqualFold(key, "for"):
				bit, e.forNode = 1, val
			case strings.EqualFold(key, "by"):
				bit = 2
			case strings.EqualFold(key, "proto"):
				bit, e.proto = 4, val
			case strings.EqualFold(key, "host"):
				bit, e.host = 8, val
			}
			if seen&bit != 0 {
				return buf, false // RFC 7239: a parameter occurs once per element
			}
			seen |= bit
			for i < n && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
		}
		if i >= n {
			return append(buf, e), true
		}
		switch line[i] {
		case ';':
			i++
		case ',':
			buf = append(buf, e)
			e, seen = fwdElement{}, 0
			i++
		default:
			return buf, false
		}
	}
}

// quotedString reads the RFC 9110 quoted-string starting at s[i] == '"' and
// returns its unescaped content and the index after the closing quote.
func quotedString(s string, i int) (string, int, bool) {
	i++ // opening quote
	start := i
	escaped := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			escaped = true
			i++
			if i >= len(s) || s[i] < ' ' && s[i] != '\t' || s[i] == 0x7f {
				return "", 0, false
			}
		case c == '"':
			v := s[start:i]
			if escaped {
				v = unescape(v)
			}
			return v, i + 1, true
		case c < ' ' && c != '\t' || c == 0x7f:
			return "", 0, false
		}
	}
	return "", 0, false
}

// unescape removes quoted-pair backslashes from a quoted-string's content.
func unescape(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
