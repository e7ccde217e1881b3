package seclog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// redacted replaces the value of every sensitive key.
const redacted = "[REDACTED]"

const (
	truncMark       = "…[truncated]"
	defaultMaxStack = 16 << 10 // a goroutine stack of a few dozen frames
	maxDepth        = 8        // nesting deeper than this is replaced by tooDeep
	maxItems        = 64       // a map or slice keeps at most this many entries
	tooDeep         = "[too deep]"
)

// builtinFragments are key fragments that mark a secret wherever they occur
// in a normalised key (lower case, separators removed).
var builtinFragments = []string{
	"password", "passwd", "passphrase", "pwd", "secret", "token", "cookie",
	"authorization", "apikey", "privatekey", "credential", "sessionid",
	"csrf", "xsrf", "signature", "bearer",
}

// builtinExact are normalised keys that mark a secret only as a whole key
// (as fragments they would mask "author", "spin", "inside", ...).
var builtinExact = []string{"auth", "jwt", "otp", "pin", "sid"}

// schemaKeys are the top-level keys written by Logger itself. They are
// never masked (their values are still length-capped).
var schemaKeys = map[string]bool{
	"success": true, "ip": true, "user_agent": true, "user_id": true,
	"method": true, "path": true, "status": true, "request_id": true,
	"service": true, "details": true,
}

// redactor masks sensitive keys and caps values. It is immutable after
// newRedactor and safe for concurrent use.
type redactor struct {
	fragments []string
	exact     []string
	maxLen    int
	maxStack  int // the cap of string values under the key "stack"
}

func newRedactor(extra []string, maxLen int) (*redactor, error) {
	r := &redactor{
		fragments: append([]string(nil), builtinFragments...),
		exact:     builtinExact,
		maxLen:    maxLen,
		maxStack:  defaultMaxStack,
	}
	for _, k := range extra {
		n := normalizeKey(k)
		if n == "" {
			return nil, errors.Join(ErrInvalidConfig, fmt.Errorf("seclog: RedactKeys entry %q has no letter or digit", k))
		}
		r.fragments = append(r.fragments, n)
	}
	return r, nil
}

// normalizeKey lower-cases k and keeps only ASCII letters and digits, so
// that "X-CSRF-Token", "csrf_token" and "csrfToken" all read "csrftoken".
func normalizeKey(k string) string {
	var buf [128]byte
	b := buf[:0]
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
			b = append(b, c)
		case 'A' <= c && c <= 'Z':
			b = append(b, c+('a'-'A'))
		}
	}
	return string(b)
}

// sensitive reports whether a key names a secret.
func (r *redactor) sensitive(key string) bool {
	return r.sensitiveNorm(normalizeKey(key))
}

// sensitiveIn reports whether key names a secret by itself or together
// with the key of its parent object: {"session": {"id": ...}} reads
// "sessionid", {"api": {"key": ...}} reads "apikey".
func (r *redactor) sensitiveIn(parent, key string) bool {
	n := normalizeKey(key)
	if r.sensitiveNorm(n) {
		return true
	}
	return parent != "" && r.sensitiveNorm(normalizeKey(parent)+n)
}

func (r *redactor) sensitiveNorm(n string) bool {
	if n == "" {
		return false
	}
	for _, f := range r.fragments {
		if strings.Contains(n, f) {
			return true
		}
	}
	for _, e := range r.exact {
		if n == e {
			return true
		}
	}
	return false
}

// capString shortens s to at most maxLen bytes (plus the mark), cutting at
// a rune boundary.
func (r *redactor) capString(s string) string { return capTo(s, r.maxLen) }

// capStack is capString with the larger limit for stack traces.
func (r *redactor) capStack(s string) string { return capTo(s, max(r.maxStack, r.maxLen)) }

func capTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + truncMark
}

// replaceAttr is the slog.HandlerOptions.ReplaceAttr of the logger: it
// renames msg to event, writes times in UTC, masks sensitive keys (the key
// itself or any group it is in), caps strings, and turns maps, slices,
// structs and errors into redacted JSON-ready values.
func (r *redactor) replaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 {
		switch a.Key {
		case slog.MessageKey:
			a.Key = "event"
			a.Value = slog.StringValue(r.capString(a.Value.String()))
			return a
		case slog.TimeKey:
			if a.Value.Kind() == slog.KindTime {
				a.Value = slog.TimeValue(a.Value.Time().UTC())
			}
			return a
		case slog.LevelKey:
			return a
		}
		if schemaKeys[a.Key] {
			if a.Value.Kind() == slog.KindString {
				a.Value = slog.StringValue(r.capString(a.Value.String()))
			}
			return a
		}
	}
	parent := ""
	if len(groups) > 0 {
		parent = groups[len(groups)-1]
	}
	if r.sensitiveIn(parent, a.Key) {
		return slog.String(r.capString(a.Key), redacted)
	}
	for _, g := range groups {
		if r.sensitive(g) {
			return slog.String(r.capString(a.Key), redacted)
		}
	}
	a.Key = r.capString(a.Key)
	switch a.Value.Kind() {
	case slog.KindString:
		a.Value = slog.StringValue(r.capString(a.Value.String()))
	case slog.KindAny:
		a.Value = slog.AnyValue(r.clean(a.Key, a.Value.Any(), len(groups)))
	}
	return a
}

// clean returns a JSON-ready copy of v with sensitive keys masked, strings
// capped, and size and depth bounded. Types it does not know go through
// encoding/json first, so struct fields are seen by their JSON names.
func (r *redactor) clean(parent string, v any, depth int) (out any) {
	if depth > maxDepth {
		return tooDeep
	}
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return r.capString(x)
	case bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, json.Number:
		return x
	case []byte:
		return r.capString(string(x))
	case error:
		return r.capString(safeErrorString(x))
	case map[string]any:
		return r.cleanMap(len(x), func(yield func(string, any)) {
			for k, e := range x {
				yield(k, e)
			}
		}, parent, depth)
	case map[string]string:
		return r.cleanMap(len(x), func(yield func(string, any)) {
			for k, e := range x {
				yield(k, e)
			}
		}, parent, depth)
	case http.Header:
		return r.cleanMap(len(x), func(yield func(string, any)) {
			for k, e := range x {
				yield(k, e)
			}
		}, parent, depth)
	case map[string][]string:
		return r.cleanMap(len(x), func(yield func(string, any)) {
			for k, e := range x {
				yield(k, e)
			}
		}, parent, depth)
	case []any:
		return r.cleanSlice(len(x), func(i int) any { return x[i] }, parent, depth)
	case []string:
		return r.cleanSlice(len(x), func(i int) any { return x[i] }, parent, depth)
	case slog.Value:
		x = x.Resolve()
		if x.Kind() == slog.KindGroup {
			return r.clean(parent, x.Group(), depth)
		}
		return r.clean(parent, x.Any(), depth)
	case []slog.Attr:
		return r.cleanMap(len(x), func(yield func(string, any)) {
			for _, a := range x {
				yield(a.Key, a.Value)
			}
		}, parent, depth)
	}
	// Anything else: through its JSON form, which is what would be written.
	defer func() {
		if recover() != nil {
			out = fmt.Sprintf("[unloggable %T]", v)
		}
	}()
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("[unloggable %T]", v)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return fmt.Sprintf("[unloggable %T]", v)
	}
	return r.clean(parent, tree, depth)
}

// cleanMap copies a string-keyed map, masking sensitive keys. Keys are
// visited in sorted order so that truncation keeps the same entries every
// time.
func (r *redactor) cleanMap(n int, each func(yield func(string, any)), parent string, depth int) map[string]any {
	type kv struct {
		k string
		v any
	}
	all := make([]kv, 0, n)
	each(func(k string, v any) { all = append(all, kv{k, v}) })
	sort.Slice(all, func(i, j int) bool { return all[i].k < all[j].k })
	out := make(map[string]any, min(n, maxItems+1))
	for i, e := range all {
		if i == maxItems {
			out["…"] = fmt.Sprintf("%d more keys", n-maxItems)
			break
		}
		k := r.capString(e.k)
		if r.sensitiveIn(parent, e.k) {
			out[k] = redacted
			continue
		}
		out[k] = r.clean(e.k, e.v, depth+1)
	}
	return out
}

// cleanSlice copies a slice; its elements keep the slice's parent key, so
// {"session": [{"id": ...}]} is judged like {"session": {"id": ...}}.
func (r *redactor) cleanSlice(n int, at func(int) any, parent string, depth int) []any {
	out := make([]any, 0, min(n, maxItems+1))
	for i := 0; i < n; i++ {
		if i == maxItems {
			out = append(out, fmt.Sprintf("… %d more", n-maxItems))
			break
		}
		out = append(out, r.clean(parent, at(i), depth+1))
	}
	return out
}
