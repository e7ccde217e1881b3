package appdb_test

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/harden-go/harden/internal/appdb"
)

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want, wantReason string
	}{
		{"ann@example.com", "ann@example.com", ""},
		{"  Ann.Lee+tag@Example.COM\t", "ann.lee+tag@example.com", ""},
		{"admin@localhost", "admin@localhost", ""},
		{"x'or'1'='1'--@a.b", "x'or'1'='1'--@a.b", ""},
		{"ÉLODIE@exemple.fr", "élodie@exemple.fr", ""},
		{"\u212aate@example.com", "kate@example.com", ""}, // Kelvin sign folds to k: one account
		{"", "", "empty"},
		{"   ", "", "empty"},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com", "", "longer than 254 bytes"},
		{"\xffa@b.c", "", "not valid UTF-8"},
		{"ann", "", "not a plain email address"},
		{"ann@", "", "not a plain email address"},
		{"@example.com", "", "not a plain email address"},
		{"Ann <ann@example.com>", "", "not a plain email address"},
		{"<ann@example.com>", "", "not a plain email address"},
		{`"ann lee"@example.com`, "", "not a plain email address"},
		{"ann@example.com, bob@example.com", "", "not a plain email address"},
		{"ann@example.com\r\nBcc: eve@example.com", "", "not a plain email address"},
		{"ann@exa mple.com", "", "not a plain email address"},
		{"ann(comment)@example.com", "", "not a plain email address"},
	}
	for _, tt := range tests {
		got, err := appdb.NormalizeEmail(tt.in)
		var reason string
		var ve *appdb.ValidationError
		if errors.As(err, &ve) {
			reason = ve.Reason
			if ve.Field != "email" {
				t.Errorf("NormalizeEmail(%q) field = %q, want email", tt.in, ve.Field)
			}
		} else if err != nil {
			t.Errorf("NormalizeEmail(%q) error = %v, want a *ValidationError or nil", tt.in, err)
		}
		if got != tt.want || reason != tt.wantReason {
			t.Errorf("NormalizeEmail(%q) = %q, %q; want %q, %q", tt.in, got, reason, tt.want, tt.wantReason)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, pw, wantReason string
	}{
		{"12 ASCII", "abcdefghijkl", ""},
		{"12 runes of 2 bytes", strings.Repeat("é", 12), ""},
		{"spaces count", "correct horse", ""},
		{"1024 bytes", strings.Repeat("x", 1024), ""},
		{"empty", "", "shorter than 12 characters"},
		{"11 characters", "abcdefghijk", "shorter than 12 characters"},
		{"11 runes in 22 bytes", strings.Repeat("é", 11), "shorter than 12 characters"},
		{"1025 bytes", strings.Repeat("x", 1025), "longer than 1024 bytes"},
		{"513 runes of 2 bytes", strings.Repeat("é", 513), "longer than 1024 bytes"},
		{"Latin-1 bytes", "p\xe4ssword-from-a-latin1-terminal", "not valid UTF-8"},
	}
	for _, tt := range tests {
		err := appdb.CheckPassword(tt.pw)
		var reason string
		var ve *appdb.ValidationError
		if errors.As(err, &ve) {
			reason = ve.Reason
		} else if err != nil {
			t.Errorf("%s: error = %v, want a *ValidationError or nil", tt.name, err)
		}
		if reason != tt.wantReason {
			t.Errorf("%s: CheckPassword reason = %q, want %q", tt.name, reason, tt.wantReason)
		}
		if err != nil && len(tt.pw) >= 4 && strings.Contains(err.Error(), tt.pw[:4]) {
			t.Errorf("%s: error %q quotes the password", tt.name, err)
		}
	}
}

// FuzzNormalizeEmail: for any input, an accepted email is in its stored
// form (normalising it again changes nothing), bounded, lower-case, and a
// plain address net/mail reads back unchanged.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{
		"ann@example.com", " Ann@Example.COM ", "Ann <ann@example.com>", `"a b"@c.d`,
		"x'or'1'='1'--@a.b", "\u212aate@example.com", "İ@example.com", "a@[127.0.0.1]",
		"a@b.c, d@e.f", "a@b\r\n.c", "=?utf-8?q?a?=@b.c", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := appdb.NormalizeEmail(in)
		if err != nil {
			var ve *appdb.ValidationError
			if !errors.As(err, &ve) || got != "" {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want \"\" and a *ValidationError", in, got, err)
			}
			return
		}
		if len(got) > appdb.MaxEmailBytes || !utf8.ValidString(got) || got != strings.ToLower(got) {
			t.Fatalf("NormalizeEmail(%q) = %q: too long, invalid UTF-8 or not lower-case", in, got)
		}
		if again, err := appdb.NormalizeEmail(got); err != nil || again != got {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; want it unchanged", got, again, err)
		}
		if a, err := mail.ParseAddress(got); err != nil || a.Address != got || a.Name != "" {
			t.Fatalf("net/mail reads %q as %+v, %v", got, a, err)
		}
	})
}
