// Package recovery turns a panic in a handler into a safe 500 response.
//
// What it defends against: information leaks and lost requests. Without it,
// net/http logs the panic to the server's error log and drops the
// connection; a hand-written recover often writes the panic value (a Go
// error text, a file path) to the client. Here the client gets
// {"error":"Internal server error","request_id":"…"} through the shared
// responder (package respond), with the security headers set by outer
// layers still on the response, and the panic value and stack go to the log
// only, with the request id that ties them to the client's report.
//
// [New] is the middleware: it logs every panic to a slog.Logger and
// answers the 500. The internal cause of that 500 (Rejection.Err) is an
// error whose text is fixed ("handler panicked"), so no responder can show
// the value; it unwraps to the panic value when that is an error, and it
// is a [log/slog.LogValuer] whose value carries the panic value and the
// stack. The harden stack recovers panics at its edge the same way, and
// there each panic is logged once, by the security log.
//
// How it fails: when the handler had already started the response, the
// status cannot change; the panic is logged and the connection is aborted
// (http.ErrAbortHandler), so the client sees a broken response rather than
// a truncated one that looks complete. http.ErrAbortHandler itself is
// passed through, as net/http expects.
//
// Imports: the standard library, package respond, the module's
// ResponseWriter wrapper (internal/statuswriter) and its recovered-panic
// error (internal/recovered).
package recovery

import (
	"log/slog"
	"net/http"

	"github.com/harden-go/harden/internal/recovered"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/internal/statuswriter"
	"github.com/harden-go/harden/respond"
)

// New returns middleware that recovers panics in next. Each panic is logged
// to logger at level Error with event "panic", the request id, the value
// and the stack (a nil logger means slog.Default()), then answered with a
// 500 {"error":"Internal server error"} (plus the request id) through the
// responder, event "panic"; if the response had started, the connection
// is aborted instead.
//
// New logs every panic itself. Behind a responder that also logs
// rejections, the answered ones are recorded by both; the harden stack,
// whose responder does, recovers panics itself and logs each once.
func New(logger *slog.Logger) func(http.Handler) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Whether the response has started decides between a 500 and
			// an abort. An outer layer's writer on which nothing was
			// written yet tells it as well as a new one would.
			rw, reused := statuswriter.Lookup(w)
			inner := w
			if !reused {
				rw = new(statuswriter.Writer)
				rw.Reset(w, nil)
				inner = rw.ResponseWriter()
			}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler { //nolint:errorlint // net/http compares the same way
					panic(v)
				}
				p := recovered.New(v)
				logger.LogAttrs(r.Context(), slog.LevelError, "panic recovered",
					slog.String("event", secevent.Panic),
					slog.String("request_id", respond.RequestID(r)),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
					slog.Bool("aborted", rw.Started()),
					slog.Any("error", p),
				)
				if rw.Started() {
					// Too late for a clean 500: abort so the client cannot
					// mistake a partial body for a complete one.
					panic(http.ErrAbortHandler)
				}
				recovered.Respond(w, r, p)
			}()
			next.ServeHTTP(inner, r)
		})
	}
}
