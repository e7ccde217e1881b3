// Package frameworks adapts harden's layers to web frameworks that do not
// run plain net/http middleware as it is: echo and gin. chi and the
// standard ServeMux need no adapter (see the tests and docs/frameworks.md).
//
// What it defends against: a framework that writes the response through a
// writer of its own, or after the middleware returned, hides the status
// from harden's layers. The login limiter, which counts only failed
// attempts, then sees every attempt succeed and never limits (credential
// stuffing goes unchecked), the session's cookie is set too late, and the
// security log records no 401. Each adapter runs the framework's handlers
// inside the layers and sends their response through the layers' writer,
// and reports failed authentication with ratelimit.Failed where the
// framework decides it by an error rather than by a write.
//
// Defaults: none; an adapter takes any func(http.Handler) http.Handler,
// usually harden's Stack.Handler with the app layer on (Keys, Session,
// Login), which holds the session, CSRF and the login limiter, so one
// adapter around every route is the whole setup.
//
// How it fails: a layer that refuses a request (429, 403) answers it
// itself and the framework's handlers after the adapter do not run.
//
// This is a nested module: the frameworks stay out of harden's own
// dependency graph. It may import harden's packages, the standard library
// and the frameworks it adapts.
package frameworks
