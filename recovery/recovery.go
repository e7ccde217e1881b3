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
// The internal cause of that 500 (Rejection.Err) is a [*Panic]: its Error
// text is fixed ("handler panicked"), so no responder can show the value,
// and it is a [log/slog.LogValuer] whose value carries the panic value and
// the stack, so a responder that logs rejections (seclog.Responder) records
// both without any help from this package.
//
// Two ways to use it:
//
//   - [New] is the middleware for use on its own: it logs every panic to a
//     slog.Logger and answers the 500.
//   - A layer that already tracks whether the response has started and
//     whose responder logs rejections — the harden stack, which shares one
//     ResponseWriter wrapper between recovery and denial logging — uses
//     [NewPanic] and [Respond] in its own deferred function, so each panic
//     is logged exactly once, by the security log.
//
// How it fails: when the handler had already started the response, the
// status cannot change; the panic is logged and the connection is aborted
// (http.ErrAbortHandler), so the client sees a broken response rather than
// a truncated one that looks complete. http.ErrAbortHandler itself is
// passed through, as net/http expects.
//
// Imports: the standard library, package respond and the module's
// ResponseWriter wrapper (internal/statuswriter).
package recovery

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/harden-go/harden/internal/statuswriter"
	"github.com/harden-go/harden/respond"
)

// panicEvent is the security-log event of a recovered panic.
const panicEvent = "panic"

// panicMessage is the client-visible text of the 500.
const panicMessage = "Internal server error"

// Panic is a recovered panic: the internal cause (Rejection.Err) of the 500
// that answers it.
type Panic struct {
	// Value is what the handler passed to panic.
	Value any
	// Stack is the panicking goroutine's stack (runtime/debug.Stack).
	Stack []byte
}

// NewPanic captures v and the current stack. Call it from the deferred
// function that recovered v, where the stack still shows the frames that
// panicked.
func NewPanic(v any) *Panic {
	return &Panic{Value: v, Stack: debug.Stack()}
}

// Error returns a fixed text, never the panic value: whatever prints the
// error (a development responder, an error page) cannot leak it.
func (p *Panic) Error() string { return "handler panicked" }

// Unwrap returns the panic value when it is an error, for errors.Is and
// errors.As.
func (p *Panic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// LogValue implements [slog.LogValuer]: a group of the panic value (as
// fmt.Sprint prints it) and the stack.
func (p *Panic) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("panic", fmt.Sprint(p.Value)),
		slog.String("stack", string(p.Stack)),
	)
}

// Respond answers r with the 500 of the recovered panic p through the
// responder in r's context: {"error":"Internal server error"} (plus the
// request id), event "panic", Err p.
func Respond(w http.ResponseWriter, r *http.Request, p *Panic) {
	respond.Reject(w, r, &respond.Rejection{
		Status:  http.StatusInternalServerError,
		Message: panicMessage,
		Event:   panicEvent,
		Err:     p,
	})
}

// New returns middleware that recovers panics in next. Each panic is logged
// to logger at level Error with event "panic", the request id, the value
// and the stack (a nil logger means slog.Default()), then answered with
// [Respond]; if the response had started, the connection is aborted
// instead.
//
// New logs every panic itself. Behind a responder that also logs
// rejections, the answered ones are recorded by both; a stack with such a
// responder uses [NewPanic] and [Respond] directly (see the package
// documentation).
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
				p := NewPanic(v)
				logger.LogAttrs(r.Context(), slog.LevelError, "panic recovered",
					slog.String("event", panicEvent),
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
				Respond(w, r, p)
			}()
			next.ServeHTTP(inner, r)
		})
	}
}
