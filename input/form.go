package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"
)

// The form media types a [Decoder] binds when [JSONConfig].Forms is set.
const (
	typeURLEncoded = "application/x-www-form-urlencoded"
	typeMultipart  = "multipart/form-data"
)

// defaultIgnoreFormFields are the form fields a [Decoder] skips by
// default: the CSRF token field, which the csrf layer reads.
var defaultIgnoreFormFields = []string{"_csrf"}

// formField is one name and value of a form body, in the order sent.
type formField struct{ name, value string }

// isForm reports whether the Content-Type ct is a form type d binds.
func (d *Decoder) isForm(ct string) bool {
	if !d.forms {
		return false
	}
	mt := mediaType(ct)
	return mt == typeURLEncoded || mt == typeMultipart
}

// decodeForm binds the form body buf, of Content-Type ct, to dst as the
// equivalent JSON object (see unmarshalForm).
func (d *Decoder) decodeForm(buf []byte, ct string, dst any) error {
	if len(bytes.TrimSpace(buf)) == 0 {
		return errEmptyBody
	}
	if mediaType(ct) != typeMultipart {
		return d.unmarshalForm(buf, dst)
	}
	fields, err := parseMultipartFields(buf, ct, defaultMaxParams)
	if err != nil {
		return err
	}
	return d.bindFields(fields, dst)
}

// unmarshalForm binds the urlencoded form body data to dst, a non-nil
// pointer to a struct, with every check of [Decoder.Unmarshal]: the form
// is turned into the JSON object it stands for and decoded by the same
// scanner, so the same fields, rules, limits and messages apply.
func (d *Decoder) unmarshalForm(data []byte, dst any) error {
	fields, err := parseURLEncoded(string(data), defaultMaxParams)
	if err != nil {
		return err
	}
	return d.bindFields(fields, dst)
}

// parseURLEncoded splits a form body as url.ParseQuery does, keeping the
// order and every repetition; it fails where url.ParseQuery fails and on
// more than max fields.
func parseURLEncoded(raw string, max int) ([]formField, error) {
	var fields []formField
	for piece := range strings.SplitSeq(raw, "&") {
		if piece == "" {
			continue
		}
		if strings.IndexByte(piece, ';') >= 0 {
			return nil, errMalformedForm
		}
		name, value, _ := strings.Cut(piece, "=")
		name, err1 := url.QueryUnescape(name)
		value, err2 := url.QueryUnescape(value)
		if err1 != nil || err2 != nil {
			return nil, errMalformedForm
		}
		if len(fields) == max {
			return nil, errTooManyParams
		}
		fields = append(fields, formField{name, value})
	}
	return fields, nil
}

// parseMultipartFields reads the fields of a multipart/form-data body.
// A file part is refused: files go through [Upload], which sniffs and
// bounds them.
func parseMultipartFields(body []byte, ct string, max int) ([]formField, error) {
	_, params, err := mime.ParseMediaType(ct)
	if err != nil || params["boundary"] == "" {
		return nil, ErrMalformedMultipart
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var fields []formField
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			if len(fields) == 0 {
				// No part at all: the boundary was never found.
				return nil, ErrMalformedMultipart
			}
			return fields, nil
		}
		if err != nil {
			return nil, ErrMalformedMultipart
		}
		if p.FileName() != "" {
			return nil, errUnexpectedFile
		}
		name := p.FormName()
		if name == "" {
			return nil, ErrMalformedMultipart
		}
		var v strings.Builder
		if _, err := io.Copy(&v, p); err != nil {
			return nil, ErrMalformedMultipart
		}
		if len(fields) == max {
			return nil, errTooManyFields
		}
		fields = append(fields, formField{name, v.String()})
	}
}

// bindFields turns fields into the JSON object they stand for, by the
// schema of dst's struct type, and decodes it with [Decoder.Unmarshal].
func (d *Decoder) bindFields(fields []formField, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("input: form destination must be a non-nil pointer")
	}
	sc := schemaOf(rv.Type().Elem())
	if sc.kind != kStruct {
		// Only a struct names its fields; a form bound to a map or an
		// interface would take any key.
		return ErrUnsupportedMediaType
	}
	// Group repeated names, keeping the order of first appearance.
	var order []string
	values := map[string][]string{}
	for _, f := range fields {
		// A name or value that is not UTF-8 ("name=%ff%fe") would reach
		// the document as U+FFFD, silently changed: refused, as in JSON.
		if !utf8.ValidString(f.name) {
			// Named with U+FFFD for what is not text, as a JSON key is.
			return fieldError(locationBody, paramPath(string([]rune(f.name))), msgUTF8)
		}
		if d.ignore[f.name] {
			continue
		}
		if !utf8.ValidString(f.value) {
			return fieldError(locationBody, paramPath(f.name), msgUTF8)
		}
		// "password[$ne]=x" is how an Express-style parser is made to
		// build {"password":{"$ne":"x"}}: refused by name, before the
		// field lookup, with the message a query parameter gets.
		if err := CheckParamName(locationBody, f.name); err != nil {
			if d.strip {
				continue // KeysStrip: dropped, as from a JSON body
			}
			return err
		}
		if _, seen := values[f.name]; !seen {
			order = append(order, f.name)
		}
		values[f.name] = append(values[f.name], f.value)
	}
	doc := make([]byte, 0, 64)
	doc = append(doc, '{')
	for i, name := range order {
		vs := values[name]
		idx, known := sc.fields[name]
		if !known {
			return fieldError(locationBody, paramPath(name), msgUnknown)
		}
		fs := sc.types[idx]
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = appendJSONString(doc, name)
		doc = append(doc, ':')
		switch fs.kind {
		case kSlice, kArray:
			doc = append(doc, '[')
			for j, v := range vs {
				if j > 0 {
					doc = append(doc, ',')
				}
				doc = appendFormValue(doc, v, fs.elem)
			}
			doc = append(doc, ']')
		default:
			if len(vs) > 1 {
				// Parameter pollution: two values for one field. A
				// [Params] layer in front resolves repeats by its policy
				// before this sees them; what reaches here is refused.
				return fieldError(locationBody, paramPath(name), msgRepeated)
			}
			doc = appendFormValue(doc, vs[0], fs)
		}
	}
	doc = append(doc, '}')
	return d.Unmarshal(doc, dst)
}

// appendFormValue appends the JSON value that the form value v stands for
// in a field of schema fs: a number or boolean literal where the field
// takes one and v is one, null for an empty number or boolean (as an empty
// input sends), else a string, which the scanner refuses with the field's
// message ("must be an integer") when the field does not take one.
func appendFormValue(doc []byte, v string, fs *schema) []byte {
	if fs == nil {
		return appendJSONString(doc, v)
	}
	switch fs.kind {
	case kBool:
		switch v {
		case "true", "on": // "on" is what a checked checkbox sends
			return append(doc, "true"...)
		case "false":
			return append(doc, "false"...)
		case "":
			return append(doc, "null"...)
		}
	case kInt, kUint, kFloat, kNumber:
		if v == "" {
			return append(doc, "null"...)
		}
		if isJSONNumber(v) {
			return append(doc, v...)
		}
	}
	return appendJSONString(doc, v)
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		start := i + 1
		if i = skipDigits(s, start); i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		if i = skipDigits(s, i); i == start {
			return false
		}
	}
	return i == len(s)
}

// skipDigits returns the index of the first byte at or after i in s that
// is not an ASCII digit.
func skipDigits(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

func appendJSONString(doc []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(doc, b...)
}
