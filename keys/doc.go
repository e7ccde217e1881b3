// Package keys is harden's key ring: the secrets that sign and encrypt
// cookies, sessions and CSRF tokens, with rotation and per-purpose subkeys.
//
// # What it defends against
//
// Forged or altered values (session cookies, CSRF tokens, signed cookies):
// every value is authenticated with HMAC-SHA256 and compared in constant
// time. Readable values: AES-256-GCM hides and authenticates data at rest.
// Key reuse across features: every feature derives its own subkey with HKDF
// (RFC 5869) from the configured secrets via [Ring.Derive], so a CSRF token
// can never be replayed as a session cookie. Weak secrets: [Parse] and [New]
// refuse secrets that are too short or that look typed by hand (see "The
// entropy check" below).
//
// # Rotation
//
// A ring holds one or more secrets. The first one signs and encrypts; every
// one verifies and decrypts. To rotate, put a new secret first and keep the
// old one after it ("new,old") until every value made with the old one has
// expired, then remove it. Values made with a removed secret no longer
// verify. Sealed (encrypted) values carry a 4-byte key id so the right key
// is found without trial decryption; signatures are checked against each
// key in turn (a ring holds a handful at most).
//
// # Configuration
//
// In production the secrets come from HARDEN_SECRETS, comma-separated:
//
//	HARDEN_SECRETS="$(openssl rand -base64 32)"
//	HARDEN_SECRETS="new-secret,old-secret"   # during a rotation
//
// A secret is used as given (its bytes are the HKDF input key material); it
// is not base64- or hex-decoded, so any text form works as long as it
// carries 256 bits of entropy. [NewSecret] prints a suitable one.
//
// [Ephemeral] makes a ring of one random secret for development and tests.
// EVERYTHING SIGNED OR ENCRYPTED WITH AN EPHEMERAL RING BECOMES INVALID WHEN
// THE PROCESS EXITS (every session ends at restart) AND IS NOT SHARED WITH
// OTHER INSTANCES. Never use it in production; harden's production mode
// refuses to start without HARDEN_SECRETS.
//
// # The entropy check
//
// A secret is refused when:
//   - it is shorter than 32 bytes;
//   - its estimated entropy is below 256 bits, estimated as its length times
//     log2 of the smallest usual alphabet that contains all its bytes:
//     decimal digits (10), hexadecimal (16), one-case letters and digits,
//     with - _ . as separators (36), base64 and base64url, padding included
//     (64), printable ASCII (95), any byte (256). So 64 hex digits, 43 base64 characters or 32
//     random bytes pass; 32 hex digits (128 bits) do not;
//   - it has fewer than 12 distinct byte values;
//   - it repeats one byte 8 or more times in a row, or counts up or down by
//     one for 8 or more bytes ("abcdefgh", "87654321");
//   - it is periodic ("abcabcabc…": some shift of at most half its length
//     maps it onto itself);
//   - it contains a placeholder word such as "secret", "password",
//     "changeme", "example" or "default" (any case).
//
// The check catches typed, copied and placeholder secrets; it cannot prove
// randomness (a long passphrase of dictionary words may pass). Generate
// secrets with a CSPRNG. The odds that a truly random secret in any of the
// encodings above is refused are below one in a million.
//
// # How it fails
//
// Construction errors (no secret given, or the reason a secret was refused)
// never contain the secret. Verification and decryption failures are a
// single error (or false): they never say why, and never panic on
// malformed input. A ring never prints its secrets: String, GoString and
// slog's LogValue show only the number of keys.
//
// AES-GCM uses random 96-bit nonces: each key should seal fewer than 2^32
// values; rotate long before that (a busy site sealing a value per request
// would need billions of requests per key).
//
// Imports: the standard library only.
package keys
