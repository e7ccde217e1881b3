package normalize

import (
	"fmt"
	"html"
	"net/mail"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/harden-go/harden/input/internal/mailaddr"
)

// builtin holds the built-in normalisers, by tag name.
var builtin = map[string]func(string) string{
	"trim":     strings.TrimSpace,
	"lower":    strings.ToLower,
	"upper":    strings.ToUpper,
	"nfc":      nfc,
	"nfkc":     nfkc,
	"stripctl": stripControl,
	"squash":   squash,
	"email":    normalizeEmail,
	"escape":   html.EscapeString,
}

// NFC returns s in Unicode Normalization Form C, so that visually equal
// strings ("é" as one code point or as "e" and a combining accent) compare
// and count equal.
func nfc(s string) string { return norm.NFC.String(s) }

// NFKC returns s in Normalization Form KC, which also folds compatibility
// forms (fullwidth letters, ligatures): for identifiers such as user names.
func nfkc(s string) string { return norm.NFKC.String(s) }

// isStripped reports whether stripControl removes r: C0 and C1 control
// characters other than tab, line feed and carriage return, DEL, and the
// invisible format characters that reorder or hide text (bidirectional
// embeddings, overrides and isolates, zero-width characters, the BOM).
func isStripped(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20 || 0x7f <= r && r <= 0x9f:
		return true
	case 0x200b <= r && r <= 0x200f, 0x202a <= r && r <= 0x202e, 0x2060 <= r && r <= 0x2069, r == 0xfeff:
		return true
	}
	return false
}

// stripControl removes control characters from s (see isStripped); tab,
// line feed and carriage return stay. Invalid UTF-8 bytes are replaced
// with U+FFFD.
func stripControl(s string) string {
	clean := true
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				clean = false
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isStripped(r) || r == utf8.RuneError && size == 1 {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s { // invalid bytes arrive as U+FFFD
		if !isStripped(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// squash replaces every run of white space (including newlines) inside s
// with one space and trims both ends: for one-line fields such as names.
func squash(s string) string {
	if squashed(s) {
		return s
	}
	f := strings.Fields(s)
	if len(f) == 1 {
		return f[0]
	}
	return strings.Join(f, " ")
}

// squashed reports whether s is ASCII with no white space but single
// spaces between other characters: squash's own result, computed without
// splitting (FuzzSquashFastPath compares them).
func squashed(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' {
		return s == ""
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf, c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			return false
		case c == ' ' && s[i-1] == ' ':
			return false
		}
	}
	return true
}

// normalizeEmail returns the canonical form of an email address: trimmed,
// NFC, parsed with net/mail, and lower-cased as a whole (local part
// included, as most providers and express-validator's normalizeEmail do).
// A value that is not a single bare address (a display name, a list,
// garbage) is returned trimmed and otherwise unchanged, for validation to
// refuse.
func normalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if mailaddr.Plain(s) {
		// ASCII, so NFC leaves it alone, and net/mail returns it as is
		// (FuzzPlain): skip both.
		return strings.ToLower(s)
	}
	a, err := mail.ParseAddress(nfc(s))
	if err != nil || a.Name != "" {
		return s
	}
	return strings.ToLower(a.Address)
}

// Normalizer applies the `normalize` struct tag: a comma-separated list
// of normaliser names applied in order to a string field, to every element
// of a []string field, and through nested and pointed-to structs and
// slices of them.
//
//	type Contact struct {
//		Name  string `json:"name"  normalize:"trim,nfc,stripctl,squash"`
//		Email string `json:"email" normalize:"email"`
//	}
//
// Built-in names: trim, lower, upper, nfc, nfkc, stripctl, squash, email,
// escape (HTML escaping, for a field that must be stored escaped). More are
// added with [New] (package validate adds sanitize's richtext and strict).
// Maps are not walked. A Normalizer is safe for concurrent use.
type Normalizer struct {
	funcs map[string]func(string) string
	plans sync.Map // reflect.Type → *plan
}

// New returns a Normalizer with the built-in normalisers and extra. A name
// in extra that is empty, holds "," or "=", or is already taken is an
// error.
func New(extra map[string]func(string) string) (*Normalizer, error) {
	n := &Normalizer{funcs: make(map[string]func(string) string, len(builtin)+len(extra))}
	for k, f := range builtin {
		n.funcs[k] = f
	}
	for k, f := range extra {
		if k == "" || strings.ContainsAny(k, ",= ") {
			return nil, fmt.Errorf("input: normaliser name %q is not valid", k)
		}
		if _, ok := n.funcs[k]; ok {
			return nil, fmt.Errorf("input: normaliser %q is already defined", k)
		}
		if f == nil {
			return nil, fmt.Errorf("input: normaliser %q is nil", k)
		}
		n.funcs[k] = f
	}
	return n, nil
}

// Normalize applies the `normalize` tags of the struct that v points to,
// in place. An unknown normaliser name is an error (a programming error:
// check types at start-up with [Normalizer.Prepare]).
func (n *Normalizer) Normalize(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("input: Normalize needs a non-nil pointer, not %T", v)
	}
	p, err := n.plan(rv.Type().Elem())
	if err != nil {
		return err
	}
	p.apply(rv.Elem())
	return nil
}

// Prepare checks the `normalize` tags of the type of v (a struct or a
// pointer to one) and caches what Normalize does with it.
func (n *Normalizer) Prepare(v any) error {
	t := reflect.TypeOf(v)
	if t == nil {
		return fmt.Errorf("input: Prepare needs a struct type")
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	_, err := n.plan(t)
	return err
}

// plan is what Normalize does to one type.
type plan struct {
	kind   reflect.Kind // Struct, String, Slice, Array, Pointer
	funcs  []func(string) string
	fields []fieldPlan
	elem   *plan
}

type fieldPlan struct {
	index int
	p     *plan
}

func (n *Normalizer) plan(t reflect.Type) (*plan, error) {
	if p, ok := n.plans.Load(t); ok {
		return p.(*plan), nil
	}
	p, err := n.build(t, nil, map[reflect.Type]*plan{})
	if err != nil {
		return nil, err
	}
	if p == nil {
		p = &plan{}
	}
	n.plans.Store(t, p)
	return p, nil
}

// build returns the plan for a value of type t that gets funcs, or nil when
// there is nothing to do.
func (n *Normalizer) build(t reflect.Type, funcs []func(string) string, seen map[reflect.Type]*plan) (*plan, error) {
	switch t.Kind() {
	case reflect.String:
		if len(funcs) == 0 {
			return nil, nil
		}
		return &plan{kind: reflect.String, funcs: funcs}, nil
	case reflect.Pointer, reflect.Slice, reflect.Array:
		e, err := n.build(t.Elem(), funcs, seen)
		if err != nil || e == nil {
			return nil, err
		}
		return &plan{kind: t.Kind(), elem: e}, nil
	case reflect.Struct:
		if len(funcs) > 0 {
			return nil, fmt.Errorf("input: normalize tag on %s, which is not a string", t)
		}
		if p, ok := seen[t]; ok {
			return p, nil // recursive type: the plan being built
		}
		p := &plan{kind: reflect.Struct}
		seen[t] = p
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("normalize")
			var ff []func(string) string
			if tag != "" && tag != "-" {
				for _, name := range strings.Split(tag, ",") {
					name = strings.TrimSpace(name)
					fn, ok := n.funcs[name]
					if !ok {
						return nil, fmt.Errorf("input: %s.%s: unknown normaliser %q", t, f.Name, name)
					}
					ff = append(ff, fn)
				}
				if !stringish(f.Type) {
					return nil, fmt.Errorf("input: %s.%s: normalize tag on a field that holds no strings", t, f.Name)
				}
			}
			fp, err := n.build(f.Type, ff, seen)
			if err != nil {
				return nil, err
			}
			if fp != nil {
				p.fields = append(p.fields, fieldPlan{index: i, p: fp})
			}
		}
		if len(p.fields) == 0 {
			delete(seen, t)
			return nil, nil
		}
		return p, nil
	}
	if len(funcs) > 0 {
		return nil, fmt.Errorf("input: normalize tag on %s, which is not a string", t)
	}
	return nil, nil
}

// stringish reports whether t is a string, or a pointer, slice or array of
// them.
func stringish(t reflect.Type) bool {
	for {
		switch t.Kind() {
		case reflect.String:
			return true
		case reflect.Pointer, reflect.Slice, reflect.Array:
			t = t.Elem()
		default:
			return false
		}
	}
}

func (p *plan) apply(v reflect.Value) {
	switch p.kind {
	case reflect.String:
		s := v.String()
		for _, f := range p.funcs {
			s = f(s)
		}
		if v.CanSet() {
			v.SetString(s)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			p.elem.apply(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			p.elem.apply(v.Index(i))
		}
	case reflect.Struct:
		for _, f := range p.fields {
			f.p.apply(v.Field(f.index))
		}
	}
}
