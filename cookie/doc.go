// Package cookie builds secure cookies: their attributes are checked when
// the configuration is made.
//
// # What it defends against
//
//   - Cookie theft by script (XSS): HttpOnly unless explicitly given up
//     with DangerouslyAllowScriptAccess.
//   - Theft on the wire: Secure always in production. Only
//     DangerouslyAllowInsecure (development over plain HTTP) drops it, and even
//     then a request that arrived over HTTPS (by the trust model,
//     clientip.IsHTTPS) gets a Secure cookie.
//   - Cross-site request forgery: SameSite=Lax by default (Strict
//     available); None only together with Secure.
//   - Cookie tossing from a sibling subdomain or a plain-HTTP page: the
//     __Host- and __Secure- prefixes, whose rules are enforced by [New]
//     (__Host- ⇒ Secure, Path=/, no Domain; __Secure- ⇒ Secure), so a
//     configuration the browser would silently reject is an error at
//     start-up instead of a cookie that never arrives.
//
// The values are the caller's: a value the server must trust is signed
// with a keys.Ring (harden's session layer does), since without a
// prefix a sibling subdomain can set a cookie of the same name
// ([Spec.Values]).
//
// # Defaults
//
// Path "/", no Domain (host-only), no Max-Age (deleted when the browser
// closes), HttpOnly, Secure, SameSite=Lax.
//
// # How it fails
//
// [New] returns a *harden.ConfigError per bad field, joined, naming the
// field (as the configuration file spells it), its value and the fix; each
// wraps [ErrInvalidConfig].
//
// Imports: the standard library and harden's clientip, internal/configerr
// and internal/cookieprefix.
package cookie
