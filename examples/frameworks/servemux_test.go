package frameworks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// serveMux routes the app on the standard ServeMux; login is the login
// route's handler.
func serveMux(app, loginLimit func(http.Handler) http.Handler, login http.HandlerFunc) http.Handler {
	// doc:servemux
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", loginPage)
	mux.Handle("POST /login", loginLimit(login))
	mux.HandleFunc("GET /note", getNote)
	mux.HandleFunc("POST /note", setNote)
	handler := app(mux) // harden's stack, session and CSRF around every route
	// doc:end
	return handler
}

func TestServeMux(t *testing.T) {
	t.Run("app", func(t *testing.T) {
		secLog := new(lockedBuffer)
		app, limit := appLayers(t, secLog)
		srv := httptest.NewTLSServer(serveMux(app, limit, login))
		defer srv.Close()
		proveApp(t, srv, secLog)
	})
	t.Run("failure answered 200, reported", func(t *testing.T) {
		app, limit := appLayers(t, io.Discard)
		srv := httptest.NewTLSServer(serveMux(app, limit, loginAgain))
		defer srv.Close()
		proveLimitsReported(t, srv)
	})
	t.Run("failure answered 200, not reported", func(t *testing.T) {
		app, limit := appLayers(t, io.Discard)
		srv := httptest.NewTLSServer(serveMux(app, limit, loginAgainUnreported))
		defer srv.Close()
		proveNeverLimits(t, srv, http.StatusOK)
	})
}
