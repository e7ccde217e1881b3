// Package reqctx is what harden's layers pass each other in a request's
// context without a public accessor: the request id, the responder's
// outage records, the security log's per-request [Record], and [Context],
// the one per-request context value of the harden stack's edge.
//
// Layers read these through their own packages' functions (respond.Reject,
// respond.RequestID, seclog.SetUserID); this package holds the keys and
// the types that several of them, and the stack, share.
//
// Imports: the standard library only.
package reqctx
