package js

import (
	"reflect"
	"testing"
)

func TestParseInt(t *testing.T) {
	for in, want := range map[string]int64{"31536000": 31536000, "  42abc": 42, "-5": -5, "+7": 7, "\u00a09": 9} {
		if got, ok := ParseInt(in); !ok || got != want {
			t.Errorf("ParseInt(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", `"1"`, "-", " "} {
		if _, ok := ParseInt(in); ok {
			t.Errorf("ParseInt(%q) parsed; JavaScript gives NaN", in)
		}
	}
}

func TestDecodeURIComponent(t *testing.T) {
	for in, want := range map[string]string{"a%20b": "a b", "%C3%A9": "é", "plain": "plain"} {
		if got, ok := DecodeURIComponent(in); !ok || got != want {
			t.Errorf("DecodeURIComponent(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"%", "%zz", "%C3", "%A9", "a%2"} {
		if _, ok := DecodeURIComponent(in); ok {
			t.Errorf("DecodeURIComponent(%q) succeeded; JavaScript throws URIError", in)
		}
	}
}

func TestTrimFieldsLatin1(t *testing.T) {
	if got := Trim("\ufeff\u00a0 a b\u2003"); got != "a b" {
		t.Errorf("Trim = %q", got)
	}
	if got := Fields("a \t\u00a0b"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("Fields = %q", got)
	}
	if got := Fields(""); !reflect.DeepEqual(got, []string{""}) {
		t.Errorf("Fields(\"\") = %q, want one empty field", got)
	}
	if got := Latin1("a\xa0b\xe9"); got != "a\u00a0b\u00e9" {
		t.Errorf("Latin1 = %q", got)
	}
}
