package recovered

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

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
		Event:   secevent.Panic,
		Err:     p,
	})
}
