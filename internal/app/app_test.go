package app

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func newTestApp(t *testing.T, cfg Config) *App {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func get(t *testing.T, h http.Handler, path string) *http.Response {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
	return w.Result()
}

var (
	policyNonce = regexp.MustCompile(`script-src 'self' 'nonce-([A-Za-z0-9_-]{22})'`)
	pageNonce   = regexp.MustCompile(`<script nonce="([^"]+)">`)
)

func TestHomeNonce(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		resp := get(t, a.Handler(), "/")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		pm := policyNonce.FindStringSubmatch(resp.Header.Get("Content-Security-Policy"))
		bm := pageNonce.FindStringSubmatch(string(body))
		if pm == nil || bm == nil {
			t.Fatalf("nonce missing: policy %q, page match %v", resp.Header.Get("Content-Security-Policy"), bm)
		}
		if pm[1] != bm[1] {
			t.Fatalf("page nonce %q differs from policy nonce %q", bm[1], pm[1])
		}
		if seen[pm[1]] {
			t.Fatalf("nonce %q repeated", pm[1])
		}
		seen[pm[1]] = true
		if got := resp.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store (the page carries a nonce)", got)
		}
	}
}

func TestRoutes(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
		wantType   string
	}{
		{"/healthz", 200, `{"status":"ok"}` + "\n", "application/json; charset=utf-8"},
		{"/static/app.js", 200, "", "text/javascript; charset=utf-8"},
		{"/static/style.css", 200, "", "text/css; charset=utf-8"},
		{"/static/", 404, `{"error":"Not found"}` + "\n", "application/json; charset=utf-8"},
		{"/static/.env", 404, `{"error":"Not found"}` + "\n", "application/json; charset=utf-8"},
		{"/static/%2e%2e/app.go", 404, `{"error":"Not found"}` + "\n", "application/json; charset=utf-8"},
		{"/nope", 404, `{"error":"Not found"}` + "\n", "application/json; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := get(t, a.Handler(), tt.path)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != "" && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("security headers missing: %v", resp.Header)
			}
		})
	}
}

func TestSRIMatchesAssets(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	page, _ := io.ReadAll(get(t, a.Handler(), "/").Body)
	for _, asset := range []string{"app.js", "style.css"} {
		if !strings.Contains(string(page), `integrity="`+a.sri[asset]+`"`) {
			t.Errorf("page lacks integrity %s for %s", a.sri[asset], asset)
		}
		body, _ := io.ReadAll(get(t, a.Handler(), "/static/"+asset).Body)
		sri, err := integrityOf(body)
		if err != nil || sri != a.sri[asset] {
			t.Errorf("served %s hashes to %s, page says %s", asset, sri, a.sri[asset])
		}
	}
}

func TestDevelopmentPolicyOverPlainHTTP(t *testing.T) {
	dev := newTestApp(t, Config{Development: true})
	if p := get(t, dev.Handler(), "/").Header.Get("Content-Security-Policy"); strings.Contains(p, "upgrade-insecure-requests") {
		t.Errorf("development over HTTP keeps upgrade-insecure-requests: %q", p)
	}
	prod := newTestApp(t, Config{Secrets: strings.Repeat("k", 40)})
	if p := get(t, prod.Handler(), "/").Header.Get("Content-Security-Policy"); !strings.Contains(p, "upgrade-insecure-requests") {
		t.Errorf("production lacks upgrade-insecure-requests: %q", p)
	}
}

func TestConfigRefused(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"production without secrets", Config{}, ErrNoSecrets},
		{"short secret", Config{Secrets: "short"}, ErrWeakSecret},
		{"one short secret of two", Config{Secrets: strings.Repeat("a", 32) + ",tiny"}, ErrWeakSecret},
		{"public URL with path", Config{Development: true, PublicURL: "https://example.com/app"}, ErrBadPublicURL},
		{"public URL http in production", Config{Secrets: strings.Repeat("a", 32), PublicURL: "http://example.com"}, ErrBadPublicURL},
		{"public URL without host", Config{Development: true, PublicURL: "https://"}, ErrBadPublicURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Logger = slog.New(slog.DiscardHandler)
			_, err := New(tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Errorf("New = %v, want %v", err, tt.want)
			}
		})
	}
}
