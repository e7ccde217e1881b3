package validate

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/respond"
)

// msgUTF8 is the message of a string that is not UTF-8, as package input
// words it.
const msgUTF8 = "must be valid UTF-8"

// checkText returns a 400 [*input.Error] naming the first string of v (a
// struct, through pointers, slices, arrays, maps and interfaces) that is
// not valid UTF-8, or nil. Values bound by [input.Decoder] are text
// already; this stops a form read with ParseForm ("name=%ff%fe") from
// being normalised into U+FFFD and stored, silently changed.
func checkText(v reflect.Value) error {
	if p, ok := firstBadText(v); ok {
		// A path below the root struct starts with its field's ".".
		p = strings.TrimPrefix(p, ".")
		return input.FieldErrors(respond.FieldError{Type: "field", Location: "body", Path: p, Msg: msgUTF8})
	}
	return nil
}

// firstBadText reports whether v holds a string that is not valid UTF-8,
// and the path of the first one relative to v (".name", "[2]", `["k"]`).
// The path is built only once one is found: Check runs at every request.
func firstBadText(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return "", !utf8.ValidString(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return firstBadText(v.Elem())
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if p, bad := firstBadText(v.Field(i)); bad {
				name := jsonName(f)
				if name == "" {
					name = f.Name
				}
				return "." + name + p, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // []byte is data, not text
		}
		for i := range v.Len() {
			if p, bad := firstBadText(v.Index(i)); bad {
				return "[" + strconv.Itoa(i) + "]" + p, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := it.Key()
			p, bad := "", k.Kind() == reflect.String && !utf8.ValidString(k.String())
			if !bad {
				p, bad = firstBadText(it.Value())
			}
			if !bad {
				continue
			}
			if k.Kind() == reflect.String {
				// Named with U+FFFD for what is not text, as input does.
				return "[" + strconv.Quote(string([]rune(k.String()))) + "]" + p, true
			}
			return "[" + fmt.Sprint(k) + "]" + p, true
		}
	}
	return "", false
}
