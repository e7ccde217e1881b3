package configfile

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/harden-go/harden/proxy"
	"github.com/harden-go/harden/ratelimit"
)

const proxyJSON = `{
  "development": false,
  "public_url": "https://app.example.com",
  "upstream": "http://127.0.0.1:8080",
  "body_limit": 204800,
  "cors": {"origins": ["https://admin.example.com"]},
  "login": {"paths": ["/login", "/api/login"], "rate": "5/15m", "statuses": [401, 403]},
  "routes": [{"prefix": "/upload/", "body_limit": 5242880, "skip_csrf": true}],
  "cookies": {"readable": ["XSRF-TOKEN"], "same_site": "strict"},
  "header_policy": {"Content-Security-Policy": "keep"}
}`

const proxyYAML = `
# the same settings as proxyJSON
development: false
public_url: https://app.example.com
upstream: http://127.0.0.1:8080
body_limit: 204800
cors:
  origins: [https://admin.example.com]
login:
  paths: [/login, /api/login]
  rate: 5/15m
  statuses: [401, 403]
routes:
  - prefix: /upload/
    body_limit: 5242880
    skip_csrf: true
cookies:
  readable: [XSRF-TOKEN]
  same_site: strict
header_policy:
  Content-Security-Policy: keep
`

func TestBothFormatsEqual(t *testing.T) {
	dir := t.TempDir()
	var got [4]proxy.Config
	for i, f := range []struct{ name, text string }{
		{"a.json", proxyJSON}, {"a.yaml", proxyYAML}, {"a.conf", proxyJSON}, {"b.conf", proxyYAML},
	} {
		path := filepath.Join(dir, f.name)
		if err := os.WriteFile(path, []byte(f.text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := Load(path, &got[i]); err != nil {
			t.Fatalf("Load(%s): %v", f.name, err)
		}
	}
	want := proxy.Config{
		Upstream:  "http://127.0.0.1:8080",
		BodyLimit: 204800,
		Login: proxy.LoginConfig{Paths: []string{"/login", "/api/login"},
			Rate: ratelimit.Spec{Limit: 5, Window: 15 * 60e9}, Statuses: []int{401, 403}},
		Routes:       []proxy.Route{{Prefix: "/upload/", BodyLimit: 5242880, SkipCSRF: true}},
		Cookies:      proxy.CookieConfig{Readable: []string{"XSRF-TOKEN"}, SameSite: "strict"},
		HeaderPolicy: map[string]string{"Content-Security-Policy": "keep"},
	}
	want.PublicURL = "https://app.example.com"
	want.CORS.Origins = []string{"https://admin.example.com"}
	for i := range got {
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("file %d: got %+v\nwant %+v", i, got[i], want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		text   string
		want   string // substring of the error
	}{
		{"unknown top-level key JSON", JSON, `{"upstream": "http://x", "upstrem": "y"}`, "upstrem: unknown key"},
		{"unknown top-level key YAML", YAML, "upstream: http://x\nupstrem: y\n", "upstrem: unknown key"},
		{"unknown nested key", YAML, "cors:\n  orgins: [https://a.example]\n", "cors.orgins: unknown key"},
		{"unknown key in a list", JSON, `{"routes": [{"prefix": "/a"}, {"prefix": "/b", "bodylimit": 1}]}`, "routes[1].bodylimit: unknown key"},
		{"wrong case", JSON, `{"Upstream": "http://x"}`, "Upstream: unknown key"},
		{"secret field", YAML, "secrets: [abc]\n", "secrets: unknown key"},
		{"wrong type JSON", JSON, `{"body_limit": "big"}`, "body_limit"},
		{"wrong type YAML", YAML, "login:\n  paths: /login\n", "login.paths"},
		{"bad rate", YAML, "login:\n  rate: often\n", "login.rate: "},
		{"bad rate in a list", JSON, `{"routes": [{"prefix": "/a", "rate": "10/m"}, {"prefix": "/b", "rate": "x"}]}`, "routes[1].rate: "},
		{"duplicate key JSON", JSON, `{"upstream": "a", "upstream": "b"}`, "upstream: duplicate key"},
		{"duplicate key YAML", YAML, "upstream: a\nupstream: b\n", "already defined"},
		{"trailing data", JSON, `{"upstream": "a"} {}`, "after the top-level value"},
		{"not a mapping", YAML, "- a\n- b\n", "not a mapping"},
		{"syntax", JSON, `{"upstream": }`, "JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c proxy.Config
			err := Decode([]byte(tt.text), tt.format, &c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEmpty(t *testing.T) {
	for _, text := range []string{"", "  \n", "# only a comment\n"} {
		for _, f := range []Format{Auto, JSON, YAML} {
			if f == JSON && strings.HasPrefix(text, "#") {
				continue // not JSON at all
			}
			var c proxy.Config
			if err := Decode([]byte(text), f, &c); !errors.Is(err, ErrEmpty) {
				t.Errorf("Decode(%q, %d): got %v, want ErrEmpty", text, f, err)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var c proxy.Config
	if err := Load(path, &c); !errors.Is(err, ErrEmpty) || !strings.Contains(err.Error(), "empty.yaml") {
		t.Errorf("Load(empty): got %v, want ErrEmpty naming the file", err)
	}
}

func TestDecodeNeedsStructPointer(t *testing.T) {
	var m map[string]any
	for _, v := range []any{nil, m, &m, proxy.Config{}} {
		if err := Decode([]byte(`{}`), JSON, v); err == nil {
			t.Errorf("Decode into %T: got nil error", v)
		}
	}
}

// FuzzDecode checks that no document panics the decoder.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(proxyJSON))
	f.Add([]byte(proxyYAML))
	f.Add([]byte("routes: [{prefix: /a, rate: 10/m}]"))
	f.Add([]byte(`{"header_policy": {"a": 1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c proxy.Config
		_ = Decode(b, Auto, &c)
	})
}
