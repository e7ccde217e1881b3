// Package js reproduces the few JavaScript string semantics that the HTTP
// Observatory's rules depend on (String.prototype.trim, split(/\s+/),
// parseInt, decodeURIComponent, Node's latin1 header decoding), so that the
// scanner reads a header exactly as the reference grader does.
package js

import (
	"strings"
	"unicode/utf8"
)

// IsSpace reports whether r is white space for JavaScript's trim and \s:
// WhiteSpace plus LineTerminator of ECMA-262.
func IsSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// Trim is String.prototype.trim.
func Trim(s string) string { return strings.TrimFunc(s, IsSpace) }

// Fields is s.split(/\s+/) for a string that has already been trimmed: the
// runs of white space separate the fields. An empty s gives one empty field,
// as in JavaScript.
func Fields(s string) []string {
	if s == "" {
		return []string{""}
	}
	return strings.FieldsFunc(s, IsSpace)
}

// Latin1 decodes a header value the way Node's HTTP parser does: every byte
// is one character (ISO-8859-1). ASCII input is returned unchanged.
func Latin1(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// ParseInt is parseInt(s, 10): leading white space and an optional sign,
// then the longest run of decimal digits. ok is false where JavaScript gives
// NaN. Values beyond int64 saturate, which keeps comparisons with small
// thresholds correct.
func ParseInt(s string) (n int64, ok bool) {
	s = strings.TrimLeftFunc(s, IsSpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	i := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n < (1<<62)/10 {
			n = n*10 + int64(s[i]-'0')
		}
	}
	if i == 0 {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}

// DecodeURIComponent is decodeURIComponent: it fails (URIError in
// JavaScript) on a malformed escape or an escape sequence that is not UTF-8.
func DecodeURIComponent(s string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", false
		}
		b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
		i += 2
	}
	if !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}
