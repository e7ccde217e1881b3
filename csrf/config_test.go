package csrf

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/keys"
)

func TestNewRefusesBadConfigs(t *testing.T) {
	ring := keys.Ephemeral()
	cases := []struct {
		name string
		cfg  Config
		want error
	}{
		{"zero config: no keys", Config{}, errNoKeys},
		{"both layers off", Config{DangerouslyNoToken: true, DangerouslyNoOriginCheck: true}, errBothLayersOff},
		{"wildcard origin", Config{Keys: ring, TrustedOrigins: []string{"*"}}, errInvalidOrigin},
		{"subdomain pattern", Config{Keys: ring, TrustedOrigins: []string{"https://*.example.com"}}, errInvalidOrigin},
		{"null origin", Config{Keys: ring, TrustedOrigins: []string{"null"}}, errInvalidOrigin},
		{"host only", Config{Keys: ring, TrustedOrigins: []string{"example.com"}}, errInvalidOrigin},
		{"origin with path", Config{Keys: ring, TrustedOrigins: []string{"https://example.com/app"}}, errInvalidOrigin},
		{"origin with userinfo", Config{Keys: ring, TrustedOrigins: []string{"https://u@example.com"}}, errInvalidOrigin},
		{"origin with query", Config{Keys: ring, TrustedOrigins: []string{"https://example.com?a"}}, errInvalidOrigin},
		{"origin with bad port", Config{Keys: ring, TrustedOrigins: []string{"https://example.com:99999"}}, errInvalidOrigin},
		{"file origin", Config{Keys: ring, TrustedOrigins: []string{"file://"}}, errInvalidOrigin},
		{"ftp origin", Config{Keys: ring, TrustedOrigins: []string{"ftp://example.com"}}, errInvalidOrigin},
		{"insecure origin", Config{Keys: ring, TrustedOrigins: []string{"http://example.com"}}, errInsecureOrigin},
		{"subtree exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"/hooks/"}}, errInvalidRoute},
		{"root exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"/"}}, errInvalidRoute},
		{"wildcard exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST /hooks/{id}"}}, errInvalidRoute},
		{"host exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"example.com/hooks"}}, errInvalidRoute},
		{"unclean exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"/a/../hooks"}}, errInvalidRoute},
		{"double slash exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"/a//b"}}, errInvalidRoute},
		{"escaped exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"/a%2Fb"}}, errInvalidRoute},
		{"two spaces", Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST  /a"}}, errInvalidRoute},
		{"duplicate exemption", Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST /a", "POST /a"}}, errDuplicateRoute},
		{"header name with space", Config{Keys: ring, HeaderName: "X CSRF"}, errInvalidName},
		{"field name with quote", Config{Keys: ring, FieldName: `a"b`}, errInvalidName},
		{"cookie name with semicolon", Config{Keys: ring, CookieName: "a;b"}, errInvalidName},
		{"negative form limit", Config{Keys: ring, MaxFormBytes: -1}, errMaxFormBytes},
	}
	for _, c := range cases {
		p, err := New(c.cfg)
		if p != nil || !errors.Is(err, c.want) {
			t.Errorf("%s: got (%v, %v), want error %v", c.name, p, err, c.want)
			continue
		}
		var ce *configerr.Error
		if !errors.As(err, &ce) {
			t.Errorf("%s: %v is not a *configerr.Error", c.name, err)
		}
	}
}

func TestNewReportsEveryError(t *testing.T) {
	_, err := New(Config{TrustedOrigins: []string{"*", "https://ok.example", "http://x.example"}, FieldName: "a b"})
	for _, want := range []error{errNoKeys, errInvalidOrigin, errInsecureOrigin, errInvalidName} {
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
		cfg  Config
	}{
		{"keys only", Config{Keys: ring}},
		{"origin check only, no keys", Config{DangerouslyNoToken: true}},
		{"token only", Config{Keys: ring, DangerouslyNoOriginCheck: true}},
		{"loopback http origins", Config{Keys: ring, TrustedOrigins: []string{"http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:9000", "http://app.localhost"}}},
		{"insecure origin, dangerously", Config{Keys: ring, TrustedOrigins: []string{"http://legacy.example"}, DangerouslyAllowInsecureOrigins: true}},
		{"exact exemptions", Config{Keys: ring, DangerouslyExemptRoutes: []string{"POST /hooks/pay", "/hooks/mail", "PUT /hooks/pay"}}},
		{"development cookie", Config{Keys: ring, Development: true}},
		{"custom names", Config{Keys: ring, HeaderName: "X-XSRF-Token", FieldName: "csrf_token", CookieName: "__Host-xsrf"}},
	}
	for _, c := range cases {
		if _, err := New(c.cfg); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// TestTrustedOriginNormalised: an origin configured in another case, with
// its default port or a trailing slash, matches what browsers send.
func TestTrustedOriginNormalised(t *testing.T) {
	p, err := New(Config{Keys: keys.Ephemeral(), DangerouslyNoToken: true,
		TrustedOrigins: []string{"HTTPS://Partner.Example:443/", "https://[0:0:0:0:0:0:0:1]:8443"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		origin string
		want   error
	}{
		{"https://partner.example", nil},
		{"https://partner.example:443", ErrCrossOrigin},
		{"https://[::1]:8443", nil},
		{"https://other.example", ErrCrossOrigin},
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
	p, err := New(Config{DangerouslyNoToken: true})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "http://app.example/", nil)
	if err := p.Check(req); err != nil {
		t.Errorf("no headers: got %v, want nil", err)
	}
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if err := p.Check(req); !errors.Is(err, ErrCrossOrigin) {
		t.Errorf("cross-site: got %v, want ErrCrossOrigin", err)
	}
	if tok := p.token(httptest.NewRecorder(), req); tok != "" {
		t.Errorf("Token without the token layer: got %q, want empty", tok)
	}
}

// TestTokenOnly: without the origin layer a cross-site request with a valid
// token passes; without a token it does not.
func TestTokenOnly(t *testing.T) {
	p, err := New(Config{Keys: keys.Ephemeral(), DangerouslyNoOriginCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "http://app.example/", nil)
	tok := p.token(rec, req)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if err := p.Check(req); !errors.Is(err, errMissingToken) {
		t.Errorf("no token: got %v, want errMissingToken", err)
	}
	req.Header.Set("X-CSRF-Token", tok)
	if err := p.Check(req); err != nil {
		t.Errorf("valid token: got %v, want nil", err)
	}
}
