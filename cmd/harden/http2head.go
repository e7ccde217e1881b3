package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/requestid"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
)

// http2HeadAllowance is the MaxHeaderBytes of the servers that the framing
// guard fronts. HTTP/1 heads never reach net/http beyond maxHeaderBytes
// (the guard answers 431 or 414 first). HTTP/2 requests pass the guard, and
// net/http's HTTP/2 server answers a header list over its limit by itself,
// with a bare HTML 431 and no security headers: it decodes up to twice the
// limit, and advertises that in SETTINGS_MAX_HEADER_LIST_SIZE, so that
// limitHTTP2Head answers every request of a client that keeps to it.
const http2HeadAllowance = 2 * maxHeaderBytes

// Reasons of the HTTP/2 refusals in the security log, as the framing
// guard's for HTTP/1.
var (
	errHTTP2HeadTooLarge = errors.New("http2: request header list too large")
	errHTTP2URITooLong   = errors.New("http2: request target too long")
)

// limitHTTP2Head refuses an HTTP/2 request whose header list (RFC 9113,
// section 6.5.2: each field's name and value plus 32 bytes, the
// pseudo-header fields included) is over maxHeaderBytes, as the framing
// guard refuses an HTTP/1 head: 414 when the target alone is longer, else
// 431, with r.hdrs, a request id and package respond's JSON error,
// recorded in the security log. Other requests go to next.
func (r *serverRun) limitHTTP2Head(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.ProtoMajor != 2 || headerListSize(req) <= maxHeaderBytes {
			next.ServeHTTP(w, req)
			return
		}
		status, reason := http.StatusRequestHeaderFieldsTooLarge, errHTTP2HeadTooLarge
		if len(req.RequestURI) > maxHeaderBytes {
			status, reason = http.StatusRequestURITooLong, errHTTP2URITooLong
		}
		id := requestid.New()
		r.sec.Log(context.Background(), seclog.Event{
			Name: secevent.RequestRejected, Status: status, Err: reason,
			Details: []slog.Attr{slog.String("remote_addr", req.RemoteAddr), slog.String("request_id", id)},
		})
		h := w.Header()
		if r.hdrs != nil {
			r.hdrs.SetHeaders(h, req.TLS != nil)
		}
		h.Set("X-Request-Id", id)
		req = req.WithContext(context.WithValue(req.Context(), reqctx.RequestIDKey{}, id))
		respond.Reject(w, req, &respond.Rejection{Status: status})
	})
}

// headerListSize is the size of r's header list as HTTP/2 counts it
// (RFC 9113, section 6.5.2), the four request pseudo-header fields
// included.
func headerListSize(r *http.Request) int {
	const perField = 32
	n := len(":method") + len(r.Method) + len(":scheme") + len("https") + len(":authority") + len(r.Host) +
		len(":path") + len(r.RequestURI) + 4*perField
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v) + perField
		}
	}
	return n
}
