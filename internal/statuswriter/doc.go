// Package statuswriter holds the one http.ResponseWriter wrapper of the
// module: every layer that must observe the response it lets through — the
// stack's edge (recovery and denial logging), ratelimit's refunds,
// seclog's denial middleware, recovery's middleware and session's cookie —
// wraps the writer with a [Writer].
//
// What it defends against: wrappers that disagree. A layer that treats an
// Early Hints 103 as the answer logs or refunds the wrong status; one that
// treats a 101 as interim fires its hook into a taken-over connection; one
// that drops Hijack breaks WebSocket upgrades behind it; one that claims
// Flush or Push on a writer without them makes a handler's feature test
// lie. Here the rules are written once:
//
//   - The status is the first final one: 1xx informational statuses (100,
//     102, 103) are sent through and may be followed by another, as net/http
//     allows; 101 Switching Protocols is final (the connection is taken
//     over). A Write, WriteString, ReadFrom or Flush before any WriteHeader
//     is an implicit 200, as in net/http. A later WriteHeader is passed
//     through (net/http reports it as superfluous) and changes nothing.
//   - A hijacked connection is recorded as hijacked ([Writer.Hijacked]); what
//     the handler writes on it is not seen.
//   - The wrapper has Flush (and FlushError) and Hijack exactly when
//     http.NewResponseController could reach them in the wrapped writer —
//     on it, or down its Unwrap chain — and Push and ReadFrom exactly when
//     the wrapped writer itself has them (those two are not reached through
//     Unwrap, and ReadFrom below another wrapper would bypass it). Unwrap
//     is always there, so http.ResponseController reaches deadlines and
//     full-duplex mode; WriteString is always there, since io.WriteString
//     falls back to Write anyway. The deprecated http.CloseNotifier is not
//     forwarded: use the request's context.
//
// Defaults: no hook; the zero Writer is not usable, [Writer.Reset] readies
// it. A Writer is embedded by value in a layer's per-request value, and
// [Writer.ResponseWriter] returns the view to hand to the next handler
// without a further allocation (every view is a one-pointer struct).
//
// A layer that only observes the status may use [Lookup] to reuse a Writer
// an outer layer already installed, when no response has started on it,
// instead of nesting one more wrapper.
//
// How it fails: a [HeaderHook] that returns an error has answered the
// request itself (a 503, say); the handler's header is then dropped and
// its later writes return that error, so no half of the handler's response
// follows the replacement.
//
// Imports: the standard library only.
package statuswriter
