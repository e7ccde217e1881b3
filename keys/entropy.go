package keys

import (
	"bytes"
	"math"
)

// Thresholds of the entropy check (see the package documentation).
const (
	minEntropyBits = 256
	minDistinct    = 12
	maxRun         = 8 // refused: this many equal or consecutive bytes in a row
)

// placeholders are words that mark a secret copied from an example.
var placeholders = [][]byte{
	[]byte("secret"), []byte("password"), []byte("passwd"), []byte("changeme"),
	[]byte("change-me"), []byte("change_me"), []byte("example"), []byte("default"),
	[]byte("placeholder"), []byte("insecure"), []byte("replace"),
}

// weakness returns why s is not an acceptable secret, or "" when it is.
func weakness(s []byte) string {
	if len(s) < minSecretLen {
		return "shorter than 32 bytes"
	}
	if bits := float64(len(s)) * math.Log2(float64(alphabetSize(s))); bits < minEntropyBits {
		return "less than 256 bits of entropy for its alphabet (use 32 random bytes, e.g. openssl rand -base64 32)"
	}
	var seen [256]bool
	distinct := 0
	for _, c := range s {
		if !seen[c] {
			seen[c] = true
			distinct++
		}
	}
	if distinct < minDistinct {
		return "too few distinct characters"
	}
	if hasRun(s) {
		return "a character repeated, or a counting sequence, of 8 or more"
	}
	if periodic(s) {
		return "a repeated pattern"
	}
	lower := bytes.ToLower(s)
	for _, w := range placeholders {
		if bytes.Contains(lower, w) {
			return "contains a placeholder word"
		}
	}
	return ""
}

// alphabetSize returns the size of the smallest usual alphabet that holds
// every byte of s.
func alphabetSize(s []byte) int {
	digits, hex, oneCase, b64, printable := true, true, true, true, true
	hasLower, hasUpper := false, false
	for _, c := range s {
		isDigit := c >= '0' && c <= '9'
		isLower := c >= 'a' && c <= 'z'
		isUpper := c >= 'A' && c <= 'Z'
		hasLower = hasLower || isLower
		hasUpper = hasUpper || isUpper
		digits = digits && isDigit
		hex = hex && (isDigit || (c|0x20) >= 'a' && (c|0x20) <= 'f')
		oneCase = oneCase && (isDigit || isLower || isUpper || c == '-' || c == '_' || c == '.')
		b64 = b64 && (isDigit || isLower || isUpper || c == '+' || c == '/' || c == '-' || c == '_' || c == '=')
		printable = printable && c >= 0x20 && c < 0x7f
	}
	switch {
	case digits:
		return 10
	case hex:
		return 16
	case oneCase && !(hasLower && hasUpper):
		return 36
	case b64:
		return 64
	case printable:
		return 95
	}
	return 256
}

// hasRun reports maxRun or more bytes in a row that are equal, or that count
// up or down by one.
func hasRun(s []byte) bool {
	same, up, down := 1, 1, 1
	for i := 1; i < len(s); i++ {
		same, up, down = next(same, s[i] == s[i-1]), next(up, s[i] == s[i-1]+1), next(down, s[i] == s[i-1]-1)
		if same >= maxRun || up >= maxRun || down >= maxRun {
			return true
		}
	}
	return false
}

func next(n int, cont bool) int {
	if cont {
		return n + 1
	}
	return 1
}

// periodic reports whether s equals itself shifted by some p ≤ len(s)/2.
func periodic(s []byte) bool {
	for p := 1; p <= len(s)/2; p++ {
		if bytes.Equal(s[p:], s[:len(s)-p]) {
			return true
		}
	}
	return false
}
