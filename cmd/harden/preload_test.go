package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestHSTSPreloadSetup(t *testing.T) {
	const prefix = "--hsts-preload: the HSTS preload list requires "
	tests := []struct {
		name  string
		setup hstsPreloadSetup
		want  string // the whole error; empty when the setup is accepted
	}{
		{"TLS with a redirect listener", hstsPreloadSetup{tls: true, publicURL: "https://example.com", redirectAddr: ":80"}, ""},
		{"behind a TLS-terminating proxy", hstsPreloadSetup{trustedProxies: "10.0.0.1", publicURL: "https://www.example.com:443"}, ""},
		{"development", hstsPreloadSetup{dev: true, tls: true, publicURL: "https://example.com", redirectAddr: ":80"},
			prefix + "production mode (--env production)"},
		{"plain HTTP, no proxy", hstsPreloadSetup{publicURL: "https://example.com"},
			prefix + "HTTPS (--tls-cert and --tls-key, or --trusted-proxies naming the TLS-terminating proxy)"},
		{"TLS without a redirect listener", hstsPreloadSetup{tls: true, publicURL: "https://example.com"},
			prefix + "a redirect from http:// on the same host (--redirect-addr)"},
		{"no public URL", hstsPreloadSetup{trustedProxies: "1", publicURL: ""},
			prefix + "an https:// --public-url"},
		{"http public URL", hstsPreloadSetup{trustedProxies: "1", publicURL: "http://example.com"},
			prefix + "an https:// --public-url"},
		{"address", hstsPreloadSetup{trustedProxies: "1", publicURL: "https://127.0.0.1"},
			prefix + "a domain name in --public-url, not 127.0.0.1"},
		{"localhost", hstsPreloadSetup{trustedProxies: "1", publicURL: "https://localhost"},
			prefix + "a domain name in --public-url, not localhost"},
		{"other port", hstsPreloadSetup{trustedProxies: "1", publicURL: "https://example.com:8443"},
			prefix + "HTTPS on port 443 (--public-url names port 8443)"},
		{"everything missing", hstsPreloadSetup{dev: true},
			prefix + "production mode (--env production); HTTPS (--tls-cert and --tls-key, or --trusted-proxies naming the TLS-terminating proxy); an https:// --public-url"},
	}
	for _, tt := range tests {
		err := tt.setup.check()
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("%s: got error %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestServeHSTSPreload(t *testing.T) {
	t.Run("refused at start-up", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		env := withDataDir(t, map[string]string{"HARDEN_ENV": "production", "HARDEN_SECRETS": testSecret,
			"HARDEN_PUBLIC_URL": "https://example.com", "HARDEN_HSTS_PRELOAD": "true"})
		code := serve(context.Background(), []string{"--addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, &stdout, &stderr)
		want := "harden serve: --hsts-preload: the HSTS preload list requires HTTPS (--tls-cert and --tls-key, or --trusted-proxies naming the TLS-terminating proxy)\n"
		if code != 1 || !strings.HasSuffix(stderr.String(), want) {
			t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr.String(), want)
		}
		if strings.Contains(stdout.String(), "listening") {
			t.Errorf("it started listening: %q", stdout.String())
		}
	})
	t.Run("bad environment value", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		code := serve(context.Background(), nil, func(k string) string {
			return map[string]string{"HARDEN_HSTS_PRELOAD": "sure"}[k]
		}, &stdout, &stderr)
		want := "harden serve: HARDEN_HSTS_PRELOAD: \"sure\" is not a boolean\n"
		if code != 2 || stderr.String() != want {
			t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), want)
		}
	})
	for _, preload := range []bool{false, true} {
		name := map[bool]string{false: "off by default", true: "sent when opted in"}[preload]
		t.Run(name, func(t *testing.T) {
			env := map[string]string{
				"HARDEN_ENV":             "production",
				"HARDEN_SECRETS":         testSecret,
				"HARDEN_PUBLIC_URL":      "https://example.com",
				"HARDEN_TRUSTED_PROXIES": "127.0.0.1",
				"HARDEN_DATA_DIR":        t.TempDir(),
			}
			args := []string{"--addr", "127.0.0.1:0"}
			want := "max-age=63072000; includeSubDomains"
			if preload {
				args = append(args, "--hsts-preload")
				want += "; preload"
			}
			base, _, _, _ := startServeLog(t, env, args...)
			req, err := http.NewRequest("GET", base+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "example.com"
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Strict-Transport-Security"); resp.StatusCode != 200 || got != want {
				t.Errorf("status %d, Strict-Transport-Security %q; want 200 and %q", resp.StatusCode, got, want)
			}
		})
	}
}
