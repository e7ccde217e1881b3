// Package securecookie holds the codec of authenticated cookie values: a
// value is signed with HMAC-SHA256 or encrypted with AES-256-GCM under a
// key derived from a [keys.Ring] for the cookie's name (a value made for
// one cookie is invalid in another), with an optional expiry inside the
// authenticated value, so a client cannot extend a cookie's life by keeping
// it. The session layer carries its session id in such a value; package
// cookie sets the cookie's attributes.
//
// # Value format
//
// Signed: base64url(0x01 ‖ expiry ‖ data ‖ HMAC-SHA256(0x01 ‖ expiry ‖
// data)). Encrypted: base64url(0x02 ‖ AES-GCM(expiry ‖ data) with the key
// id and nonce of [keys.Ring.Seal], the version byte authenticated).
// expiry is 8 bytes of big-endian Unix seconds, 0 for none. Rotation comes
// from the key ring: values made with any of its keys decode. An encoded
// value is at most 4096 bytes.
//
// [Codec.Decode] returns [ErrInvalid] for every bad value — tampered,
// truncated, expired, made for another cookie or with a removed key, too
// long — without saying which, and never panics.
//
// Imports: the standard library and harden's keys.
package securecookie
