package validate

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/internal/mailaddr"
	"github.com/harden-go/harden/input/internal/normalize"
	"github.com/harden-go/harden/input/sanitize"
	"github.com/harden-go/harden/respond"
)

// Config configures a [Validator].
type Config struct {
	// JSON configures the strict decoder used by Bind and Unmarshal.
	JSON input.JSONConfig `json:"json,omitempty" yaml:"json,omitempty"`
	// Normalizers adds `normalize` tag names to the built-in ones (see the
	// package documentation) and sanitize's "richtext" and "strict". A
	// name that is empty, holds "," or "=", or is already taken is an
	// error.
	Normalizers map[string]func(string) string `json:"-" yaml:"-"`
	// Messages replaces or adds the message of a rule, by its tag. "{param}"
	// in a message stands for the rule's parameter.
	Messages map[string]string `json:"messages,omitempty" yaml:"messages,omitempty"`
}

// Validator decodes, normalises and validates request input.
type Validator struct {
	v    *validator.Validate
	dec  *input.Decoder
	norm *normalize.Normalizer
	msgs map[string]string
	meta sync.Map // metaKey → fieldMeta
}

// New returns a Validator for cfg, or an error naming what is wrong.
func New(cfg Config) (*Validator, error) {
	dec, err := input.NewDecoder(cfg.JSON)
	if err != nil {
		return nil, err
	}
	extra := map[string]func(string) string{"richtext": sanitize.RichText, "strict": sanitize.Strict}
	for name, f := range cfg.Normalizers {
		if _, ok := extra[name]; ok {
			return nil, fmt.Errorf("validate: normaliser %q is already defined", name)
		}
		extra[name] = f
	}
	norm, err := normalize.New(extra)
	if err != nil {
		return nil, err
	}
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(jsonName)
	if err := v.RegisterValidation("email", isEmail); err != nil {
		return nil, err
	}
	msgs := make(map[string]string, len(cfg.Messages))
	for tag, m := range cfg.Messages {
		if tag == "" || m == "" {
			return nil, fmt.Errorf("validate: Config.Messages: empty rule or message")
		}
		msgs[tag] = m
	}
	return &Validator{v: v, dec: dec, norm: norm, msgs: msgs}, nil
}

// baked holds go-playground's own rules, for the cases isEmail leaves to
// them.
var baked = validator.New()

// isEmail is go-playground's email rule (net/mail's ParseAddress, then its
// RFC 5322 regular expression) with a fast path: an address of the plain
// shape that both accept (mailaddr.Plain, checked against both by
// FuzzPlain) is accepted without running either.
func isEmail(fl validator.FieldLevel) bool {
	s := fl.Field().String()
	if mailaddr.Plain(s) {
		return true
	}
	return baked.Var(s, "email") == nil
}

// jsonName names a field by its json tag, as the client sent it.
func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// Engine returns the underlying go-playground validator, for registering
// rules, aliases or struct-level rules. The message of a rule registered
// here is given in [Config.Messages] under its tag; without one it answers
// "is invalid".
func (v *Validator) Engine() *validator.Validate { return v.v }

// Bind decodes r's JSON body into dst, normalises and validates it; on
// failure it answers through the shared responder (400, 413 or 415; 500
// for a programming error such as an unknown tag) and returns false.
func (v *Validator) Bind(w http.ResponseWriter, r *http.Request, dst any) bool {
	if !v.dec.Bind(w, r, dst) {
		return false
	}
	err := v.Check(dst)
	if err == nil {
		return true
	}
	var ie *input.Error
	if errors.As(err, &ie) {
		input.Reject(w, r, ie)
	} else {
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusInternalServerError, Err: err})
	}
	return false
}

// Unmarshal decodes the JSON document data into dst, normalises and
// validates it.
func (v *Validator) Unmarshal(data []byte, dst any) error {
	if err := v.dec.Unmarshal(data, dst); err != nil {
		return err
	}
	return v.Check(dst)
}

// Check normalises the struct that dst points to and validates it, with
// errors located in the body. A string that is not valid UTF-8 is refused
// first, with 400 "must be valid UTF-8" naming the field.
func (v *Validator) Check(dst any) error {
	if err := checkText(reflect.ValueOf(dst)); err != nil {
		return err
	}
	if err := v.norm.Normalize(dst); err != nil {
		return err
	}
	return v.validate(dst)
}

// validate validates s (a struct or a pointer to one) without normalising
// it; failures are a 400 [*input.Error] located in the body.
func (v *Validator) validate(s any) error {
	err := v.v.Struct(s)
	if err == nil {
		return nil
	}
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) {
		return err // nil or not a struct: a programming error
	}
	root := reflect.TypeOf(s)
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	fields := make([]respond.FieldError, 0, len(ves))
	for _, fe := range ves {
		meta := v.fieldMeta(root, fe.StructNamespace())
		fields = append(fields, respond.FieldError{
			Type:     "field",
			Location: "body",
			Path:     fieldPath(fe.Namespace()),
			Msg:      v.message(fe, meta),
		})
	}
	return input.FieldErrors(fields...)
}

// Prepare checks the tags of the types of vs (structs or pointers to
// them) at start-up: unknown normalisers and unknown validation rules are
// errors here instead of failures at request time.
func (v *Validator) Prepare(vs ...any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("validate: %v", p)
		}
	}()
	for _, x := range vs {
		if err := v.norm.Prepare(x); err != nil {
			return err
		}
		t := reflect.TypeOf(x)
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		// Validating a zero value compiles every tag of the type.
		zero := reflect.New(t).Interface()
		if err := v.v.Struct(zero); err != nil {
			var ves validator.ValidationErrors
			if !errors.As(err, &ves) {
				return err
			}
		}
	}
	return nil
}

// fieldPath drops the root struct's name from a validator namespace:
// "Contact.address.city" → "address.city".
func fieldPath(ns string) string {
	if i := strings.IndexAny(ns, ".["); i >= 0 {
		if ns[i] == '.' {
			return ns[i+1:]
		}
		return ns[i:]
	}
	return ns
}

// fieldMeta is what the struct tags say about a failing field.
type fieldMeta struct {
	secret bool
	parent reflect.Type // the struct holding the field
}

type metaKey struct {
	root reflect.Type
	ns   string
}

func (v *Validator) fieldMeta(root reflect.Type, structNS string) fieldMeta {
	key := metaKey{root, structNS}
	if m, ok := v.meta.Load(key); ok {
		return m.(fieldMeta)
	}
	m := lookupMeta(root, structNS)
	v.meta.Store(key, m)
	return m
}

func lookupMeta(root reflect.Type, structNS string) fieldMeta {
	// Drop indices and map keys: "User.Items[2].Name" → User, Items, Name.
	var b strings.Builder
	depth := 0
	for _, c := range structNS {
		switch {
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0:
			b.WriteRune(c)
		}
	}
	names := strings.Split(b.String(), ".")
	var m fieldMeta
	t := root
	for _, name := range names[1:] {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return fieldMeta{}
		}
		f, ok := t.FieldByName(name)
		if !ok {
			return fieldMeta{}
		}
		m = fieldMeta{parent: t, secret: hasSecretTag(f)}
		t = f.Type
	}
	return m
}

func hasSecretTag(f reflect.StructField) bool {
	for _, o := range strings.Split(f.Tag.Get("harden"), ",") {
		if strings.TrimSpace(o) == "secret" {
			return true
		}
	}
	return false
}
