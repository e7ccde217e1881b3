package routepath

import (
	"path"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, want string
		hidden   bool
	}{
		{"/api/login", "/api/login", false},
		{"", "/", false},
		{"*", "*", false},
		{"api/x", "/api/x", false},
		{"//api//x", "/api/x", false},
		{"/x/../api/x", "/api/x", false},
		{"/api/./x/", "/api/x/", false},
		{"/../../api/", "/api/", false},
		{"/api/login;jsessionid=1", "/api/login", false},
		{"/api;v=1/login;x/", "/api/login/", false},
		{"/search/;x", "/search/", false},
		{"/a;b;c/d", "/a/d", false},
		{"/;", "/", false},
		{"/static/..;/api/login", "", true},
		{"/a/.;x/b", "", true},
		{"/..;/..;/x", "", true},
		{"/a/%2e%2e;/b", "/a/%2e%2e/b", false}, // still escaped: not a dot segment to anyone
		{`/api\login`, "/api/login", false},
		{`/api\`, "/api/", false},
		{`/static\..\api/login`, "", true},
		{`/x\.\y`, "", true},
		{`/x/..\y`, "", true},
		{`/a\b..\c`, "/a/b../c", false},
	}
	for _, tt := range tests {
		got, hidden := Canonical(tt.in)
		if got != tt.want || hidden != tt.hidden {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, got, hidden, tt.want, tt.hidden)
		}
	}
}

// FuzzCanonical checks that the path rules are matched on is rooted, clean
// and free of path parameters, that a clean path without ';' is matched as
// it is, and that no "." or ".." segment hidden behind a parameter gets
// through.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"/api/login;jsessionid=1", "/static/..;/api/login", "/a/.;x/b", "/api;v=1/login;x/",
		"/search/;x", "/;", "/a;b;c/d", "/plain/path/", "/..;/..;/x", "/a/%2e%2e;/b", "//x/../y/", `/x\..\login`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, hidden := Canonical(p)
		if p == "*" {
			return
		}
		for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
			bare, _, cut := strings.Cut(seg, ";")
			if (cut || strings.Contains(p, `\`)) && (bare == "." || bare == "..") && !hidden {
				t.Fatalf("Canonical(%q) = %q: hidden dot segment %q not reported", p, got, seg)
			}
		}
		if hidden {
			return
		}
		want := path.Clean(got)
		if strings.HasSuffix(got, "/") && got != "/" {
			want += "/"
		}
		if got != want || !strings.HasPrefix(got, "/") || strings.ContainsAny(got, `;\`) {
			t.Fatalf("Canonical(%q) = %q, not clean and free of parameters", p, got)
		}
		if !strings.ContainsAny(p, `;\`) && strings.HasPrefix(p, "/") {
			if c := path.Clean(p); (c == p || c != "/" && c+"/" == p) && got != p {
				t.Fatalf("Canonical(%q) = %q; a clean path is matched as it is", p, got)
			}
		}
		if again, h := Canonical(got); again != got || h {
			t.Fatalf("Canonical(%q) = %q, but Canonical(%q) = %q, %v", p, got, got, again, h)
		}
	})
}
