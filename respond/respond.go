package respond

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/harden-go/harden/internal/reqctx"
)

// Rejection describes a refused request: what the client is told and what the
// security log records.
type Rejection struct {
	// Status is the HTTP status code, 4xx or 5xx.
	Status int
	// Message is the client-safe text of {"error": Message}. It must be a fixed
	// string chosen by the layer, never request input. Empty means the
	// standard text of Status.
	Message string
	// Event names the security-log event (for example "csrf_failure",
	// "rate_limited"). Empty lets the logger derive it from Status.
	Event string
	// Fields, when set, are answered as {"errors": Fields} (validation).
	Fields []FieldError
	// Header holds extra response headers (Retry-After, Allow, ...).
	Header http.Header
	// Err is the internal cause. It is logged, and shown to the client only by
	// a development responder for 4xx statuses.
	Err error
	// Quiet marks a refusal that the security log does not record on its
	// own: a repeat, within an outage, of a dependency failure already
	// recorded (a session store that is down), so that an outage does not
	// write one event per request. The client's answer is the same. A
	// later record of the event counts it in Suppressed.
	Quiet bool
	// Suppressed is the number of quiet refusals of the same Event since
	// the last one recorded; the security log writes it as
	// details.suppressed.
	Suppressed int64
}

// FieldError is one validation failure in the shape
// {"type":"field","location":"body","path":"email","msg":"..."}.
type FieldError struct {
	Type     string `json:"type"`
	Location string `json:"location"`
	Path     string `json:"path"`
	Msg      string `json:"msg"`
}

// A Responder writes the response for a refused request.
type Responder interface {
	Respond(w http.ResponseWriter, r *http.Request, rej *Rejection)
}

// WithResponder returns a copy of parent in which [Reject] uses resp.
func WithResponder(parent context.Context, resp Responder) context.Context {
	return context.WithValue(parent, reqctx.ResponderKey{}, resp)
}

// from returns the responder stored in r's context, or the production
// [JSON] responder when there is none.
func from(r *http.Request) Responder {
	if resp, ok := r.Context().Value(reqctx.ResponderKey{}).(Responder); ok && resp != nil {
		return resp
	}
	return JSON{}
}

// Reject answers r with rej through the responder in r's context.
func Reject(w http.ResponseWriter, r *http.Request, rej *Rejection) {
	from(r).Respond(w, r, rej)
}

// JSON is the default [Responder]: {"error": "..."} or {"errors": [...]}.
// The zero value is the production responder: it never shows Rejection.Err.
type JSON struct {
	// Development adds the internal cause of 4xx refusals as "detail".
	// 5xx causes are never shown, even in development: they go to the log.
	Development bool
}

type body struct {
	Error     string       `json:"error,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	Detail    string       `json:"detail,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
}

// Respond writes rej as JSON.
func (j JSON) Respond(w http.ResponseWriter, r *http.Request, rej *Rejection) {
	status := rej.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	var b body
	if rej.Fields != nil {
		b.Errors = rej.Fields
	} else {
		b.Error = rej.Message
		if b.Error == "" {
			b.Error = http.StatusText(status)
		}
	}
	if j.Development && status < 500 && rej.Err != nil {
		b.Detail = rej.Err.Error()
	}
	b.RequestID = RequestID(r)
	out := b.appendJSON(make([]byte, 0, b.sizeHint()))
	out = append(out, '\n')
	h := w.Header()
	for k, vs := range rej.Header {
		h[k] = append([]string(nil), vs...)
	}
	// A refusal must not be cached, sniffed into HTML, or carry a stale
	// length or encoding from a handler that started to answer. The values
	// are this response's own, in one block: a slice shared by every
	// refusal would let a write into one response's header map (an outer
	// layer's h[k][0] = v) change every later refusal. Each is a slice of
	// capacity 1, so an Add further out copies instead of writing into the
	// next value; the keys are canonical already.
	delete(h, "Content-Encoding")
	vals := make([]string, 4)
	vals[0] = "application/json; charset=utf-8"
	vals[1] = "nosniff"
	vals[2] = "no-store"
	vals[3] = strconv.Itoa(len(out))
	h["Content-Type"] = vals[0:1:1]
	h["X-Content-Type-Options"] = vals[1:2:2]
	h["Cache-Control"] = vals[2:3:3]
	h["Content-Length"] = vals[3:4:4]
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}

// appendJSON appends b encoded exactly as encoding/json.Marshal encodes
// it, without reflection.
func (b *body) appendJSON(out []byte) []byte {
	out = append(out, '{')
	sep := false
	name := func(n string) {
		if sep {
			out = append(out, ',')
		}
		sep = true
		out = append(out, n...)
	}
	if b.Error != "" {
		name(`"error":`)
		out = appendString(out, b.Error)
	}
	if len(b.Errors) > 0 {
		name(`"errors":[`)
		for i, f := range b.Errors {
			if i > 0 {
				out = append(out, ',')
			}
			out = append(out, `{"type":`...)
			out = appendString(out, f.Type)
			out = append(out, `,"location":`...)
			out = appendString(out, f.Location)
			out = append(out, `,"path":`...)
			out = appendString(out, f.Path)
			out = append(out, `,"msg":`...)
			out = appendString(out, f.Msg)
			out = append(out, '}')
		}
		out = append(out, ']')
	}
	if b.Detail != "" {
		name(`"detail":`)
		out = appendString(out, b.Detail)
	}
	if b.RequestID != "" {
		name(`"request_id":`)
		out = appendString(out, b.RequestID)
	}
	return append(out, '}')
}

// sizeHint is about the length of b's encoding, so that appendJSON
// usually fills one buffer.
func (b *body) sizeHint() int {
	n := 64 + len(b.Error) + len(b.Detail) + len(b.RequestID)
	for _, f := range b.Errors {
		n += 48 + len(f.Type) + len(f.Location) + len(f.Path) + len(f.Msg)
	}
	return n
}

// appendString appends s as a JSON string, as encoding/json writes it:
// printable ASCII other than the quote, the backslash and the HTML
// characters < > & is copied; a string with anything else (control bytes,
// HTML characters, non-ASCII, invalid UTF-8) is left to encoding/json, so
// the escaping is its own byte for byte.
func appendString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			if err != nil { // cannot happen for a string
				return append(out, `""`...)
			}
			return append(out, q...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}

// RequestID returns the id of request r, which the request-id layer (the
// harden stack's edge, seclog.RequestID) gives it, or "".
func RequestID(r *http.Request) string {
	switch v := r.Context().Value(reqctx.RequestIDKey{}).(type) {
	case string:
		return v
	case *reqctx.Context:
		return v.ID
	}
	return ""
}
