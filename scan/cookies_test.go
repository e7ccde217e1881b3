package scan

import (
	"strings"
	"testing"
)

func TestParseSetCookie(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		ok   bool
		want Cookie
	}{
		{"sid=1; Secure; HttpOnly; SameSite=Lax; Path=/", true, Cookie{Name: "sid", Secure: true, HttpOnly: true, SameSite: "lax", Path: "/"}},
		{" sid = 1 ;secure;SAMESITE=strict", true, Cookie{Name: "sid", Secure: true, SameSite: "strict"}},
		{"sid=1; SameSite=bogus", true, Cookie{Name: "sid"}},
		{"sid=1; SameSite=None; SameSite", true, Cookie{Name: "sid"}},
		{"sid=1; Path=/a; Path=rel", true, Cookie{Name: "sid"}},
		{"sid=1; Domain=.Example.COM", true, Cookie{Name: "sid", Domain: "example.com"}},
		{"=1", false, Cookie{}},
		{"noequals", false, Cookie{}},
		{"a\tb=1", false, Cookie{}},
		{"", false, Cookie{}},
	} {
		c, ok := parseSetCookie(tt.raw)
		if ok != tt.ok {
			t.Errorf("%q: ok %v, want %v", tt.raw, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		c.Raw = ""
		if *c != tt.want {
			t.Errorf("%q: got %+v, want %+v", tt.raw, *c, tt.want)
		}
	}
}

func TestCookieJar(t *testing.T) {
	var j cookieJar
	j.set("https://www.example.com/a/b?x=1", []string{
		"a=1", "b=1; Domain=example.com", "c=1; Domain=com", "d=1; Domain=other.org",
		"__Host-e=1; Secure; Path=/", "__Host-f=1; Secure; Path=/; Domain=example.com", "__Secure-g=1",
		"a=2", "h=1; Path=/", "i=1; Domain=127.0.0.1",
	})
	var got []string
	for _, c := range j.cookies {
		got = append(got, c.Name+"@"+c.Domain+c.Path)
	}
	want := "a@www.example.com/a,b@example.com/a,__Host-e@www.example.com/,h@www.example.com/"
	if strings.Join(got, ",") != want {
		t.Errorf("jar holds %v, want %s", got, want)
	}
}

func TestRegistrableDomain(t *testing.T) {
	for host, want := range map[string]string{
		"www.example.co.uk": "example.co.uk", "foo.github.io": "github.io", "127.0.0.1": "",
		"localhost": "", "foo.internal": "foo.internal", "co.uk": "", "a.b.example.com": "example.com",
	} {
		if got := registrableDomain(host, false); got != want {
			t.Errorf("registrableDomain(%q) = %q, want %q", host, got, want)
		}
	}
	if got := hostDomain("127.0.0.1:8443"); got != "" {
		t.Errorf("hostDomain(127.0.0.1:8443) = %q", got)
	}
	if got := hostDomain("www.example.com:8443"); got != "example.com" {
		t.Errorf("hostDomain(www.example.com:8443) = %q", got)
	}
}

// FuzzParseSetCookie checks that a Set-Cookie value never panics the parser
// or the jar, and that a parsed cookie has a name without control bytes.
func FuzzParseSetCookie(f *testing.F) {
	for _, s := range []string{"sid=1; Secure; HttpOnly; SameSite=Lax", "__Host-x=1; Path=/; Secure", "a=b; Domain=.x.com; Path=/p", "=;;;", "a=\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, ok := parseSetCookie(raw)
		if ok && (c.Name == "" || hasControl(c.Name)) {
			t.Errorf("%q: bad name %q", raw, c.Name)
		}
		var j cookieJar
		j.set("https://example.com/p/q", []string{raw})
		_ = invalidSameSite(raw)
	})
}
