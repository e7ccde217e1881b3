// Package password hashes and verifies passwords: argon2id by default,
// bcrypt accepted, with upgrade on login.
//
//	h, err := password.New(password.Config{})        // argon2id, RFC 9106
//	encoded, err := h.Hash(ctx, pw)                   // store encoded
//	ok, err := h.Verify(ctx, pw, encoded)             // at login
//	if ok && h.NeedsRehash(encoded) { encoded, _ = h.Hash(ctx, pw); /* store */ }
//	err = h.DummyVerify(ctx, pw)                      // unknown email: same time
//
// ctx is the request's context: a call waiting for its turn to hash
// leaves the queue when the client has gone.
//
// # What it defends against
//
//   - Offline cracking of a leaked user table: argon2id is memory-hard.
//     The default parameters are RFC 9106's second recommended option
//     (section 4, for memory-constrained environments): argon2id, t=3
//     passes, p=4 lanes, m=64 MiB, 128-bit salt, 256-bit tag. Its first
//     option (t=1, p=4, m=2 GiB: Config.Argon2 with Memory 2097152 and
//     Iterations 1) suits servers that can afford 2 GiB per concurrent
//     login. Weaker parameters than OWASP's
//     minimum (memory × passes below 35 MiB-passes, or memory below 7 MiB)
//     are refused.
//   - Timing attacks that tell which accounts exist: [Hasher.DummyVerify]
//     does the work of one verification at the current parameters, for a
//     login whose user is unknown. (An account still holding a legacy
//     bcrypt hash verifies in bcrypt's time until it is upgraded.)
//   - bcrypt's silent 72-byte truncation (with which "a…a" + anything
//     matches): bcrypt is never given more than 72 bytes — Hash refuses and
//     Verify answers ErrPasswordTooLong — instead of ignoring the rest.
//   - Denial of service through hashing (a login flood from many
//     addresses): a password longer than MaxLength (1024 bytes by default)
//     is refused before any work; the hashes running at once hold at most
//     MemoryBudget bytes (default 64 MiB: one hash of the default
//     parameters) and number at most MaxConcurrent (default GOMAXPROCS, at
//     most 8); at most MaxQueue calls (default 16 per concurrent hash) wait
//     their turn, and beyond it a call fails at once with [ErrBusy]. A call
//     leaves the queue when its context ends, so a client that gave up
//     costs no hash. A finished hash's memory is collected before its
//     slot is reused, so the heap does not grow past the budget whatever
//     GOGC says: 500 concurrent logins from 500 addresses keep a server's
//     peak RSS under 150 MB at the default parameters (110–135 MB measured
//     by the reference app's login flood test, from about 35 MB at rest),
//     where an unbounded queue and GC pacing reached 550 MB.
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
// what is not a wrong password: a malformed or unsupported stored hash, a
// stored hash weaker than the configured minimum, [ErrPasswordTooLong]. A
// login handler answers every such failure the same way ("Invalid
// credentials"), and logs the error's text.
// [ErrBusy] and the context's error mean no comparison was made: answer
// 503 with Retry-After, and do not count the attempt as a wrong password.
// A hash once started runs to its end (argon2id cannot be interrupted);
// only waiting calls are cancelled.
// Hash errors: [ErrEmptyPassword], [ErrPasswordTooLong]. Configuration
// errors are *harden.ConfigError values wrapping [ErrInvalidConfig], one
// per bad field, joined.
//
// Imports: the standard library, golang.org/x/crypto (argon2, bcrypt),
// internal/configerr and internal/hashstats.
package password
