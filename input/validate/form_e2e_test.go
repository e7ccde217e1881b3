package validate_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/validate"
)

// TestFormOverHTTP posts forms through the input layer as a server wires
// it (body limit, then parameter pollution with a per-name policy, then a
// form-binding validator) over a loopback connection: the stack's layers
// and the binder refuse what they refuse alone, and nothing refused is
// stored.
func TestFormOverHTTP(t *testing.T) {
	limit, err := input.NewBodyLimit(input.BodyLimitConfig{})
	if err != nil {
		t.Fatal(err)
	}
	params, err := input.NewParams(input.ParamsConfig{Params: map[string]input.ParamPolicy{"email": input.ParamReject}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(validate.Config{JSON: input.JSONConfig{Forms: true}})
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{}
	mux := http.NewServeMux()
	mux.Handle("POST /api/contact", contactHandler(v, st.addContact))
	srv := httptest.NewServer(limit.Handler(params.Handler(mux)))
	defer srv.Close()

	post := func(ct, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/api/contact", ct, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	mp := func(fields ...string) (string, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for i := 0; i+1 < len(fields); i += 2 {
			mw.WriteField(fields[i], fields[i+1])
		}
		mw.Close()
		return mw.FormDataContentType(), b.String()
	}
	const form = "application/x-www-form-urlencoded"
	ok := `{"success":true,"message":"Message received"}` + "\n"
	good := url.Values{"name": {"Ada"}, "email": {"Ada@Example.com"}, "message": {"hi"}, "_csrf": {"tok"}}.Encode()
	mpGoodCT, mpGood := mp("name", "Ada", "email", "ada@example.com", "message", "hi")
	mpBadCT, mpBad := mp("name", "Ada", "email[$ne]", "x", "message", "hi")
	mpRepCT, mpRep := mp("name", "Ada", "name", "Eve", "email", "ada@example.com", "message", "hi")

	for _, tc := range []struct {
		name, ct, body string
		status         int
		want           string
		stored         int
	}{
		{"urlencoded", form, good, 200, ok, 1},
		{"multipart", mpGoodCT, mpGood, 200, ok, 1},
		// The name's default policy (last) resolves the repeat before the
		// binder sees it.
		{"repeated name resolved by policy", form, "name=Eve&name=Ada&email=ada%40example.com&message=hi", 200, ok, 1},
		{"repeated name refused by policy", form, "name=Ada&email=a%40example.com&email=b%40example.com&message=hi", 400,
			`{"errors":[{"type":"field","location":"body","path":"email","msg":"must not be repeated"}]}` + "\n", 0},
		// Multipart bodies pass the Params layer untouched: the binder
		// refuses the repeat and the operator key itself.
		{"multipart repeated name", mpRepCT, mpRep, 400,
			`{"errors":[{"type":"field","location":"body","path":"name","msg":"must not be repeated"}]}` + "\n", 0},
		{"multipart operator key", mpBadCT, mpBad, 400,
			`{"errors":[{"type":"field","location":"body","path":"[\"email[$ne]\"]","msg":"must not start with \"$\""}]}` + "\n", 0},
		{"urlencoded operator key", form, "name=Ada&email%5B%24ne%5D=x&message=hi", 400,
			`{"errors":[{"type":"field","location":"body","path":"[\"email[$ne]\"]","msg":"must not start with \"$\""}]}` + "\n", 0},
		{"validation", form, "name=Ada&email=nope&message=hi", 400,
			`{"errors":[{"type":"field","location":"body","path":"email","msg":"must be a valid email address"}]}` + "\n", 0},
		{"over the body limit", form, "name=Ada&message=" + strings.Repeat("m", 10<<10), 413,
			`{"error":"Request body too large"}` + "\n", 0},
		{"text/plain", "text/plain", "name=Ada", 415, `{"error":"Unsupported media type"}` + "\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := st.count()
			status, body := post(tc.ct, tc.body)
			if status != tc.status || body != tc.want {
				t.Errorf("got %d %q, want %d %q", status, body, tc.status, tc.want)
			}
			if got := st.count() - before; got != tc.stored {
				t.Errorf("stored %d values, want %d", got, tc.stored)
			}
		})
	}
	if len(st.contacts) != 3 {
		t.Fatalf("stored %+v, want three contacts", st.contacts)
	}
	if c := st.contacts[0]; c.Email != "ada@example.com" || c.Name != "Ada" {
		t.Errorf("stored %+v, want the normalised form values", c)
	}
	if c := st.contacts[2]; c.Name != "Ada" {
		t.Errorf("repeated name stored as %q, want the last value, Ada", c.Name)
	}
}
