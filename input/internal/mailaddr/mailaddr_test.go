package mailaddr

import (
	"net/mail"
	"testing"

	"github.com/go-playground/validator/v10"
)

var seeds = []string{
	"ada.lovelace@example.com", "Ada.Lovelace@Example.com", "a@b.co", "a+tag@sub.example.org",
	"x!#$%&'*+-/=?^_`{|}~y@example.com", "a..b@example.com", ".a@example.com", "a.@example.com",
	"a@example", "a@-example.com", "a@example-.com", "a@example.c0m", "a@example.com.", "a@1.2.3.4",
	"a@[127.0.0.1]", `"a b"@example.com`, "Ada <a@example.com>", "a@b@example.com", "@example.com",
	"a@", "", " a@example.com", "a@example.com ", "é@example.com", "a@exämple.com", "a@example..com",
	"a(c)@example.com", "a@xn--bcher-kva.example", "a@ex_ample.com", "a\x00@example.com",
}

var engine = validator.New()

// check fails when Plain(s) holds but net/mail or the validator's email
// rule disagrees.
func check(t *testing.T, s string) {
	if !Plain(s) {
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		t.Fatalf("Plain(%q), but net/mail gives %v, %v", s, a, err)
	}
	if err := engine.Var(s, "email"); err != nil {
		t.Fatalf("Plain(%q), but the email rule refuses it: %v", s, err)
	}
}

func TestPlain(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"ada.lovelace@example.com", true},
		{"Ada.Lovelace@Example.com", true},
		{"a+tag@sub.example.org", true},
		{"a..b@example.com", false},
		{"a@example", false},
		{"a@example.c0m", false},
		{"a@[127.0.0.1]", false},
		{`"a b"@example.com`, false},
		{"Ada <a@example.com>", false},
		{" a@example.com", false},
		{"é@example.com", false},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, s := range seeds {
		check(t, s)
	}
}

// FuzzPlain checks that every address Plain accepts is accepted unchanged
// by net/mail and by the validator's email rule.
func FuzzPlain(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(check)
}
