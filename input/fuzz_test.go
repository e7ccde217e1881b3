package input

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

var jsonSeeds = []string{
	`{"name":"a","age":1}`, `{"filter":{"$where":"1"}}`, `{"filter":{"a.b":1}}`, `{"any":{"__proto__":1}}`,
	`{"name":"a","name":"b"}`, `{"n\u0061me":"x"}`, `{"any":[[[[[[1]]]]]]}`, `{"tags":["a","b"]}`, `[1,2]`,
	`"str"`, `1e5`, `-0.5e-3`, `true`, `null`, `{"a":1} x`, `{`, `{"a":"\ud800"}`, `{"\u0024gt":1}`,
	`{"any":{"k":"\xff"}}`, `{"pair":[1,2,3]}`, `{"small":256}`, `  {"labels":{"x":"y"}}  `,
	"{\"name\":\"\xff\xfe\"}", "{\"any\":{\"\xc0\xa4ne\":1}}", "{\"name\":\"\xed\xa0\x80\"}", `{"name":"\udc00"}`,
	`{"name":"\ud83d\ude00"}`, `{"name":"\ud83d\u0041"}`, `{"name":"\ud83d\ud83d\ude00"}`, `{"any":{"\ud800":1}}`,
	`{"name":"\ufffd"}`, "{\"name\":\"\xef\xbf\xbd\"}", `{"name":"\ud83d\ude0"}`, `{"name":"\ud83d\`,
}

// replacements counts the U+FFFD a document may legitimately decode to:
// those sent as UTF-8 and those sent as an escape.
func replacements(data []byte) int {
	return bytes.Count(data, []byte("\uFFFD")) + bytes.Count(bytes.ToLower(data), []byte(`\ufffd`))
}

// decodedReplacements counts the U+FFFD in the keys and strings of v.
func decodedReplacements(v any) int {
	n := 0
	switch t := v.(type) {
	case string:
		n = strings.Count(t, "\uFFFD")
	case map[string]any:
		for k, e := range t {
			n += strings.Count(k, "\uFFFD") + decodedReplacements(e)
		}
	case []any:
		for _, e := range t {
			n += decodedReplacements(e)
		}
	}
	return n
}

// FuzzDecode checks the strict decoder against encoding/json: whatever it
// accepts encoding/json accepts, its syntax verdict agrees with
// json.Valid, nothing it lets through (refuse or strip) holds a key
// that the guard refuses, and nothing it lets through holds a string or
// key that is not UTF-8 text (invalid bytes, lone surrogates).
func FuzzDecode(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	refuse, _ := NewDecoder(JSONConfig{MaxDepth: 64})
	strip, _ := NewDecoder(JSONConfig{MaxDepth: 64, Keys: KeysStrip})
	f.Fuzz(func(t *testing.T, data []byte) {
		// Syntax alone agrees with json.Valid.
		s := scanner{data: data, noDups: true}
		ok := s.document(nil)
		if ok != json.Valid(data) {
			t.Fatalf("scan %v, json.Valid %v, err %v", ok, json.Valid(data), s.err)
		}
		for _, dec := range []*Decoder{refuse, strip} {
			var v any
			if err := dec.Unmarshal(data, &v); err == nil {
				if cerr := CheckKeys(v); cerr != nil {
					t.Fatalf("guard let through %v", cerr)
				}
				// Nothing that is not text was turned into U+FFFD.
				if !utf8.Valid(data) || decodedReplacements(v) > replacements(data) {
					t.Fatalf("accepted text that is not UTF-8: %q", data)
				}
			} else if asError(err).Status != 400 {
				t.Fatalf("status %d", asError(err).Status)
			}
			var p profile
			if err := dec.Unmarshal(data, &p); err == nil {
				if CheckKeys(p.Filter) != nil || CheckKeys(p.Any) != nil {
					t.Fatal("guard let a key through into a struct")
				}
				var plain profile
				// Stripped or not, what passed decodes with encoding/json too.
				if dec == refuse {
					if err := json.Unmarshal(data, &plain); err != nil {
						t.Fatalf("accepted, but encoding/json refuses: %v", err)
					}
				}
			}
		}
	})
}

// FuzzParams checks the parameter parser against url.ParseQuery and the
// resolution: it fails where ParseQuery fails, and what it keeps parses to
// one value per parameter (names in array syntax belonging to their base),
// the last one sent, except for the all-policy "tag".
func FuzzParams(f *testing.F) {
	for _, s := range []string{"a=1&a=2", "a=1&b=2&a=3", "%61=1&a=2", "a=%zz", "a;b", "tag=1&tag=2", "user[$ne]=1",
		"a.b=1", "&&a=&", "=x&=y", "a+b=1&a%20b=2", "x=%E2%82%AC", "q=a&q[]=b", "q[0]=1&q%5B1%5D=2", "tag[]=1&tag=2", "[]=1&[]=2"} {
		f.Add(s)
	}
	p, _ := NewParams(ParamsConfig{Params: map[string]ParamPolicy{"tag": ParamAll}, DangerouslyAllowOperatorKeys: true})
	f.Fuzz(func(t *testing.T, raw string) {
		_, werr := url.ParseQuery(raw)
		got, err := p.resolve(raw, locationQuery)
		if (err != nil) != (werr != nil) {
			if err == errTooManyParams {
				return
			}
			t.Fatalf("Resolve err %v, ParseQuery err %v", err, werr)
		}
		if err != nil {
			return
		}
		q, qerr := url.ParseQuery(got)
		if qerr != nil {
			t.Fatalf("resolved %q does not parse: %v", got, qerr)
		}
		want := url.Values{}
		for piece := range strings.SplitSeq(raw, "&") {
			if piece == "" {
				continue
			}
			name, value, _ := strings.Cut(piece, "=")
			name, _ = url.QueryUnescape(name)
			value, _ = url.QueryUnescape(value)
			if base, _ := arrayBase(name); base == "tag" {
				want[name] = append(want[name], value)
			} else {
				want[base] = []string{value}
			}
		}
		if len(q) != len(want) {
			t.Fatalf("names: got %v, want %v", q, want)
		}
		for name, vs := range want {
			if strings.Join(q[name], "\x00") != strings.Join(vs, "\x00") {
				t.Fatalf("%q: got %q, want %q", name, q[name], vs)
			}
		}
	})
}
