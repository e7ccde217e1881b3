// Package clientctx holds the context key under which a request's
// clientip.Info travels: package clientip's resolver stores it and its
// accessors read it; the harden stack's edge stores it in the one context
// it makes per request.
//
// Imports: nothing.
package clientctx
