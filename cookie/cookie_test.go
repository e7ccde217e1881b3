package cookie_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/harden-go/harden/cookie"
	"github.com/harden-go/harden/internal/configerr"
)

// TestNewRefusesBadConfig lists every Config New refuses, with the exact
// message.
func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   cookie.Config
		field string
		want  string
	}{
		{"no name", cookie.Config{}, "name", `cookie: name: empty or not a valid cookie name (an RFC 6265 token)`},
		{"bad name", cookie.Config{Name: "a b"}, "name", `cookie: name "a b": empty or not a valid cookie name (an RFC 6265 token)`},
		{"name with =", cookie.Config{Name: "a=b"}, "name", `cookie: name "a=b": empty or not a valid cookie name (an RFC 6265 token)`},
		{"host insecure", cookie.Config{Name: "__Host-sid", DangerouslyAllowInsecure: true}, "dangerously_allow_insecure",
			`cookie: dangerously_allow_insecure "true": a __Host- cookie must be Secure; drop the prefix for development over plain HTTP`},
		{"host domain", cookie.Config{Name: "__Host-sid", Domain: "example.com"}, "domain", `cookie: domain "example.com": a __Host- cookie must not have a Domain`},
		{"host path", cookie.Config{Name: "__Host-sid", Path: "/app"}, "path", `cookie: path "/app": a __Host- cookie must have Path "/"`},
		// Browsers enforce the prefixes in any letter case (RFC 6265bis).
		{"host prefix in capitals", cookie.Config{Name: "__HOST-sid", Domain: "example.com"}, "domain", `cookie: domain "example.com": a __Host- cookie must not have a Domain`},
		{"secure prefix in lower case", cookie.Config{Name: "__secure-sid", DangerouslyAllowInsecure: true}, "dangerously_allow_insecure",
			`cookie: dangerously_allow_insecure "true": a __Secure- cookie must be Secure; drop the prefix for development over plain HTTP`},
		{"secure insecure", cookie.Config{Name: "__Secure-sid", DangerouslyAllowInsecure: true}, "dangerously_allow_insecure",
			`cookie: dangerously_allow_insecure "true": a __Secure- cookie must be Secure; drop the prefix for development over plain HTTP`},
		{"none insecure", cookie.Config{Name: "sid", SameSite: "None", DangerouslyAllowInsecure: true}, "same_site",
			`cookie: same_site "None": None requires Secure; it cannot be combined with dangerously_allow_insecure`},
		{"samesite typo", cookie.Config{Name: "sid", SameSite: "lax"}, "same_site", `cookie: same_site "lax": must be "Lax", "Strict" or "None"`},
		{"relative path", cookie.Config{Name: "sid", Path: "app"}, "path", `cookie: path "app": must start with / and contain no control characters or ;`},
		{"path injection", cookie.Config{Name: "sid", Path: "/; Domain=evil.com"}, "path",
			`cookie: path "/; Domain=evil.com": must start with / and contain no control characters or ;`},
		{"domain injection", cookie.Config{Name: "sid", Domain: "a.com; Secure"}, "domain", `cookie: domain "a.com; Secure": not a valid domain`},
		{"negative max age", cookie.Config{Name: "sid", MaxAge: -time.Second}, "max_age",
			`cookie: max_age "-1s": must not be negative; 0 means no Max-Age (the browser forgets the cookie when it closes)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cookie.New(tt.cfg)
			var ce *configerr.Error
			if !errors.As(err, &ce) || !errors.Is(err, cookie.ErrInvalidConfig) {
				t.Fatalf("New err = %v, want a *harden.ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Fatalf("Field = %q, want %q (%v)", ce.Field, tt.field, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("message\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCookieAttributes(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://localhost/", nil)
	https := httptest.NewRequest("GET", "https://localhost/", nil)
	https.TLS = &tls.ConnectionState{}
	tests := []struct {
		name string
		cfg  cookie.Config
		r    *http.Request
		want string
	}{
		{"defaults", cookie.Config{Name: "__Host-sid"}, plain, "__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"strict max age", cookie.Config{Name: "__Secure-x", SameSite: "Strict", MaxAge: time.Hour, Path: "/a"}, plain,
			"__Secure-x=v; Path=/a; Max-Age=3600; HttpOnly; Secure; SameSite=Strict"},
		{"dev over http", cookie.Config{Name: "sid", DangerouslyAllowInsecure: true}, plain, "sid=v; Path=/; HttpOnly; SameSite=Lax"},
		{"dev over https", cookie.Config{Name: "sid", DangerouslyAllowInsecure: true}, https, "sid=v; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"script access", cookie.Config{Name: "t", DangerouslyAllowScriptAccess: true, Domain: "example.com"}, plain,
			"t=v; Path=/; Domain=example.com; Secure; SameSite=Lax"},
		{"none", cookie.Config{Name: "t", SameSite: "None"}, plain, "t=v; Path=/; HttpOnly; Secure; SameSite=None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := cookie.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			s.Set(w, tt.r, "v")
			if got := w.Header().Get("Set-Cookie"); got != tt.want {
				t.Fatalf("Set-Cookie = %q\n want %q", got, tt.want)
			}
		})
	}
	s, _ := cookie.New(cookie.Config{Name: "__Host-sid"})
	w := httptest.NewRecorder()
	s.Expire(w, plain)
	if got, want := w.Header().Get("Set-Cookie"), "__Host-sid=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"; got != want {
		t.Fatalf("Expire Set-Cookie = %q, want %q", got, want)
	}
}
