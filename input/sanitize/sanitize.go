package sanitize

import (
	"bytes"
	"net/url"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
)

var (
	richText = newRichText()
	strict   = bluemonday.StrictPolicy()
)

func newRichText() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("b", "i", "em", "strong", "p", "br")
	p.AllowAttrs("href").OnElements("a")
	// Absolute https URLs with a host only: no javascript:, data:,
	// vbscript:, http: or relative (same-origin) links, no "https:x"
	// without a host, no user:password@, and the URL must parse.
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowURLSchemeWithCustomPolicy("https", func(u *url.URL) bool {
		return u.Host != "" && u.Opaque == "" && u.User == nil
	})
	// rel="nofollow noopener" and target="_blank" on every kept link.
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}

// RichText returns s reduced to the rich-text allowlist (see the package
// documentation). The result is safe to render as HTML.
func RichText(s string) string {
	if inert(s) {
		return s
	}
	return sanitize(richText, s)
}

// Strict returns s with every tag removed and the remaining text
// HTML-escaped.
func Strict(s string) string {
	if inert(s) {
		return s
	}
	return sanitize(strict, s)
}

// scratch is the reader and output buffer of one sanitization, reused
// across calls.
type scratch struct {
	r strings.Reader
	w bytes.Buffer
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledBuffer caps the output buffer kept for reuse, so that one huge
// message does not pin its memory.
const maxPooledBuffer = 64 << 10

// sanitize is p.Sanitize(s) without its per-call reader and growing
// output buffer: the same checks in the same order, the same result
// (TestSanitizeMatchesPolicy compares them).
func sanitize(p *bluemonday.Policy, s string) string {
	if strings.TrimSpace(s) == "" {
		return s // as Policy.Sanitize: blank input is returned unchanged
	}
	sc := scratchPool.Get().(*scratch)
	sc.r.Reset(s)
	sc.w.Reset()
	var out string
	// Policy.Sanitize returns "" when the tokenizer fails; so does this.
	if err := p.SanitizeReaderToWriter(&sc.r, &sc.w); err == nil {
		out = sc.w.String()
	}
	sc.r.Reset("")
	if sc.w.Cap() <= maxPooledBuffer {
		scratchPool.Put(sc)
	}
	return out
}

// inert reports whether s is valid UTF-8 without any byte that HTML
// parsing or escaping changes (< > & ' " NUL CR): such text is its own
// sanitized form, and the common plain-text message skips the parser.
// FuzzInert checks that both policies agree.
func inert(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<', '>', '&', '\'', '"', 0, '\r':
			return false
		default:
			if c >= utf8.RuneSelf {
				ascii = false
			}
		}
	}
	return ascii || utf8.ValidString(s)
}
