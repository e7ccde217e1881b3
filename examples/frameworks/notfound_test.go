package frameworks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/harden-go/harden/examples/frameworks"
)

// TestUnmatchedRoute: behind the stack, each framework still answers a
// path it has no route for with its own 404, carrying the stack's
// headers.
func TestUnmatchedRoute(t *testing.T) {
	tests := []struct {
		name    string
		handler func(t *testing.T) http.Handler
		body    string
	}{
		{"ServeMux", func(t *testing.T) http.Handler { return serveMux(appLayers(t, io.Discard), login) }, "404 page not found\n"},
		{"chi", func(t *testing.T) http.Handler { return chiRouter(appLayers(t, io.Discard), login) }, "404 page not found\n"},
		{"echo", func(t *testing.T) http.Handler { return echoServer(appLayers(t, io.Discard)) }, "{\"message\":\"Not Found\"}\n"},
		{"gin", func(t *testing.T) http.Handler { return ginEngine(appLayers(t, io.Discard)) }, "404 page not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			tt.handler(t).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "https://127.0.0.1/nowhere", nil))
			if w.Code != http.StatusNotFound || w.Body.String() != tt.body {
				t.Errorf("GET /nowhere: got %d %q, want 404 %q", w.Code, w.Body.String(), tt.body)
			}
			if w.Header().Get("Content-Security-Policy") == "" {
				t.Error("GET /nowhere: no Content-Security-Policy header")
			}
		})
	}
}

// TestGinNoMethod: with HandleMethodNotAllowed, gin's 405 for a route
// that exists for another method goes out through the adapter as 405.
func TestGinNoMethod(t *testing.T) {
	seen := 0 // the status the layer's writer saw
	layer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&statusSpy{ResponseWriter: w, status: &seen}, r)
		})
	}
	g := gin.New()
	g.HandleMethodNotAllowed = true
	g.Use(frameworks.Gin(layer))
	g.GET("/", func(c *gin.Context) { c.String(http.StatusOK, "handler") })
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodDelete, "/", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Body.String() != "405 method not allowed" || seen != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /: got %d %q, the layer saw %d; want 405 \"405 method not allowed\", 405", w.Code, w.Body.String(), seen)
	}
}
