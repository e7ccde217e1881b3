// Package recovered describes a handler panic once recovered and answers it
// with a safe 500. Package recovery's middleware and the harden stack's
// edge both use it, so a panic looks the same to responders and logs
// whichever layer caught it.
//
// The internal cause of the 500 (Rejection.Err) is a [*Panic]: its Error
// text is fixed ("handler panicked"), so no responder can show the value,
// and it is a [log/slog.LogValuer] whose value carries the panic value and
// the stack, so a responder that logs rejections (seclog.Responder)
// records both.
//
// Imports: the standard library and harden's respond.
package recovered

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/harden-go/harden/respond"
)

// Event is the security-log event of a recovered panic.
const Event = "panic"

// Message is the client-visible text of the 500.
const Message = "Internal server error"

// Panic is a recovered panic: the internal cause (Rejection.Err) of the 500
// that answers it.
type Panic struct {
	// Value is what the handler passed to panic.
	Value any
	// Stack is the panicking goroutine's stack (runtime/debug.Stack).
	Stack []byte
}

// New captures v and the current stack. Call it from the deferred function
// that recovered v, where the stack still shows the frames that panicked.
func New(v any) *Panic {
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
		Message: Message,
		Event:   Event,
		Err:     p,
	})
}
