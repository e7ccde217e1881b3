package input

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

type signup struct {
	Email    string    `json:"email"`
	Password string    `json:"password"`
	Age      int       `json:"age"`
	Small    uint8     `json:"small"`
	Score    float64   `json:"score"`
	News     bool      `json:"news"`
	Tags     []string  `json:"tags"`
	Codes    []int     `json:"codes"`
	Address  *address  `json:"address"`
	Secret   string    `json:"-"`
	Nick     *string   `json:"nick"`
	Pair     [2]string `json:"pair"`
}

func formRequest(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// multipartForm builds a multipart/form-data body of fields (name, value
// pairs, in order) and, if fileField is set, one file part.
func multipartForm(t testing.TB, fileField string, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, "a.png")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write([]byte("\x89PNG\r\n\x1a\n"))
	}
	mw.Close()
	return b.String(), mw.FormDataContentType()
}

func newFormDecoder(t testing.TB, cfg JSONConfig) *Decoder {
	t.Helper()
	cfg.Forms = true
	d, err := NewDecoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestFormBinds(t *testing.T) {
	nick := "ann"
	tests := []struct {
		name, body string
		want       signup
	}{
		{"strings", "email=a%40example.com&password=p+w", signup{Email: "a@example.com", Password: "p w"}},
		{"numbers", "age=42&small=255&score=-1.5e2", signup{Age: 42, Small: 255, Score: -150}},
		{"checkbox on", "news=on", signup{News: true}},
		{"boolean words", "news=true", signup{News: true}},
		{"empty number and boolean leave the field", "age=&news=&email=", signup{}},
		{"repeated name fills a slice", "tags=a&tags=b&codes=1&codes=2", signup{Tags: []string{"a", "b"}, Codes: []int{1, 2}}},
		{"one value for a slice", "tags=solo", signup{Tags: []string{"solo"}}},
		{"pointer", "nick=ann", signup{Nick: &nick}},
		{"array", "pair=x&pair=y", signup{Pair: [2]string{"x", "y"}}},
		{"csrf field skipped", "_csrf=tok&email=a", signup{Email: "a"}},
		{"empty pieces", "&email=a&&", signup{Email: "a"}},
		{"U+FFFD sent is kept", "email=%EF%BF%BD", signup{Email: "\uFFFD"}},
		{"HTML kept as text", "email=%3Cb%3E", signup{Email: "<b>"}},
	}
	d := newFormDecoder(t, JSONConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &store[signup]{dec: d}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, formRequest(tt.body))
			if rec.Code != http.StatusCreated {
				t.Fatalf("status %d, body %q", rec.Code, rec.Body.String())
			}
			if got := s.got[0]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestFormRefusals(t *testing.T) {
	const (
		tooLarge = `{"error":"Request body too large"}` + "\n"
		media    = `{"error":"Unsupported media type"}` + "\n"
	)
	field := func(path, msg string) string { return fieldBody("body", path, msg) }
	tests := []struct {
		name, body string
		status     int
		want       string
	}{
		{"unknown field", "email=a&role=admin", 400, field("role", "is not an allowed field")},
		{"ignored json field", "Secret=x", 400, field("Secret", "is not an allowed field")},
		{"field named by Go name", "Email=a", 400, field("Email", "is not an allowed field")},
		{"operator in brackets", "email=a&password%5B%24ne%5D=x", 400, field(`["password[$ne]"]`, `must not start with "$"`)},
		{"operator raw brackets", "password[$gt]=", 400, field(`["password[$gt]"]`, `must not start with "$"`)},
		{"operator name", "$where=1", 400, field("$where", `must not start with "$"`)},
		{"dotted name", "a.b=1", 400, field(`["a.b"]`, `must not contain "."`)},
		{"prototype", "__proto__[admin]=1", 400, field(`["__proto__[admin]"]`, "is a reserved name")},
		{"prototype segment", "x[__proto__]=1", 400, field(`["x[__proto__]"]`, "is a reserved name")},
		{"repeated scalar", "email=a&email=b", 400, field("email", "must not be repeated")},
		{"repeated empty scalar", "email=&email=", 400, field("email", "must not be repeated")},
		{"integer as word", "age=many", 400, field("age", "must be an integer")},
		{"integer as float", "age=1.5", 400, field("age", "must be an integer")},
		{"integer with plus", "age=%2B1", 400, field("age", "must be an integer")},
		{"out of range", "small=256", 400, field("small", "is out of range")},
		{"number as word", "score=NaN", 400, field("score", "must be a number")},
		{"boolean as word", "news=yes", 400, field("news", "must be a boolean")},
		{"slice element", "codes=1&codes=x", 400, field("codes[1]", "must be an integer")},
		{"array too long", "pair=a&pair=b&pair=c", 400, field("pair[2]", "has too many items")},
		{"object from a form", "address=Paris", 400, field("address", "must be an object")},
		{"bad escape", "email=%zz", 400, `{"error":"Malformed form body"}` + "\n"},
		{"semicolon", "email=a;b", 400, `{"error":"Malformed form body"}` + "\n"},
		{"empty body", "", 400, `{"error":"Request body is empty"}` + "\n"},
		{"too many fields", strings.Repeat("tags=a&", defaultMaxParams+1), 400, `{"error":"Too many parameters"}` + "\n"},
		{"over the limit", "email=" + strings.Repeat("a", defaultMaxBytes), 413, tooLarge},
	}
	d := newFormDecoder(t, JSONConfig{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &store[signup]{dec: d}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, formRequest(tt.body))
			if rec.Code != tt.status || rec.Body.String() != tt.want {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tt.status, tt.want)
			}
			if s.hits != 0 {
				t.Errorf("the handler ran and stored %+v", s.got)
			}
		})
	}

	t.Run("forms off", func(t *testing.T) {
		s := &store[signup]{dec: defaultDecoder}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, formRequest("email=a"))
		if rec.Code != 415 || rec.Body.String() != media || s.hits != 0 {
			t.Errorf("got %d %q (stored %d), want 415 %q", rec.Code, rec.Body.String(), s.hits, media)
		}
	})
	t.Run("not a struct", func(t *testing.T) {
		s := &store[map[string]any]{dec: d}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, formRequest("email=a"))
		if rec.Code != 415 || rec.Body.String() != media || s.hits != 0 {
			t.Errorf("got %d %q (stored %d), want 415 %q", rec.Code, rec.Body.String(), s.hits, media)
		}
	})
	t.Run("declared length over the limit", func(t *testing.T) {
		s := &store[signup]{dec: newFormDecoder(t, JSONConfig{MaxBytes: 16})}
		r := formRequest("email=a")
		r.ContentLength = 17
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		if rec.Code != 413 || rec.Body.String() != tooLarge || s.hits != 0 {
			t.Errorf("got %d %q, want 413 %q", rec.Code, rec.Body.String(), tooLarge)
		}
	})
}

// TestFormSameErrorsAsJSON: a form and the JSON object it stands for are
// refused with the same status and body.
func TestFormSameErrorsAsJSON(t *testing.T) {
	d := newFormDecoder(t, JSONConfig{})
	for _, tc := range []struct{ form, json string }{
		{"role=admin", `{"role":"admin"}`},
		{"age=x", `{"age":"x"}`},
		{"small=300", `{"small":300}`},
		{"codes=1&codes=x", `{"codes":[1,"x"]}`},
		{"%24ne=1", `{"$ne":1}`},
		{"a.b=1", `{"a.b":1}`},
	} {
		fr, jr := httptest.NewRecorder(), httptest.NewRecorder()
		(&store[signup]{dec: d}).ServeHTTP(fr, formRequest(tc.form))
		(&store[signup]{dec: d}).ServeHTTP(jr, jsonRequest(tc.json))
		if fr.Code != jr.Code || fr.Body.String() != jr.Body.String() {
			t.Errorf("form %q: %d %q; JSON %s: %d %q", tc.form, fr.Code, fr.Body.String(), tc.json, jr.Code, jr.Body.String())
		}
	}
}

func TestFormStripKeys(t *testing.T) {
	d := newFormDecoder(t, JSONConfig{Keys: KeysStrip})
	s := &store[signup]{dec: d}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, formRequest("email=a&password%5B%24ne%5D=x"))
	if rec.Code != http.StatusCreated || !reflect.DeepEqual(s.got, []signup{{Email: "a"}}) {
		t.Errorf("got %d %+v, want 201 and only the email", rec.Code, s.got)
	}
}

func TestMultipartForm(t *testing.T) {
	d := newFormDecoder(t, JSONConfig{})
	post := func(body, ct string) (*httptest.ResponseRecorder, *store[signup]) {
		s := &store[signup]{dec: d}
		r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, r)
		return rec, s
	}
	body, ct := multipartForm(t, "", "email", "a@example.com", "age", "7", "tags", "x", "tags", "y", "_csrf", "t")
	rec, s := post(body, ct)
	if want := (signup{Email: "a@example.com", Age: 7, Tags: []string{"x", "y"}}); rec.Code != 201 || !reflect.DeepEqual(s.got, []signup{want}) {
		t.Fatalf("got %d %q %+v, want 201 %+v", rec.Code, rec.Body.String(), s.got, want)
	}

	badField, badCT := multipartForm(t, "", "password[$ne]", "x")
	file, fileCT := multipartForm(t, "avatar", "email", "a")
	big, bigCT := multipartForm(t, "", "email", strings.Repeat("a", defaultMaxBytes))
	for _, tc := range []struct {
		name, body, ct string
		status         int
		want           string
	}{
		{"operator in a field name", badField, badCT, 400, fieldBody("body", `["password[$ne]"]`, `must not start with "$"`)},
		{"a file", file, fileCT, 400, `{"error":"Unexpected file field"}` + "\n"},
		{"no boundary", body, "multipart/form-data", 400, `{"error":"Malformed multipart body"}` + "\n"},
		{"wrong boundary", body, "multipart/form-data; boundary=nope", 400, `{"error":"Malformed multipart body"}` + "\n"},
		{"truncated", body[:len(body)-20], ct, 400, `{"error":"Malformed multipart body"}` + "\n"},
		{"over the limit", big, bigCT, 413, `{"error":"Request body too large"}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, s := post(tc.body, tc.ct)
			if rec.Code != tc.status || rec.Body.String() != tc.want {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tc.status, tc.want)
			}
			if s.hits != 0 {
				t.Errorf("stored %+v", s.got)
			}
		})
	}
}

// TestFormAfterParams: a Params layer in front resolves a repeated field
// by its policy before the form is bound.
func TestFormAfterParams(t *testing.T) {
	p, err := NewParams(ParamsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	s := &store[signup]{dec: newFormDecoder(t, JSONConfig{})}
	rec := httptest.NewRecorder()
	p.Handler(s).ServeHTTP(rec, formRequest("email=first&email=last"))
	if rec.Code != 201 || len(s.got) != 1 || s.got[0].Email != "last" {
		t.Errorf("got %d %q %+v, want 201 and the last email", rec.Code, rec.Body.String(), s.got)
	}
}
