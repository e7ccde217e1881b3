package cors

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/configerr"
)

func mustNew(t testing.TB, cfg Config) *Middleware {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return m
}

var appConfig = Config{
	Origins:        []string{"https://app.example.com", "https://*.tenants.example.com", "http://localhost:5173"},
	Methods:        []string{"PUT", "delete"},
	RequestHeaders: []string{"Content-Type", "X-CSRF-Token"},
	ExposedHeaders: []string{"X-Request-Id"},
	MaxAge:         600,
}

var credConfig = Config{
	Origins:        []string{"https://app.example.com"},
	Credentials:    true,
	Methods:        []string{"PATCH"},
	RequestHeaders: []string{"Authorization"},
}

const refusal = `{"error":"CORS request not allowed"}` + "\n"

func TestHandler(t *testing.T) {
	app := mustNew(t, appConfig)
	cred := mustNew(t, credConfig)
	public := mustNew(t, Config{Origins: []string{"*"}, Methods: []string{"PUT"}, ExposedHeaders: []string{"*"}})
	pna := mustNew(t, Config{Origins: []string{"https://app.example.com"}, PrivateNetworkAccess: true})
	none := mustNew(t, Config{})

	type H = map[string]string
	tests := []struct {
		name       string
		m          *Middleware
		method     string
		hdr        H
		wantStatus int
		wantBody   string
		want       H // expected response headers; "" means absent
	}{
		{"no origin", app, "GET", nil, 200, "app", H{"Vary": "Origin", hACAO: ""}},
		{"simple, allowed", app, "GET", H{"Origin": "https://app.example.com"}, 200, "app",
			H{"Vary": "Origin", hACAO: "https://app.example.com", hACAC: "", hACEH: "X-Request-Id"}},
		{"simple, pattern", app, "POST", H{"Origin": "https://a.b.tenants.example.com"}, 200, "app",
			H{"Vary": "Origin", hACAO: "https://a.b.tenants.example.com"}},
		{"simple, pattern apex refused", app, "GET", H{"Origin": "https://tenants.example.com"}, 200, "app", H{"Vary": "Origin", hACAO: ""}},
		{"simple, suffix trick refused", app, "GET", H{"Origin": "https://eviltenants.example.com"}, 200, "app", H{"Vary": "Origin", hACAO: ""}},
		{"simple, loopback dev origin", app, "GET", H{"Origin": "http://localhost:5173"}, 200, "app", H{hACAO: "http://localhost:5173"}},
		{"simple, other port refused", app, "GET", H{"Origin": "http://localhost:5174"}, 200, "app", H{hACAO: ""}},
		{"simple, http downgrade refused", app, "GET", H{"Origin": "http://app.example.com"}, 200, "app", H{"Vary": "Origin", hACAO: ""}},
		{"simple, disallowed", app, "GET", H{"Origin": "https://evil.example"}, 200, "app", H{"Vary": "Origin", hACAO: "", hACEH: ""}},
		{"simple, null", app, "GET", H{"Origin": "null"}, 200, "app", H{hACAO: ""}},
		{"simple, upper case not browser form", app, "GET", H{"Origin": "https://APP.example.com"}, 200, "app", H{hACAO: ""}},
		{"simple, credentials", cred, "GET", H{"Origin": "https://app.example.com"}, 200, "app", H{hACAO: "https://app.example.com", hACAC: "true"}},
		{"simple, public wildcard", public, "GET", H{"Origin": "https://anyone.example"}, 200, "app", H{"Vary": "Origin", hACAO: "*", hACAC: "", hACEH: "*"}},
		{"OPTIONS without ACRM is not a preflight", app, "OPTIONS", H{"Origin": "https://app.example.com"}, 200, "app", H{hACAO: "https://app.example.com"}},

		{"preflight, allowed", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "PUT", hACRH: "content-type,x-csrf-token"}, 204, "",
			H{"Vary": varyPre, hACAO: "https://app.example.com", hACAM: "PUT, DELETE", hACAH: "content-type, x-csrf-token", hMaxAge: "600", hACAC: ""}},
		{"preflight, safelisted method", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "GET"}, 204, "",
			H{hACAO: "https://app.example.com", hACAH: ""}},
		{"preflight, spaces in ACRH", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "DELETE", hACRH: "content-type, x-csrf-token"}, 204, "", H{hACAO: "https://app.example.com"}},
		{"preflight, upper-case ACRH", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "DELETE", hACRH: "Content-Type"}, 204, "", H{hACAO: "https://app.example.com"}},
		{"preflight, credentials", cred, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "PATCH", hACRH: "authorization"}, 204, "",
			H{hACAO: "https://app.example.com", hACAC: "true", hACAM: "PATCH", hACAH: "authorization", hMaxAge: ""}},
		{"preflight, wildcard", public, "OPTIONS", H{"Origin": "https://anyone.example", hACRM: "PUT"}, 204, "", H{hACAO: "*", hACAM: "PUT"}},
		{"preflight, disallowed origin", app, "OPTIONS", H{"Origin": "https://evil.example", hACRM: "PUT"}, 403, refusal,
			H{"Vary": varyPre, hACAO: "", hACAM: "", "Content-Type": "application/json; charset=utf-8"}},
		{"preflight, no origin configured", none, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "GET"}, 403, refusal, H{hACAO: ""}},
		{"preflight, method not allowed", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "PATCH"}, 403, refusal, H{hACAO: ""}},
		{"preflight, method case matters", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "put"}, 403, refusal, H{hACAO: ""}},
		{"preflight, header not allowed", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "PUT", hACRH: "content-type,x-evil"}, 403, refusal, H{hACAO: ""}},
		{"preflight, empty item", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "PUT", hACRH: "content-type,,x-csrf-token"}, 403, refusal, H{hACAO: ""}},
		{"preflight, trailing comma", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "PUT", hACRH: "content-type,"}, 403, refusal, H{hACAO: ""}},
		{"preflight, huge ACRH", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "PUT", hACRH: strings.Repeat("content-type,", 10000) + "content-type"}, 403, refusal, H{hACAO: ""}},
		{"preflight, PNA granted", pna, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "GET", hACRPN: "true"}, 204, "",
			H{"Vary": varyPNA, hACAPN: "true"}},
		{"preflight, PNA not configured", app, "OPTIONS", H{"Origin": "https://app.example.com", hACRM: "GET", hACRPN: "true"}, 204, "", H{hACAPN: ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/api/x", nil)
			for k, v := range tt.hdr {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			called := false
			tt.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				_, _ = w.Write([]byte("app"))
			})).ServeHTTP(w, r)
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if preflight := tt.wantStatus != 200; called == preflight {
				t.Errorf("next called = %v for a %d answer", called, tt.wantStatus)
			}
			for k, want := range tt.want {
				if got := strings.Join(w.Header().Values(k), ", "); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestDecide(t *testing.T) {
	m := mustNew(t, appConfig)
	tests := []struct {
		method string
		hdr    map[string][]string
		want   decision
		err    error
	}{
		{"GET", nil, notCORS, nil},
		{"GET", map[string][]string{"Origin": {"https://app.example.com"}}, allowed, nil},
		{"GET", map[string][]string{"Origin": {"https://evil.example"}}, denied, errOriginNotAllowed},
		{"GET", map[string][]string{"Origin": {"https://app.example.com", "https://app.example.com"}}, denied, errOriginNotAllowed},
		{"OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, hACRM: {"PUT"}}, preflightAllowed, nil},
		{"OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, hACRM: {"PUT", "PUT"}}, preflightDenied, errMethodNotAllowed},
		{"OPTIONS", map[string][]string{"Origin": {"https://app.example.com"}, hACRM: {"PUT"}, hACRH: {"content-type", "x-csrf-token"}}, preflightDenied, errHeadersNotAllowed},
		{"OPTIONS", map[string][]string{"Origin": {"https://evil.example"}, hACRM: {"PUT"}}, preflightDenied, errOriginNotAllowed},
	}
	for i, tt := range tests {
		r := httptest.NewRequest(tt.method, "/", nil)
		r.Header = tt.hdr
		if r.Header == nil {
			r.Header = http.Header{}
		}
		v := m.decide(r)
		if got, err := v.d, v.err; got != tt.want || err != tt.err {
			t.Errorf("%d: decide() = %v, %v; want %v, %v", i, got, err, tt.want, tt.err)
		}
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
		want  error
	}{
		{"wildcard with credentials", Config{Origins: []string{"*"}, Credentials: true}, "origins", errWildcardCredentials},
		{"wildcard not alone", Config{Origins: []string{"https://a.example", "*"}}, "origins", errWildcardNotAlone},
		{"pattern with credentials", Config{Origins: []string{"https://*.example.com"}, Credentials: true}, "origins", errPatternCredentials},
		{"null", Config{Origins: []string{"null"}}, "origins", errOpaqueOrigin},
		{"file", Config{Origins: []string{"file://"}}, "origins", errOpaqueOrigin},
		{"FILE", Config{Origins: []string{"FILE:///etc"}}, "origins", errOpaqueOrigin},
		{"insecure", Config{Origins: []string{"http://app.example.com"}}, "origins", errInsecureOrigin},
		{"insecure pattern", Config{Origins: []string{"http://*.example.com"}}, "origins", errInsecureOrigin},
		{"public suffix pattern", Config{Origins: []string{"https://*.co.uk"}}, "origins", errPublicSuffixPattern},
		{"private public suffix pattern", Config{Origins: []string{"https://*.github.io"}}, "origins", errPublicSuffixPattern},
		{"single label pattern", Config{Origins: []string{"https://*.com"}}, "origins", errPublicSuffixPattern},
		{"bare suffix", Config{Origins: []string{"https://*example.com"}}, "origins", errInvalidOrigin},
		{"inner wildcard", Config{Origins: []string{"https://a.*.example.com"}}, "origins", errInvalidOrigin},
		{"scheme wildcard", Config{Origins: []string{"*://example.com"}}, "origins", errInvalidOrigin},
		{"bare host", Config{Origins: []string{"example.com"}}, "origins", errInvalidOrigin},
		{"path", Config{Origins: []string{"https://example.com/app"}}, "origins", errInvalidOrigin},
		{"userinfo", Config{Origins: []string{"https://u@example.com"}}, "origins", errInvalidOrigin},
		{"query", Config{Origins: []string{"https://example.com?x"}}, "origins", errInvalidOrigin},
		{"bad port", Config{Origins: []string{"https://example.com:99999"}}, "origins", errInvalidOrigin},
		{"ftp", Config{Origins: []string{"ftp://example.com"}}, "origins", errInvalidOrigin},
		{"numeric name", Config{Origins: []string{"https://1.2.3"}}, "origins", errInvalidOrigin},
		{"IP pattern", Config{Origins: []string{"https://*.1.2.3.4"}}, "origins", errInvalidOrigin},
		{"port with a leading zero", Config{Origins: []string{"https://example.com:08443"}}, "origins", errInvalidOrigin},
		{"empty port", Config{Origins: []string{"https://example.com:"}}, "origins", errInvalidOrigin},
		{"trailing dot", Config{Origins: []string{"https://example.com."}}, "origins", errInvalidOrigin},
		{"underscore", Config{Origins: []string{"https://ex_ample.com"}}, "origins", errInvalidOrigin},
		{"Kelvin sign", Config{Origins: []string{"https://EXAMPLE.\u212aOM"}}, "origins", errInvalidOrigin},
		{"IPv6 zone", Config{Origins: []string{"http://[fe80::1%25eth0]"}}, "origins", errInvalidOrigin},
		{"IPv6 pattern", Config{Origins: []string{"https://*.[::1]"}}, "origins", errInvalidOrigin},
		{"forbidden method", Config{Methods: []string{"trace"}}, "methods", errForbiddenMethod},
		{"bad method", Config{Methods: []string{"GET POST"}}, "methods", errInvalidMethod},
		{"wildcard method", Config{Methods: []string{"*"}}, "methods", errInvalidMethod},
		{"wildcard header", Config{RequestHeaders: []string{"*"}}, "request_headers", errInvalidHeader},
		{"bad header", Config{RequestHeaders: []string{"X Y"}}, "request_headers", errInvalidHeader},
		{"forbidden header", Config{RequestHeaders: []string{"Cookie"}}, "request_headers", errForbiddenHeader},
		{"forbidden sec- header", Config{RequestHeaders: []string{"Sec-Fetch-Site"}}, "request_headers", errForbiddenHeader},
		{"expose set-cookie", Config{ExposedHeaders: []string{"Set-Cookie"}}, "exposed_headers", errForbiddenHeader},
		{"expose * with credentials", Config{Origins: []string{"https://a.example"}, Credentials: true, ExposedHeaders: []string{"*"}}, "exposed_headers", errWildcardExposeNotAlone},
		{"max age too long", Config{MaxAge: 86401}, "max_age", errMaxAge},
		{"max age negative", Config{MaxAge: -2}, "max_age", errMaxAge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New() error = %v, want %v", err, tt.want)
			}
			var ce *configerr.Error
			if !errors.As(err, &ce) || ce.Field != tt.field {
				t.Errorf("New() error %v is not a *configerr.Error for %s", err, tt.field)
			}
		})
	}
}

func TestNewReportsEveryError(t *testing.T) {
	_, err := New(Config{
		Origins:        []string{"*", "null", "http://app.example.com"},
		Credentials:    true,
		Methods:        []string{"CONNECT"},
		RequestHeaders: []string{"Host"},
		MaxAge:         -5,
	})
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T does not unwrap to a list", err)
	}
	var fields []string
	for _, e := range joined.Unwrap() {
		var ce *configerr.Error
		if !errors.As(e, &ce) {
			t.Fatalf("%v is not a *configerr.Error", e)
		}
		fields = append(fields, ce.Field)
	}
	want := []string{"origins", "origins", "origins", "methods", "request_headers", "max_age"}
	if !reflect.DeepEqual(fields, want) {
		t.Errorf("error fields = %v, want %v", fields, want)
	}
}

func TestDangerousOptions(t *testing.T) {
	m := mustNew(t, Config{Origins: []string{"http://legacy.example.com", "https://*.example.com"}, Credentials: true,
		DangerouslyAllowInsecureOrigins: true, DangerouslyAllowSubdomainsWithCredentials: true})
	for _, o := range []string{"http://legacy.example.com", "https://x.example.com"} {
		if !m.Trusts(o) {
			t.Errorf("Trusts(%q) = false, want true", o)
		}
	}
}

func TestNormalisation(t *testing.T) {
	m := mustNew(t, Config{Origins: []string{
		"HTTPS://App.Example.COM:443/", "https://app.example.com", "https://api.example.com:8443",
		"http://[0:0::1]:8080", "http://127.0.0.1", "https://*.Tenants.Example.com",
	}})
	wantOrigins := []string{"https://app.example.com", "https://api.example.com:8443", "http://[::1]:8080", "http://127.0.0.1"}
	if got := m.Origins(); !reflect.DeepEqual(got, wantOrigins) {
		t.Errorf("Origins() = %q, want %q", got, wantOrigins)
	}
	if got, want := m.Patterns(), []string{"https://*.tenants.example.com"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Patterns() = %q, want %q", got, want)
	}
	pub := mustNew(t, Config{Origins: []string{"*"}})
	if pub.Origins() != nil || pub.Trusts("https://anyone.example") {
		t.Errorf("a wildcard policy exposes trusted origins: %q", pub.Origins())
	}
}

func TestPatternMatch(t *testing.T) {
	m := mustNew(t, Config{Origins: []string{"https://*.example.com", "https://*.example.org:8443"}})
	tests := []struct {
		origin string
		want   bool
	}{
		{"https://a.example.com", true},
		{"https://a-b.c.example.com", true},
		{"https://xn--bcher-kva.example.com", true},
		{"https://example.com", false},
		{"https://.example.com", false},
		{"https://a..example.com", false},
		{"https://-a.example.com", false},
		{"https://a.example.com:443", false},
		{"https://a.example.com.evil.example", false},
		{"https://evil.example/.example.com", false},
		{"https://evil.example@a.example.com", false},
		{"https://evil.example:1.example.com", false},
		{"https://A.example.com", false},
		{"http://a.example.com", false},
		{"https://a.example.org:8443", true},
		{"https://a.example.org", false},
	}
	for _, tt := range tests {
		if got := m.Trusts(tt.origin); got != tt.want {
			t.Errorf("Trusts(%q) = %v, want %v", tt.origin, got, tt.want)
		}
	}
}

func TestSetHeadersAndModifyResponse(t *testing.T) {
	m := mustNew(t, credConfig)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	resp := &http.Response{Header: http.Header{
		hACAO: {"*"}, hACAC: {"false"}, hACEH: {"X-Secret"}, "Vary": {"Accept-Encoding"}, "Content-Type": {"text/plain"},
	}, Request: r}
	if err := m.ModifyResponse(resp); err != nil {
		t.Fatal(err)
	}
	want := http.Header{"Vary": {"Accept-Encoding"}, "Content-Type": {"text/plain"}}
	if !reflect.DeepEqual(resp.Header, want) {
		t.Errorf("after ModifyResponse: %v, want %v", resp.Header, want)
	}
	m.SetHeaders(r, resp.Header)
	want = http.Header{"Vary": {"Accept-Encoding", "Origin"}, "Content-Type": {"text/plain"},
		hACAO: {"https://app.example.com"}, hACAC: {"true"}}
	if !reflect.DeepEqual(resp.Header, want) {
		t.Errorf("after SetHeaders: %v, want %v", resp.Header, want)
	}
	// A later append to one header does not reach another.
	resp.Header[hACAO] = append(resp.Header[hACAO], "x")
	if got := resp.Header[hACAC]; len(got) != 1 || got[0] != "true" {
		t.Errorf("%s = %q after appending to %s", hACAC, got, hACAO)
	}
}

// TestSharedValuesStayIntact: the header values are shared between
// responses, so a handler adding to them (Header.Add, as the session layer
// does for Vary) must not change what the next response gets.
func TestSharedValuesStayIntact(t *testing.T) {
	m := mustNew(t, Config{
		Origins: []string{"https://app.example.com"}, Credentials: true,
		Methods: []string{"PUT"}, RequestHeaders: []string{"X-CSRF-Token"},
		ExposedHeaders: []string{"X-Request-Id"}, MaxAge: 600,
	})
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k := range w.Header() {
			w.Header().Add(k, "extra")
		}
	})
	simple := httptest.NewRequest("GET", "/", nil)
	simple.Header.Set("Origin", "https://app.example.com")
	preflight := httptest.NewRequest("OPTIONS", "/", nil)
	preflight.Header.Set("Origin", "https://app.example.com")
	preflight.Header.Set(hACRM, "PUT")
	preflight.Header.Set(hACRH, "x-csrf-token")
	outer := func(h http.Handler) http.Handler { // adds to the preflight's headers after the fact
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r)
			for k := range w.Header() {
				w.Header().Add(k, "extra")
			}
		})
	}
	h := outer(m.Handler(next))
	wantSimple := http.Header{"Vary": {"Origin", "extra", "extra"}, hACAO: {"https://app.example.com", "extra", "extra"},
		hACAC: {"true", "extra", "extra"}, hACEH: {"X-Request-Id", "extra", "extra"}}
	wantPreflight := http.Header{"Vary": {varyPre, "extra"}, hACAO: {"https://app.example.com", "extra"},
		hACAC: {"true", "extra"}, hACAM: {"PUT", "extra"}, hACAH: {"x-csrf-token", "extra"}, hMaxAge: {"600", "extra"}}
	for i := range 3 {
		for _, tc := range []struct {
			r    *http.Request
			want http.Header
		}{{simple, wantSimple}, {preflight, wantPreflight}} {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tc.r)
			if got := w.Header(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("round %d, %s: got %v, want %v", i, tc.r.Method, got, tc.want)
			}
		}
	}
}

// TestAllocs: every answer costs one allocation, the block of its own
// header values (Vary: Origin at least), whatever the decision.
func TestAllocs(t *testing.T) {
	m := mustNew(t, appConfig)
	h := m.Handler(nop)
	req := func(method, origin string, hdr ...string) *http.Request {
		r := httptest.NewRequest(method, "/", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	for _, tc := range []struct {
		name string
		r    *http.Request
		want float64
	}{
		{"no origin", req("GET", ""), 1},
		{"simple, exact", req("GET", "https://app.example.com"), 1},
		{"simple, pattern", req("GET", "https://a.tenants.example.com"), 1},
		{"simple, denied", req("GET", "https://evil.example"), 1},
		{"preflight, exact", req("OPTIONS", "https://app.example.com", hACRM, "PUT", hACRH, "content-type,x-csrf-token"), 1},
		{"preflight, pattern", req("OPTIONS", "https://a.tenants.example.com", hACRM, "PUT"), 1},
	} {
		w := &nopWriter{h: make(http.Header, 8)}
		got := testing.AllocsPerRun(200, func() {
			clear(w.h)
			h.ServeHTTP(w, tc.r)
		})
		if got != tc.want {
			t.Errorf("%s: %.1f allocations, want %.0f", tc.name, got, tc.want)
		}
	}
}
