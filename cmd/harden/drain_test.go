package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/internal/drain"
)

// TestDrainingFailsReadiness: /readyz answers ok until the drain begins,
// then 503 {"status":"unavailable"} with the security headers, the cause
// named only in the log.
func TestDrainingFailsReadiness(t *testing.T) {
	hdrs, err := headers.New(headers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var d drain.State
	checks := func() []namedCheck { return []namedCheck{{"drain", drainingCheck(&d)}} }
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("app")) })
	h := withReady(next, readyHandler(checks, slog.New(slog.DiscardHandler)), hdrs)
	get := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
		return w
	}
	if w := get(); w.Code != 200 || w.Body.String() != `{"status":"ok"}`+"\n" {
		t.Fatalf("before the drain: got %d %q, want 200 ok", w.Code, w.Body.String())
	}
	d.Begin()
	w := get()
	if w.Code != 503 || w.Body.String() != `{"status":"unavailable"}`+"\n" {
		t.Errorf("while draining: got %d %q, want 503 unavailable", w.Code, w.Body.String())
	}
	if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("while draining: security headers missing: %v", w.Header())
	}
	if err := drainingCheck(&d)(context.Background()); !errors.Is(err, errDraining) {
		t.Errorf("drainingCheck while draining: got %v, want errDraining", err)
	}
}
