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
