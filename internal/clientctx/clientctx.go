package clientctx

// Key is the context key of a request's clientip.Info.
type Key struct{}
