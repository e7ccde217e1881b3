package frameworks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/harden-go/harden"
)

// chiRouter routes the app with chi, which runs net/http middleware as it
// is; login is the login route's handler.
func chiRouter(stack *harden.Stack, login http.HandlerFunc) http.Handler {
	// doc:chi
	r := chi.NewRouter()
	r.Use(stack.Handler) // headers, session, CSRF and the login limiter around every route
	r.Get("/login", loginPage)
	r.Post("/login", login)
	r.Get("/note", getNote)
	r.Post("/note", setNote)
	// doc:end
	return r
}

func TestChi(t *testing.T) {
	t.Run("app", func(t *testing.T) {
		secLog := new(lockedBuffer)
		srv := httptest.NewTLSServer(chiRouter(appLayers(t, secLog), login))
		defer srv.Close()
		proveApp(t, srv, secLog)
	})
	t.Run("failure answered 200, reported", func(t *testing.T) {
		srv := httptest.NewTLSServer(chiRouter(appLayers(t, io.Discard), loginAgain))
		defer srv.Close()
		proveLimitsReported(t, srv)
	})
	t.Run("failure answered 200, not reported", func(t *testing.T) {
		srv := httptest.NewTLSServer(chiRouter(appLayers(t, io.Discard), loginAgainUnreported))
		defer srv.Close()
		proveNeverLimits(t, srv, http.StatusOK)
	})
}
