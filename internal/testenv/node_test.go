package testenv

import (
	"net/http"
	"testing"
	"time"
)

// TestStartNodePeer installs and starts the peers the proxy's end-to-end
// tests use, and stops and restarts one on its port.
func TestStartNodePeer(t *testing.T) {
	get := func(url string) (int, http.Header, error) {
		c := &http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(url)
		if err != nil {
			return 0, nil, err
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header, nil
	}
	tests := []struct {
		peer, path string
		wantStatus int
	}{
		{"express-vanilla", "/api/csrf-token", http.StatusOK},
		{"express-vulnerable", "/api/balance", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.peer, func(t *testing.T) {
			app := StartNodePeer(t, tt.peer)
			code, h, err := get(app.URL + tt.path)
			if err != nil || code != tt.wantStatus {
				t.Fatalf("GET %s: got %d, %v; want %d", tt.path, code, err, tt.wantStatus)
			}
			if got := h.Get("X-Powered-By"); got != "Express" {
				t.Errorf("X-Powered-By: got %q, want Express (the peer as shipped)", got)
			}
			pid := app.PID()
			if pid == 0 {
				t.Fatal("PID: got 0 for a running app")
			}
			app.Stop()
			if got := app.PID(); got != 0 {
				t.Errorf("PID after Stop: got %d, want 0", got)
			}
			if _, _, err := get(app.URL + tt.path); err == nil {
				t.Fatal("the app still answers after Stop")
			}
			app.Start()
			if code, _, err := get(app.URL + tt.path); err != nil || code != tt.wantStatus {
				t.Fatalf("after Start: got %d, %v; want %d", code, err, tt.wantStatus)
			}
			if app.PID() == pid {
				t.Errorf("PID after restart: got the old %d", pid)
			}
		})
	}
}
