package csp

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		name     string
		policies []string
		want     map[string][]string // nil: invalid
		dups     []string
	}{
		{"simple", []string{"default-src 'self'; img-src 'self' data:"},
			map[string][]string{"default-src": {"'self'"}, "img-src": {"'self'", "data:"}}, nil},
		{"case and spaces", []string{"  Default-SRC   'SELF'\t https://A.example.com ;; "},
			map[string][]string{"default-src": {"'self'", "https://a.example.com"}}, nil},
		{"empty source list is none", []string{"default-src; frame-ancestors"},
			map[string][]string{"default-src": {"'none'"}, "frame-ancestors": {}}, nil},
		{"prefix dropped", []string{"script-src https://a.example.com https://a.example.com/lib.js"},
			map[string][]string{"script-src": {"https://a.example.com"}}, nil},
		{"duplicate directive", []string{"default-src 'self'; default-src 'none'"}, nil, nil},
		{"duplicate report-uri allowed, last wins", []string{"default-src 'none'; report-uri /a; report-uri /b"},
			map[string][]string{"default-src": {"'none'"}, "report-uri": {"/b"}}, []string{"report-uri"}},
		{"too short", []string{"a b"}, nil, nil},
		{"empty", []string{""}, nil, nil},
		{"two policies intersect", []string{"default-src 'self' https://a.example.com", "default-src 'self'"},
			map[string][]string{"default-src": {"'self'"}}, nil},
		{"directive only in the second policy becomes none", []string{"default-src 'self'", "script-src 'self'"},
			map[string][]string{"default-src": {"'self'"}, "script-src": {"'none'"}}, nil},
		{"bad percent-encoding across policies", []string{"img-src https://a.example.com/%zz", "img-src https://a.example.com/%zz"}, nil, nil},
	} {
		p, err := Parse(tt.policies)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%s: got %v, want an error", tt.name, p.Directives)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		got := map[string][]string{}
		for k, v := range p.Directives {
			got[k] = v.Values()
			if got[k] == nil {
				got[k] = []string{}
			}
		}
		for k, v := range tt.want {
			if len(v) == 0 {
				tt.want[k] = []string{"'none'"}
			}
		}
		if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(p.Duplicates, tt.dups) {
			t.Errorf("%s: got %v %v, want %v %v", tt.name, got, p.Duplicates, tt.want, tt.dups)
		}
	}
}

func TestParseMetaDropsHeaderOnlyDirectives(t *testing.T) {
	p, err := ParseMeta([]string{"default-src 'none'; frame-ancestors 'none'; report-uri /r; sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Order, ","); got != "default-src" || p.Size() != 1 {
		t.Errorf("got directives %q size %d, want default-src only", got, p.Size())
	}
}

func TestSourcesShared(t *testing.T) {
	p, err := Parse([]string{"default-src 'nonce-a' 'unsafe-inline'"})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Get("default-src")
	s.Delete("'unsafe-inline'")
	if p.Get("default-src").Has("'unsafe-inline'") {
		t.Error("a deletion through one reference was not seen through another")
	}
}

// FuzzParse checks that the parser never panics and that what it returns is
// well formed: lower-case directive names, no empty source set.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"default-src 'self'", "default-src 'none'; script-src 'nonce-abc' 'strict-dynamic'",
		"img-src https://a.example.com/%41/ https://a.example.com/A/b", "report-uri /a; report-uri /b",
		"script-src \u00a0'self'\ufeff", "a;b;c;;;", "default-src 'self', script-src *",
	} {
		f.Add(s, "default-src 'self' https://a.example.com/")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, list := range [][]string{{a}, {a, b}} {
			p, err := Parse(list)
			if err != nil {
				continue
			}
			for _, d := range p.Order {
				if d != strings.ToLower(d) {
					t.Errorf("directive %q not lower-cased", d)
				}
				if p.Get(d) == nil || p.Get(d).Len() == 0 {
					t.Errorf("directive %q has no sources", d)
				}
			}
			if len(p.Order) != len(p.Directives) {
				t.Errorf("order %v and directives %v disagree", p.Order, p.Directives)
			}
		}
	})
}
