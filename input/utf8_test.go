package input

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// TestDecoderRefusesInvalidText checks that strings and keys that are not
// UTF-8 text (bytes that are not UTF-8, lone surrogate escapes) are
// refused with a 400 naming the field, in JSON and in forms, instead of
// reaching the handler as U+FFFD; the handler is never reached.
func TestDecoderRefusesInvalidText(t *testing.T) {
	utf8Err := func(path string) string { return fieldBody("body", path, "must be valid UTF-8") }
	form := func(body string) func() *http.Request {
		return func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
	}
	multipartForm := func(name, value string) func() *http.Request {
		return func() *http.Request {
			body := "--b\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n--b--\r\n"
			r := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			return r
		}
	}
	j := func(body string) func() *http.Request { return func() *http.Request { return jsonRequest(body) } }
	tests := []struct {
		name     string
		req      func() *http.Request
		wantBody string
	}{
		{"raw invalid bytes", j("{\"name\":\"\xff\xfe\"}"), utf8Err("name")},
		{"invalid byte after text", j("{\"name\":\"Ada\xc3\"}"), utf8Err("name")},
		{"overlong encoding of $", j("{\"name\":\"\xc0\xa4ne\"}"), utf8Err("name")},
		{"encoded surrogate", j("{\"name\":\"\xed\xa0\x80\"}"), utf8Err("name")},
		{"lone high surrogate escape", j(`{"name":"\ud800"}`), utf8Err("name")},
		{"lone low surrogate escape", j(`{"name":"\udc00x"}`), utf8Err("name")},
		{"high surrogate then a letter", j(`{"name":"\ud800\u0041"}`), utf8Err("name")},
		{"two high surrogates", j(`{"name":"\ud83d\ud83d\ude00"}`), utf8Err("name")},
		{"reversed pair", j(`{"name":"\ude00\ud83d"}`), utf8Err("name")},
		{"in an array", j("{\"tags\":[\"a\",\"\xff\"]}"), utf8Err("tags[1]")},
		{"in a nested struct", j(`{"address":{"lines":[{"text":"\udfff"}]}}`), utf8Err("address.lines[0].text")},
		{"in any", j("{\"any\":{\"k\":\"\xff\"}}"), utf8Err("any.k")},
		{"in a map value", j(`{"labels":{"k":"\ud800"}}`), utf8Err("labels.k")},
		{"key in a map", j("{\"labels\":{\"\xff\":\"v\"}}"), utf8Err("labels[\"\ufffd\"]")},
		{"escaped key in any", j(`{"any":{"\ud800":1}}`), utf8Err("any[\"\ufffd\"]")},
		{"top-level key", j("{\"\xfe\":1}"), utf8Err("[\"\ufffd\"]")},
		{"form value", form("name=%ff%fe"), utf8Err("name")},
		{"form value of a slice", form("tags=a&tags=%c0%a4"), utf8Err("tags")},
		{"form name", form("na%ffme=x"), utf8Err("[\"na\ufffdme\"]")},
		{"multipart value", multipartForm("name", "\xff"), utf8Err("name")},
		{"multipart name", multipartForm("\xffx", "a"), utf8Err("[\"\ufffdx\"]")},
	}
	for _, strip := range []bool{false, true} {
		cfg := JSONConfig{Forms: true}
		if strip {
			cfg.Keys = KeysStrip
		}
		dec, err := NewDecoder(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				s := &store[profile]{dec: dec}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, tt.req())
				if rec.Code != http.StatusBadRequest || rec.Body.String() != tt.wantBody {
					t.Errorf("strip %v: got %d %s, want 400 %s", strip, rec.Code, rec.Body, tt.wantBody)
				}
				if s.hits != 0 {
					t.Errorf("handler reached %d times; want never", s.hits)
				}
			})
		}
	}
}

// TestDecoderAcceptsText checks that valid text passes unchanged: every
// plane, escaped surrogate pairs, and U+FFFD itself when it was sent.
func TestDecoderAcceptsText(t *testing.T) {
	dec, _ := NewDecoder(JSONConfig{})
	tests := []struct{ body, want string }{
		{`{"name":"Ada"}`, "Ada"},
		{`{"name":"漢字 é 😀"}`, "漢字 é 😀"},
		{`{"name":"\ud83d\ude00"}`, "😀"},
		{`{"name":"\uD83D\uDE00!"}`, "😀!"},
		{`{"name":"\ufffd"}`, "\ufffd"},
		{"{\"name\":\"\xef\xbf\xbd\"}", "\ufffd"},
		{`{"name":"\u0000\uffff"}`, "\x00\uffff"},
		{"{\"name\":\"\xf4\x8f\xbf\xbf\"}", "\U0010ffff"},
	}
	for _, tt := range tests {
		var p profile
		if err := dec.Unmarshal([]byte(tt.body), &p); err != nil || p.Name != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.body, p.Name, err, tt.want)
		}
		var m map[string]any
		if err := dec.Unmarshal([]byte(tt.body), &m); err != nil || !reflect.DeepEqual(m, map[string]any{"name": tt.want}) {
			t.Errorf("%q into a map: got %q, %v", tt.body, m, err)
		}
	}
}
