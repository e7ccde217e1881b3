package input

import (
	"fmt"
	"strings"
)

// KeyPolicy says what happens to a refused key (see [CheckKey]).
type KeyPolicy string

const (
	// KeysRefuse answers 400 naming the key's path. It is the default ("").
	KeysRefuse KeyPolicy = "refuse"
	// KeysStrip removes the key and its value, silently, before decoding.
	KeysStrip KeyPolicy = "strip"
)

func (p KeyPolicy) check() error {
	switch p {
	case "", KeysRefuse, KeysStrip:
		return nil
	}
	return fmt.Errorf("input: unknown key policy %q (want %q or %q)", string(p), KeysRefuse, KeysStrip)
}

// Messages of the key guard.
const (
	msgKeyDollar   = `must not start with "$"`
	msgKeyDot      = `must not contain "."`
	msgKeyReserved = "is a reserved name"
)

// CheckKey reports why an object key is refused by the NoSQL-operator and
// prototype guard, or "" when it is allowed. Refused are keys that begin
// with "$" (MongoDB query and update operators such as $where, $ne, $gt),
// keys that contain "." (a path into a nested document), and the names
// "__proto__" and "constructor" (prototype pollution in JavaScript
// consumers of the same data).
func CheckKey(key string) string {
	if key == "" {
		return ""
	}
	if key[0] == '$' {
		return msgKeyDollar
	}
	if strings.IndexByte(key, '.') >= 0 {
		return msgKeyDot
	}
	if key == "__proto__" || key == "constructor" {
		return msgKeyReserved
	}
	return ""
}

// checkKeyBytes is CheckKey without a conversion.
func checkKeyBytes(key []byte) string {
	if len(key) == 0 {
		return ""
	}
	if key[0] == '$' {
		return msgKeyDollar
	}
	for _, c := range key {
		if c == '.' {
			return msgKeyDot
		}
	}
	if string(key) == "__proto__" || string(key) == "constructor" {
		return msgKeyReserved
	}
	return ""
}

// checkParamKey applies the guard to a query or form key. Besides the
// whole key it checks every bracketed segment, so that "user[$ne]" and
// "a[__proto__][x]" are refused too: Express-style parsers turn them into
// nested objects, and a Go service may hand them on to one.
func checkParamKey(key string) string {
	if msg := CheckKey(key); msg != "" {
		return msg
	}
	if strings.IndexByte(key, '[') < 0 {
		return ""
	}
	for _, seg := range strings.FieldsFunc(key, func(r rune) bool { return r == '[' || r == ']' }) {
		if msg := CheckKey(seg); msg != "" {
			return msg
		}
	}
	return ""
}

// CheckParamName applies the NoSQL-operator guard to one parameter name
// (a query, form or multipart field name) with its bracketed segments, as
// [Params] does, and returns the same 400 [*Error] (location "query" or
// "body"), or nil. It is for callers that read parameters themselves, such
// as a proxy checking multipart field names it forwards untouched.
func CheckParamName(location, name string) error {
	if msg := checkParamKey(name); msg != "" {
		return fieldError(location, paramPath(name), msg)
	}
	return nil
}

// CheckKeys walks a decoded JSON value (map[string]any, []any and scalars,
// as produced by encoding/json into an any) and returns a 400 [*Error]
// naming the path of the first refused key, or nil.
func CheckKeys(v any) error {
	var p path
	if msg := checkTree(v, &p); msg != "" {
		return fieldError(locationBody, p.String(), msg)
	}
	return nil
}

func checkTree(v any, p *path) string {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			p.pushKey(k)
			if msg := CheckKey(k); msg != "" {
				return msg
			}
			if msg := checkTree(e, p); msg != "" {
				return msg
			}
			p.pop()
		}
	case []any:
		for i, e := range t {
			p.pushIndex(i)
			if msg := checkTree(e, p); msg != "" {
				return msg
			}
			p.pop()
		}
	}
	return ""
}
