package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOuterMuxMirror: the routes' patterns registered on the outer mux
// change no answer. The reference is the outer mux with only its own
// routes and the catch-all to the routes; status, Location, Allow,
// Content-Type and body are compared for clean and unclean paths, the
// health check, the static tree and its redirect, and every method.
func TestOuterMuxMirror(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	ref := http.NewServeMux()
	ref.Handle("GET /static/", a.mux) // answered by the outer mux's own routes
	ref.Handle("GET "+healthPath, a.mux)
	ref.Handle("/", a.routes)
	viaRef := a.stack.Handler(ref)
	paths := []string{
		"/", "/api/me", "/api/me/", "/api/contact", "/api/csrf-token", "/api/csrf-token/", "/admin", "/admin/",
		"/nope", "/a/b/c", "/healthz", "/healthz/", "/static", "/static/", "/static/app.js", "/staticx",
		"//api/me", "/api//me", "/api/./me", "/api/../static/app.js", "/static/../api/me", "/a/b/../c",
		"/.", "/..", "/api/me/.", "/api/me/..", "/%2e%2e/x", "/api%2Fme", "/a%20b", "/api/me?x=1",
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}
	for _, p := range paths {
		for _, m := range methods {
			r1 := httptest.NewRequest(m, "http://localhost:3000"+p, nil)
			r1.Header.Set("X-Request-ID", testID)
			r2 := r1.Clone(r1.Context())
			got, want := httptest.NewRecorder(), httptest.NewRecorder()
			a.Handler().ServeHTTP(got, r1)
			viaRef.ServeHTTP(want, r2)
			if got.Code != want.Code {
				t.Errorf("%s %s: status %d, want %d", m, p, got.Code, want.Code)
				continue
			}
			for _, k := range []string{"Location", "Allow", "Content-Type"} {
				if g, w := got.Header().Get(k), want.Header().Get(k); g != w {
					t.Errorf("%s %s: %s %q, want %q", m, p, k, g, w)
				}
			}
			// The token and the page carry fresh random values.
			random := strings.HasPrefix(p, "/api/csrf-token") && got.Code == http.StatusOK ||
				strings.HasPrefix(got.Header().Get("Content-Type"), "text/html") && got.Code == http.StatusOK
			if g, w := got.Body.String(), want.Body.String(); !random && g != w {
				t.Errorf("%s %s: body %q, want %q", m, p, g, w)
			}
		}
	}
}
