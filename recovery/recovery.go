// Package recovery turns a panic in a handler into a safe 500 response.
//
// What it defends against: information leaks and lost requests. Without it,
// net/http logs the panic to the server's error log and drops the
// connection; a hand-written recover often writes the panic value (a Go
// error text, a file path) to the client. Here the client gets
// {"error":"Internal server error","request_id":"…"} through the shared
// responder (package respond), with the security headers set by outer
// layers still on the response, and the stack goes to the log only, with
// the request id that ties it to the client's report.
//
// How it fails: when the handler had already started the response, the
// status cannot change; the panic is logged and the connection is aborted
// (http.ErrAbortHandler), so the client sees a broken response rather than
// a truncated one that looks complete. http.ErrAbortHandler itself is
// passed through, as net/http expects.
//
// Imports: the standard library and package respond.
package recovery

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"

	"github.com/harden-go/harden/respond"
)

// New returns middleware that recovers panics in next. Panics are logged to
// logger at level Error with event "panic" and the stack; a nil logger means
// slog.Default().
func New(logger *slog.Logger) func(http.Handler) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rw := &writer{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler { //nolint:errorlint // net/http compares the same way
					panic(v)
				}
				logger.LogAttrs(r.Context(), slog.LevelError, "panic recovered",
					slog.String("event", "panic"),
					slog.String("request_id", respond.RequestID(r)),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
				)
				if rw.wrote {
					// Too late for a clean 500: abort so the client cannot
					// mistake a partial body for a complete one.
					panic(http.ErrAbortHandler)
				}
				respond.Reject(w, r, &respond.Rejection{
					Status:  http.StatusInternalServerError,
					Message: "Internal server error",
					Event:   "panic",
					Err:     errPanic,
				})
			}()
			next.ServeHTTP(rw, r)
		})
	}
}

var errPanic = errors.New("handler panicked")

// writer records whether the response has started.
type writer struct {
	http.ResponseWriter
	wrote bool
}

func (w *writer) WriteHeader(code int) {
	if code >= 200 { // 1xx informational responses do not start the response
		w.wrote = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *writer) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// ReadFrom keeps net/http's sendfile path for io.Copy through the wrapper.
func (w *writer) ReadFrom(src io.Reader) (int64, error) {
	w.wrote = true
	return io.Copy(w.ResponseWriter, src)
}

// Unwrap lets http.ResponseController reach the underlying writer (Flush,
// Hijack, deadlines).
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush keeps streaming handlers working through the wrapper.
func (w *writer) Flush() {
	w.wrote = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack passes through to the underlying writer (websockets).
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.wrote = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
