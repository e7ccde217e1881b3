package input

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestParamsResolve(t *testing.T) {
	p, err := NewParams(ParamsConfig{Params: map[string]ParamPolicy{
		"tag": ParamAll, "id": ParamReject, "sort": ParamFirst,
	}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"empty", "", "", ""},
		{"single", "a=1", "a=1", ""},
		{"no duplicates kept byte for byte", "b=%20x&a=1+2", "b=%20x&a=1+2", ""},
		{"last wins", "a=1&b=2&a=3", "b=2&a=3", ""},
		{"last wins, encoded names", "a=1&%61=2", "%61=2", ""},
		{"three", "a=1&a=2&a=3", "a=3", ""},
		{"first policy", "sort=name&sort=date", "sort=name", ""},
		{"all policy", "tag=a&x=1&tag=b", "tag=a&x=1&tag=b", ""},
		{"reject policy", "id=1&id=2", "", `input: query id: must not be repeated`},
		{"reject policy single", "id=1", "id=1", ""},
		{"empty pieces", "a=1&&a=2&", "a=2", ""},
		{"name without value", "a&a=2", "a=2", ""},
		{"$ name", "$where=1", "", `input: query $where: must not start with "$"`},
		{"bracket $", "user[$ne]=x", "", `input: query ["user[$ne]"]: must not start with "$"`},
		{"encoded $", "%24gt=1", "", `input: query $gt: must not start with "$"`},
		{"dotted", "a.b=1", "", `input: query ["a.b"]: must not contain "."`},
		{"proto", "a[__proto__][x]=1", "", `input: query ["a[__proto__][x]"]: is a reserved name`},
		{"semicolon", "a=1;b=2", "", "input: Malformed query string"},
		{"bad escape in name", "%zz=1", "", "input: Malformed query string"},
		{"bad escape in value", "a=%zz", "", "input: Malformed query string"},
		// Array syntax is the same parameter to qs, PHP and Rack.
		{"scalar then array", "q=a&q[]=b", "q=b", ""},
		{"array then scalar", "q[]=a&q=b", "q=b", ""},
		{"single array", "q[]=a", "q=a", ""},
		{"encoded array", "q%5B%5D=a+b", "q=a+b", ""},
		{"indexed array", "q[0]=a&q[1]=b&x=1", "q=b&x=1", ""},
		{"array without value", "q[]", "q", ""},
		{"array first policy", "sort[]=name&sort=date", "sort=name", ""},
		{"array all policy", "tag[]=a&tag[]=b", "tag[]=a&tag[]=b", ""},
		{"array reject policy", "id=1&id[]=2", "", `input: query id: must not be repeated`},
		{"array reject policy single", "id[]=1", "id=1", ""},
		{"object is not an array", "q[a]=1&q[b]=2", "q[a]=1&q[b]=2", ""},
		{"nested is not an array", "q[0][a]=1", "q[0][a]=1", ""},
		{"array of an odd name", "a%26b[]=1", "a%26b=1", ""},
		{"array in a long list", strings.Repeat("x=1&", 40) + "q=a&q[]=b", "x=1&q=b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.resolve(tt.in, locationQuery)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("got %q, %v; want error %s", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestParamsStripAndLimits(t *testing.T) {
	p, _ := NewParams(ParamsConfig{Keys: KeysStrip, MaxParams: 3})
	if got, err := p.resolve("a=1&$where=2&b.c=3", locationQuery); err != nil || got != "a=1" {
		t.Errorf("strip: got %q, %v", got, err)
	}
	if _, err := p.resolve("a=1&b=2&c=3&d=4", locationQuery); err != errTooManyParams {
		t.Errorf("MaxParams: got %v", err)
	}
	off, _ := NewParams(ParamsConfig{DangerouslyAllowOperatorKeys: true})
	if got, err := off.resolve("$where=1", locationQuery); err != nil || got != "$where=1" {
		t.Errorf("guard off: got %q, %v", got, err)
	}
	// Many parameters use the index map.
	var b strings.Builder
	for i := 0; i < 50; i++ {
		b.WriteString("x=" + itoa(int64(i)) + "&y" + itoa(int64(i)) + "=1&")
	}
	got, err := mustParams(t, ParamsConfig{}).resolve(b.String(), locationQuery)
	q, _ := url.ParseQuery(got)
	if err != nil || len(q["x"]) != 1 || q.Get("x") != "49" || len(q) != 51 {
		t.Errorf("long list: %v %v", q["x"], err)
	}
}

func mustParams(t *testing.T, cfg ParamsConfig) *Params {
	t.Helper()
	p, err := NewParams(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParamsConfigErrors(t *testing.T) {
	for _, cfg := range []ParamsConfig{
		{Default: "random"}, {Params: map[string]ParamPolicy{"a": "many"}}, {Keys: "x"}, {MaxParams: -1}, {MaxBytes: -1},
	} {
		if _, err := NewParams(cfg); err == nil {
			t.Errorf("NewParams(%+v) accepted", cfg)
		}
	}
}

func TestParamsHandler(t *testing.T) {
	p := mustParams(t, ParamsConfig{Params: map[string]ParamPolicy{"tag": ParamAll, "id": ParamReject}})
	type seen struct {
		query   url.Values
		form    url.Values
		post    url.Values
		value   string
		rawBody string
	}
	tests := []struct {
		name, method, target, ctype, body string
		wantStatus                        int
		wantBody                          string
		want                              seen
	}{
		{name: "query last wins", method: "GET", target: "/s?q=a&q=b&tag=1&tag=2", wantStatus: 200,
			want: seen{query: url.Values{"q": {"b"}, "tag": {"1", "2"}}, form: url.Values{"q": {"b"}, "tag": {"1", "2"}}, value: "b"}},
		{name: "form last wins", method: "POST", target: "/s?q=z", ctype: "application/x-www-form-urlencoded",
			body: "q=a&role=user&role=admin&q=b", wantStatus: 200,
			want: seen{query: url.Values{"q": {"z"}}, post: url.Values{"q": {"b"}, "role": {"admin"}},
				form: url.Values{"q": {"b"}, "role": {"admin"}}, value: "b", rawBody: "role=admin&q=b"}},
		{name: "form and query all", method: "POST", target: "/s?tag=q", ctype: "application/x-www-form-urlencoded",
			body: "tag=a&tag=b", wantStatus: 200,
			want: seen{query: url.Values{"tag": {"q"}}, post: url.Values{"tag": {"a", "b"}},
				form: url.Values{"tag": {"a", "b", "q"}}, value: "a", rawBody: "tag=a&tag=b"}},
		{name: "query reject", method: "GET", target: "/s?id=1&id=2", wantStatus: 400,
			wantBody: fieldBody("query", "id", "must not be repeated")},
		{name: "form reject", method: "POST", target: "/s", ctype: "application/x-www-form-urlencoded",
			body: "id=1&id=2", wantStatus: 400, wantBody: fieldBody("body", "id", "must not be repeated")},
		{name: "query operator", method: "GET", target: "/s?user[$ne]=x", wantStatus: 400,
			wantBody: fieldBody("query", `["user[$ne]"]`, `must not start with "$"`)},
		{name: "form operator", method: "POST", target: "/s", ctype: "application/x-www-form-urlencoded",
			body: "password[$ne]=", wantStatus: 400, wantBody: fieldBody("body", `["password[$ne]"]`, `must not start with "$"`)},
		// A JSON document posted as a form is one name, the whole body:
		// the error does not show it, password and all.
		{name: "JSON body as a form", method: "POST", target: "/s", ctype: "application/x-www-form-urlencoded",
			body: `{"email":"a@example.com","password":"hunter2hunter2"}`, wantStatus: 400,
			wantBody: fieldBody("body", "(name withheld)", `must not contain "."`)},
		{name: "query name of a value", method: "GET", target: "/s?%7B%22token%22%3A%22s3cr3t%22%7D.x=1", wantStatus: 400,
			wantBody: fieldBody("query", "(name withheld)", `must not contain "."`)},
		{name: "malformed query", method: "GET", target: "/s?a=%zz", wantStatus: 400, wantBody: `{"error":"Malformed query string"}` + "\n"},
		{name: "malformed form", method: "POST", target: "/s", ctype: "application/x-www-form-urlencoded",
			body: "a=1;b=2", wantStatus: 400, wantBody: `{"error":"Malformed form body"}` + "\n"},
		{name: "form too large", method: "POST", target: "/s", ctype: "application/x-www-form-urlencoded",
			body: "a=" + strings.Repeat("x", defaultMaxBytes), wantStatus: 413, wantBody: `{"error":"Request body too large"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *seen
			h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				r.Body = io.NopCloser(strings.NewReader(string(raw)))
				if err := r.ParseForm(); err != nil {
					t.Errorf("ParseForm: %v", err)
				}
				got = &seen{query: r.URL.Query(), form: r.Form, value: r.FormValue("q"), rawBody: string(raw)}
				if tt.want.post != nil {
					got.post = r.PostForm
				}
				if tt.want.value == "a" {
					got.value = r.FormValue("tag")
				}
			}))
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			r := httptest.NewRequest(tt.method, tt.target, body)
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if tt.wantStatus != 200 {
				if rec.Body.String() != tt.wantBody {
					t.Errorf("body:\ngot  %s\nwant %s", rec.Body, tt.wantBody)
				}
				if got != nil {
					t.Error("handler reached")
				}
				return
			}
			if got == nil {
				t.Fatal("handler not reached")
			}
			if !equalValues(got.query, tt.want.query) || !equalValues(got.form, tt.want.form) ||
				(tt.want.post != nil && !equalValues(got.post, tt.want.post)) || got.value != tt.want.value || got.rawBody != tt.want.rawBody {
				t.Errorf("got %+v\nwant %+v", *got, tt.want)
			}
		})
	}
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv := b[k]
		if len(av) != len(bv) {
			return false
		}
		for i := range av {
			if av[i] != bv[i] {
				return false
			}
		}
	}
	return true
}

func BenchmarkParamsNoDuplicates(b *testing.B) {
	p, _ := NewParams(ParamsConfig{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.resolve("page=2&sort=name&q=hello+world", locationQuery); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLayers is the cost BodyLimit and Params add to a GET with a
// query string and to a small JSON POST, in front of a no-op handler.
func BenchmarkLayers(b *testing.B) {
	l, _ := NewBodyLimit(BodyLimitConfig{})
	p, _ := NewParams(ParamsConfig{})
	h := l.Handler(p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	w := httptest.NewRecorder()
	b.Run("GET", func(b *testing.B) {
		r := httptest.NewRequest("GET", "/items?page=2&sort=name", nil)
		b.ReportAllocs()
		for b.Loop() {
			h.ServeHTTP(w, r)
		}
	})
	b.Run("POST", func(b *testing.B) {
		r := httptest.NewRequest("POST", "/api/contact", strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/json")
		body := r.Body
		b.ReportAllocs()
		for b.Loop() {
			r.Body = body
			h.ServeHTTP(w, r)
		}
	})
}

// TestCheckParamName: one parameter name is refused exactly as Params
// refuses it in a query or form, bracketed segments included.
func TestCheckParamName(t *testing.T) {
	tests := []struct {
		name, want string
	}{
		{"user", ""},
		{"user[name]", ""},
		{"password[$ne]", `{"type":"field","location":"body","path":"[\"password[$ne]\"]","msg":"must not start with \"$\""}`},
		{"$where", `{"type":"field","location":"body","path":"$where","msg":"must not start with \"$\""}`},
		{"a.b", `{"type":"field","location":"body","path":"[\"a.b\"]","msg":"must not contain \".\""}`},
		{"prénom.x", `{"type":"field","location":"body","path":"[\"prénom.x\"]","msg":"must not contain \".\""}`},
		{`{"password":"x.y"}`, `{"type":"field","location":"body","path":"(name withheld)","msg":"must not contain \".\""}`},
		{"a b.c", `{"type":"field","location":"body","path":"(name withheld)","msg":"must not contain \".\""}`},
		{strings.Repeat("a", 101) + ".", `{"type":"field","location":"body","path":"(name withheld)","msg":"must not contain \".\""}`},
	}
	for _, tt := range tests {
		err := CheckParamName("body", tt.name)
		if tt.want == "" {
			if err != nil {
				t.Errorf("CheckParamName(%q) = %v, want nil", tt.name, err)
			}
			continue
		}
		e := asError(err)
		if err == nil || e.Status != 400 || len(e.Fields) != 1 {
			t.Errorf("CheckParamName(%q) = %v, want one 400 field error", tt.name, err)
			continue
		}
		got, _ := json.Marshal(e.Fields[0])
		if string(got) != tt.want {
			t.Errorf("CheckParamName(%q) = %s, want %s", tt.name, got, tt.want)
		}
	}
}
