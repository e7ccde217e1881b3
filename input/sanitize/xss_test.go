package sanitize

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/harden-go/harden/internal/xsstest"
)

func TestXSSCorpus(t *testing.T) {
	if len(xsstest.XSSVectors) < 50 {
		t.Fatalf("corpus has %d vectors; want at least 50", len(xsstest.XSSVectors))
	}
	for _, v := range xsstest.XSSVectors {
		out := RichText(v)
		if msg := xsstest.Executable(out); msg != "" {
			t.Errorf("%q\n→ %q\nkeeps %s", v, out, msg)
		}
		lower := strings.ToLower(out)
		for _, s := range []string{"<script", "<svg", "<math", "<img", "<iframe", "<style", "javascript:", "vbscript:", "data:", " on"} {
			if strings.Contains(lower, s) && strings.Contains(lower, "<") {
				// Text may mention these words; markup may not. The checks
				// above parse; this one catches a tag that the parser
				// might have missed.
				if strings.Contains(s, "<") || tagHas(out, s) {
					t.Errorf("%q → %q contains %q in markup", v, out, s)
				}
			}
		}
		// The strict policy keeps no markup at all.
		if strict := Strict(v); strings.ContainsAny(strict, "<>") {
			t.Errorf("Strict(%q) = %q", v, strict)
		}
	}
}

// tagHas reports whether s occurs inside a tag of out.
func tagHas(out, s string) bool {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return false
		}
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken || tt == html.EndTagToken {
			if strings.Contains(strings.ToLower(string(z.Raw())), s) {
				return true
			}
		}
	}
}

func TestHarmlessMarkupSurvives(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<b>bold</b> and <i>italic</i>`, `<b>bold</b> and <i>italic</i>`},
		{`<em>em</em><strong>strong</strong>`, `<em>em</em><strong>strong</strong>`},
		{`<p>one<br>two</p>`, `<p>one<br>two</p>`},
		{`<a href="https://example.com/a?b=1&c=2#d">link</a>`, `<a href="https://example.com/a?b=1&amp;c=2#d" rel="nofollow noopener" target="_blank">link</a>`},
		{`<A HREF="HTTPS://Example.com/">up</A>`, `<a href="https://Example.com/" rel="nofollow noopener" target="_blank">up</a>`},
		{`<a href="https://example.com" rel="opener" target="_self">x</a>`, `<a href="https://example.com" rel="nofollow noopener" target="_blank">x</a>`},
		{`Fish & chips < 5 > 3`, `Fish &amp; chips &lt; 5 &gt; 3`},
		{`I <3 Go`, `I &lt;3 Go`},
		{`<div><b>kept</b></div>`, `<b>kept</b>`},
	}
	for _, tt := range tests {
		if got := RichText(tt.in); got != tt.want {
			t.Errorf("RichText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if msg := xsstest.Executable(RichText(tt.in)); msg != "" {
			t.Errorf("%q: %s", tt.in, msg)
		}
	}
	if got := Strict(`<b>bold</b> & "q"`); got != `bold &amp; &#34;q&#34;` {
		t.Errorf("Strict: %q", got)
	}
}

func TestPoliciesDropScript(t *testing.T) {
	for name, f := range map[string]func(string) string{"richtext": RichText, "strict": Strict} {
		if f("<script>x</script>y") != "y" {
			t.Errorf("%s kept the script", name)
		}
	}
}

// FuzzRichText checks that no input yields executable markup.
func FuzzRichText(f *testing.F) {
	for _, v := range xsstest.XSSVectors {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := RichText(s)
		if msg := xsstest.Executable(out); msg != "" {
			t.Fatalf("%q → %q keeps %s", s, out, msg)
		}
	})
}

func BenchmarkRichText(b *testing.B) {
	s := "Hello! I would like to know more about <b>your</b> analytical engine. See <a href=\"https://example.com/notes\">my notes</a>."
	b.ReportAllocs()
	for b.Loop() {
		RichText(s)
	}
}

func BenchmarkRichTextPlain(b *testing.B) {
	s := "Hello! I would like to know more about your analytical engine.\nThanks, Ada"
	b.ReportAllocs()
	for b.Loop() {
		RichText(s)
	}
}

// FuzzInert checks the fast path: where it returns its input unchanged,
// both bluemonday policies return the same string.
func FuzzInert(f *testing.F) {
	for _, s := range []string{"plain text", "line\nbreak\ttab", "é ü ß 日本", "a\rb", "\xff", "a'b", "x\x00y", "\u2028", "&amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !inert(s) {
			return
		}
		if got := richText.Sanitize(s); got != s {
			t.Fatalf("richtext: fast path %q, bluemonday %q", s, got)
		}
		if got := strict.Sanitize(s); got != s {
			t.Fatalf("strict: fast path %q, bluemonday %q", s, got)
		}
	})
}
