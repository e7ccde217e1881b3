package configfile

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Format is a file format.
type Format int

// The formats.
const (
	Auto Format = iota // by extension, else by content
	JSON
	YAML
)

// ErrEmpty is returned for a file with no settings.
var ErrEmpty = errors.New("configfile: the file is empty")

// Load reads the file at path and decodes it into v, a pointer to a struct.
// Errors name the file.
func Load(path string, v any) error {
	b, err := os.ReadFile(path) // #nosec G304 -- the operator names the configuration file on the command line
	if err != nil {
		return err
	}
	f := Auto
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		f = JSON
	case ".yaml", ".yml":
		f = YAML
	}
	if err := Decode(b, f, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Decode decodes the document b of format f into v, a pointer to a struct.
func Decode(b []byte, f Format, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return errors.New("configfile: Decode needs a non-nil pointer to a struct")
	}
	trimmed := bytes.TrimSpace(b)
	if f == Auto {
		f = YAML
		if len(trimmed) > 0 && trimmed[0] == '{' {
			f = JSON
		}
	}
	var doc any
	var err error
	if f == JSON {
		doc, err = parseJSON(b)
	} else {
		doc, err = parseYAML(b)
	}
	if err != nil {
		return err
	}
	if doc == nil {
		return ErrEmpty
	}
	if _, ok := doc.(map[string]any); !ok {
		return errors.New("configfile: the document is not a mapping of settings")
	}
	doc, err = checkKeys(doc, rv.Type().Elem(), "")
	if err != nil {
		return err
	}
	canonical, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("configfile: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("configfile: %w", err)
	}
	return nil
}

// parseJSON parses one JSON value, refusing duplicate keys and trailing
// data. Numbers keep their text.
func parseJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := jsonValue(dec, "")
	if err == errNoValue {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("configfile: JSON: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("configfile: JSON: data after the top-level value")
	}
	return v, nil
}

var errNoValue = errors.New("no value")

func jsonValue(dec *json.Decoder, path string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if path == "" && errors.Is(err, io.EOF) {
			return nil, errNoValue
		}
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		m := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, err
			}
			k := kt.(string)
			p := join(path, k)
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("%s: duplicate key", p)
			}
			if m[k], err = jsonValue(dec, p); err != nil {
				return nil, err
			}
		}
		_, err := dec.Token()
		return m, err
	case json.Delim('['):
		s := []any{}
		for dec.More() {
			e, err := jsonValue(dec, path+"["+strconv.Itoa(len(s))+"]")
			if err != nil {
				return nil, err
			}
			s = append(s, e)
		}
		_, err := dec.Token()
		return s, err
	}
	return tok, nil
}

// parseYAML parses one YAML document into plain values (mappings with
// string keys). yaml.v3 refuses duplicate keys itself.
func parseYAML(b []byte) (any, error) {
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("configfile: YAML: %w", err)
	}
	return plain(v, "")
}

// plain converts what yaml.v3 decodes into values encoding/json encodes.
func plain(v any, path string) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p, err := plain(e, join(path, k))
			if err != nil {
				return nil, err
			}
			v[k] = p
		}
		return v, nil
	case map[any]any:
		return nil, fmt.Errorf("configfile: YAML: %s: keys must be strings", orTop(path))
	case []any:
		for i, e := range v {
			p, err := plain(e, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			v[i] = p
		}
		return v, nil
	}
	return v, nil
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

var durationType = reflect.TypeFor[time.Duration]()

// checkKeys refuses keys of v that no field of t (by JSON name, exactly)
// takes, naming the first one found in key order, and returns v with each
// duration written as text ("15m") replaced by its count of nanoseconds,
// the form encoding/json decodes.
func checkKeys(v any, t reflect.Type, path string) (any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType {
		return durationValue(v, path)
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return v, nil // the type decodes itself
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		// Decoded from text here too, so that its error names the path
		// (encoding/json passes it on without one).
		if text, ok := v.(string); ok {
			if err := reflect.New(t).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(text)); err != nil {
				return nil, fmt.Errorf("configfile: %s: %w", orTop(path), err)
			}
		}
		return v, nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := v.(map[string]any)
		if !ok {
			return v, nil // encoding/json reports the wrong type
		}
		fields := jsonFields(t)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				return nil, fmt.Errorf("configfile: %s: unknown key", join(path, k))
			}
			e, err := checkKeys(m[k], ft, join(path, k))
			if err != nil {
				return nil, err
			}
			m[k] = e
		}
	case reflect.Slice, reflect.Array:
		s, _ := v.([]any)
		for i, e := range s {
			e, err := checkKeys(e, t.Elem(), path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			s[i] = e
		}
	case reflect.Map:
		m, _ := v.(map[string]any)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			e, err := checkKeys(m[k], t.Elem(), join(path, k))
			if err != nil {
				return nil, err
			}
			m[k] = e
		}
	}
	return v, nil
}

// durationValue converts a duration written as text into nanoseconds. A
// bare number is refused: "900" would be 900 nanoseconds to encoding/json
// and 15 minutes to a reader who thinks in seconds.
func durationValue(v any, path string) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("configfile: %s: %q is not a duration (90s, 15m, 1h30m)", orTop(path), v)
		}
		return int64(d), nil
	}
	return nil, fmt.Errorf("configfile: %s: a duration is written with its unit, as text (90s, 15m, 1h30m)", orTop(path))
}

// jsonFields maps the JSON names of t's fields, embedded structs' fields
// promoted, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && tag == "-" {
			continue
		}
		ft := sf.Type
		if sf.Anonymous && name == "" {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, taken := fields[k]; !taken {
						fields[k] = v
					}
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = ft
	}
	return fields
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// Plain returns v, a struct or a pointer to one, as the plain values a
// file would hold: JSON names, numbers kept exactly, durations as text
// ("15m0s"), so that what it prints can be loaded back.
func Plain(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("configfile: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("configfile: %w", err)
	}
	t := reflect.TypeOf(v)
	if t == nil {
		return nil, errors.New("configfile: Plain needs a struct")
	}
	textDurations(m, t)
	return m, nil
}

// textDurations replaces, in place, the nanosecond counts encoding/json
// wrote for the time.Duration fields of t by their text.
func textDurations(v any, t reflect.Type) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == durationType {
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return time.Duration(i).String()
			}
		}
		return v
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return v
	}
	switch t.Kind() {
	case reflect.Struct:
		if m, ok := v.(map[string]any); ok {
			fields := jsonFields(t)
			for k, e := range m {
				if ft, ok := fields[k]; ok {
					m[k] = textDurations(e, ft)
				}
			}
		}
	case reflect.Slice, reflect.Array:
		if s, ok := v.([]any); ok {
			for i, e := range s {
				s[i] = textDurations(e, t.Elem())
			}
		}
	case reflect.Map:
		if m, ok := v.(map[string]any); ok {
			for k, e := range m {
				m[k] = textDurations(e, t.Elem())
			}
		}
	}
	return v
}
