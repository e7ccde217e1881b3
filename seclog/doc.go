// Package seclog records security events — logins, refusals, rate limits,
// CSRF and CORS failures, blocked outbound requests, panics — as one JSON
// object per line on a dedicated sink, on top of [log/slog].
//
// # What it defends against
//
// "You cannot defend what you cannot see": every 401/403/429 and every
// refusal made through [respond] is recorded once, with who (ip, user_id,
// user_agent), what (method, path, status, event) and a request id that the
// client also sees in the response, so a report can be matched to a line.
// The log itself is hardened: keys that name secrets (password, token,
// secret, cookie, authorization, set-cookie, csrf_token, api_key, ...) are
// masked at any depth of the details, string values are length-capped, and
// nothing a client sends can break a line or forge another event (JSON
// escapes CR, LF, NUL, U+2028/9 and replaces invalid UTF-8). The query
// string is never logged, only the path, because queries carry tokens.
//
// # Schema
//
// Every event is one line with these keys, always in this order:
//
//	time        RFC 3339, UTC
//	level       INFO for successes, WARN for refusals, ERROR for panics
//	event       the event's name (see Events)
//	success     true for login_success, logout, session_regenerated
//	ip          the client address from clientip ("" without a request)
//	user_agent  the User-Agent header, capped
//	user_id     the authenticated user, when known
//	method      the request method
//	path        the URL path (never the query)
//	status      the response status (0 when none)
//	request_id  the request id (see [RequestID])
//	service     Config.Service
//	details     an object with event-specific fields, redacted ({} if none)
//
// # Events
//
// The event names are part of the log format. An application records the
// first six itself (the Event* constants); harden's layers record the rest.
//
//	login_success        a user signed in (EventLoginSuccess)
//	login_failed         a sign-in was refused (EventLoginFailed)
//	logout               a user signed out (EventLogout)
//	session_regenerated  a session got a new id (EventSessionRegenerated)
//	access_denied        a 401 or 403 that no more specific event describes
//	                     (EventAccessDenied; also the authz layer)
//	ssrf_blocked         an outbound request the ssrf package refused
//	                     (EventSSRFBlocked)
//	rate_limited         a request over its quota (429)
//	csrf_failure         a missing or invalid CSRF token, or a cross-origin
//	                     unsafe request
//	cors_rejected        a refused CORS preflight (403)
//	host_rejected        a Host header not allowed (421)
//	validation_failed    a malformed request: 400, 411, 413, 414, 415, 422,
//	                     431
//	request_rejected     any other 4xx refusal (404 of a dotfile, 405, ...)
//	server_error         a 5xx refusal that is not a panic
//	panic                a handler panicked (level ERROR)
//	config_warning       a start-up warning, or a failed reopen of the log
//	store_recovered      a dependency whose failures were refused quietly
//	                     works again; details name the outage's event and
//	                     the refusals suppressed
//
// Layers also record names of their own (session_store_error,
// rate_limit_unavailable, body_too_large, csp_violation, ...), and so may
// an application.
//
// # Wiring and the once-only rule
//
// Three pieces record refusals, and together they log every refusal exactly
// once:
//
//   - [Responder] wraps the stack's [respond.Responder]. Every
//     [respond.Rejection] is logged with its Event (derived from the status
//     when empty: 401/403 access_denied, 429 rate_limited,
//     400/411/413/414/415/422/431 validation_failed, other 4xx
//     request_rejected, 5xx server_error) and its internal cause before the
//     response is written. The stack installs it once, outermost, so the
//     refusals of every layer (recovery included) pass through it.
//   - [Logger.Handler] wraps the ResponseWriter (without buffering the
//     body; Flush, Hijack, Push, ReadFrom and Unwrap work as on the wrapped
//     writer) and, after the handler returns,
//     records a 401, 403 or 429 that was written WITHOUT going through the
//     Responder (a plain http.Error, a third-party handler).
//   - The two share a per-request record in the context: the Responder marks
//     the request as logged, and the Handler then stays silent. If the
//     context holds no seclog Responder, the Handler installs one around
//     the responder it finds, so the Handler alone is enough.
//
// A Responder wrapped twice around the same Logger does not log twice
// (Responder returns an existing wrapper unchanged).
//
// A panic is logged once as well: the recovery layer answers with a
// Rejection{Status: 500, Event: "panic", Err: err}; when err (or an error
// it wraps) implements [log/slog.LogValuer], its LogValue — the panic value
// and the stack — becomes details.error. The recovery layer itself writes
// nothing to the log.
//
// # Sink
//
// [Config.Path] names a file opened in append mode (mode 0600); empty means
// stderr. [Logger.Reopen] reopens the file after logrotate renamed it, and
// [Logger.ReopenOnSignal] does so on every SIGHUP. A write error never fails
// a request: the event is dropped, and a Config.Observer that implements
// [WriteErrorObserver] is told (metrics count the loss).
//
// Imports: the standard library, respond, clientip, internal/statuswriter
// (the module's ResponseWriter wrapper), internal/requestid and
// internal/reqctx (where the per-request record lives) and
// internal/secevent (the names of the layers' events).
package seclog
