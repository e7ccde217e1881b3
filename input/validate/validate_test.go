package validate_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/validate"
	"github.com/harden-go/harden/respond"
)

// std is a Validator with the default Config.
var std = func() *validate.Validator {
	v, err := validate.New(validate.Config{})
	if err != nil {
		panic(err)
	}
	return v
}()

// asError returns err as an *input.Error, or nil.
func asError(err error) *input.Error {
	var e *input.Error
	errors.As(err, &e)
	return e
}

func fieldBody(fields ...respond.FieldError) string {
	b, _ := json.Marshal(struct {
		Errors []respond.FieldError `json:"errors"`
	}{fields})
	return string(b) + "\n"
}

func fe(path, msg string) respond.FieldError {
	return respond.FieldError{Type: "field", Location: "body", Path: path, Msg: msg}
}

func post(h http.Handler, ctype, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/api/contact", strings.NewReader(body))
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// TestContactRefusals is every bad input of POST /api/contact: exact status
// and body, and nothing stored.
func TestContactRefusals(t *testing.T) {
	long := strings.Repeat("n", 101)
	tests := []struct {
		name, ctype, body string
		wantStatus        int
		wantBody          string
	}{
		{"bad email", "application/json", `{"name":"Ada","email":"ada@","message":"hi"}`, 400,
			fieldBody(fe("email", "must be a valid email address"))},
		{"display-name email", "application/json", `{"name":"Ada","email":"Ada <ada@example.com>","message":"hi"}`, 400,
			fieldBody(fe("email", "must be a valid email address"))},
		{"overlong name", "application/json", `{"name":"` + long + `","email":"ada@example.com","message":"hi"}`, 400,
			fieldBody(fe("name", "must be at most 100 characters long"))},
		{"overlong name in runes", "application/json", `{"name":"` + strings.Repeat("日", 101) + `","email":"ada@example.com","message":"hi"}`, 400,
			fieldBody(fe("name", "must be at most 100 characters long"))},
		{"blank name after trimming", "application/json", `{"name":"  \u0000 ","email":"ada@example.com","message":"hi"}`, 400,
			fieldBody(fe("name", "is required"))},
		{"message empty after sanitising", "application/json", `{"name":"Ada","email":"ada@example.com","message":"<script>alert(1)</script>"}`, 400,
			fieldBody(fe("message", "is required"))},
		{"overlong message", "application/json", `{"name":"Ada","email":"ada@example.com","message":"` + strings.Repeat("m", 5001) + `"}`, 400,
			fieldBody(fe("message", "must be at most 5000 characters long"))},
		{"everything missing", "application/json", `{}`, 400,
			fieldBody(fe("name", "is required"), fe("email", "is required"), fe("message", "is required"))},
		{"wrong type", "application/json", `{"name":["Ada"],"email":"ada@example.com","message":"hi"}`, 400,
			fieldBody(fe("name", "must be a string"))},
		{"unknown field", "application/json", `{"name":"Ada","email":"ada@example.com","message":"hi","admin":true}`, 400,
			fieldBody(fe("admin", "is not an allowed field"))},
		{"operator object", "application/json", `{"name":"Ada","email":{"$ne":""},"message":"hi"}`, 400,
			fieldBody(fe("email", "must be a string"))},
		{"$where key", "application/json", `{"$where":"1","name":"Ada","email":"ada@example.com","message":"hi"}`, 400,
			fieldBody(fe("$where", `must not start with "$"`))},
		{"dotted key", "application/json", `{"a.b":1}`, 400, fieldBody(fe(`["a.b"]`, `must not contain "."`))},
		{"duplicate key", "application/json", `{"name":"Ada","email":"ada@example.com","message":"hi","email":"x@example.com"}`, 400,
			fieldBody(fe("email", "appears more than once"))},
		{"trailing data", "application/json", `{"name":"Ada","email":"ada@example.com","message":"hi"}{}`, 400,
			`{"error":"Request body must contain a single JSON value"}` + "\n"},
		{"deep nesting", "application/json", `{"name":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, 400,
			fieldBody(fe("name", "must be a string"))},
		{"wrong content type", "text/plain", `{"name":"Ada","email":"ada@example.com","message":"hi"}`, 415,
			`{"error":"Unsupported media type"}` + "\n"},
		{"oversize", "application/json", `{"name":"Ada","email":"ada@example.com","message":"` + strings.Repeat("m", 11000) + `"}`, 413,
			`{"error":"Request body too large"}` + "\n"},
	}
	v, err := validate.New(validate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stored []Contact
			h := contactHandler(v, func(c Contact) error { stored = append(stored, c); return nil })
			rec := post(h, tt.ctype, tt.body)
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if rec.Body.String() != tt.wantBody {
				t.Errorf("body:\ngot  %s\nwant %s", rec.Body, tt.wantBody)
			}
			if len(stored) != 0 {
				t.Errorf("stored %v", stored)
			}
		})
	}
}

// The depth bound itself, through a field that accepts anything.
func TestDeepNestingRefused(t *testing.T) {
	var dst struct {
		Data any `json:"data"`
	}
	err := std.Unmarshal([]byte(`{"data":`+strings.Repeat("[", 40)+strings.Repeat("]", 40)+`}`), &dst)
	if e := asError(err); e.Status != 400 || len(e.Fields) != 1 || e.Fields[0].Msg != "is nested too deeply" {
		t.Errorf("got %v", err)
	}
}

func TestContactNormalised(t *testing.T) {
	var c Contact
	// 100 runes of "é" written as e + combining accent: 200 runes before NFC.
	name := strings.Repeat("e\u0301", 100)
	body := `{"name":" ` + name + ` ","email":" Ada@Example.COM","message":"<p onclick=\"x()\">Hi <a href=\"https://example.com\">me</a></p>"}`
	if err := std.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != strings.Repeat("é", 100) {
		t.Errorf("name %q", c.Name)
	}
	if c.Email != "ada@example.com" {
		t.Errorf("email %q", c.Email)
	}
	if c.Message != `<p>Hi <a href="https://example.com" rel="nofollow noopener" target="_blank">me</a></p>` {
		t.Errorf("message %q", c.Message)
	}
}

type signup struct {
	Email    string   `json:"email" normalize:"email" validate:"required,email"`
	Password string   `json:"password" harden:"secret" validate:"required,min=12,max=72,ne=hunter2hunter2"`
	Confirm  string   `json:"password_confirm" harden:"secret" validate:"eqfield=Password"`
	Role     string   `json:"role" validate:"omitempty,oneof=user 'power user'"`
	Age      int      `json:"age" validate:"omitempty,gte=13,lte=130"`
	Tags     []string `json:"tags" validate:"max=3,dive,alphanum"`
	Address  *struct {
		Zip string `json:"zip_code" validate:"required,len=5,numeric"`
	} `json:"address"`
}

func TestMessages(t *testing.T) {
	v := std
	tests := []struct {
		body string
		want []respond.FieldError
	}{
		{`{"email":"a@example.com","password":"short","password_confirm":"short"}`,
			[]respond.FieldError{fe("password", "must be at least 12 characters long")}},
		{`{"email":"a@example.com","password":"hunter2hunter2","password_confirm":"hunter2hunter2"}`,
			[]respond.FieldError{fe("password", "is invalid")}},
		{`{"email":"a@example.com","password":"correct horse battery","password_confirm":"correct horse"}`,
			[]respond.FieldError{fe("password_confirm", "must match password")}},
		{`{"email":"a@example.com","password":"correct horse battery","password_confirm":"correct horse battery","role":"root","age":12}`,
			[]respond.FieldError{fe("role", "must be one of: user, power user"), fe("age", "must be at least 13")}},
		{`{"email":"a@example.com","password":"correct horse battery","password_confirm":"correct horse battery","tags":["a","b-c"]}`,
			[]respond.FieldError{fe("tags[1]", "must contain only letters and digits")}},
		{`{"email":"a@example.com","password":"correct horse battery","password_confirm":"correct horse battery","tags":["a","b","c","d"]}`,
			[]respond.FieldError{fe("tags", "must contain at most 3 items")}},
		{`{"email":"a@example.com","password":"correct horse battery","password_confirm":"correct horse battery","address":{"zip_code":"123"}}`,
			[]respond.FieldError{fe("address.zip_code", "must be exactly 5 characters long")}},
	}
	for _, tt := range tests {
		var s signup
		err := v.Unmarshal([]byte(tt.body), &s)
		e := asError(err)
		got, _ := json.Marshal(e.Fields)
		want, _ := json.Marshal(tt.want)
		if err == nil || string(got) != string(want) {
			t.Errorf("%s:\ngot  %s (%v)\nwant %s", tt.body, got, err, want)
		}
	}
}

// A secret is never echoed: not by the refusal, not by the development
// responder's detail.
func TestSecretNeverEchoed(t *testing.T) {
	const secret = "hunter2hunter2"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s signup
		if !std.Bind(w, r, &s) {
			return
		}
		t.Error("handler reached")
	})
	dev := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(respond.WithResponder(r.Context(), respond.JSON{Development: true})))
	})
	for _, body := range []string{
		`{"email":"a@example.com","password":"` + secret + `","password_confirm":"` + secret + `"}`,
		`{"email":"a@example.com","password":"` + secret + `","password_confirm":"x` + secret + `"}`,
		`{"email":"` + secret + `","password":"` + secret + `"}`,
		`{"email":"a@example.com","password":"` + secret + `","password_confirm":1}`,
		`{"email":"a@example.com","password":"` + secret + `","password_confirm":"` + secret + `","extra":1}`,
	} {
		rec := post(dev, "application/json", body)
		if rec.Code != 400 || strings.Contains(rec.Body.String(), "hunter2") {
			t.Errorf("%s → %d %s", body, rec.Code, rec.Body)
		}
	}
}

func TestPrepareAndConfig(t *testing.T) {
	v := std
	if err := v.Prepare(Contact{}, &signup{}); err != nil {
		t.Errorf("Prepare: %v", err)
	}
	type badRule struct {
		A string `validate:"no_such_rule"`
	}
	type badNorm struct {
		A string `normalize:"no_such_normaliser"`
	}
	for _, x := range []any{badRule{}, badNorm{}} {
		if err := v.Prepare(x); err == nil {
			t.Errorf("Prepare(%T) accepted", x)
		}
	}
	if _, err := validate.New(validate.Config{JSON: input.JSONConfig{MaxDepth: -1}}); err == nil {
		t.Error("bad JSON config accepted")
	}
	if _, err := validate.New(validate.Config{Normalizers: map[string]func(string) string{"richtext": strings.TrimSpace}}); err == nil {
		t.Error("normaliser name clash accepted")
	}
	custom, err := validate.New(validate.Config{Messages: map[string]string{"required": "must be given", "max": "too long (max {param})"}})
	if err != nil {
		t.Fatal(err)
	}
	var c Contact
	err = custom.Unmarshal([]byte(`{"name":"`+strings.Repeat("x", 101)+`","email":"a@example.com"}`), &c)
	got, _ := json.Marshal(asError(err).Fields)
	if string(got) != `[{"type":"field","location":"body","path":"name","msg":"too long (max 100)"},{"type":"field","location":"body","path":"message","msg":"must be given"}]` {
		t.Errorf("custom messages: %s", got)
	}
}

// TestEngineRule: a rule registered through Engine answers the message
// Config.Messages gives its tag.
func TestEngineRule(t *testing.T) {
	v, err := validate.New(validate.Config{Messages: map[string]string{"even": "must have an even length"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Engine().RegisterValidation("even", func(fl validator.FieldLevel) bool {
		return len(fl.Field().String())%2 == 0
	}); err != nil {
		t.Fatal(err)
	}
	var s struct {
		Code string `json:"code" validate:"even"`
	}
	err = v.Unmarshal([]byte(`{"code":"abc"}`), &s)
	got, _ := json.Marshal(asError(err).Fields)
	if string(got) != `[{"type":"field","location":"body","path":"code","msg":"must have an even length"}]` {
		t.Errorf("engine rule: %s", got)
	}
	if err := v.Unmarshal([]byte(`{"code":"ab"}`), &s); err != nil {
		t.Errorf("engine rule refused a valid value: %v", err)
	}
}

func TestBindProgrammingErrorIs500(t *testing.T) {
	type bad struct {
		A string `json:"a" validate:"no_such_rule"`
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { _ = recover() }() // go-playground panics on an unknown rule
		var b bad
		std.Bind(w, r, &b)
	})
	rec := post(h, "application/json", `{"a":"x"}`)
	if rec.Code == 400 {
		t.Errorf("programming error answered as a client error: %d %s", rec.Code, rec.Body)
	}
	type badNorm struct {
		A string `json:"a" normalize:"nope"`
	}
	h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b badNorm
		std.Bind(w, r, &b)
	})
	rec = post(h, "application/json", `{"a":"x"}`)
	if rec.Code != 500 || rec.Body.String() != `{"error":"Internal Server Error"}`+"\n" {
		t.Errorf("got %d %s", rec.Code, rec.Body)
	}
}
