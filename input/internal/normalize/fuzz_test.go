package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzNormalizers checks the normalisers' promises: idempotence, valid
// UTF-8, NFC output, no control characters left.
func FuzzNormalizers(f *testing.F) {
	for _, s := range []string{"  Ada  ", "e\u0301", "a\x00b\u202e", "A@B.COM", "\xff\xfe", "<b>&</b>", "ＡＢＣ", "x\u0085y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, fn := range builtin {
			out := fn(s)
			if name == "escape" {
				continue // escaping twice escapes the ampersands again, by design
			}
			if name == "nfkc" || name == "nfc" || name == "lower" || name == "upper" {
				if !utf8.ValidString(s) {
					continue // invalid bytes are passed through, as x/text does
				}
			}
			if again := fn(out); again != out {
				t.Fatalf("%s not idempotent: %q → %q → %q", name, s, out, again)
			}
		}
		if out := nfc(s); utf8.ValidString(s) && !norm.NFC.IsNormalString(out) {
			t.Fatalf("nfc(%q) = %q is not NFC", s, out)
		}
		out := stripControl(s)
		if !utf8.ValidString(out) {
			t.Fatalf("stripControl(%q) = %q is not UTF-8", s, out)
		}
		for _, r := range out {
			if isStripped(r) {
				t.Fatalf("stripControl(%q) left %U", s, r)
			}
		}
		if e := normalizeEmail(s); e != strings.TrimSpace(s) && strings.ToLower(e) != e {
			t.Fatalf("normalizeEmail(%q) = %q", s, e)
		}
	})
}
