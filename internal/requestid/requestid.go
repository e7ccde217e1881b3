package requestid

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
)

// Header is the request and response header of the request id.
const Header = "X-Request-ID"

// maxLen bounds an incoming request id.
const maxLen = 64

// New returns a new request id: 128 random bits in 32 lower-case hex
// digits.
//
// The bits come from math/rand/v2's generator (ChaCha8, seeded from the
// operating system), not crypto/rand: an id correlates log lines and
// answers and needs to be unique, not secret — a client may send its own
// id, which the stack keeps when it is well-formed — and reading
// crypto/rand on every request was a measurable share of the stack's
// cost.
func New() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64()) // #nosec G404 -- a correlation id, not a secret (see above)
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64()) // #nosec G404 -- a correlation id, not a secret (see above)
	var out [32]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}

// Valid reports whether id may be used as a request id: 1 to 64 bytes of
// ASCII letters, digits, '-', '_', '.' and ':' (UUIDs, ULIDs, hex, base32
// and the ids of common proxies fit). Anything else — spaces, quotes,
// control bytes, non-ASCII — is refused: a client's id is echoed in
// headers, bodies and log lines, where it must not split a header or
// forge a log line.
func Valid(id string) bool {
	if len(id) == 0 || len(id) > maxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}
