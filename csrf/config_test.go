package csrf_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/keys"
)

func TestNewRefusesBadConfigs(t *testing.T) {
	ring := keys.Ephemeral()
	cases := []struct {
		name string
		cfg  csrf.Config
		want error
	}{
		{"zero config: no keys", csrf.Config{}, csrf.ErrNoKeys},
		{"both layers off", csrf.Config{DangerouslyNoToken: true, DangerouslyNoOriginCheck: true}, csrf.ErrBothLayersOff},
		{"wildcard origin", csrf.Config{Keys: ring, TrustedOrigins: []string{"*"}}, csrf.ErrInvalidOrigin},
		{"subdomain pattern", csrf.Config{Keys: ring, TrustedOrigins: []string{"https://*.example.com"}}, csrf.ErrInvalidOrigin},
		{"null origin", csrf.Config{Keys: ring, TrustedOrigins: []string{"null"}}, csrf.ErrInvalidOrigin},
		{"host only", csrf.Config{Keys: ring, TrustedOrigins: []string{"example.com"}}, csrf.ErrInvalidOrigin},
		{"origin with path", csrf.Config{Keys: ring, TrustedOrigins: []string{"https://example.com/app"}}, csrf.ErrInvalidOrigin},
		{"origin with userinfo", csrf.Config{Keys: ring, TrustedOrigins: []string{"https://u@example.com"}}, csrf.ErrInvalidOrigin},
		{"origin with query", csrf.Config{Keys: ring, TrustedOrigins: []string{"https://example.com?a"}}, csrf.ErrInvalidOrigin},
		{"origin with bad port", csrf.Config{Keys: ring, TrustedOrigins: []string{"https://example.com:99999"}}, csrf.ErrInvalidOrigin},
		{"file origin", csrf.Config{Keys: ring, TrustedOrigins: []string{"file://"}}, csrf.ErrInvalidOrigin},
		{"ftp origin", csrf.Config{Keys: ring, TrustedOrigins: []string{"ftp://example.com"}}, csrf.ErrInvalidOrigin},
		{"insecure origin", csrf.Config{Keys: ring, TrustedOrigins: []string{"http://example.com"}}, csrf.ErrInsecureOrigin},
		{"subtree exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"/hooks/"}}, csrf.ErrInvalidRoute},
		{"root exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"/"}}, csrf.ErrInvalidRoute},
		{"wildcard exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST /hooks/{id}"}}, csrf.ErrInvalidRoute},
		{"host exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"example.com/hooks"}}, csrf.ErrInvalidRoute},
		{"unclean exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"/a/../hooks"}}, csrf.ErrInvalidRoute},
		{"double slash exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"/a//b"}}, csrf.ErrInvalidRoute},
		{"escaped exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"/a%2Fb"}}, csrf.ErrInvalidRoute},
		{"two spaces", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST  /a"}}, csrf.ErrInvalidRoute},
		{"duplicate exemption", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST /a", "POST /a"}}, csrf.ErrDuplicateRoute},
		{"header name with space", csrf.Config{Keys: ring, HeaderName: "X CSRF"}, csrf.ErrInvalidName},
		{"field name with quote", csrf.Config{Keys: ring, FieldName: `a"b`}, csrf.ErrInvalidName},
		{"cookie name with semicolon", csrf.Config{Keys: ring, CookieName: "a;b"}, csrf.ErrInvalidName},
		{"negative form limit", csrf.Config{Keys: ring, MaxFormBytes: -1}, csrf.ErrMaxFormBytes},
	}
	for _, c := range cases {
		p, err := csrf.New(c.cfg)
		if p != nil || !errors.Is(err, c.want) {
			t.Errorf("%s: got (%v, %v), want error %v", c.name, p, err, c.want)
			continue
		}
		var ce *csrf.ConfigError
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v is not a *ConfigError", c.name, err)
		}
	}
}

func TestNewReportsEveryError(t *testing.T) {
	_, err := csrf.New(csrf.Config{TrustedOrigins: []string{"*", "https://ok.example", "http://x.example"}, FieldName: "a b"})
	for _, want := range []error{csrf.ErrNoKeys, csrf.ErrInvalidOrigin, csrf.ErrInsecureOrigin, csrf.ErrInvalidName} {
		if !errors.Is(err, want) {
			t.Errorf("got %v, want it to include %v", err, want)
		}
	}
	if got := err.Error(); !strings.Contains(got, `trusted_origins[2] "http://x.example"`) {
		t.Errorf("error %q does not name the entry", got)
	}
}

func TestNewAccepts(t *testing.T) {
	ring := keys.Ephemeral()
	cases := []struct {
		name string
		cfg  csrf.Config
	}{
		{"keys only", csrf.Config{Keys: ring}},
		{"origin check only, no keys", csrf.Config{DangerouslyNoToken: true}},
		{"token only", csrf.Config{Keys: ring, DangerouslyNoOriginCheck: true}},
		{"loopback http origins", csrf.Config{Keys: ring, TrustedOrigins: []string{"http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:9000", "http://app.localhost"}}},
		{"insecure origin, dangerously", csrf.Config{Keys: ring, TrustedOrigins: []string{"http://legacy.example"}, DangerouslyAllowInsecureOrigins: true}},
		{"exact exemptions", csrf.Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST /hooks/pay", "/hooks/mail", "PUT /hooks/pay"}}},
		{"development cookie", csrf.Config{Keys: ring, Development: true}},
		{"custom names", csrf.Config{Keys: ring, HeaderName: "X-XSRF-Token", FieldName: "csrf_token", CookieName: "__Host-xsrf"}},
	}
	for _, c := range cases {
		if _, err := csrf.New(c.cfg); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestTrustedOriginNormalised: an origin configured in another case, with
// its default port or a trailing slash, matches what browsers send.
func TestTrustedOriginNormalised(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral(), DangerouslyNoToken: true,
		TrustedOrigins: []string{"HTTPS://Partner.Example:443/", "https://[0:0:0:0:0:0:0:1]:8443"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		origin string
		want   error
	}{
		{"https://partner.example", nil},
		{"https://partner.example:443", csrf.ErrCrossOrigin},
		{"https://[::1]:8443", nil},
		{"https://other.example", csrf.ErrCrossOrigin},
	} {
		req := httptest.NewRequest("POST", "http://app.example/", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		req.Header.Set("Origin", c.origin)
		if got := p.Check(req); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("Origin %s: got %v, want %v", c.origin, got, c.want)
		}
	}
}

// TestOriginCheckOnly: without the token layer, an old browser's request
// with neither header passes (the documented trade-off), a cross-site one
// does not.
func TestOriginCheckOnly(t *testing.T) {
	p, err := csrf.New(csrf.Config{DangerouslyNoToken: true})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "http://app.example/", nil)
	if err := p.Check(req); err != nil {
		t.Errorf("no headers: got %v, want nil", err)
	}
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if err := p.Check(req); !errors.Is(err, csrf.ErrCrossOrigin) {
		t.Errorf("cross-site: got %v, want ErrCrossOrigin", err)
	}
	if tok := p.Token(httptest.NewRecorder(), req); tok != "" {
		t.Errorf("Token without the token layer: got %q, want empty", tok)
	}
}

// TestTokenOnly: without the origin layer a cross-site request with a valid
// token passes; without a token it does not.
func TestTokenOnly(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral(), DangerouslyNoOriginCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "http://app.example/", nil)
	tok := p.Token(rec, req)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if err := p.Check(req); !errors.Is(err, csrf.ErrMissingToken) {
		t.Errorf("no token: got %v, want ErrMissingToken", err)
	}
	req.Header.Set("X-CSRF-Token", tok)
	if err := p.Check(req); err != nil {
		t.Errorf("valid token: got %v, want nil", err)
	}
}
