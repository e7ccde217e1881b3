package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestRefusalsLoggedOnce(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})
	cfg := prodConfig(up.URL)
	cfg.BodyLimit = 10
	cfg.Login.Paths = []string{"/login"}
	cfg.Login.Rate = mustSpec(t, "1/1h")
	log := quiet(t, &cfg)
	_, srv := start(t, cfg)
	send(t, srv, "POST", "/login", "", nil) // spends the quota
	tests := []struct {
		name, method, path, body string
		hdr                      map[string]string
		wantStatus               int
		wantEvent                string
	}{
		{"operator", "GET", "/x?a[$ne]=1", "", nil, 400, `"event":"validation_failed"`},
		{"too large", "POST", "/x", "01234567890", map[string]string{"Content-Type": "application/octet-stream"}, 413, `"event":"body_too_large"`},
		{"csrf", "POST", "/x", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, `"event":"csrf_failure"`},
		{"websocket", "GET", "/ws", "", map[string]string{"Upgrade": "websocket", "Connection": "Upgrade", "Origin": "https://evil.example"}, 403, `"event":"csrf_failure"`},
		{"login locked", "POST", "/login", "", nil, 429, `"event":"rate_limited"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, srv, tt.method, tt.path, tt.body, tt.hdr)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
			id := res.header.Get("X-Request-ID")
			var lines []string
			for _, l := range strings.Split(log.String(), "\n") {
				if strings.Contains(l, id) {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 || !strings.Contains(lines[0], tt.wantEvent) {
				t.Errorf("security log lines for the request: %q, want one with %s", lines, tt.wantEvent)
			}
		})
	}
}

func TestMaskedErrorLogged(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, strings.Repeat("x", 1234))
	})
	cfg := prodConfig(up.URL)
	var ops syncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&ops, nil))
	_, srv := start(t, cfg)
	res := send(t, srv, "GET", "/boom", "", nil)
	if res.status != 500 {
		t.Fatalf("status %d, want 500", res.status)
	}
	got := ops.String()
	for _, want := range []string{"status=500", "size=1234", "path=/boom", "request_id=" + res.header.Get("X-Request-ID")} {
		if !strings.Contains(got, want) {
			t.Errorf("log %q lacks %q", got, want)
		}
	}
	if strings.Contains(got, "xxxx") {
		t.Errorf("log holds the upstream's body: %q", got)
	}
}
