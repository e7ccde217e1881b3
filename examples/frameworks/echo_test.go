package frameworks_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/examples/frameworks"
	"github.com/harden-go/harden/session"
)

// The echo handlers: a failed login returns echo.ErrUnauthorized, which
// echo's error handler answers.

func echoLoginPage(c *echo.Context) error {
	c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
	return page.Execute(c.Response(), newPageData(c.Request(), ""))
}

func echoLogin(c *echo.Context) error {
	if c.FormValue("password") != password {
		return echo.ErrUnauthorized
	}
	return c.String(http.StatusOK, "welcome")
}

func echoGetNote(c *echo.Context) error {
	return c.String(http.StatusOK, session.From(c.Request()).Get("note"))
}

func echoSetNote(c *echo.Context) error {
	session.From(c.Request()).Set("note", c.FormValue("note"))
	return c.NoContent(http.StatusNoContent)
}

// echoServer routes the app with echo and the Echo adapter.
func echoServer(stack *harden.Stack) *echo.Echo {
	// doc:echo
	e := echo.New()
	e.Use(frameworks.Echo(stack.Handler)) // headers, session, CSRF and the login limiter around every route
	e.GET("/login", echoLoginPage)
	e.POST("/login", echoLogin)
	e.GET("/note", echoGetNote)
	e.POST("/note", echoSetNote)
	// doc:end
	return e
}

func TestEcho(t *testing.T) {
	t.Run("app", func(t *testing.T) {
		secLog := new(lockedBuffer)
		srv := httptest.NewTLSServer(echoServer(appLayers(t, secLog)))
		defer srv.Close()
		proveApp(t, srv, secLog)
	})
	// An error handler that answers a failed login with the login page
	// and 200: the adapter's report still counts it.
	t.Run("unauthorized rendered 200", func(t *testing.T) {
		e := echoServer(appLayers(t, io.Discard))
		e.HTTPErrorHandler = func(c *echo.Context, err error) {
			if !errors.Is(err, echo.ErrUnauthorized) {
				echo.DefaultHTTPErrorHandler(false)(c, err)
				return
			}
			c.Response().Header().Set("Content-Type", "text/html; charset=utf-8")
			c.Response().WriteHeader(http.StatusOK)
			_ = page.Execute(c.Response(), newPageData(c.Request(), "Wrong password."))
		}
		srv := httptest.NewTLSServer(e)
		defer srv.Close()
		proveLimitsReported(t, srv)
	})
	// echo.WrapMiddleware in place of the adapter: the error is written
	// after the layers returned, and the login limiter never limits.
	t.Run("echo.WrapMiddleware", func(t *testing.T) {
		e := echo.New()
		e.Use(echo.WrapMiddleware(appLayers(t, io.Discard).Handler))
		e.GET("/login", echoLoginPage)
		e.POST("/login", echoLogin)
		srv := httptest.NewTLSServer(e)
		defer srv.Close()
		proveNeverLimits(t, srv, http.StatusUnauthorized)
	})
}

// TestEchoLayerRefuses: when a layer refuses the request, the handler does
// not run and echo writes nothing more.
func TestEchoLayerRefuses(t *testing.T) {
	refuse := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "refused", http.StatusTeapot)
		})
	}
	ran := false
	e := echo.New()
	e.GET("/", func(c *echo.Context) error { ran = true; return echo.ErrUnauthorized }, frameworks.Echo(refuse))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	body, _ := io.ReadAll(w.Body)
	if w.Code != http.StatusTeapot || string(body) != "refused\n" || ran {
		t.Errorf("got %d %q, handler ran: %v; want 418 \"refused\\n\", handler not run", w.Code, body, ran)
	}
}
