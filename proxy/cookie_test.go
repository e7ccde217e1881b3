package proxy

import (
	"net/http"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/cookieprefix"
)

func TestCookieRewrite(t *testing.T) {
	tests := []struct {
		name   string
		policy CookieConfig
		secure bool
		in     string
		want   string // "" : dropped
	}{
		{"bare", CookieConfig{}, true, "sid=1", "sid=1; Secure; HttpOnly; SameSite=Lax"},
		{"no secure in development over http", CookieConfig{}, false, "sid=1", "sid=1; HttpOnly; SameSite=Lax"},
		{"upstream secure kept", CookieConfig{}, false, "sid=1; secure", "sid=1; Secure; HttpOnly; SameSite=Lax"},
		{"attributes kept", CookieConfig{}, true, "sid=1; Path=/a; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=5; Partitioned; Priority=High",
			"sid=1; Path=/a; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=5; Partitioned; Priority=High; Secure; HttpOnly; SameSite=Lax"},
		{"strict kept", CookieConfig{}, true, "a=1; SameSite=strict", "a=1; Secure; HttpOnly; SameSite=Strict"},
		{"none raised to lax", CookieConfig{}, true, "a=1; SameSite=None", "a=1; Secure; HttpOnly; SameSite=Lax"},
		{"unknown samesite", CookieConfig{}, true, "a=1; SameSite=Sometimes", "a=1; Secure; HttpOnly; SameSite=Lax"},
		{"configured strict", CookieConfig{SameSite: "strict"}, true, "a=1; SameSite=Lax", "a=1; Secure; HttpOnly; SameSite=Strict"},
		{"configured none needs secure", CookieConfig{SameSite: "none"}, false, "a=1", "a=1; Secure; HttpOnly; SameSite=None"},
		{"configured none keeps stricter", CookieConfig{SameSite: "none"}, false, "a=1; SameSite=Lax", "a=1; HttpOnly; SameSite=Lax"},
		{"readable", CookieConfig{Readable: []string{"XSRF"}}, true, "XSRF=t", "XSRF=t; Secure; SameSite=Lax"},
		{"readable keeps the upstream's HttpOnly", CookieConfig{Readable: []string{"XSRF"}}, true, "XSRF=t; HttpOnly", "XSRF=t; Secure; HttpOnly; SameSite=Lax"},
		{"httponly once", CookieConfig{}, true, "a=1; HttpOnly; HTTPONLY", "a=1; Secure; HttpOnly; SameSite=Lax"},
		{"host prefix", CookieConfig{HostPrefix: true}, true, "sid=1; Domain=example.com; Path=/app", "__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Lax"},
		{"host prefix over http", CookieConfig{HostPrefix: true}, false, "sid=1", "__Host-sid=1; Path=/; Secure; HttpOnly; SameSite=Lax"},
		{"host prefix spares readable", CookieConfig{HostPrefix: true, Readable: []string{"x"}}, true, "x=1; Path=/p", "x=1; Path=/p; Secure; SameSite=Lax"},
		{"upstream's own __Host- made valid", CookieConfig{}, false, "__Host-a=1; Domain=x.com; Path=/x", "__Host-a=1; Path=/; Secure; HttpOnly; SameSite=Lax"},
		{"partitioned gets Secure", CookieConfig{}, false, "a=1; Partitioned", "a=1; Partitioned; Secure; HttpOnly; SameSite=Lax"},
		{"__Secure- gets Secure", CookieConfig{}, false, "__Secure-a=1", "__Secure-a=1; Secure; HttpOnly; SameSite=Lax"},
		{"__SECURE- is the same prefix", CookieConfig{}, false, "__SECURE-a=1", "__SECURE-a=1; Secure; HttpOnly; SameSite=Lax"},
		{"__host- is the same prefix", CookieConfig{}, false, "__host-a=1; Domain=x.com; Path=/x", "__host-a=1; Path=/; Secure; HttpOnly; SameSite=Lax"},
		{"quoted value", CookieConfig{}, true, `a="x y"`, `a="x y"; Secure; HttpOnly; SameSite=Lax`},
		{"empty value", CookieConfig{}, true, "a=; Max-Age=0", "a=; Max-Age=0; Secure; HttpOnly; SameSite=Lax"},
		{"spaces trimmed", CookieConfig{}, true, "  a = 1 ;  Path=/ ;; ", "a=1; Path=/; Secure; HttpOnly; SameSite=Lax"},
		{"no name", CookieConfig{}, true, "=1", ""},
		{"no equals", CookieConfig{}, true, "justavalue", ""},
		{"bad name", CookieConfig{}, true, "a b=1", ""},
		{"empty", CookieConfig{}, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCookiePolicy(tt.policy)
			got, ok := c.rewrite(tt.in, tt.secure)
			if !ok {
				got = ""
			}
			if got != tt.want {
				t.Errorf("rewrite(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRequestCookies(t *testing.T) {
	tests := []struct {
		name       string
		hostPrefix bool
		in         []string
		want       string // "": no Cookie header
	}{
		{"own csrf cookie removed", false, []string{"a=1; " + csrfCookieName + "=x; b=2"}, "a=1; b=2"},
		{"only own cookie", false, []string{csrfCookieName + "=x"}, ""},
		{"host prefix", true, []string{"__Host-sid=1; sid=evil; XSRF=t", "__Host-b=2"}, "sid=1; XSRF=t; b=2"},
		{"host prefix drops all plain", true, []string{"sid=evil"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Proxy{csrfCookie: csrfCookieName, cookies: newCookiePolicy(CookieConfig{HostPrefix: tt.hostPrefix, Readable: []string{"XSRF"}})}
			h := http.Header{"Cookie": tt.in}
			p.rewriteRequestCookies(h)
			if got := strings.Join(h["Cookie"], "|"); got != tt.want {
				t.Errorf("Cookie %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzCookieRewrite checks that whatever the upstream sends, the rewritten
// cookie is one a browser stores as hardened: it parses, keeps its name
// (prefixed or not), carries HttpOnly and SameSite, is Secure where the
// browser requires it, has no Domain or other Path under __Host-, holds no
// control characters, and rewriting it again changes nothing.
func FuzzCookieRewrite(f *testing.F) {
	for _, s := range []string{
		"sid=1", "sid=1; Path=/a; Domain=example.com; SameSite=None; Secure",
		"__Host-a=1; Domain=x", "__Secure-a=b", "a=\"q\"; Max-Age=0; Partitioned",
		"a=1; SameSite=Strict; HttpOnly", "=x", "a=b;c=d;;;", "a=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT",
	} {
		f.Add(s, false, false)
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, in string, rename, secure bool) {
		c := newCookiePolicy(CookieConfig{HostPrefix: rename})
		out, ok := c.rewrite(in, secure)
		if !ok {
			return
		}
		if strings.ContainsAny(out, "\x00\r\n") {
			t.Fatalf("rewrite(%q) = %q: control characters", in, out)
		}
		parsed, err := http.ParseSetCookie(out)
		if err != nil {
			// net/http is stricter than browsers on values; the name and
			// attributes are checked below regardless.
			parsed = nil
		}
		name, _, _ := strings.Cut(out, "=")
		attrs := strings.ToLower(out[strings.IndexByte(out, ';'):])
		if !strings.Contains(attrs, "; httponly") || !strings.Contains(attrs, "; samesite=") {
			t.Fatalf("rewrite(%q) = %q: no HttpOnly or SameSite", in, out)
		}
		needSecure := secure || rename || cookieprefix.IsHost(name) || strings.Contains(attrs, "; partitioned") ||
			cookieprefix.IsSecure(name) || strings.Contains(attrs, "samesite=none")
		if needSecure && !strings.Contains(attrs, "; secure") {
			t.Fatalf("rewrite(%q) = %q: no Secure", in, out)
		}
		if cookieprefix.IsHost(name) {
			if strings.Contains(attrs, "; domain=") || strings.Count(attrs, "; path=") != 1 || !strings.Contains(attrs, "; path=/;") {
				t.Fatalf("rewrite(%q) = %q: not a valid __Host- cookie", in, out)
			}
		}
		if parsed != nil && parsed.Name != name {
			t.Fatalf("rewrite(%q) = %q: parsed name %q", in, out, parsed.Name)
		}
		plain := newCookiePolicy(CookieConfig{})
		again, ok := plain.rewrite(out, secure)
		if !ok || again != out {
			t.Fatalf("rewrite is not stable: %q then %q", out, again)
		}
	})
}
