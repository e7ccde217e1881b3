package cors

import (
	"strings"
	"testing"
)

var originSeeds = []string{
	"https://app.example.com", "HTTPS://APP.EXAMPLE.COM:443/", "http://localhost:5173", "https://*.example.com",
	"https://[::1]:8443", "http://[0:0::1]", "null", "file:///x", "https://a..b", "https://1.2.3", "https://1.2.3.4:0",
	"https://*.co.uk", "https://a.example.com:08443", "https://xn--bcher-kva.example", "https://a_b.example.com",
	"https://a.example.com.evil.example", "https://evil.example/.example.com", "https://u@a.example.com",
}

// The configuration parser and the request-time matcher are two parsers of
// the same syntax: whatever the config side normalises to is exactly what
// the request side accepts.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range originSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := parseOrigin(s)
		if err != nil {
			return
		}
		n := o.String()
		o2, err := parseOrigin(n)
		if err != nil || o2 != o {
			t.Fatalf("%q normalised to %q, which parses to %+v, %v", s, n, o2, err)
		}
		if o.pattern {
			return
		}
		m, err := New(Config{Origins: []string{s}, DangerouslyAllowInsecureOrigins: true})
		if err != nil {
			t.Fatalf("New(%q): %v", s, err)
		}
		if !m.Trusts(n) {
			t.Fatalf("%q: the normalised origin %q is not trusted", s, n)
		}
		if got := m.Trusts(s); got != (s == n) {
			t.Fatalf("Trusts(%q) = %v with the origin configured as %q", s, got, n)
		}
	})
}

func FuzzPatternMatch(f *testing.F) {
	for _, s := range originSeeds {
		f.Add(s)
	}
	f.Add("https://a.b.example.com")
	m := mustNew(f, Config{Origins: []string{"https://*.example.com"}})
	f.Fuzz(func(t *testing.T, s string) {
		got := m.Trusts(s)
		o, err := parseOrigin(s)
		want := err == nil && !o.pattern && o.String() == s && o.Scheme == "https" && o.Port == 0 &&
			strings.HasSuffix(o.Host, ".example.com") && o.Host[0] != '['
		if got != want {
			t.Fatalf("Trusts(%q) = %v; the config parser says %v (%+v, %v)", s, got, want, o, err)
		}
	})
}

func FuzzRequestHeaders(f *testing.F) {
	for _, s := range []string{"", "content-type", "content-type,x-csrf-token", "Content-Type , X-CSRF-Token", ",", "a,,b", "content-type,"} {
		f.Add(s)
	}
	m := mustNew(f, appConfig)
	f.Fuzz(func(t *testing.T, v string) {
		if m.checkRequestHeaders(v) != nil {
			return
		}
		if len(v) > m.maxACRH+16 {
			t.Fatalf("accepted %d bytes, bound %d", len(v), m.maxACRH+16)
		}
		if v == "" {
			return
		}
		for _, name := range strings.Split(v, ",") {
			if _, ok := m.headers[strings.ToLower(strings.Trim(name, " \t"))]; !ok {
				t.Fatalf("accepted %q with %q", v, name)
			}
		}
	})
}
