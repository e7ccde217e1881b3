package input

import (
	"net/url"
	"strconv"
	"testing"
	"unicode/utf8"
)

type fuzzForm struct {
	Name  string   `json:"name"`
	Age   int      `json:"age"`
	Score float64  `json:"score"`
	On    bool     `json:"on"`
	Tags  []string `json:"tags"`
	Codes []uint16 `json:"codes"`
}

// FuzzDecodeForm checks form binding against url.ParseQuery: a body it
// accepts url.ParseQuery accepts, every value bound is the one sent, no
// name the guard refuses, no unknown name and no name or value that is
// not UTF-8 is let through, and every refusal is a 400 or 413.
func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{
		"name=ada&age=36", "name=a&name=b", "tags=a&tags=b&codes=1&codes=70000", "password%5B%24ne%5D=1",
		"name[$ne]=x", "a.b=1", "__proto__=1", "on=on&on=", "score=1e400", "age=-0", "name=%ff%fe",
		"name=%zz", "name=a;b", "tags=a&tags=%c0%a4", "na%ffme=1", "name=%ed%a0%80", "name=%f0%9f%98%80", "_csrf=t&name=x", "&&name=&", "age=01", "score=.5", "name=" + url.QueryEscape("\u0000<script>"),
	} {
		f.Add(s)
	}
	d, err := NewDecoder(JSONConfig{Forms: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var got fuzzForm
		err := d.unmarshalForm([]byte(body), &got)
		if err != nil {
			if st := asError(err).Status; st != 400 && st != 413 {
				t.Fatalf("status %d for %q", st, body)
			}
			return
		}
		vals, perr := url.ParseQuery(body)
		if perr != nil {
			t.Fatalf("accepted %q, which url.ParseQuery refuses: %v", body, perr)
		}
		for name, vs := range vals {
			if !utf8.ValidString(name) {
				t.Fatalf("name %q, not UTF-8, accepted", name)
			}
			if name == "_csrf" {
				continue
			}
			if checkParamKey(name) != "" {
				t.Fatalf("guard let %q through", name)
			}
			switch name {
			case "name":
				want := vs[0]
				if !utf8.ValidString(want) {
					t.Fatalf("name %q, not UTF-8, accepted", want)
				}
				if len(vs) != 1 || got.Name != want {
					t.Fatalf("name = %q from %q", got.Name, vs)
				}
			case "age":
				if n, err := strconv.Atoi(vs[0]); len(vs) != 1 || (vs[0] != "" && (err != nil || n != got.Age)) {
					t.Fatalf("age = %d from %q", got.Age, vs)
				}
			case "tags":
				if len(got.Tags) != len(vs) {
					t.Fatalf("tags = %q from %q", got.Tags, vs)
				}
			case "codes":
				if len(got.Codes) != len(vs) {
					t.Fatalf("codes = %v from %q", got.Codes, vs)
				}
			case "score", "on":
				if len(vs) != 1 {
					t.Fatalf("%s repeated %q accepted", name, vs)
				}
			default:
				t.Fatalf("unknown field %q accepted", name)
			}
		}
	})
}
