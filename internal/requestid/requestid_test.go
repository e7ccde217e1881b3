package requestid

import (
	"regexp"
	"strings"
	"testing"
)

var generated = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestNewUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := New()
		if !generated.MatchString(id) || !Valid(id) || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"3f2b8c1e-7a4d-4e8b-9c2a-1b2c3d4e5f60", true},
		{"01HZX3J5K6M7N8P9Q0R1S2T3V4", true},
		{"host-1:req_42.7", true},
		{strings.Repeat("a", maxLen), true},
		{strings.Repeat("a", maxLen+1), false},
		{"", false},
		{"abc def", false},
		{`abc"def`, false},
		{"abc\r\nX-Evil: 1", false},
		{"abc\x00", false},
		{"abcé", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.id); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
