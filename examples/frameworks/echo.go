package frameworks

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/harden-go/harden/ratelimit"
)

// Echo returns echo middleware that runs the handlers after it inside
// layer, as echo.WrapMiddleware does, with two differences that matter for
// security:
//
//   - an error a handler returns is answered by the Echo's
//     HTTPErrorHandler inside layer, so the layers see the real status:
//     the security log records the 401, the session cookie goes out with
//     the response;
//   - an error whose status is 401 or 403 (echo.ErrUnauthorized,
//     echo.ErrForbidden, an *echo.HTTPError) is reported with
//     ratelimit.Failed, so a login limiter counts the failed attempt even
//     when the error handler renders it with another status (a login page
//     answered with 200).
//
// With echo.WrapMiddleware the error is written after layer returned: a
// login limiter that counts failures never sees one and never limits.
func Echo(layer func(http.Handler) http.Handler) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			outer := c.Response()
			// Every write goes through outer, which wraps the connection:
			// once the layers returned (or panicked), its status and size
			// are the response's.
			defer c.SetResponse(outer)
			req := c.Request()
			req.Pattern = c.Path()
			for _, p := range c.PathValues() {
				req.SetPathValue(p.Name, p.Value)
			}
			layer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.SetRequest(r)
				c.SetResponse(echo.NewResponse(w, c.Logger()))
				if err := next(c); err != nil {
					if failedAuth(err) {
						ratelimit.Failed(r)
					}
					c.Echo().HTTPErrorHandler(c, err)
				}
			})).ServeHTTP(outer, req)
			return nil
		}
	}
}

// failedAuth reports whether err is echo's answer to failed
// authentication or authorization.
func failedAuth(err error) bool {
	s := echo.StatusCode(err)
	return s == http.StatusUnauthorized || s == http.StatusForbidden
}
