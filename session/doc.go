// Package session provides server-side sessions that are hard to steal, fix
// or forge, as net/http middleware.
//
//	m, err := session.New(session.Config{Keys: ring, Store: store})
//	handler := m.Handler(mux)
//
//	// in a handler
//	s := session.From(r)
//	s.Set("cart", "3 items")
//	err := session.Login(r, user.ID) // after checking the password
//	err := session.Logout(r)
//
// # What it defends against
//
//   - Session fixation: [Login] (and [Regenerate]) give the session a new
//     id and delete the old record, so an id planted before login, or seen
//     before it, is worthless after. Ids are never chosen by the client: an
//     unknown id is "no session", never adopted.
//   - Guessing and forging: ids are 256 random bits (crypto/rand), and the
//     cookie carries them signed with the key ring (HMAC-SHA256, rotation:
//     see package keys). A cookie that does not verify costs no store
//     lookup.
//   - A leaked store (backup, replica, SQL injection elsewhere): the store
//     sees only SHA-256(id), from which no cookie can be made, and session
//     data is encrypted with AES-256-GCM under a key derived from the ring,
//     bound to its record (records cannot be swapped between sessions).
//   - Stolen cookies: HttpOnly, Secure, SameSite=Lax and the __Host- prefix
//     (no Domain, Path=/: a sibling subdomain cannot plant or overwrite it);
//     idle timeout (30 min) and absolute lifetime (12 h) bound its use;
//     [Manager.DestroyUser] ends every session of a user at once (after a
//     password or role change) in every instance sharing the store.
//   - Session flooding: nothing is stored for anonymous visitors whose
//     session stays empty, and nothing is written for a request that did
//     not change its session (apart from a last-use update at most once
//     per TouchInterval).
//
// # Defaults
//
// Cookie "__Host-sid": HttpOnly, Secure, SameSite=Lax, Path=/, no Domain,
// no Max-Age. Idle timeout 30 minutes, absolute lifetime 12 hours, data
// encrypted at rest, store operations bounded to 3 seconds. See [Config].
//
// Development over plain http:// needs Config.Development (the development
// switch, named as harden.Config's), which drops the __Host- prefix (cookie "sid") and Secure for non-HTTPS requests
// (clientip.IsHTTPS decides, so a TLS-terminating proxy trusted by the
// clientip layer still gets Secure cookies). New logs a warning when it is
// set. NEVER SET IT IN PRODUCTION: the cookie then travels in clear text
// and any subdomain can overwrite it.
//
// # How it fails
//
// [New] refuses a bad [Config] at start-up with one *harden.ConfigError
// per bad field, joined: no keys or store, a negative duration,
// SameSite=None, a TouchInterval not shorter than IdleTimeout, and an
// IdleTimeout not shorter than Lifetime (an idle timeout that can never
// end a session).
//
// A tampered, unknown, expired or undecodable cookie is "no session": the
// request goes on anonymously (and a stale cookie is cleared), never an
// error. A store that cannot answer (an outage, a timeout) is an error:
// the request gets 503 {"error":"Service unavailable"} through the shared
// responder (package respond), with event "session_store_error", and the
// cause goes to Config.Logger under the rule every harden store shares:
// the first error, then at most one record per minute counting the errors
// in between, then one "session: store recovered" record. Every store call
// returns by StoreTimeout and the request's deadline even when the store's
// client waits longer (a hung Redis, a paused database).
//
// Loading happens before the handler runs, so a handler never sees a
// half-loaded session. Saving happens just before the response headers are
// written; if it fails, the handler's response is replaced by the 503 (its
// status, body and cookies dropped). A handler whose answer or audit record
// depends on the save (a login) calls [Save] first and answers the failure
// itself. A save deletes the old record before writing a regenerated one,
// so a failure after login can lose the session but never leave the
// pre-login id working. Requests without a session cookie never touch the
// store, so an outage does not affect anonymous traffic.
//
// Mount the middleware only on the routes that use sessions: a request
// with a session cookie costs one store read wherever it goes.
//
// # Stores
//
// A [Store] is three methods (find, commit, delete) plus optional
// capabilities ([Updater], [UserIndex]) detected at run time. This package
// has [NewMemoryStore] (tests and development; bounded). Real stores live in
// their own packages so that their drivers are compiled only when
// imported: session/sqlitestore (embedded, the default of harden serve),
// session/redisstore and session/pgstore (shared by many instances). Each
// passes the same conformance suite, run against a real backend.
//
// Imports: the standard library and harden's keys, cookie, clientip,
// respond, internal/configerr, internal/storeguard, internal/reqctx and
// internal/statuswriter (the module's ResponseWriter wrapper).
package session
