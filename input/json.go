package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// defaultMaxDepth is the default bound on JSON nesting: objects and arrays
// inside each other, the top-level value counting as 1.
const defaultMaxDepth = 32

// JSONConfig configures a strict JSON [Decoder].
type JSONConfig struct {
	// MaxBytes caps the body. Default 10 KiB.
	MaxBytes int64 `json:"max_bytes,omitempty" yaml:"max_bytes,omitempty"`
	// MaxDepth bounds the nesting of objects and arrays. Default 32.
	MaxDepth int `json:"max_depth,omitempty" yaml:"max_depth,omitempty"`
	// Keys says what happens to object keys that begin with "$", contain
	// "." or are "__proto__" or "constructor", wherever they appear, except
	// for the declared fields of a struct destination: refused with 400
	// (KeysRefuse, the default) or removed before decoding (KeysStrip).
	Keys KeyPolicy `json:"keys,omitempty" yaml:"keys,omitempty"`
	// Types lists the accepted media types. Default: application/json.
	// A charset parameter, when present, must be utf-8.
	Types []string `json:"types,omitempty" yaml:"types,omitempty"`
	// UseNumber decodes numbers inside interface{} values as json.Number
	// instead of float64, so that large integers keep their precision.
	UseNumber bool `json:"use_number,omitempty" yaml:"use_number,omitempty"`
	// Forms also binds application/x-www-form-urlencoded and
	// multipart/form-data bodies, to the same structs with the same rules:
	// each field is named by its json tag, a repeated name fills a slice
	// field and is refused for any other, and the key guard applies to
	// names with their bracketed segments ("password[$ne]"). Files in a
	// multipart body are refused (use [Upload]). Only a struct
	// destination binds a form. A cross-site page can post a form
	// without a CORS preflight, so turn this on behind CSRF protection.
	// Default: false (JSON only).
	Forms bool `json:"forms,omitempty" yaml:"forms,omitempty"`
	// IgnoreFormFields lists form field names skipped when binding a
	// form. Default: "_csrf", the CSRF token field, which the csrf layer
	// reads.
	IgnoreFormFields []string `json:"ignore_form_fields,omitempty" yaml:"ignore_form_fields,omitempty"`
}

// Decoder decodes JSON request bodies strictly into typed values.
//
// It refuses, before the destination is touched:
//   - a body over MaxBytes (413) or of another media type (415; a form
//     is bound instead when [JSONConfig].Forms is set: it is turned into
//     the JSON object it stands for and decoded by the same scanner, so
//     the same fields, rules, limits and messages apply);
//   - an empty body, malformed JSON, and anything after the first value
//     (400 with {"error": ...});
//   - a string or key that is not UTF-8 text: bytes that are not UTF-8,
//     or a \u escape of a lone surrogate (400 "must be valid UTF-8"
//     naming the field; RFC 8259 §8.1 requires UTF-8, and encoding/json
//     would silently store U+FFFD in its place);
//   - nesting deeper than MaxDepth, a key that appears twice in one
//     object, a key refused by the guard (see [CheckKey]), a key that is not
//     a field of the destination struct (matched exactly, not
//     case-insensitively as encoding/json would), and a value of the wrong
//     type or out of range (400 with {"errors": [...]} naming the field
//     path, such as "items[2].price").
//
// Messages are fixed English phrases; no Go type name, offset or submitted
// value appears in them. Null is accepted for any field and leaves it
// unchanged, as in encoding/json; use validation ("required") to refuse
// missing values.
//
// A Decoder is safe for concurrent use.
type Decoder struct {
	maxBytes  int64
	maxDepth  int
	strip     bool
	types     map[string]bool
	useNumber bool
	forms     bool
	ignore    map[string]bool // form fields skipped
}

// NewDecoder returns a Decoder for cfg, or an error naming what is wrong.
func NewDecoder(cfg JSONConfig) (*Decoder, error) {
	d := &Decoder{maxBytes: cfg.MaxBytes, maxDepth: cfg.MaxDepth, strip: cfg.Keys == KeysStrip,
		types: map[string]bool{}, useNumber: cfg.UseNumber, forms: cfg.Forms, ignore: map[string]bool{}}
	if d.maxBytes < 0 {
		return nil, fmt.Errorf("input: JSONConfig.MaxBytes is negative (%d)", d.maxBytes)
	}
	if d.maxBytes == 0 {
		d.maxBytes = defaultMaxBytes
	}
	if d.maxDepth < 0 {
		return nil, fmt.Errorf("input: JSONConfig.MaxDepth is negative (%d)", d.maxDepth)
	}
	if d.maxDepth == 0 {
		d.maxDepth = defaultMaxDepth
	}
	if err := cfg.Keys.check(); err != nil {
		return nil, err
	}
	types := cfg.Types
	if len(types) == 0 {
		types = []string{"application/json"}
	}
	for _, t := range types {
		mt, _, err := mime.ParseMediaType(t)
		if err != nil || strings.Contains(mt, "*") {
			return nil, fmt.Errorf("input: JSONConfig.Types: %q is not a media type", t)
		}
		d.types[mt] = true
	}
	ignore := cfg.IgnoreFormFields
	if ignore == nil {
		ignore = defaultIgnoreFormFields
	}
	for _, name := range ignore {
		d.ignore[name] = true
	}
	return d, nil
}

var defaultDecoder, _ = NewDecoder(JSONConfig{})

// DecodeJSON decodes r's body into dst with the default [Decoder] and
// answers a refusal itself; it reports whether dst was filled.
//
//	var c Contact
//	if !input.DecodeJSON(w, r, &c) {
//		return
//	}
func DecodeJSON(w http.ResponseWriter, r *http.Request, dst any) bool {
	return defaultDecoder.Bind(w, r, dst)
}

// Bind decodes r's body into dst; on failure it answers the refusal through
// the shared responder and returns false.
func (d *Decoder) Bind(w http.ResponseWriter, r *http.Request, dst any) bool {
	if err := d.decode(w, r, dst); err != nil {
		Reject(w, r, err)
		return false
	}
	return true
}

// decode reads r's body (checking its Content-Type and size) and decodes
// it into dst, a non-nil pointer. Errors are [*Error] values.
func (d *Decoder) decode(w http.ResponseWriter, r *http.Request, dst any) error {
	ct := r.Header.Get("Content-Type")
	form := d.isForm(ct)
	if !form && !typeAllowed(ct, d.types) {
		return ErrUnsupportedMediaType
	}
	buf, err := readBody(w, r, d.maxBytes)
	if err != nil {
		return err
	}
	defer putBuffer(buf)
	if form {
		return d.decodeForm(buf.Bytes(), ct, dst)
	}
	return d.Unmarshal(buf.Bytes(), dst)
}

// Unmarshal decodes the JSON document data into dst, a non-nil pointer,
// with every check of [Decoder] but the media type and size.
func (d *Decoder) Unmarshal(data []byte, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("input: Unmarshal destination must be a non-nil pointer")
	}
	data, err := d.check(data, rv.Type().Elem())
	if err != nil {
		return err
	}
	// The scan has refused every key that is not a field, so plain
	// Unmarshal suffices; a Decoder is needed only for UseNumber.
	if sc := schemaOf(rv.Type().Elem()); sc.flat && rv.Elem().Kind() == reflect.Struct {
		fillFlat(data, rv.Elem(), sc)
		return nil
	}
	if d.useNumber {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		dec.UseNumber()
		err = dec.Decode(dst)
	} else {
		err = json.Unmarshal(data, dst)
	}
	if err != nil {
		// The scan agrees with encoding/json on syntax, fields and kinds, so
		// this is a value a type refused (a custom UnmarshalJSON or
		// UnmarshalText, a ",string" field). Name the field when known;
		// never show the Go error, which may quote the value.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return fieldError(locationBody, jsonFieldPath(te.Field), "is invalid")
		}
		return errInvalidBody
	}
	return nil
}

// jsonFieldPath shows an encoding/json field path ("a.b.c") the way the
// scanner does, cut to the same length.
func jsonFieldPath(f string) string {
	var p path
	for _, k := range strings.Split(f, ".") {
		p.pushKey(k)
	}
	return p.String()
}

// check runs the scan of [Decoder.Unmarshal] over data for a destination of
// type t (nil: any value) and returns the document to decode: data itself,
// or a copy without stripped keys under KeysStrip.
func (d *Decoder) check(data []byte, t reflect.Type) ([]byte, error) {
	var sc *schema
	if t != nil {
		sc = schemaOf(t)
	}
	s := scanner{data: data, maxDepth: d.maxDepth, guard: true, strip: d.strip, text: true}
	if !s.document(sc) {
		return nil, s.err
	}
	if s.stripped {
		s = scanner{data: data, maxDepth: d.maxDepth, guard: true, strip: true, text: true, out: make([]byte, 0, len(data))}
		if !s.document(sc) {
			return nil, s.err
		}
		return s.out, nil
	}
	return data, nil
}

// fillFlat decodes data, a document the scan accepted for the flat struct
// schema sc (null, or an object whose keys are all string fields, each at
// most once, with string or null values), into the struct v as
// encoding/json would: escapes decoded, null leaving the field unchanged
// (the scan has refused invalid UTF-8 and lone surrogates). The values share one
// allocation. FuzzDecodeFlat compares it with encoding/json.
func fillFlat(data []byte, v reflect.Value, sc *schema) {
	type span struct{ field, start, end int }
	var (
		spanArr [8]span
		spans   = spanArr[:0]
		bufArr  [512]byte
		buf     = bufArr[:0]
	)
	s := scanner{data: data}
	s.ws()
	if s.data[s.pos] == 'n' {
		return // a null document leaves the struct unchanged
	}
	s.pos++ // '{'
	for {
		s.ws()
		if s.data[s.pos] == '}' {
			break
		}
		raw, escaped, _ := s.str()
		key := raw
		if needsFix(raw, escaped) {
			key = unescape(nil, raw)
		}
		s.ws()
		s.pos++ // ':'
		s.ws()
		if s.data[s.pos] == 'n' {
			s.pos += len("null")
		} else {
			raw, escaped, _ := s.str()
			start := len(buf)
			if needsFix(raw, escaped) {
				buf = unescape(buf, raw)
			} else {
				buf = append(buf, raw...)
			}
			spans = append(spans, span{sc.index[sc.fields[string(key)]], start, len(buf)})
		}
		s.ws()
		if s.data[s.pos] == ',' {
			s.pos++
		}
	}
	all := string(buf)
	for _, sp := range spans {
		v.Field(sp.field).SetString(all[sp.start:sp.end])
	}
}
