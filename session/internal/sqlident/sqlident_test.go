package sqlident

import (
	"regexp"
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"harden_sessions", true},
		{"_t", true},
		{"T1", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"1t", false},
		{"a.b", false},
		{`a"b`, false},
		{"a b", false},
		{"a;DROP TABLE x", false},
		{"a--", false},
		{"tablé", false},
		{"a\x00", false},
	} {
		if got := Valid(tc.name); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzValid: Valid agrees with the grammar written as a regular expression.
func FuzzValid(f *testing.F) {
	for _, s := range []string{"harden_sessions", "1a", "a.b", `"`, strings.Repeat("z", 64)} {
		f.Add(s)
	}
	re := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Valid(s), re.MatchString(s); got != want {
			t.Fatalf("Valid(%q) = %v, regexp says %v", s, got, want)
		}
	})
}
