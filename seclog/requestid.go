package seclog

import (
	"net/http"

	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/requestid"
)

// requestIDKey is the X-Request-ID header in canonical form, to index
// http.Header without allocating.
var requestIDKey = http.CanonicalHeaderKey(requestid.Header)

// assignRequestID picks the id of r — the incoming X-Request-ID when there
// is exactly one and it is well-formed: 1 to 64 bytes of ASCII letters,
// digits, '-', '_', '.' and ':' — else a new one of 32 hex digits, and
// echoes it in the response header. It does not touch the context.
func assignRequestID(w http.ResponseWriter, r *http.Request) string {
	var id string
	if vs := r.Header[requestIDKey]; len(vs) == 1 && requestid.Valid(vs[0]) {
		id = vs[0]
	} else {
		id = requestid.New()
	}
	w.Header()[requestIDKey] = []string{id}
	return id
}

// RequestID is the request-id middleware: it assigns each request an id
// (the incoming X-Request-ID when there is exactly one and it is 1 to 64
// bytes of ASCII letters, digits, '-', '_', '.' and ':', else 32 new hex
// digits), echoes it in the X-Request-ID response header, and stores it
// in the request's context, where respond.RequestID finds it, so that every refusal body
// ({"error":...,"request_id":...}) and every security event carries it.
// Place it outermost, next to the security headers, so that the recovery
// layer's 500 carries the id too.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := assignRequestID(w, r)
		next.ServeHTTP(w, r.WithContext(reqctx.WithRequestID(r.Context(), id)))
	})
}
