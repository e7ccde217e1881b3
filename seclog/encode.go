package seclog

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The event line is encoded here rather than through slog.JSONHandler:
// the schema is fixed, so a direct encoder keeps one denial well under the
// 2 µs budget and writes "details":{} even when there are none. The
// escaping follows encoding/json (control bytes as \uXXXX, invalid UTF-8
// as \ufffd, U+2028/U+2029 escaped), which FuzzAppendString checks.

var bufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 1024)
	return &b
}}

const maxPooledBuf = 64 << 10

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendString(dst, strconv.FormatFloat(f, 'g', -1, 64))
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

func appendAddr(dst []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return append(dst, `""`...)
	}
	if a.Zone() != "" { // a zone is free text: escape it
		return appendString(dst, a.String())
	}
	dst = append(dst, '"')
	dst = a.AppendTo(dst)
	return append(dst, '"')
}

// appendAttrs appends attrs as the members of an object (without braces),
// redacted. parent is the key of the enclosing object; first reports
// whether no member has been written yet. It returns the new first.
func (r *redactor) appendAttrs(dst []byte, attrs []slog.Attr, parent string, depth int, first bool) ([]byte, bool) {
	for _, a := range attrs {
		a.Value = a.Value.Resolve()
		if a.Key == "" {
			if a.Value.Kind() == slog.KindGroup { // slog inlines a group without a key
				dst, first = r.appendAttrs(dst, a.Value.Group(), parent, depth, first)
			}
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, r.capString(a.Key))
		dst = append(dst, ':')
		if r.sensitiveIn(parent, a.Key) {
			dst = appendString(dst, redacted)
			continue
		}
		dst = r.appendValue(dst, a.Key, a.Value, depth)
	}
	return dst, first
}

func (r *redactor) appendValue(dst []byte, key string, v slog.Value, depth int) []byte {
	switch v.Kind() {
	case slog.KindString:
		if key == "stack" {
			return appendString(dst, r.capStack(v.String()))
		}
		return appendString(dst, r.capString(v.String()))
	case slog.KindInt64:
		return strconv.AppendInt(dst, v.Int64(), 10)
	case slog.KindUint64:
		return strconv.AppendUint(dst, v.Uint64(), 10)
	case slog.KindFloat64:
		return appendFloat(dst, v.Float64())
	case slog.KindBool:
		return strconv.AppendBool(dst, v.Bool())
	case slog.KindDuration:
		return strconv.AppendInt(dst, int64(v.Duration()), 10) // as slog.JSONHandler
	case slog.KindTime:
		return appendTime(dst, v.Time())
	case slog.KindGroup:
		if depth+1 > maxDepth {
			return appendString(dst, tooDeep)
		}
		dst = append(dst, '{')
		dst, _ = r.appendAttrs(dst, v.Group(), key, depth+1, true)
		return append(dst, '}')
	default: // KindAny (LogValuers are resolved by the caller)
		return appendTree(dst, r.clean(key, v.Any(), depth+1))
	}
}

// appendTree appends a value made by redactor.clean.
func appendTree(dst []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case string:
		return appendString(dst, x)
	case bool:
		return strconv.AppendBool(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10)
	case int8:
		return strconv.AppendInt(dst, int64(x), 10)
	case int16:
		return strconv.AppendInt(dst, int64(x), 10)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10)
	case uint64:
		return strconv.AppendUint(dst, x, 10)
	case float32:
		return appendFloat(dst, float64(x))
	case float64:
		return appendFloat(dst, x)
	case json.Number:
		if validNumber(string(x)) {
			return append(dst, x...)
		}
		return appendString(dst, string(x))
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, k)
			dst = append(dst, ':')
			dst = appendTree(dst, x[k])
		}
		return append(dst, '}')
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendTree(dst, e)
		}
		return append(dst, ']')
	}
	// clean never returns other types; be safe anyway.
	return appendString(dst, "[unloggable]")
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	return json.Valid([]byte(s))
}
