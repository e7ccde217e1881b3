package input

import (
	"strconv"
	"unicode/utf8"
)

// maxPathLen bounds a field path shown to a client; longer paths are cut
// at a rune boundary and end in "…".
const maxPathLen = 200

// path is the location of a value inside a document, kept as a stack while
// scanning and rendered only when an error names it.
type path struct {
	segs []seg
}

type seg struct {
	key   string
	kb    []byte // the key, when it was pushed as bytes by the scanner
	index int
	isKey bool
}

func (p *path) pushKey(k string) { p.segs = append(p.segs, seg{key: k, isKey: true}) }
func (p *path) pushKeyBytes()    { p.segs = append(p.segs, seg{isKey: true}) }
func (p *path) pushIndex(i int)  { p.segs = append(p.segs, seg{index: i}) }
func (p *path) pop()             { p.segs = p.segs[:len(p.segs)-1] }
func (p *path) setIndex(i int)   { p.segs[len(p.segs)-1].index = i }

// String renders the path the way express-validator does: keys joined by
// ".", indices as "[2]", and keys that are not plain names as ["a.b"].
func (p *path) String() string {
	var b []byte
	for _, s := range p.segs {
		if s.kb != nil {
			s.key = string(s.kb)
		}
		switch {
		case !s.isKey:
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(s.index), 10)
			b = append(b, ']')
		case plainKey(s.key):
			if len(b) > 0 {
				b = append(b, '.')
			}
			b = append(b, s.key...)
		default:
			b = append(b, '[')
			b = strconv.AppendQuote(b, s.key)
			b = append(b, ']')
		}
		if len(b) > maxPathLen {
			break
		}
	}
	if len(b) > maxPathLen {
		n := maxPathLen
		for n > 0 && !utf8.RuneStart(b[n]) {
			n--
		}
		b = append(b[:n], "…"...)
	}
	return string(b)
}

// plainKey reports whether k can be shown without quoting: ASCII letters,
// digits, "_" and "-" (and "$" so that the guard's own refusals read well).
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}
