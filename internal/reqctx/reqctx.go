package reqctx

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
)

// ResponderKey is the context key of a request's responder (a
// respond.Responder), which respond.WithResponder sets and respond.Reject
// and the security log's middleware read.
type ResponderKey struct{}

// RequestIDKey is the context key of a request's id: a string set by
// [WithRequestID], or a *[Context] carrying it in its ID.
type RequestIDKey struct{}

// recordKey is the context key of a request's *Record.
type recordKey struct{}

// WithRequestID returns a copy of parent carrying the request id id, which
// respond.JSON adds to every refusal as "request_id".
func WithRequestID(parent context.Context, id string) context.Context {
	return context.WithValue(parent, RequestIDKey{}, id)
}

// A Recorder is a responder that also records what answers no request: a
// dependency working again after an outage whose refusals were Quiet. The
// security log's responders are Recorders.
type Recorder interface {
	// Recovered records that the dependency whose failures were refused
	// with event works again; suppressed is the number of quiet refusals
	// since the last record of event.
	Recovered(r *http.Request, event string, suppressed int64)
}

// Recovered tells the responder in r's context, if it is a [Recorder],
// that the dependency refused with event works again (see
// [Recorder.Recovered]). Other responders ignore it.
func Recovered(r *http.Request, event string, suppressed int64) {
	if rec, ok := r.Context().Value(ResponderKey{}).(Recorder); ok {
		rec.Recovered(r, event, suppressed)
	}
}

// A Sink is the security log a [Record] reports to.
type Sink interface {
	// LogStatus logs a 401, 403 or 429 answered to r that no responder
	// logged.
	LogStatus(r *http.Request, status int)
}

// SinkOf returns the security log behind a responder of the security log
// (one that has a Sink method), or nil.
func SinkOf(responder any) Sink {
	if o, ok := responder.(interface{ Sink() Sink }); ok {
		return o.Sink()
	}
	return nil
}

// Record is what the security log keeps about one request: whether a
// refusal of it was logged, its user and the route it matched. The
// security log's middleware, its responders and the inner layers share
// it through the request's context; a stack that wraps the
// ResponseWriter itself embeds one in its own per-request value and
// reports the status with [Record.Done], which saves the middleware's
// wrapper and request copy. The zero Record is ready; it must not be
// copied once in use.
type Record struct {
	sink   Sink        // nil until attached
	logged atomic.Bool // a refusal of this request has been logged
	mu     sync.Mutex
	userID string
	route  string
}

// Attach makes t the record of one request for the security log s. With a
// nil s it does nothing.
func (t *Record) Attach(s Sink) {
	if s != nil {
		t.sink = s
	}
}

// Sink returns the security log t is attached to, or nil.
func (t *Record) Sink() Sink { return t.sink }

// MarkLogged reports whether no refusal of the request was logged yet,
// and marks one as logged.
func (t *Record) MarkLogged() bool { return t.logged.CompareAndSwap(false, true) }

// UserID returns the user recorded by [SetUserID].
func (t *Record) UserID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.userID
}

// ContextValue is what a context carrying t answers for key: t, for the
// key under which [From] looks it up once t is attached, and nil for every
// other key (which the context's parent answers).
func (t *Record) ContextValue(key any) any {
	if _, ok := key.(recordKey); ok && t.sink != nil {
		return t
	}
	return nil
}

// Done logs a 401, 403 or 429 status answered to r — the request whose
// context carries t — unless a refusal of r was already logged (through a
// responder of the security log). Call it once the handler has returned.
func (t *Record) Done(r *http.Request, status int) {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests:
		if t.sink != nil && t.MarkLogged() {
			t.sink.LogStatus(r, status)
		}
	}
}

// NewContext returns a copy of ctx carrying t.
func NewContext(ctx context.Context, t *Record) context.Context {
	return context.WithValue(ctx, recordKey{}, t)
}

// From returns the Record in ctx, or nil.
func From(ctx context.Context) *Record {
	t, _ := ctx.Value(recordKey{}).(*Record)
	return t
}

// SetUserID records the authenticated user of the request whose context
// is ctx. It does nothing when ctx carries no Record.
func SetUserID(ctx context.Context, id string) {
	if t := From(ctx); t != nil {
		t.mu.Lock()
		t.userID = id
		t.mu.Unlock()
	}
}

// SetRoute records the route pattern that the request whose context is
// ctx matched, for the observers that see the request afterwards from
// outside the router (metrics' labels): the mux sets r.Pattern on its own
// request, which the outer layers never see. metrics.Routes and the proxy
// call it. It does nothing when ctx carries no Record (the request passed
// neither the security log's middleware nor the harden stack).
func SetRoute(ctx context.Context, pattern string) {
	if t := From(ctx); t != nil {
		t.mu.Lock()
		t.route = pattern
		t.mu.Unlock()
	}
}

// Route returns the pattern recorded by [SetRoute] for the request whose
// context is ctx, or "" (read by metrics).
func Route(ctx context.Context) string {
	t := From(ctx)
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.route
}
