package configfile

import (
	"encoding"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/cookie"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/password"
	"github.com/harden-go/harden/proxy"
	"github.com/harden-go/harden/session"
)

// fileConfigs are the configuration types a file can set: every struct
// reachable from them through exported fields is walked.
var fileConfigs = []any{
	harden.Config{}, proxy.Config{},
	session.Config{}, csrf.Config{}, cookie.Config{}, password.Config{},
	input.JSONConfig{}, input.BodyLimitConfig{}, input.ParamsConfig{}, input.UploadConfig{},
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// TestConfigTags walks every exported field of every configuration type a
// file can set and fails on a field without both a json and a yaml tag, on
// tags that name it differently, on a name that is not snake_case, and on a
// function, channel or interface field (other than "-") that no file can
// hold.
func TestConfigTags(t *testing.T) {
	seen := map[reflect.Type]bool{}
	for _, c := range fileConfigs {
		walkTags(t, reflect.TypeOf(c), reflect.TypeOf(c).String(), seen)
	}
}

var (
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// decodesItself reports whether t has its own text or JSON form, so its
// fields are not file keys.
func decodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler) ||
		t.Implements(jsonMarshalerType) || t.Implements(textMarshalerType)
}

func walkTags(t *testing.T, typ reflect.Type, where string, seen map[reflect.Type]bool) {
	t.Helper()
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array || typ.Kind() == reflect.Map {
		typ = typ.Elem()
	}
	if typ.Kind() != reflect.Struct || seen[typ] || decodesItself(typ) || typ.PkgPath() == "time" {
		return
	}
	seen[typ] = true
	for i := range typ.NumField() {
		sf := typ.Field(i)
		if !sf.IsExported() {
			continue
		}
		field := typ.String() + "." + sf.Name
		jt, jok := sf.Tag.Lookup("json")
		yt, yok := sf.Tag.Lookup("yaml")
		jname, jopts, _ := strings.Cut(jt, ",")
		yname, yopts, _ := strings.Cut(yt, ",")
		if sf.Anonymous && jname == "" {
			// Embedded: its fields are inlined in both formats.
			if !strings.Contains(yopts, "inline") {
				t.Errorf("%s (in %s): embedded without yaml:\",inline\"", field, where)
			}
			walkTags(t, sf.Type, where, seen)
			continue
		}
		if !jok || !yok {
			t.Errorf("%s (in %s): json tag %v, yaml tag %v: want both", field, where, jok, yok)
			continue
		}
		if jname != yname {
			t.Errorf("%s (in %s): json name %q, yaml name %q: want the same", field, where, jname, yname)
			continue
		}
		_ = jopts
		if jname == "-" {
			continue
		}
		switch k := sf.Type.Kind(); k {
		case reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
			if !decodesItself(sf.Type) {
				t.Errorf("%s (in %s): a %s cannot be in a file: want json:\"-\" yaml:\"-\"", field, where, k)
				continue
			}
		}
		if !snakeCase.MatchString(jname) {
			t.Errorf("%s (in %s): name %q is not snake_case", field, where, jname)
		}
		walkTags(t, sf.Type, where+"."+jname, seen)
	}
}
