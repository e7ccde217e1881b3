package frameworks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
)

// chiRouter routes the app with chi, which runs net/http middleware as it
// is; login is the login route's handler.
func chiRouter(app, loginLimit func(http.Handler) http.Handler, login http.HandlerFunc) http.Handler {
	// doc:chi
	r := chi.NewRouter()
	r.Use(app) // harden's stack, session and CSRF around every route
	r.Get("/login", loginPage)
	r.With(loginLimit).Post("/login", login)
	r.Get("/note", getNote)
	r.Post("/note", setNote)
	// doc:end
	return r
}

func TestChi(t *testing.T) {
	t.Run("app", func(t *testing.T) {
		secLog := new(lockedBuffer)
		app, limit := appLayers(t, secLog)
		srv := httptest.NewTLSServer(chiRouter(app, limit, login))
		defer srv.Close()
		proveApp(t, srv, secLog)
	})
	t.Run("failure answered 200, reported", func(t *testing.T) {
		app, limit := appLayers(t, io.Discard)
		srv := httptest.NewTLSServer(chiRouter(app, limit, loginAgain))
		defer srv.Close()
		proveLimitsReported(t, srv)
	})
	t.Run("failure answered 200, not reported", func(t *testing.T) {
		app, limit := appLayers(t, io.Discard)
		srv := httptest.NewTLSServer(chiRouter(app, limit, loginAgainUnreported))
		defer srv.Close()
		proveNeverLimits(t, srv, http.StatusOK)
	})
}
