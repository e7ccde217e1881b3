package input_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/harden-go/harden/input"
)

func ExampleDecodeJSON() {
	type query struct {
		Status string         `json:"status"`
		Filter map[string]any `json:"filter"`
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var q query
		if !input.DecodeJSON(w, r, &q) {
			return // refused: 400, 413 or 415 already answered
		}
		fmt.Fprintf(w, "ok %v\n", q.Filter)
	})
	for _, body := range []string{
		`{"status":"open","filter":{"owner":"ada"}}`,
		`{"status":"open","filter":{"owner":{"$ne":null}}}`,
		`{"status":"open","status":"closed"}`,
		`{"status":"open","role":"admin"}`,
	} {
		r := httptest.NewRequest("POST", "/search", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 ok map[owner:ada]
	// 400 {"errors":[{"type":"field","location":"body","path":"filter.owner.$ne","msg":"must not start with \"$\""}]}
	// 400 {"errors":[{"type":"field","location":"body","path":"status","msg":"appears more than once"}]}
	// 400 {"errors":[{"type":"field","location":"body","path":"role","msg":"is not an allowed field"}]}
}

func ExampleParams() {
	p, err := input.NewParams(input.ParamsConfig{
		Params: map[string]input.ParamPolicy{"tag": input.ParamAll, "id": input.ParamReject},
	})
	if err != nil {
		panic(err)
	}
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "role=%q tags=%q\n", r.URL.Query()["role"], r.URL.Query()["tag"])
	}))
	for _, target := range []string{
		"/items?role=user&role=admin&tag=a&tag=b",
		"/items?id=1&id=2",
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", target, nil))
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 role=["admin"] tags=["a" "b"]
	// 400 {"errors":[{"type":"field","location":"query","path":"id","msg":"must not be repeated"}]}
}

func ExampleCheckKey() {
	for _, k := range []string{"name", "$where", "profile.role", "__proto__"} {
		fmt.Printf("%q: %q\n", k, input.CheckKey(k))
	}
	// Output:
	// "name": ""
	// "$where": "must not start with \"$\""
	// "profile.role": "must not contain \".\""
	// "__proto__": "is a reserved name"
}

// A Decoder with Forms binds an HTML form to the same struct as JSON, with
// the same refusals.
func ExampleDecoder_forms() {
	type signup struct {
		Email string   `json:"email"`
		Age   int      `json:"age"`
		Tags  []string `json:"tags"`
	}
	dec, err := input.NewDecoder(input.JSONConfig{Forms: true})
	if err != nil {
		panic(err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var s signup
		if !dec.Bind(w, r, &s) {
			return // refused: 400, 413 or 415 already answered
		}
		fmt.Fprintf(w, "ok %+v\n", s)
	})
	for _, body := range []string{
		"email=ada%40example.com&age=36&tags=a&tags=b&_csrf=token",
		"email=ada%40example.com&email=eve%40example.com",
		"email[$ne]=x",
		"age=old",
	} {
		r := httptest.NewRequest("POST", "/signup", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}
	// Output:
	// 200 ok {Email:ada@example.com Age:36 Tags:[a b]}
	// 400 {"errors":[{"type":"field","location":"body","path":"email","msg":"must not be repeated"}]}
	// 400 {"errors":[{"type":"field","location":"body","path":"[\"email[$ne]\"]","msg":"must not start with \"$\""}]}
	// 400 {"errors":[{"type":"field","location":"body","path":"age","msg":"must be an integer"}]}
}
