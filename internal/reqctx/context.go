package reqctx

import "context"

// Context is the module's one per-request context value: a request's
// context carrying its responder, its request id and, through Values, the
// per-request records of other layers (the security log's [Record]), in
// one value. respond.WithResponder, [WithRequestID] and
// [NewContext] together cost four allocations (three context values and
// the boxed id); a Context costs one, and none when a stack embeds it in
// the per-request value it allocates anyway and passes a pointer to it to
// Request.WithContext, as the harden stack's edge does.
//
// It is the only context.Context implementation of the module: every other
// layer stores its per-request value with context.WithValue and reads it
// with its own accessor (respond.Reject, respond.RequestID, clientip.Get,
// headers.Nonce, session.From ...). A Context is filled before the request
// is passed on and never changed after.
type Context struct {
	// Context is the parent, which answers every other key.
	context.Context
	// Responder (a respond.Responder) is what respond.Reject answers
	// through; nil leaves the parent's.
	Responder any
	// ID is the request id respond.RequestID returns; "" leaves the
	// parent's.
	ID string
	// Values, when not nil, answers the keys it holds before the parent
	// does, and nil for every other key: a layer's per-request record that
	// lives in the same allocation (the security log's Record in the
	// harden stack), without a context layer of its own.
	Values Valuer
}

// A Valuer answers some of the keys of a request's context: the value it
// holds for key, or nil when it holds none.
type Valuer interface {
	ContextValue(key any) any
}

// Value answers the responder and request-id keys from c, the keys Values
// holds from Values, and every other key from the parent.
func (c *Context) Value(key any) any {
	switch key.(type) {
	case ResponderKey:
		if c.Responder != nil {
			return c.Responder
		}
	case RequestIDKey:
		if c.ID != "" {
			return c // a pointer, so answering does not box the string
		}
	default:
		if c.Values != nil {
			if v := c.Values.ContextValue(key); v != nil {
				return v
			}
		}
	}
	return c.Context.Value(key)
}
