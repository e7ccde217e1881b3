package sanitize

import (
	"strings"
	"testing"

	"github.com/microcosm-cc/bluemonday"

	"github.com/harden-go/harden/internal/xsstest"
)

// differentialInputs are the XSS corpus, the fuzz seeds and the edge cases
// of the pooled path: blank input, a message larger than the pooled
// buffer cap, input that is only markup.
func differentialInputs() []string {
	in := append([]string(nil), xsstest.XSSVectors...)
	in = append(in, "", " ", "\n\t ", "plain text", "line\nbreak\ttab", "é ü ß 日本", "a\rb", "\xff", "a'b", "x\x00y", "\u2028", "&amp;",
		`<b>bold</b> and <i>italic</i>`, `<a href="https://example.com/a?b=1&c=2#d">link</a>`, `<A HREF="HTTPS://Example.com/">up</A>`,
		`<a href="https://example.com" rel="opener" target="_self">x</a>`, `Fish & chips < 5 > 3`, `<div><b>kept</b></div>`,
		"Hello! I would like to know more about <b>your</b> analytical engine. See <a href=\"https://example.com/notes\">my notes</a>.\nThanks, Ada",
		strings.Repeat("<b>x</b> & <a href=\"https://example.com/\">y</a>", 4000), "<script>", "</b>")
	return in
}

// TestSanitizeMatchesPolicy checks that the pooled path returns exactly
// what bluemonday's Policy.Sanitize returns, for both policies.
func TestSanitizeMatchesPolicy(t *testing.T) {
	policies := map[string]*bluemonday.Policy{"richtext": richText, "strict": strict}
	for name, p := range policies {
		for _, s := range differentialInputs() {
			// Twice: the second call reuses a pooled buffer.
			for range 2 {
				if got, want := sanitize(p, s), p.Sanitize(s); got != want {
					t.Fatalf("%s: %q\n got %q\nwant %q", name, s, got, want)
				}
			}
		}
	}
}

// FuzzSanitizeMatchesPolicy is TestSanitizeMatchesPolicy for any input.
func FuzzSanitizeMatchesPolicy(f *testing.F) {
	for _, s := range differentialInputs() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := sanitize(richText, s), richText.Sanitize(s); got != want {
			t.Fatalf("richtext: %q\n got %q\nwant %q", s, got, want)
		}
		if got, want := sanitize(strict, s), strict.Sanitize(s); got != want {
			t.Fatalf("strict: %q\n got %q\nwant %q", s, got, want)
		}
	})
}
