package chain

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/headers"
)

// The peer chain must really defend, or the comparison flatters it: a
// token round trip passes CSRF, a POST without the token is refused, plain
// HTTP is redirected, a foreign Host is refused, headers are set.
func TestPeerChainDefends(t *testing.T) {
	h, err := Peer(Options{Headers: headers.Strict()})
	if err != nil {
		t.Fatal(err)
	}
	testDefends(t, h, 2, 500)
}

// The harden chain passes the same checks (one pre-session cookie instead
// of two cookies; 421 for a foreign host).
func TestHardenChainDefends(t *testing.T) {
	h, err := Harden(Options{Headers: headers.Strict()})
	if err != nil {
		t.Fatal(err)
	}
	testDefends(t, h, 1, 421)
}

func testDefends(t *testing.T, h http.Handler, wantCookies, foreignHostStatus int) {
	t.Helper()
	req := func(method, path, cookie, token string) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		r.RemoteAddr = "127.0.0.1:50000"
		r.Host = "example.com"
		r.Header.Set("X-Forwarded-For", "203.0.113.7")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("Origin", "https://example.com")
		r.Header.Set("Sec-Fetch-Site", "same-origin")
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		if token != "" {
			r.Header.Set("X-CSRF-Token", token)
		}
		return r
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req("GET", "/api/csrf-token", "", ""))
	if rec.Code != 200 || !strings.HasPrefix(rec.Body.String(), `{"token":"`) {
		t.Fatalf("GET /api/csrf-token = %d %q", rec.Code, rec.Body)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(rec.Body.String()), `{"token":"`), `"}`)
	var cookies []string
	for _, c := range rec.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) != wantCookies {
		t.Fatalf("cookies = %q, want %d", cookies, wantCookies)
	}
	if rec.Header().Get("Content-Security-Policy") == "" || rec.Header().Get("Strict-Transport-Security") == "" {
		t.Errorf("missing security headers: %v", rec.Header())
	}
	cookie := strings.Join(cookies, "; ")

	for _, tc := range []struct {
		name       string
		r          *http.Request
		wantStatus int
	}{
		{"token round trip passes CSRF (404: no such route)", req("POST", "/api/x", cookie, token), 404},
		{"POST without token", req("POST", "/api/x", cookie, ""), 403},
		{"POST with a forged token", req("POST", "/api/x", cookie, strings.Repeat("A", len(token))), 403},
		{"plain HTTP", func() *http.Request {
			r := req("GET", "/healthz", "", "")
			r.Header.Del("X-Forwarded-Proto")
			return r
		}(), 301},
		{"foreign host", func() *http.Request {
			r := req("GET", "/healthz", "", "")
			r.Host = "evil.example"
			return r
		}(), foreignHostStatus},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, tc.r)
		if rec.Code != tc.wantStatus {
			t.Errorf("%s: status = %d, want %d (body %q)", tc.name, rec.Code, tc.wantStatus, rec.Body)
		}
	}
}

// The peers get the same header values as harden.
func TestSecureOptionsMatchHarden(t *testing.T) {
	noPage := headers.Config{CSP: headers.CSP{DropDefaults: true, Directives: map[string][]string{
		"default-src": {"'none'"}, "frame-ancestors": {"'none'"}, "base-uri": {"'none'"}, "form-action": {"'none'"},
	}}, FrameOptions: "DENY"}
	for _, cfg := range []headers.Config{{}, headers.Strict(), noPage} {
		o, err := SecureOptions(cfg)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := headers.New(cfg)
		want := http.Header{}
		h.SetHeaders(want, true)
		if got := o.ContentSecurityPolicy; strings.ReplaceAll(got, " $NONCE", "") != want.Get("Content-Security-Policy") {
			t.Errorf("CSP = %q, want %q", got, want.Get("Content-Security-Policy"))
		}
		if o.STSSeconds == 0 || o.ReferrerPolicy != want.Get("Referrer-Policy") || o.CustomFrameOptionsValue != want.Get("X-Frame-Options") {
			t.Errorf("options %+v do not match %v", o, want)
		}
	}
}
