// Package csrf refuses cross-site request forgeries: requests that a
// victim's browser sends to the service on an attacker's behalf, with the
// victim's cookies.
//
//	p, err := csrf.New(csrf.Config{Keys: ring, TrustedOrigins: corsMW.Origins()})
//	handler := sessions.Handler(p.Handler(mux))
//	mux.Handle("GET /api/csrf-token", p.TokenHandler())
//
//	// in a handler rendering a form, before the response starts
//	data.CSRFField = csrf.TemplateField(r)
//
// # What it defends against
//
// Two layers, both required by default, each usable alone
// (Config.DangerouslyNoToken, Config.DangerouslyNoOriginCheck):
//
//   - Fetch Metadata/Origin: the standard library's
//     http.CrossOriginProtection. A request whose Sec-Fetch-Site is
//     same-site or cross-site, or which lacks Sec-Fetch-Site and whose Origin
//     is not the service's own, is refused unless it comes from one of
//     Config.TrustedOrigins (give it the CORS allowlist). The service's own
//     origin is the scheme and host of the trust model (package clientip),
//     not r.Host, so it works behind proxies that rewrite Host, and the
//     scheme counts: http://site posting to https://site is cross-origin
//     (the standard library compares hosts only).
//   - Token: a signed double-submit token (the csrf-csrf design).
//     token = nonce ‖ HMAC-SHA256(key, binding ‖ nonce), masked. The binding
//     is the session (Config.SessionKey, by default harden's session
//     Session.Key, which changes at login: tokens rotate with it), or, for a
//     visitor without a session, a random pre-session id in its own cookie
//     "__Host-csrf" (HttpOnly, Secure, SameSite=Strict, Path=/, no Domain).
//     A token is read from the X-CSRF-Token header or the _csrf form field
//     and checked in constant time. Plain double-submit (a cookie equal to
//     the field, as nosurf does) loses to a sibling subdomain that tosses a
//     cookie; here a token verifies only with the key and only for its
//     binding, and the __Host- prefix stops tossing. The token also stops
//     what the first layer lets through: old browsers that send neither
//     Sec-Fetch-Site nor Origin, and HTTP→HTTPS requests they cannot
//     distinguish.
//
// BREACH: every token handed out is masked with a fresh one-time pad
// (pad ‖ token XOR pad, base64url, 128 characters), so a secret repeated in
// compressed responses never repeats byte for byte; every masked form of a
// token verifies.
//
// # Defaults
//
// GET, HEAD and OPTIONS always pass (they must not change state); every other
// method needs both layers. No trusted origin, no exemption. Header
// "X-CSRF-Token", field "_csrf", cookie "__Host-csrf". A form body is read
// only when the header is absent, and at most 64 KiB of it
// (Config.MaxFormBytes), never the query string. Tokens carry no expiry of
// their own: they live as long as their session or pre-session cookie (which
// the browser drops when it closes), and a key removed from the ring
// invalidates them all.
//
// Escape hatches name their danger: DangerouslyExemptRoutes (exact routes
// such as webhooks that verify their own signatures; ServeMux matching,
// never a subtree, never a request ServeMux would redirect),
// DangerouslyNoToken, DangerouslyNoOriginCheck,
// DangerouslyAllowInsecureOrigins. Development (the development switch,
// named as harden.Config's) only relaxes the cookie: "csrf" without prefix
// and without Secure over plain HTTP.
//
// # How it fails
//
// New refuses a bad configuration with *harden.ConfigError values
// (joined), naming the field and entry. Protector.Check returns
// ErrCrossOrigin, ErrFormTooLarge, or the token layer's error, whose text
// says whether the token was missing or invalid; the Handler answers 403
// (413 for a form too large) through the shared responder with a fixed
// message that never echoes the Origin, Host or token, event
// "csrf_failure", so the security log records it. Malformed tokens and
// cookies are "invalid", never a panic or a 500.
//
// Where it fails open, by design of the first layer: a request with neither
// Sec-Fetch-Site nor Origin passes it (current browsers send Origin on every
// cross-origin POST and Sec-Fetch-Site on every request; non-browser clients
// send neither); the token layer then decides. With DangerouslyNoToken nothing
// stops such a request.
//
// Tokens bind to the session key as it is when the token is made. Harden's
// session gives a session its key when the session is first saved, so a
// token made in the same request as Login (or as the first value of an
// anonymous session) is still bound to the pre-session cookie and is refused
// afterwards: fetch a new token on the next request (the token endpoint).
//
// Token and TemplateField may set the pre-session cookie, so they must be
// called before the response starts (build the template data first, or
// render into a buffer).
//
// Imports: the standard library, golang.org/x/net/http/httpguts and
// harden's keys, cookie, clientip, session, respond, seclog and
// internal/httpsyntax.
package csrf
