package normalize

import (
	"strings"
	"testing"
)

func TestNormalizers(t *testing.T) {
	tests := []struct {
		name, fn, in, want string
	}{
		{"trim", "trim", " \t a b \n\u00a0", "a b"},
		{"lower", "lower", "ÀBC", "àbc"},
		{"nfc composes", "nfc", "e\u0301", "é"},
		{"nfkc folds fullwidth", "nfkc", "ＡＢＣ", "ABC"},
		{"stripctl keeps newlines", "stripctl", "a\x00b\x1b[31mc\td\ne\r\x7f", "ab[31mc\td\ne\r"},
		{"stripctl bidi and zero width", "stripctl", "admin\u202egpj.exe\u200b\ufeff", "admingpj.exe"},
		{"stripctl C1", "stripctl", "a\u0085b\u009bc", "abc"},
		{"stripctl invalid utf-8", "stripctl", "a\xffb", "a\ufffdb"},
		{"squash", "squash", "  Ada \n\t Lovelace  ", "Ada Lovelace"},
		{"email lower", "email", "  Ada.Lovelace@Example.COM ", "ada.lovelace@example.com"},
		{"email angle", "email", "<ada@example.com>", "ada@example.com"},
		{"email display name refused", "email", "Ada <ada@example.com>", "Ada <ada@example.com>"},
		{"email list refused", "email", "a@example.com, b@example.com", "a@example.com, b@example.com"},
		{"email garbage kept", "email", " not an email ", "not an email"},
		{"escape", "escape", `<a href="x">'&'</a>`, "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := builtin[tt.fn](tt.in); got != tt.want {
				t.Errorf("%s(%q) = %q, want %q", tt.fn, tt.in, got, tt.want)
			}
		})
	}
}

type inner struct {
	Nick string `normalize:"trim,lower"`
}

type tagged struct {
	Name     string   `normalize:"trim,nfc,stripctl,squash"`
	Email    string   `normalize:"email"`
	Tags     []string `normalize:"trim,lower"`
	Optional *string  `normalize:"trim"`
	Inner    inner
	Inners   []*inner
	Password string // untouched: no tag
	private  string
	Count    int
	Self     *tagged
}

// defaultNormalizer has the built-in normalisers only.
var defaultNormalizer, _ = New(nil)

func TestNormalizeStruct(t *testing.T) {
	opt := "  x  "
	v := tagged{
		Name: "  Ada\u0000  Love\u0301lace ", Email: " A@B.COM ", Tags: []string{" A ", "B "}, Optional: &opt,
		Inner: inner{" NICK "}, Inners: []*inner{{" X "}, nil}, Password: "  secret  ", private: " p ",
		Self: &tagged{Name: " child "},
	}
	if err := defaultNormalizer.Normalize(&v); err != nil {
		t.Fatal(err)
	}
	if v.Name != "Ada Lovélace" || v.Email != "a@b.com" || v.Tags[0] != "a" || v.Tags[1] != "b" || *v.Optional != "x" ||
		v.Inner.Nick != "nick" || v.Inners[0].Nick != "x" || v.Password != "  secret  " || v.private != " p " || v.Self.Name != "child" {
		t.Errorf("got %+v", v)
	}
	if err := defaultNormalizer.Normalize(v); err == nil {
		t.Error("non-pointer accepted")
	}
}

func TestNormalizerErrors(t *testing.T) {
	type unknown struct {
		A string `normalize:"rot13"`
	}
	type notString struct {
		N int `normalize:"trim"`
	}
	for _, v := range []any{unknown{}, notString{}} {
		if err := defaultNormalizer.Prepare(v); err == nil {
			t.Errorf("Prepare(%T) accepted", v)
		}
	}
	for _, extra := range []map[string]func(string) string{
		{"trim": strings.TrimSpace}, {"a,b": strings.TrimSpace}, {"": strings.TrimSpace}, {"x": nil},
	} {
		if _, err := New(extra); err == nil {
			t.Errorf("New(%v) accepted", extra)
		}
	}
	n, err := New(map[string]func(string) string{"shout": strings.ToUpper})
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		S string `normalize:"shout"`
	}
	v.S = "a"
	if err := n.Normalize(&v); err != nil || v.S != "A" {
		t.Errorf("extra normaliser: %q %v", v.S, err)
	}
}
