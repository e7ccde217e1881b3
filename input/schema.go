package input

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"time"
)

// kind is what a Go destination accepts from JSON, as encoding/json decodes
// it.
type kind uint8

const (
	kAny    kind = iota // interface{}, json.RawMessage, json.Unmarshaler: any value
	kString             // string
	kBool               // bool
	kInt                // signed integers
	kUint               // unsigned integers
	kFloat              // float32, float64
	kNumber             // json.Number: a number (or a string holding one)
	kBytes              // []byte: a base64 string
	kText               // encoding.TextUnmarshaler: a string
	kTime               // time.Time: an RFC 3339 string
	kQuoted             // a field with the ",string" option: a string
	kStruct             // struct: an object with known keys
	kMap                // map: an object
	kSlice              // slice: an array
	kArray              // array: an array of at most n items
)

// schema describes a destination type for the scanner. A nil *schema
// accepts anything (kAny).
type schema struct {
	kind   kind
	bits   int // integer and float sizes
	n      int // array length
	elem   *schema
	mapKey kind // kString, kInt, kUint or kText (kAny: left to encoding/json)
	fields map[string]int
	types  []*schema
	// index is the struct field index of each of types, for flat structs.
	index []int
	// flat: a struct whose JSON keys are all its own fields of string kind
	// (not pointers, not embedded promotions, no ",string" option), which
	// Unmarshal fills itself (fillFlat) instead of calling encoding/json.
	flat bool
}

var (
	schemaCache     sync.Map // reflect.Type → *schema
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textType        = reflect.TypeFor[encoding.TextUnmarshaler]()
	timeType        = reflect.TypeFor[time.Time]()
	numberType      = reflect.TypeFor[json.Number]()
	rawType         = reflect.TypeFor[json.RawMessage]()
)

func schemaOf(t reflect.Type) *schema {
	if s, ok := schemaCache.Load(t); ok {
		return s.(*schema)
	}
	building := map[reflect.Type]*schema{}
	s := buildSchema(t, building)
	for bt, bs := range building {
		schemaCache.LoadOrStore(bt, bs)
	}
	return s
}

func buildSchema(t reflect.Type, building map[reflect.Type]*schema) *schema {
	for t.Kind() == reflect.Pointer {
		switch {
		case t == reflect.PointerTo(timeType):
			return &schema{kind: kTime}
		case t.Implements(unmarshalerType):
			return &schema{kind: kAny}
		}
		t = t.Elem()
	}
	if s, ok := schemaCache.Load(t); ok {
		return s.(*schema)
	}
	if s, ok := building[t]; ok {
		return s
	}
	s := &schema{}
	building[t] = s
	if k, ok := namedKind(t); ok {
		s.kind = k
		return s
	}
	switch t.Kind() {
	case reflect.String:
		s.kind = kString
	case reflect.Bool:
		s.kind = kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		s.kind, s.bits = kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		s.kind, s.bits = kUint, t.Bits()
	case reflect.Float32, reflect.Float64:
		s.kind, s.bits = kFloat, t.Bits()
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(unmarshalerType) && !reflect.PointerTo(t.Elem()).Implements(textType) {
			s.kind = kBytes
			return s
		}
		s.kind = kSlice
		s.elem = buildSchema(t.Elem(), building)
	case reflect.Array:
		s.kind, s.n = kArray, t.Len()
		s.elem = buildSchema(t.Elem(), building)
	case reflect.Map:
		s.kind = kMap
		s.elem = buildSchema(t.Elem(), building)
		s.mapKey = mapKeyKind(t.Key())
	case reflect.Struct:
		s.buildStruct(t, building)
	default: // interface, chan, func, complex...: left to encoding/json
		s.kind = kAny
	}
	return s
}

// namedKind returns the kind of t when encoding/json decodes it by its
// identity or its methods rather than by its shape: time.Time, json.Number,
// json.RawMessage, json.Unmarshaler and encoding.TextUnmarshaler.
func namedKind(t reflect.Type) (kind, bool) {
	switch {
	case t == timeType:
		return kTime, true
	case t == numberType:
		return kNumber, true
	case t == rawType:
		return kAny, true
	case t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType):
		return kAny, true
	case t.Implements(textType) || reflect.PointerTo(t).Implements(textType):
		return kText, true
	}
	return kAny, false
}

// mapKeyKind returns what a map with key type kt accepts as object keys:
// kString, kText, kInt, kUint, or kAny to leave the check to encoding/json.
func mapKeyKind(kt reflect.Type) kind {
	switch {
	case kt.Kind() == reflect.String:
		return kString
	case reflect.PointerTo(kt).Implements(textType):
		return kText
	case kt.Kind() >= reflect.Int && kt.Kind() <= reflect.Int64:
		return kInt
	case kt.Kind() >= reflect.Uint && kt.Kind() <= reflect.Uintptr:
		return kUint
	}
	return kAny
}

// buildStruct fills s as the schema of struct type t: its JSON keys, the
// schema of each, and whether the struct is flat.
func (s *schema) buildStruct(t reflect.Type, building map[reflect.Type]*schema) {
	s.kind = kStruct
	s.fields = map[string]int{}
	s.flat = true
	for _, f := range structFields(t) {
		s.fields[f.name] = len(s.types)
		fs := buildSchema(f.typ, building)
		if f.quoted {
			fs = &schema{kind: kQuoted}
		}
		s.types = append(s.types, fs)
		if len(f.index) == 1 && f.typ.Kind() == reflect.String && fs.kind == kString {
			s.index = append(s.index, f.index[0])
		} else {
			s.flat, s.index = false, nil
		}
	}
	if !s.flat {
		s.index = nil
	}
}

type jsonField struct {
	name   string
	typ    reflect.Type
	quoted bool
	depth  int
	tagged bool
	index  []int // field index path, as reflect.Value.FieldByIndex takes it
}

// structFields lists the JSON object keys of struct type t with the rules of
// encoding/json: exported fields, names from the json tag, "-" skipped,
// fields of embedded structs promoted, and on a name conflict the shallowest
// field wins, then the only tagged one, else none.
func structFields(t reflect.Type) []jsonField {
	w := fieldWalk{seen: map[reflect.Type]bool{}}
	w.walk(t, 0, nil)

	byName := map[string][]jsonField{}
	var order []string
	for _, f := range w.all {
		if _, ok := byName[f.name]; !ok {
			order = append(order, f.name)
		}
		byName[f.name] = append(byName[f.name], f)
	}
	var out []jsonField
	for _, name := range order {
		if f, ok := dominantField(byName[name]); ok {
			out = append(out, f)
		}
	}
	return out
}

// fieldWalk collects every candidate JSON field of a struct type, those of
// embedded structs included, before name conflicts are resolved.
type fieldWalk struct {
	all  []jsonField
	seen map[reflect.Type]bool // the struct types on the current embedding path
}

// walk adds the fields of struct type t, embedded at depth through the
// field index path at, and descends into its untagged embedded structs.
func (w *fieldWalk) walk(t reflect.Type, depth int, at []int) {
	if w.seen[t] {
		return
	}
	w.seen[t] = true
	defer delete(w.seen, t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous {
			et := ft
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if !f.IsExported() && (et.Kind() != reflect.Struct || ft.Kind() == reflect.Pointer) {
				continue
			}
			if name == "" && et.Kind() == reflect.Struct {
				w.walk(et, depth+1, append(at[:len(at):len(at)], i))
				continue
			}
		} else if !f.IsExported() {
			continue
		}
		tagged := name != ""
		if !tagged {
			name = f.Name
		}
		w.all = append(w.all, jsonField{name: name, typ: ft, quoted: quotedOption(opts, ft), depth: depth, tagged: tagged,
			index: append(at[:len(at):len(at)], i)})
	}
}

// quotedOption reports whether the json tag options opts hold "string" and
// apply to a field of type ft, as encoding/json applies them: to booleans,
// numbers and strings only.
func quotedOption(opts string, ft reflect.Type) bool {
	quoted := false
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == "string" {
			switch ft.Kind() {
			case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64, reflect.String:
				quoted = true
			}
		}
	}
	return quoted
}

// dominantField picks the field that owns a JSON name among the fields fs
// that claim it: the shallowest, then the only tagged one among the
// shallowest. It reports false when none wins and the name is dropped.
func dominantField(fs []jsonField) (jsonField, bool) {
	if len(fs) == 1 {
		return fs[0], true
	}
	min := fs[0].depth
	for _, f := range fs {
		if f.depth < min {
			min = f.depth
		}
	}
	var top []jsonField
	for _, f := range fs {
		if f.depth == min {
			top = append(top, f)
		}
	}
	if len(top) == 1 {
		return top[0], true
	}
	var tagged []jsonField
	for _, f := range top {
		if f.tagged {
			tagged = append(tagged, f)
		}
	}
	if len(tagged) == 1 {
		return tagged[0], true
	}
	return jsonField{}, false
}
