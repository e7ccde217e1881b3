package normalize

import (
	"net/mail"
	"strings"
	"testing"
)

// normalizeEmailFull is normalizeEmail without the plain-address fast
// path: what it computed before the fast path existed.
func normalizeEmailFull(s string) string {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(nfc(s))
	if err != nil || a.Name != "" {
		return s
	}
	return strings.ToLower(a.Address)
}

// FuzzNormalizeEmailFastPath checks that the fast path changes no result.
func FuzzNormalizeEmailFastPath(f *testing.F) {
	for _, s := range []string{"  Ada.Lovelace@Example.COM ", "<ada@example.com>", "Ada <ada@example.com>",
		"a@example.com, b@example.com", " not an email ", "a+b@sub.example.org", "a..b@example.com",
		"a@example", "É@example.com", "a@[127.0.0.1]", `"a b"@example.com`, "a(c)@example.com", "A@B.COM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := normalizeEmail(s), normalizeEmailFull(s); got != want {
			t.Fatalf("normalizeEmail(%q) = %q, full parse gives %q", s, got, want)
		}
	})
}

// FuzzSquashFastPath checks that squash's fast path changes no result.
func FuzzSquashFastPath(f *testing.F) {
	for _, s := range []string{"Ada Lovelace", "  Ada \n\t Lovelace  ", "a  b", "a", "", " ", "a\u00a0b", "a\u0085b", "a\vb", "x y z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Join(strings.Fields(s), " ")
		if got := squash(s); got != want {
			t.Fatalf("squash(%q) = %q, want %q", s, got, want)
		}
	})
}
