// Package respond is the one way every harden layer refuses a request.
//
// A layer that says no (CORS 403, CSRF 403, rate limit 429, body 413/415,
// HTTPS 400, validation 400, auth 401/403, panic 500) describes the refusal
// as a [Rejection] and hands it to [Reject]. Reject answers through the
// [Responder] stored in the request context by [WithResponder] (the harden
// stack installs one), or through [JSON] when none is set.
//
// Defaults: the JSON responder writes {"error":"..."} (validation:
// {"errors":[...]}) with Content-Type application/json, nosniff and
// Cache-Control: no-store. Security headers set by outer layers stay on the
// response because Reject only adds headers.
//
// What it defends against: information leaks in error responses. The
// message a client sees is the layer's fixed Message; the internal cause
// (Rejection.Err) is shown only by a responder configured for development,
// and never for 5xx in production. Messages never reflect request input.
//
// Imports: the standard library and internal/reqctx (the context keys it
// shares with the other layers).
package respond
