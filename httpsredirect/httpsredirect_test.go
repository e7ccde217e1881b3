package httpsredirect

import (
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/configerr"
)

func mustNew(t testing.TB, cfg Config) *Redirector {
	t.Helper()
	rd, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return rd
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.WriteString(w, "app")
})

func TestHandler(t *testing.T) {
	rd := mustNew(t, Config{PublicURL: "https://www.example.com", Exempt: []string{"/healthz"}})
	oneHop, err := clientip.New(clientip.Config{TrustedHops: 1})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		method     string
		target     string
		host       string
		hdr        map[string]string
		tls        bool
		resolver   *clientip.Resolver
		wantStatus int
		wantLoc    string
		wantBody   string
	}{
		{"GET over http", "GET", "/a/b?x=1&y=2", "www.example.com", nil, false, nil, 301, "https://www.example.com/a/b?x=1&y=2", "Redirecting to HTTPS.\n"},
		{"Host: evil.example is ignored", "GET", "/login", "evil.example", nil, false, nil, 301, "https://www.example.com/login", "Redirecting to HTTPS.\n"},
		{"scheme-relative path stays on our host", "GET", "//evil.example/x", "evil.example", nil, false, nil, 301, "https://www.example.com//evil.example/x", "Redirecting to HTTPS.\n"},
		{"backslash path stays on our host", "GET", `/\evil.example`, "evil.example", nil, false, nil, 301, `https://www.example.com/%5Cevil.example`, "Redirecting to HTTPS.\n"},
		{"escaped path kept", "GET", "/a%2Fb/c%20d", "x", nil, false, nil, 301, "https://www.example.com/a%2Fb/c%20d", "Redirecting to HTTPS.\n"},
		{"absolute-form target", "GET", "http://evil.example/p?q=1", "evil.example", nil, false, nil, 301, "https://www.example.com/p?q=1", "Redirecting to HTTPS.\n"},
		{"HEAD gets 301 without body", "HEAD", "/", "x", nil, false, nil, 301, "https://www.example.com/", ""},
		{"POST gets 308", "POST", "/api/login", "x", nil, false, nil, 308, "https://www.example.com/api/login", "Redirecting to HTTPS.\n"},
		{"DELETE gets 308", "DELETE", "/api/x", "x", nil, false, nil, 308, "https://www.example.com/api/x", "Redirecting to HTTPS.\n"},
		{"OPTIONS * goes to /", "OPTIONS", "*", "x", nil, false, nil, 308, "https://www.example.com/", "Redirecting to HTTPS.\n"},
		{"TLS passes", "GET", "/a", "www.example.com", nil, true, nil, 200, "", "app"},
		{"exempt path passes", "GET", "/healthz", "x", nil, false, nil, 200, "", "app"},
		{"exempt is exact", "GET", "/healthz/x", "x", nil, false, nil, 301, "https://www.example.com/healthz/x", "Redirecting to HTTPS.\n"},
		{"spoofed X-Forwarded-Proto without trusted proxy", "GET", "/a", "x", map[string]string{"X-Forwarded-Proto": "https"}, false, nil, 301, "https://www.example.com/a", "Redirecting to HTTPS.\n"},
		{"trusted proxy says https", "GET", "/a", "x", map[string]string{"X-Forwarded-Proto": "https"}, false, oneHop, 200, "", "app"},
		{"trusted proxy says http", "GET", "/a", "x", map[string]string{"X-Forwarded-Proto": "http"}, true, oneHop, 301, "https://www.example.com/a", "Redirecting to HTTPS.\n"},
		{"trusted forwarded host is not used", "GET", "/a", "x", map[string]string{"X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}, false, oneHop, 301, "https://www.example.com/a", "Redirecting to HTTPS.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = tt.host
			for k, v := range tt.hdr {
				r.Header.Set(k, v)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			var h http.Handler = rd.Handler(okHandler)
			if tt.resolver != nil {
				h = tt.resolver.Handler(h)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Header().Get("Location"); got != tt.wantLoc {
				t.Errorf("Location = %q, want %q", got, tt.wantLoc)
			}
			if got := w.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		url     string
		want    string
		wantErr error
	}{
		{"https://example.com", "https://example.com", nil},
		{"https://example.com/", "https://example.com", nil},
		{"HTTPS://Example.COM", "https://example.com", nil},
		{"https://[2001:DB8:0::1]", "https://[2001:db8::1]", nil},
		{"https://example.com:443", "https://example.com", nil},
		{"https://example.com:8443", "https://example.com:8443", nil},
		{"https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443", nil},
		{"https://192.0.2.1", "https://192.0.2.1", nil},
		{"", "", errNoPublicURL},
		{"http://example.com", "", errNotHTTPS},
		{"example.com", "", errNotHTTPS},
		{"//example.com", "", errNotHTTPS},
		{"https:example.com", "", errNotHTTPS},
		{"https://user:pw@example.com", "", errUserinfo},
		{"https://example.com/app", "", errPathOrQuery},
		{"https://example.com?x=1", "", errPathOrQuery},
		{"https://example.com/?", "", errPathOrQuery},
		{"https://example.com#frag", "", errPathOrQuery},
		{"https://example.com#", "", errPathOrQuery},
		{"https://", "", errNoHost},
		{"https://exa mple.com", "", errNoHost},
		{"https://example.com.", "", errNoHost},      // a second spelling of the origin
		{"https://ex_ample.com", "", errNoHost},      // not an LDH name
		{"https://example.com:08443", "", errNoHost}, // a leading zero in the port
		{"https://127.1", "", errNoHost},             // browsers read 127.0.0.1
		{"null", "", errNotHTTPS},
		{"https://example.com:0", "", errNoHost},
		{"https://example.com:", "", errNoHost},
		{"https://bücher.example", "", errNoHost},
		{"https://a..b", "", errNoHost},
		{"https://[fe80::1%25eth0]", "", errNoHost},
	}
	for _, tt := range tests {
		rd, err := New(Config{PublicURL: tt.url})
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("New(%q) error = %v, want %v", tt.url, err, tt.wantErr)
			continue
		}
		if err != nil {
			var ce *configerr.Error
			if !errors.As(err, &ce) || ce.Field != "public_url" {
				t.Errorf("New(%q) error %v is not a public_url *configerr.Error", tt.url, err)
			}
			continue
		}
		if got := rd.publicOrigin(); got != tt.want {
			t.Errorf("New(%q).publicOrigin() = %q, want %q", tt.url, got, tt.want)
		}
	}
}

func TestNewExempt(t *testing.T) {
	_, err := New(Config{PublicURL: "https://example.com", Exempt: []string{"/ok", "healthz"}})
	if !errors.Is(err, errExemptPath) {
		t.Errorf("error = %v, want %v", err, errExemptPath)
	}
}

// The redirect-only listener, end to end over a real connection, with a
// client that does not follow redirects.
func TestRedirectOnlyServer(t *testing.T) {
	h, err := RedirectOnly("https://www.example.com:8443")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz?a=b", 301},
		{"POST", "/api/contact", 308},
	} {
		req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		req.Host = "evil.example"
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
		if got, want := resp.Header.Get("Location"), "https://www.example.com:8443"+tc.path; got != want {
			t.Errorf("%s %s: Location = %q, want %q", tc.method, tc.path, got, want)
		}
		if string(b) != body {
			t.Errorf("%s %s: body = %q, want %q", tc.method, tc.path, b, body)
		}
	}
	if _, err := RedirectOnly("http://www.example.com"); !errors.Is(err, errNotHTTPS) {
		t.Errorf("RedirectOnly(http://...) error = %v, want %v", err, errNotHTTPS)
	}
}

func BenchmarkHandlerRedirect(b *testing.B) {
	rd := mustNew(b, Config{PublicURL: "https://www.example.com"})
	h := rd.Handler(okHandler)
	r := httptest.NewRequest("GET", "/a/b?x=1", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(discard{}, r)
	}
}

func BenchmarkHandlerPassHTTPS(b *testing.B) {
	rd := mustNew(b, Config{PublicURL: "https://www.example.com"})
	h := rd.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest("GET", "/a/b?x=1", nil)
	r.TLS = &tls.ConnectionState{}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(discard{}, r)
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
