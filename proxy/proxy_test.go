package proxy

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden"
)

// devConfig is a development proxy in front of upstream.
func devConfig(upstream string) Config {
	cfg := Config{Upstream: upstream}
	cfg.Development = true
	return cfg
}

func TestMinimalForward(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello "+r.URL.Path)
	}))
	defer up.Close()
	p, err := New(devConfig(up.URL))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w := httptest.NewRecorder()
	p.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost/x", nil))
	if got, want := w.Code, 200; got != want {
		t.Errorf("status %d, want %d", got, want)
	}
	if got, want := w.Body.String(), "hello /x"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		t.Error("no Content-Security-Policy")
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want error
	}{
		{"no upstream", func(c *Config) { c.Upstream = "" }, ErrUpstreamRequired},
		{"ftp", func(c *Config) { c.Upstream = "ftp://x" }, ErrUpstreamScheme},
		{"userinfo", func(c *Config) { c.Upstream = "http://u:p@x" }, ErrUpstreamParts},
		{"query", func(c *Config) { c.Upstream = "http://x/?a=1" }, ErrUpstreamParts},
		{"fragment", func(c *Config) { c.Upstream = "http://x/#f" }, ErrUpstreamParts},
		{"empty unix", func(c *Config) { c.Upstream = "unix:" }, ErrUpstreamHost},
		{"negative body", func(c *Config) { c.BodyLimit = -1 }, ErrNegative},
		{"route negative body", func(c *Config) { c.Routes = []Route{{Prefix: "/u", BodyLimit: -5}} }, ErrNegative},
		{"route prefix", func(c *Config) { c.Routes = []Route{{Prefix: "u"}} }, ErrPrefix},
		{"unknown policy", func(c *Config) { c.HeaderPolicy = map[string]string{"X-Frame-Options": "merge"} }, ErrHeaderPolicy},
		{"add for xfo", func(c *Config) { c.HeaderPolicy = map[string]string{"X-Frame-Options": "add"} }, ErrHeaderPolicyAdd},
		{"policy for other header", func(c *Config) { c.HeaderPolicy = map[string]string{"Server": "keep"} }, ErrHeaderName},
		{"error pages", func(c *Config) { c.ErrorPages = "show" }, ErrErrorPages},
		{"same site", func(c *Config) { c.Cookies.SameSite = "loose" }, ErrSameSite},
		{"short placeholder", func(c *Config) { c.NoncePlaceholder = "{{csp-nonce}}" }, ErrPlaceholder},
		{"token without secrets", func(c *Config) {
			c.Development = false
			c.PublicURL = "https://example.com"
			c.CSRF.Token = true
		}, ErrTokenNeedsSecrets},
		{"login path", func(c *Config) { c.Login.Paths = []string{"login"} }, ErrPathAbsolute},
		{"login status", func(c *Config) { c.Login.Statuses = []int{200} }, ErrStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := devConfig("http://127.0.0.1:1")
			tt.mod(&cfg)
			p, err := New(cfg)
			if !errors.Is(err, tt.want) || !errors.Is(err, harden.ErrConfig) {
				t.Fatalf("New: %v, want %v wrapping harden.ErrConfig", err, tt.want)
			}
			if p != nil {
				t.Error("New returned a proxy with an error")
			}
		})
	}
}
