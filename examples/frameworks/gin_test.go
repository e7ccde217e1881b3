package frameworks_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/examples/frameworks"
	"github.com/harden-go/harden/session"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// The gin handlers: they write through c.Writer.

func ginLoginPage(c *gin.Context) {
	c.HTML(http.StatusOK, "login", newPageData(c.Request, ""))
}

func ginLogin(c *gin.Context) {
	if c.PostForm("password") != password {
		c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "wrong password"})
		return
	}
	c.String(http.StatusOK, "welcome")
}

func ginGetNote(c *gin.Context) {
	c.String(http.StatusOK, session.From(c.Request).Get("note"))
}

func ginSetNote(c *gin.Context) {
	session.From(c.Request).Set("note", c.PostForm("note"))
	c.Status(http.StatusNoContent)
}

// ginEngine routes the app with gin and the Gin adapter.
func ginEngine(stack *harden.Stack) *gin.Engine {
	// doc:gin
	g := gin.New()
	g.SetHTMLTemplate(page)
	g.Use(frameworks.Gin(stack.Handler)) // headers, session, CSRF and the login limiter around every route
	g.GET("/login", ginLoginPage)
	g.POST("/login", ginLogin)
	g.GET("/note", ginGetNote)
	g.POST("/note", ginSetNote)
	// doc:end
	return g
}

// naiveGin is the wrapper the Gin adapter replaces: gin's handlers run
// inside layer but write through gin's own c.Writer, around the layers.
func naiveGin(layer func(http.Handler) http.Handler) gin.HandlerFunc {
	return func(c *gin.Context) {
		layer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.Request = r
			c.Next()
		})).ServeHTTP(c.Writer, c.Request)
	}
}

func TestGin(t *testing.T) {
	t.Run("app", func(t *testing.T) {
		secLog := new(lockedBuffer)
		srv := httptest.NewTLSServer(ginEngine(appLayers(t, secLog)))
		defer srv.Close()
		proveApp(t, srv, secLog)
	})
	t.Run("plain wrapper", func(t *testing.T) {
		g := gin.New()
		g.SetHTMLTemplate(page)
		g.Use(naiveGin(appLayers(t, io.Discard).Handler))
		g.GET("/login", ginLoginPage)
		g.POST("/login", ginLogin)
		srv := httptest.NewTLSServer(g)
		defer srv.Close()
		proveNeverLimits(t, srv, http.StatusUnauthorized)
	})
}

// TestGinLayerRefuses: when a layer refuses the request, the handlers
// after the adapter do not run.
func TestGinLayerRefuses(t *testing.T) {
	refuse := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "refused", http.StatusTeapot)
		})
	}
	ran := false
	g := gin.New()
	g.GET("/", frameworks.Gin(refuse), func(c *gin.Context) { ran = true; c.String(http.StatusOK, "handler") })
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusTeapot || w.Body.String() != "refused\n" || ran {
		t.Errorf("got %d %q, handler ran: %v; want 418 \"refused\\n\", handler not run", w.Code, w.Body.String(), ran)
	}
}

// TestGinWriter: behind the adapter c.Writer keeps gin's semantics (the
// status is held until the first write, later statuses are ignored) and
// writes through the layer's writer.
func TestGinWriter(t *testing.T) {
	seen := 0 // the status the layer's writer saw
	layer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(&statusSpy{ResponseWriter: w, status: &seen}, r)
		})
	}
	var status, size int
	var written bool
	g := gin.New()
	g.GET("/", frameworks.Gin(layer), func(c *gin.Context) {
		c.Status(http.StatusCreated)
		c.Status(http.StatusAccepted)
		if c.Writer.Written() {
			t.Error("Written before the first write")
		}
		c.Writer.WriteString("ab")
		c.Status(http.StatusInternalServerError) // too late: ignored
		status, size, written = c.Writer.Status(), c.Writer.Size(), c.Writer.Written()
	})
	w := httptest.NewRecorder()
	g.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != http.StatusAccepted || w.Body.String() != "ab" || seen != http.StatusAccepted {
		t.Errorf("response %d %q, the layer saw %d; want 202 \"ab\", 202", w.Code, w.Body.String(), seen)
	}
	if status != http.StatusAccepted || size != 2 || !written {
		t.Errorf("c.Writer: Status %d, Size %d, Written %v; want 202, 2, true", status, size, written)
	}
}

// statusSpy records the status written through it.
type statusSpy struct {
	http.ResponseWriter
	status *int
}

func (s *statusSpy) WriteHeader(code int) {
	*s.status = code
	s.ResponseWriter.WriteHeader(code)
}
