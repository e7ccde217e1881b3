package frameworks

import (
	"bufio"
	"io"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Gin returns gin middleware that runs the handlers after it inside layer,
// with c.Writer writing through the layers' ResponseWriter: the login
// limiter sees the status a handler sets (c.String(401, ...),
// c.AbortWithStatus(401)), the session's cookie is set before the header
// goes out, and the security log records the status. When layer refuses
// the request (429, 403), the handlers after Gin do not run.
//
// Calling c.Next inside layer with gin's own c.Writer, as a plain wrapper
// does, writes around the layers: a login limiter that counts failures
// sees every attempt succeed and never limits.
//
// A handler that answers a failed login with a 2xx page reports it with
// ratelimit.Failed(c.Request).
func Gin(layer func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		outer := c.Writer
		// gin's writer again once the layers returned, or panicked: a
		// recovery middleware before this one answers through it.
		defer func() { c.Writer = outer }()
		reached := false
		layer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			reached = true
			c.Request = r
			// The status gin holds so far: 200, or the 404 or 405 gin
			// answers an unmatched route with once its middleware
			// returned. Starting at 200 would answer every unknown path
			// with an empty 200.
			gw := &ginWriter{ResponseWriter: outer, w: w, status: outer.Status(), size: -1}
			c.Writer = gw
			c.Next()
			// A status set without a body (c.Status(204)) goes out here,
			// inside the layers, not after them.
			gw.WriteHeaderNow()
		})).ServeHTTP(outer, c.Request)
		if !reached {
			c.Abort()
		}
	}
}

// ginWriter is a gin.ResponseWriter that writes through w, the writer the
// layers handed down, with gin's semantics: the status is held until the
// first write or WriteHeaderNow. CloseNotify and Pusher are the outer
// writer's.
type ginWriter struct {
	gin.ResponseWriter
	w      http.ResponseWriter
	status int
	size   int // -1 until the header is written
}

func (g *ginWriter) Header() http.Header { return g.w.Header() }

func (g *ginWriter) WriteHeader(code int) {
	if code > 0 && !g.Written() {
		g.status = code
	}
}

func (g *ginWriter) WriteHeaderNow() {
	if !g.Written() {
		g.size = 0
		g.w.WriteHeader(g.status)
	}
}

func (g *ginWriter) Write(p []byte) (int, error) {
	g.WriteHeaderNow()
	n, err := g.w.Write(p)
	g.size += n
	return n, err
}

func (g *ginWriter) WriteString(s string) (int, error) {
	g.WriteHeaderNow()
	n, err := io.WriteString(g.w, s)
	g.size += n
	return n, err
}

func (g *ginWriter) Status() int   { return g.status }
func (g *ginWriter) Size() int     { return g.size }
func (g *ginWriter) Written() bool { return g.size != -1 }

func (g *ginWriter) Flush() {
	g.WriteHeaderNow()
	_ = http.NewResponseController(g.w).Flush()
}

func (g *ginWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if g.size < 0 {
		g.size = 0
	}
	return http.NewResponseController(g.w).Hijack()
}

// Unwrap returns the layers' writer, for http.ResponseController.
func (g *ginWriter) Unwrap() http.ResponseWriter { return g.w }
