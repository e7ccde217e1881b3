package frameworks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden"
)

// serveMux routes the app on the standard ServeMux; login is the login
// route's handler.
func serveMux(stack *harden.Stack, login http.HandlerFunc) http.Handler {
	// doc:servemux
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", loginPage)
	mux.HandleFunc("POST /login", login)
	mux.HandleFunc("GET /note", getNote)
	mux.HandleFunc("POST /note", setNote)
	handler := stack.Handler(mux) // headers, session, CSRF and the login limiter around every route
	// doc:end
	return handler
}

func TestServeMux(t *testing.T) {
	t.Run("app", func(t *testing.T) {
		secLog := new(lockedBuffer)
		srv := httptest.NewTLSServer(serveMux(appLayers(t, secLog), login))
		defer srv.Close()
		proveApp(t, srv, secLog)
	})
	t.Run("failure answered 200, reported", func(t *testing.T) {
		srv := httptest.NewTLSServer(serveMux(appLayers(t, io.Discard), loginAgain))
		defer srv.Close()
		proveLimitsReported(t, srv)
	})
	t.Run("failure answered 200, not reported", func(t *testing.T) {
		srv := httptest.NewTLSServer(serveMux(appLayers(t, io.Discard), loginAgainUnreported))
		defer srv.Close()
		proveNeverLimits(t, srv, http.StatusOK)
	})
}
