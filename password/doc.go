// Package password hashes and verifies passwords: argon2id by default,
// bcrypt accepted, with upgrade on login.
//
//	h, err := password.New(password.Config{})         // argon2id, RFC 9106
//	encoded, err := h.Hash(pw)                         // store encoded
//	ok, err := h.Verify(pw, encoded)                   // at login
//	if ok && h.NeedsRehash(encoded) { encoded, _ = h.Hash(pw); /* store */ }
//	h.DummyVerify(pw)                                  // unknown email: same time
//
// # What it defends against
//
//   - Offline cracking of a leaked user table: argon2id is memory-hard.
//     The default parameters are RFC 9106's second recommended option
//     (section 4, for memory-constrained environments): argon2id, t=3
//     passes, p=4 lanes, m=64 MiB, 128-bit salt, 256-bit tag. Its first
//     option (t=1, p=4, m=2 GiB) is [RFC9106First], for servers that can
//     afford 2 GiB per concurrent login. Weaker parameters than OWASP's
//     minimum (memory × passes below 35 MiB-passes, or memory below 7 MiB)
//     are refused.
//   - Timing attacks that tell which accounts exist: [Hasher.DummyVerify]
//     does the work of one verification at the current parameters, for a
//     login whose user is unknown. (An account still holding a legacy
//     bcrypt hash verifies in bcrypt's time until it is upgraded.)
//   - bcrypt's silent 72-byte truncation (with which "a…a" + anything
//     matches): bcrypt is never given more than 72 bytes — Hash refuses and
//     Verify answers ErrPasswordTooLong — instead of ignoring the rest.
//   - Denial of service through hashing: a password longer than MaxLength
//     (1024 bytes by default) is refused before any work, and at most
//     MaxConcurrent hashes (default GOMAXPROCS, at most 8) run at once, so
//     memory stays bounded (8 × 64 MiB by default) under a login flood;
//     further calls wait their turn.
//   - Weak legacy hashes: bcrypt hashes are verified (migration from
//     Express/bcrypt, PHP's $2y$) only with a cost of at least 12
//     (MinBcryptCost), and [Hasher.NeedsRehash] reports every hash that is
//     not in the configured algorithm and parameters, so it is replaced at
//     the next successful login.
//
// # Formats
//
// argon2id hashes are PHC strings:
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt, base64 unpadded>$<tag, base64 unpadded>
//
// bcrypt hashes are the usual $2a$/$2b$/$2y$ modular crypt strings. Hash
// makes bcrypt only when Config.Algorithm is "bcrypt" (cost ≥ 12).
//
// Passwords are hashed as the bytes given (UTF-8), without normalization:
// check length and strength rules in input validation, before hashing.
//
// # How it fails
//
// Verify returns (false, nil) for a wrong password, and an error only for
// what is not a wrong password: [ErrInvalidHash] (a malformed or
// unsupported stored hash), [ErrWeakHash], [ErrPasswordTooLong]. A login
// handler answers every failure the same way ("Invalid credentials").
// Hash errors: [ErrEmptyPassword], [ErrPasswordTooLong]. Configuration
// errors are [*ConfigError].
//
// Imports: the standard library and golang.org/x/crypto (argon2, bcrypt).
package password
