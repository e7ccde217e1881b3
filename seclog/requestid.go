package seclog

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"net/http"

	"github.com/harden-go/harden/respond"
)

// RequestIDHeader is the request and response header of the request id.
const RequestIDHeader = "X-Request-ID"

// requestIDKey is RequestIDHeader in canonical form, to index http.Header
// without allocating.
var requestIDKey = http.CanonicalHeaderKey(RequestIDHeader)

// MaxRequestIDLen bounds an incoming request id.
const MaxRequestIDLen = 64

// NewRequestID returns a new request id: 128 random bits in 32 lower-case
// hex digits.
//
// The bits come from math/rand/v2's generator (ChaCha8, seeded from the
// operating system), not crypto/rand: an id correlates log lines and
// answers and needs to be unique, not secret — a client may send its own
// id, which the stack keeps when it is well-formed — and reading
// crypto/rand on every request was a measurable share of the stack's
// cost.
func NewRequestID() string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64()) // #nosec G404 -- a correlation id, not a secret (see above)
	binary.LittleEndian.PutUint64(b[8:], rand.Uint64()) // #nosec G404 -- a correlation id, not a secret (see above)
	var out [32]byte
	hex.Encode(out[:], b[:])
	return string(out[:])
}

// ValidRequestID reports whether id may be used as a request id: 1 to
// [MaxRequestIDLen] bytes of ASCII letters, digits, '-', '_', '.' and ':'
// (UUIDs, ULIDs, hex, base32 and the ids of common proxies fit). Anything
// else — spaces, quotes, control bytes, non-ASCII — is refused, so an id
// is safe in a header, a JSON body and a log line.
func ValidRequestID(id string) bool {
	if len(id) == 0 || len(id) > MaxRequestIDLen {
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

// AssignRequestID picks the id of r — the incoming X-Request-ID when there
// is exactly one and it is well-formed ([ValidRequestID]), else a new one —
// and echoes it in the response header. It does not touch the context; a
// stack that builds its own context in one step uses it with
// [respond.WithRequestID]. Most callers want [RequestID].
func AssignRequestID(w http.ResponseWriter, r *http.Request) string {
	var id string
	if vs := r.Header[requestIDKey]; len(vs) == 1 && ValidRequestID(vs[0]) {
		id = vs[0]
	} else {
		id = NewRequestID()
	}
	w.Header()[requestIDKey] = []string{id}
	return id
}

// RequestID is the request-id middleware: it assigns each request an id
// ([AssignRequestID]), echoes it in the X-Request-ID response header, and
// stores it with [respond.WithRequestID], so that every refusal body
// ({"error":...,"request_id":...}) and every security event carries it.
// Place it outermost, next to the security headers, so that the recovery
// layer's 500 carries the id too.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := AssignRequestID(w, r)
		next.ServeHTTP(w, r.WithContext(respond.WithRequestID(r.Context(), id)))
	})
}
