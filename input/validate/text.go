package validate

import (
	"fmt"
	"reflect"
	"strconv"
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
	if p, ok := firstBadText(v, ""); ok {
		return input.FieldErrors(respond.FieldError{Type: "field", Location: "body", Path: p, Msg: msgUTF8})
	}
	return nil
}

func firstBadText(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return path, !utf8.ValidString(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return firstBadText(v.Elem(), path)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := jsonName(f)
			if name == "" {
				name = f.Name
			}
			if p, bad := firstBadText(v.Field(i), join(path, name)); bad {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", false // []byte is data, not text
		}
		for i := range v.Len() {
			if p, bad := firstBadText(v.Index(i), path+"["+strconv.Itoa(i)+"]"); bad {
				return p, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			k := it.Key()
			kp := path + "[" + fmt.Sprint(k) + "]"
			if k.Kind() == reflect.String {
				// Named with U+FFFD for what is not text, as input does.
				kp = path + "[" + strconv.Quote(string([]rune(k.String()))) + "]"
				if !utf8.ValidString(k.String()) {
					return kp, true
				}
			}
			if p, bad := firstBadText(it.Value(), kp); bad {
				return p, true
			}
		}
	}
	return "", false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
