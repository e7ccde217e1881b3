package proxy

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/internal/configerr"
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

// stackCause stands for an unexported configuration error of the harden
// stack, by the text harden.New gives it after the field name.
type stackCause string

func (c stackCause) Error() string { return string(c) }

// matches reports whether err matches want with errors.Is or, when want is
// a stackCause, reports that stack error.
func matches(err, want error) bool {
	if c, ok := want.(stackCause); ok {
		return err != nil && strings.Contains(err.Error(), harden.ErrConfig.Error()+": "+string(c))
	}
	return errors.Is(err, want)
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want error
	}{
		{"no upstream", func(c *Config) { c.Upstream = "" }, errUpstreamRequired},
		{"ftp", func(c *Config) { c.Upstream = "ftp://x" }, errUpstreamScheme},
		{"userinfo", func(c *Config) { c.Upstream = "http://u:p@x" }, errUpstreamParts},
		{"query", func(c *Config) { c.Upstream = "http://x/?a=1" }, errUpstreamParts},
		{"fragment", func(c *Config) { c.Upstream = "http://x/#f" }, errUpstreamParts},
		{"empty unix", func(c *Config) { c.Upstream = "unix:" }, errUpstreamHost},
		{"negative body", func(c *Config) { c.BodyLimit = -1 }, errNegative},
		{"route negative body", func(c *Config) { c.Routes = []Route{{Prefix: "/u", BodyLimit: -5}} }, errNegative},
		{"route prefix", func(c *Config) { c.Routes = []Route{{Prefix: "u"}} }, errPrefix},
		{"unknown policy", func(c *Config) { c.HeaderPolicy = map[string]string{"X-Frame-Options": "merge"} }, errHeaderPolicy},
		{"add for xfo", func(c *Config) { c.HeaderPolicy = map[string]string{"X-Frame-Options": "add"} }, errHeaderPolicyAdd},
		{"policy for other header", func(c *Config) { c.HeaderPolicy = map[string]string{"Server": "keep"} }, errHeaderName},
		{"error pages", func(c *Config) { c.ErrorPages = "show" }, errErrorPages},
		{"same site", func(c *Config) { c.Cookies.SameSite = "loose" }, errSameSite},
		{"short placeholder", func(c *Config) { c.NoncePlaceholder = "{{csp-nonce}}" }, errPlaceholder},
		{"token without secrets", func(c *Config) {
			c.Development = false
			c.PublicURL = "https://example.com"
			c.CSRF.Token = true
		}, errTokenNeedsSecrets},
		{"login path", func(c *Config) { c.Login.Paths = []string{"login"} }, errPathAbsolute},
		{"login status", func(c *Config) { c.Login.Statuses = []int{200} }, errStatus},
		{"duplicate prefix", func(c *Config) { c.Routes = []Route{{Prefix: "/a"}, {Prefix: "/A"}} }, errDuplicatePrefix},
		{"token path", func(c *Config) { c.CSRF.TokenPath = "token" }, errPathAbsolute},
		{"host prefix over plain http", func(c *Config) { c.Cookies.HostPrefix = true }, errHostPrefixPlainHTTP},
		{"host prefix with plain http in production", func(c *Config) {
			c.Development = false
			c.HTTPS.DangerouslyAllowPlainHTTP = true
			c.Hosts.Hosts = []string{"example.com"}
			c.Cookies.HostPrefix = true
		}, errHostPrefixPlainHTTP},
		{"placeholder with quote", func(c *Config) { c.NoncePlaceholder = `0123456789abcdef"` }, errPlaceholder},
		{"negative timeout", func(c *Config) { c.Timeout = -1 }, errNegative},
		{"stack error too", func(c *Config) { c.PublicURL = "https://x.com/path" }, stackCause("public_url: must be an absolute http(s) URL with a host and no userinfo, path, query or fragment")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := devConfig("http://127.0.0.1:1")
			tt.mod(&cfg)
			p, err := New(cfg)
			if !matches(err, tt.want) || !errors.Is(err, harden.ErrConfig) {
				t.Fatalf("New: %v, want %v wrapping harden.ErrConfig", err, tt.want)
			}
			if p != nil {
				t.Error("New returned a proxy with an error")
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	cfg := devConfig("ftp://x")
	cfg.BodyLimit = -1
	cfg.ErrorPages = "show"
	_, err := New(cfg)
	for _, want := range []error{errUpstreamScheme, errNegative, errErrorPages} {
		if !errors.Is(err, want) {
			t.Errorf("New: %v, want it to include %v", err, want)
		}
	}
	var ce *configerr.Error
	if !errors.As(err, &ce) || ce.Field != "upstream" {
		t.Errorf("first *configerr.Error %+v, want field upstream", ce)
	}
	if got, want := ce.Error(), "proxy: upstream: must be an http://, https:// or unix: URL"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	// The error New returns says the whole of it, as harden.New's do.
	if want := "harden: invalid configuration: proxy: upstream: must be an http://, https:// or unix: URL"; !strings.Contains(err.Error(), want) {
		t.Errorf("New: %q, want it to contain %q", err, want)
	}
}

func TestConfigJSON(t *testing.T) {
	const doc = `{
		"development": true,
		"public_url": "http://localhost:8080",
		"upstream": "http://127.0.0.1:3000",
		"body_limit": 2048,
		"login": {"paths": ["/api/login"], "rate": "5/15m", "statuses": [401]},
		"routes": [{"prefix": "/upload/", "body_limit": 5000000, "rate": "10/m", "allow_operators": true,
			"allow_duplicates": ["tag"], "allow_pollution": false, "skip_csrf": true}],
		"csrf": {"token": true, "token_path": "/csrf"},
		"cookies": {"readable": ["XSRF-TOKEN"], "same_site": "strict", "host_prefix": false},
		"header_policy": {"Content-Security-Policy": "keep"},
		"nonce_placeholder": "__NONCE_0123456789__",
		"error_pages": "pass",
		"cors": {"origins": ["https://app.example.net"]},
		"rate_limit": {"rate": "100/15m"}
	}`
	var cfg Config
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"development", cfg.Development, true},
		{"public_url", cfg.PublicURL, "http://localhost:8080"},
		{"upstream", cfg.Upstream, "http://127.0.0.1:3000"},
		{"body_limit", cfg.BodyLimit, int64(2048)},
		{"login.rate", cfg.Login.Rate.String(), "5/15m"},
		{"login.paths", strings.Join(cfg.Login.Paths, ","), "/api/login"},
		{"routes.rate", cfg.Routes[0].Rate.String(), "10/1m"},
		{"routes.skip_csrf", cfg.Routes[0].SkipCSRF, true},
		{"csrf.token_path", cfg.CSRF.TokenPath, "/csrf"},
		{"cookies.same_site", cfg.Cookies.SameSite, "strict"},
		{"header_policy", cfg.HeaderPolicy["Content-Security-Policy"], "keep"},
		{"error_pages", cfg.ErrorPages, "pass"},
		{"cors", strings.Join(cfg.CORS.Origins, ","), "https://app.example.net"},
		{"rate_limit", cfg.RateLimit.Rate.String(), "100/15m"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// Secrets and stores never come from (or go to) a file.
	out, err := json.Marshal(Config{Secrets: []string{"s3cr3t"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "s3cr3t") {
		t.Errorf("marshalled config shows the secrets: %s", out)
	}
}
