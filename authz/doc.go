// Package authz guards routes: [Guard.RequireAuth] lets only signed-in
// users through, [Guard.RequireRole] only users holding one of some roles.
//
//	guard, err := authz.New(authz.Config{})
//	mux.Handle("GET /api/me", guard.RequireAuth(meHandler))
//	mux.Handle("GET /admin", guard.RequireRole("admin")(adminHandler))
//
// # What it defends against
//
// Broken access control (OWASP A01): a route that forgets its check. The
// checks are middleware, applied where the route is registered, and they
// fail closed.
//
// # Where identities and roles come from
//
// The signed-in user is the session's user (session.Login). Roles come,
// by default, from the session value "roles" (space-separated), which
// the application sets at login with [SetRoles] and reads with [Roles]. Roles stored in the
// session are a snapshot: after changing a user's roles, end their
// sessions (session.Manager.DestroyUser) so they sign in again, or
// configure [Config].Roles to read them from the user table on each
// request.
//
// # How it fails
//
// Every refusal answers through the shared responder (package respond):
//   - 401 {"error":"Authentication required"}, event "access_denied",
//     when the request has no signed-in session — no cookie, a tampered,
//     unknown or expired one (the session layer turns those into "no
//     session", so they get 401, never 500);
//   - 403 {"error":"Forbidden"}, event "access_denied", for a signed-in
//     user without the role;
//   - 503 {"error":"Service unavailable"}, event "authz_error", when
//     Config.Roles fails (the error goes to Config.Logger);
//   - 500 {"error":"Internal server error"}, event "authz_misconfigured",
//     when the route is not behind the session middleware: a wiring
//     mistake, refused rather than let through.
//
// Imports: the standard library and harden's session and respond.
package authz
