package app

import (
	"net/http"

	"github.com/harden-go/harden/respond"
)

// noop is the handler of every pattern in App.methods, which is only
// asked, never served.
var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// noRoute answers a request that no route takes: 405 with the route's
// Allow list when a route has r's path with other methods (RFC 9110
// §15.5.6), else 404. Both are the app's JSON refusals, after every
// layer that refuses before routing (hosts, CORS, rate limits, CSRF).
// OPTIONS is no exception: a CORS preflight is answered by the CORS layer
// before routing, and no route implements OPTIONS, so any other OPTIONS
// request gets the 405 and the Allow list.
func (a *App) noRoute(w http.ResponseWriter, r *http.Request) {
	if allow := a.allowed(r); allow != "" {
		respond.Reject(w, r, &respond.Rejection{
			Status: http.StatusMethodNotAllowed, Message: "Method not allowed",
			Header: http.Header{"Allow": {allow}},
		})
		return
	}
	respond.Reject(w, r, &respond.Rejection{Status: http.StatusNotFound, Message: "Not found"})
}

// allowed returns the Allow list that http.ServeMux computes for r from
// every route's pattern ("GET, HEAD" for a GET route), or "" when no route
// has r's path. The mux's own 405 answer, plain text, goes to a recorder
// that keeps only its status and Allow field.
func (a *App) allowed(r *http.Request) string {
	h, pattern := a.methods.Handler(r)
	if pattern != "" {
		return "" // matched, or a redirect: not a wrong method
	}
	var rec allowRecorder
	h.ServeHTTP(&rec, r)
	if rec.status != http.StatusMethodNotAllowed {
		return ""
	}
	return rec.header.Get("Allow")
}

// allowRecorder is the ResponseWriter of a mux's answer that only its
// status and header are read from; the body is dropped.
type allowRecorder struct {
	header http.Header
	status int
}

func (rec *allowRecorder) Header() http.Header {
	if rec.header == nil {
		rec.header = http.Header{}
	}
	return rec.header
}

func (rec *allowRecorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
}

func (rec *allowRecorder) Write(p []byte) (int, error) {
	rec.WriteHeader(http.StatusOK)
	return len(p), nil
}
