// Package cookie builds secure cookies: attributes checked when the
// configuration is made, and values signed or encrypted with a key ring.
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
//   - Forged and altered values: a [Codec] signs values with HMAC-SHA256
//     or encrypts them with AES-256-GCM, under a key derived for the cookie's
//     name (a value made for one cookie is invalid in another), with an
//     optional expiry inside the authenticated value, so a client cannot
//     extend a cookie's life by keeping it.
//
// # Defaults
//
// Path "/", no Domain (host-only), no Max-Age (deleted when the browser
// closes), HttpOnly, Secure, SameSite=Lax. Codec values: signed, no
// expiry, at most 4096 bytes encoded.
//
// # Value format
//
// Signed: base64url(0x01 ‖ expiry ‖ data ‖ HMAC-SHA256(0x01 ‖ expiry ‖
// data)). Encrypted: base64url(0x02 ‖ AES-GCM(expiry ‖ data) with the key
// id and nonce of [keys.Ring.Seal], the version byte authenticated).
// expiry is 8 bytes of big-endian Unix seconds, 0 for none. Rotation comes
// from the key ring: values made with any of its keys decode.
//
// # How it fails
//
// [New] and [NewCodec] return a [*ConfigError] naming the field at fault
// (as the configuration file spells it), its value and the fix; New
// reports every bad field, joined.
// [Codec.Decode] returns [ErrInvalid] for every bad value — tampered,
// truncated, expired, made for another cookie or with a removed key, too
// long — without saying which, and never panics.
//
// Imports: the standard library and harden's keys, clientip,
// internal/configerr and internal/cookieprefix.
package cookie
