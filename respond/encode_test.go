package respond

import (
	"encoding/json"
	"testing"
)

// TestBodyJSON: the hand-written encoder writes exactly what
// encoding/json writes, for the shapes and the characters that need
// escaping.
func TestBodyJSON(t *testing.T) {
	tests := []body{
		{},
		{Error: "Forbidden"},
		{Error: "Too Many Requests", RequestID: "0123456789abcdef0123456789abcdef"},
		{Error: "Bad request", Detail: `invalid character '<' looking for "value" & more`, RequestID: "r:1"},
		{Errors: []FieldError{{"field", "body", "email", "must be a valid email address"}}},
		{Errors: []FieldError{{"field", "body", "a", "x"}, {"field", "query", "b.c", "y"}}, RequestID: "id"},
		{Errors: []FieldError{}, RequestID: "id"},
		{Error: "quote \" backslash \\ slash /"},
		{Error: "controls \x00\x01\b\f\n\r\t\x1f\x7f"},
		{Error: "html <script>alert(1)</script> & co"},
		{Error: "non-ASCII: é ☃ 𝄞, separators \u2028 \u2029"},
		{Error: "invalid UTF-8: \xff\xfe \xc3"},
		{Detail: "only a detail"},
	}
	for _, b := range tests {
		want, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.appendJSON(nil); string(got) != string(want) {
			t.Errorf("appendJSON(%+v)\n got %s\nwant %s", b, got, want)
		}
	}
}

// FuzzBodyJSON compares the encoder with encoding/json on arbitrary strings.
func FuzzBodyJSON(f *testing.F) {
	f.Add("Forbidden", "", "0123456789abcdef", "email", "msg")
	f.Add("<>&\"\\", "\x00\n\u2028", "\xff", "a.b", "é")
	f.Fuzz(func(t *testing.T, msg, detail, id, path, fieldMsg string) {
		for _, b := range []body{
			{Error: msg, Detail: detail, RequestID: id},
			{Errors: []FieldError{{"field", "body", path, fieldMsg}, {msg, detail, id, path}}, RequestID: id},
		} {
			want, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.appendJSON(nil); string(got) != string(want) {
				t.Fatalf("appendJSON(%+v)\n got %s\nwant %s", b, got, want)
			}
		}
	})
}
