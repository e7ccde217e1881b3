package main

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/internal/drain"
)

// TestUnreadyWhileDraining: /readyz answers as the app does until the
// drain begins, then 503 {"status":"unavailable"} with the security
// headers; other paths are untouched.
func TestUnreadyWhileDraining(t *testing.T) {
	hdrs, err := headers.New(headers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("app " + r.URL.Path))
	})
	var d drain.State
	h := unreadyWhileDraining(app, &d, hdrs)
	get := func(method, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
		return w
	}
	if w := get("GET", "/readyz"); w.Code != 200 || w.Body.String() != "app /readyz" {
		t.Fatalf("before the drain: got %d %q, want the app's answer", w.Code, w.Body.String())
	}
	d.Begin()
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/readyz", 503, `{"status":"unavailable"}` + "\n"},
		{"HEAD", "/readyz", 503, `{"status":"unavailable"}` + "\n"},
		{"POST", "/readyz", 200, "app /readyz"},
		{"GET", "/healthz", 200, "app /healthz"},
		{"GET", "/readyz/x", 200, "app /readyz/x"},
	}
	for _, tt := range tests {
		w := get(tt.method, tt.path)
		if w.Code != tt.status || w.Body.String() != tt.body {
			t.Errorf("%s %s while draining: got %d %q, want %d %q", tt.method, tt.path, w.Code, w.Body.String(), tt.status, tt.body)
		}
		if tt.status == 503 && (w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff") {
			t.Errorf("%s %s: security headers missing: %v", tt.method, tt.path, w.Header())
		}
	}
}
