package allowedhosts

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/httpsyntax"
)

func mustNew(t testing.TB, cfg Config) *Checker {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return c
}

func TestAllowed(t *testing.T) {
	prod := mustNew(t, Config{Hosts: []string{"www.example.com", "api.example.com:8443", "*.cdn.example.com", "[2001:db8::1]", "192.0.2.10", "admin.example.com:*"}})
	dev := mustNew(t, Config{})
	tests := []struct {
		name  string
		c     *Checker
		host  string
		https bool
		want  bool
	}{
		{"exact", prod, "www.example.com", true, true},
		{"upper case", prod, "WWW.Example.COM", true, true},
		{"trailing dot", prod, "www.example.com.", true, true},
		{"default https port", prod, "www.example.com:443", true, true},
		{"default http port", prod, "www.example.com:80", false, true},
		{"https port over http", prod, "www.example.com:443", false, false},
		{"other port", prod, "www.example.com:8080", true, false},
		{"explicit port", prod, "api.example.com:8443", true, true},
		{"explicit port missing", prod, "api.example.com", true, false},
		{"any port", prod, "admin.example.com:9999", false, true},
		{"wildcard one label", prod, "a.cdn.example.com", true, true},
		{"wildcard two labels", prod, "a.b.cdn.example.com", true, true},
		{"wildcard not apex", prod, "cdn.example.com", true, false},
		{"wildcard not suffix trick", prod, "evilcdn.example.com", true, false},
		{"unknown", prod, "evil.example", true, false},
		{"suffix of allowed", prod, "evil-www.example.com", true, false},
		{"allowed as prefix", prod, "www.example.com.evil.example", true, false},
		{"IPv6", prod, "[2001:db8::1]", true, true},
		{"IPv6 non-canonical", prod, "[2001:DB8:0::1]:443", true, true},
		{"IPv4", prod, "192.0.2.10", false, true},
		{"empty", prod, "", true, false},
		{"userinfo", prod, "a@www.example.com", true, false},
		{"path", prod, "www.example.com/x", true, false},
		{"bad port", prod, "www.example.com:x", true, false},
		{"port 0", prod, "www.example.com:0", true, false},
		{"empty port", prod, "www.example.com:", true, false},
		{"double dot", prod, "www..example.com", true, false},
		{"two trailing dots", prod, "www.example.com..", true, false},
		{"port with a leading zero", prod, "api.example.com:08443", true, false},
		{"underscore", prod, "www_1.cdn.example.com", true, false},
		{"short IPv4", prod, "192.0.2.010", false, false},
		{"IPv4 trailing dot", prod, "192.0.2.10.", false, false},
		{"IPv6 zone", prod, "[2001:db8::1%25eth0]", true, false},
		{"Kelvin sign", prod, "www.example.\u212aom", true, false},
		{"space", prod, "www.example.com ", true, false},
		{"dev localhost any port", dev, "localhost:5173", false, true},
		{"dev localhost", dev, "localhost", false, true},
		{"dev sub.localhost", dev, "app.localhost:3000", false, true},
		{"dev 127.0.0.1", dev, "127.0.0.1:8080", false, true},
		{"dev [::1]", dev, "[::1]:8080", false, true},
		{"dev rebinding name", dev, "attacker.example:8080", false, false},
		{"dev other loopback", dev, "127.0.0.2:8080", false, false},
	}
	for _, tt := range tests {
		if got := tt.c.Allowed(tt.host, tt.https); got != tt.want {
			t.Errorf("%s: Allowed(%q, https=%v) = %v, want %v", tt.name, tt.host, tt.https, got, tt.want)
		}
	}
}

func TestHandler(t *testing.T) {
	c := mustNew(t, Config{Hosts: []string{"www.example.com"}})
	oneHop, err := clientip.New(clientip.Config{TrustedHops: 1})
	if err != nil {
		t.Fatal(err)
	}
	const refusal = `{"error":"Misdirected request"}` + "\n"
	tests := []struct {
		name       string
		host       string
		tls        bool
		hdr        map[string]string
		resolver   *clientip.Resolver
		wantStatus int
		wantBody   string
	}{
		{"allowed", "www.example.com", true, nil, nil, 200, "ok"},
		{"rebinding", "evil.example", true, nil, nil, 421, refusal},
		{"empty host", "", true, nil, nil, 421, refusal},
		{"untrusted forwarded host ignored", "evil.example", true, map[string]string{"X-Forwarded-Host": "www.example.com"}, nil, 421, refusal},
		{"trusted forwarded host used", "backend:8080", false, map[string]string{"X-Forwarded-Host": "www.example.com", "X-Forwarded-Proto": "https"}, oneHop, 200, "ok"},
		{"trusted forwarded host refused", "www.example.com", true, map[string]string{"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}, oneHop, 421, refusal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = tt.host
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range tt.hdr {
				r.Header.Set(k, v)
			}
			var h http.Handler = c.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("ok"))
			}))
			if tt.resolver != nil {
				h = tt.resolver.Handler(h)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.wantStatus, tt.wantBody)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	c := mustNew(t, Config{Hosts: []string{"www.example.com"}})
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "evil.example"
	if err := c.checkRequest(r); !errors.Is(err, errHostNotAllowed) {
		t.Errorf("checkRequest(evil.example) = %v, want %v", err, errHostNotAllowed)
	}
	r.Host = "bad host"
	if err := c.checkRequest(r); !errors.Is(err, errBadHost) {
		t.Errorf("checkRequest(bad host) = %v, want %v", err, errBadHost)
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		host string
		want error
	}{
		{"", errInvalidEntry},
		{"*", errInvalidEntry},
		{"*.com", errBroadWildcard},
		{"*.*.example.com", errInvalidEntry},
		{"https://example.com", errInvalidEntry},
		{"example.com/", errInvalidEntry},
		{"example.com:99999", errInvalidEntry},
		{"*.192.0.2.1", errInvalidEntry},
		{"*.[::1]", errInvalidEntry},
		{"exa mple.com", errInvalidEntry},
		{"example.com.", errInvalidEntry},
		{"example.com:08443", errInvalidEntry},
		{"example.com:", errInvalidEntry},
		{"ex_ample.com", errInvalidEntry},
		{"example.com:8443:*", errInvalidEntry},
		{"127.1", errInvalidEntry},
		{"2001:db8::1", errInvalidEntry},
	}
	for _, tt := range tests {
		_, err := New(Config{Hosts: []string{"ok.example.com", tt.host}})
		if !errors.Is(err, tt.want) {
			t.Errorf("New(%q) error = %v, want %v", tt.host, err, tt.want)
		}
		var ce *configerr.Error
		if !errors.As(err, &ce) || ce.Field != "hosts" || ce.Index != 1 || ce.Value != tt.host {
			t.Errorf("New(%q) error %v does not name the entry hosts[1]", tt.host, err)
		}
	}
}

// TestPublicURLHost: the harden stack allows its public URL's host as
// httpsyntax gives it (the scheme's default port elided): an explicit
// default port is the same as none, whatever the scheme of the request.
func TestPublicURLHost(t *testing.T) {
	tests := []struct {
		url, host string
		https     bool
		want      bool
	}{
		{"https://www.example.com", "www.example.com", true, true},
		{"https://www.example.com:443/", "www.example.com", true, true},
		{"https://www.example.com:8443", "www.example.com:8443", true, true},
		{"https://www.example.com:8443", "www.example.com", true, false},
		{"http://localhost:8080", "localhost:8080", false, true},
		{"https://www.example.com", "evil.example", true, false},
	}
	for _, tt := range tests {
		o, err := httpsyntax.ParsePublicURL(tt.url)
		if err != nil {
			t.Fatalf("ParsePublicURL(%q): %v", tt.url, err)
		}
		if got := mustNew(t, Config{Hosts: []string{o.HostPort()}}).Allowed(tt.host, tt.https); got != tt.want {
			t.Errorf("the host of %q allows %q: %v, want %v", tt.url, tt.host, got, tt.want)
		}
	}
}

func FuzzAllowed(f *testing.F) {
	for _, s := range []string{"www.example.com", "WWW.EXAMPLE.COM.:443", "[2001:db8::1]:80", "a.cdn.example.com", "x:y:z", "[::1", "", "..", "a@b"} {
		f.Add(s)
	}
	c := mustNew(f, Config{Hosts: []string{"www.example.com", "*.cdn.example.com", "[2001:db8::1]"}})
	f.Fuzz(func(t *testing.T, host string) {
		if !c.Allowed(host, true) {
			return
		}
		// Whatever was allowed normalises to a configured name.
		name, _, err := httpsyntax.ParseRequestHost(host)
		if err != nil {
			t.Fatalf("allowed %q does not parse: %v", host, err)
		}
		if name != "www.example.com" && name != "[2001:db8::1]" && !(len(name) > len(".cdn.example.com") && name[len(name)-len(".cdn.example.com"):] == ".cdn.example.com") {
			t.Fatalf("allowed %q as %q", host, name)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	c := mustNew(b, Config{Hosts: []string{"www.example.com", "*.cdn.example.com"}})
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = "www.example.com"
	b.ReportAllocs()
	for b.Loop() {
		if c.checkRequest(r) != nil {
			b.Fatal("refused")
		}
	}
}
