package ratelimit

import (
	"context"
	"net/http"
	"sync/atomic"

	"github.com/harden-go/harden/internal/statuswriter"
)

// Outcomes a handler reports with [Failed] and [Succeeded].
const (
	outcomeUnset int32 = iota
	outcomeSucceeded
	outcomeFailed
)

// outcomeKey is the context key under which a counting limiter finds its
// *outcomeContext.
type outcomeKey struct{}

// outcomeContext is the context of a request that a limiter counts by its
// outcome (SkipSuccessfulRequests or SkipFailedRequests). It carries the
// outcome reported by [Failed] or [Succeeded] and the status recorder, in
// one allocation.
type outcomeContext struct {
	context.Context
	outcome atomic.Int32
	// parent is the enclosing counting limiter's context, if any: a
	// report reaches every limiter the request passed through.
	parent *outcomeContext
	sw     statuswriter.Writer
}

// Value implements context.Context.
func (c *outcomeContext) Value(key any) any {
	if key == (outcomeKey{}) {
		return c
	}
	return c.Context.Value(key)
}

func outcomeFrom(ctx context.Context) *outcomeContext {
	c, _ := ctx.Value(outcomeKey{}).(*outcomeContext)
	return c
}

// Failed reports that the request r failed, whatever status its response
// has or will have: every limiter with SkipSuccessfulRequests or
// SkipFailedRequests that r passed through counts it as failed instead of
// deciding from the status written through its ResponseWriter.
//
// Call it from the handler, or from a framework's middleware, when the
// framework answers through a writer of its own or writes the error
// response after the handler returned (an echo handler returning
// echo.ErrUnauthorized, a gin handler writing through c.Writer): the
// status the limiter sees is then not the client's, and a login limiter
// that only counts failures would never limit.
//
// A failure, once reported, stands: a later [Succeeded] does not undo
// it. The report counts when it is made before the limiter's handler
// returns, before or after the response is written; later, and without
// a counting limiter, Failed does nothing. It is safe for concurrent use
// and does not allocate.
func Failed(r *http.Request) {
	for c := outcomeFrom(r.Context()); c != nil; c = c.parent {
		c.outcome.Store(outcomeFailed)
	}
}

// Succeeded reports that the request r succeeded, whatever status its
// response has or will have, unless [Failed] was called for it: see
// Failed.
func Succeeded(r *http.Request) {
	for c := outcomeFrom(r.Context()); c != nil; c = c.parent {
		c.outcome.CompareAndSwap(outcomeUnset, outcomeSucceeded)
	}
}
