package seclog

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/internal/statuswriter"
	"github.com/harden-go/harden/respond"
)

// SetUserID records the authenticated user of the request whose context is
// ctx, for the events logged about it afterwards — including the denial
// that [Logger.Handler] records after the inner handler returned. The
// session or auth layer calls it once it knows the user. It does nothing
// when ctx did not pass through the middleware.
func SetUserID(ctx context.Context, id string) { reqctx.SetUserID(ctx, id) }

// Handler records every 401, 403 and 429 answered by next, once (see the
// package documentation for how it shares the work with [Responder]). It
// does not buffer the response: the ResponseWriter is wrapped only to see
// the status, by the module's one wrapper, which has Flush, Hijack, Push
// and ReadFrom exactly when the wrapped writer has them, and Unwrap (so
// http.ResponseController reaches deadlines and full-duplex mode): a
// WebSocket upgrade behind it works.
//
// Place it after the request id and the recovery layer; it reads the client
// address through Config.ClientIP, so it may run before the client-IP layer
// when the stack passes its resolver there.
func (l *Logger) Handler(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s := reqctx.From(ctx); s != nil && s.Sink() == l.statusSink() {
			next.ServeHTTP(w, r) // already recorded by an outer copy
			return
		}
		rec := &recorder{}
		rec.w.Reset(w, nil)
		ctx = l.track(ctx, &rec.track)
		if inner := responderOf(r); !l.wraps(inner) {
			ctx = respond.WithResponder(ctx, l.wrap(inner))
		}
		r = r.WithContext(ctx)
		next.ServeHTTP(rec.w.ResponseWriter(), r)
		rec.track.Done(r, rec.w.Status())
	})
}

// track returns a copy of ctx carrying t as the record of one request for
// l. With a nil l it returns ctx.
func (l *Logger) track(ctx context.Context, t *reqctx.Record) context.Context {
	if l == nil {
		return ctx
	}
	t.Attach(l.statusSink())
	return reqctx.NewContext(ctx, t)
}

// statusLog is a Logger as the [reqctx.Sink] of the requests it tracks.
type statusLog Logger

// statusSink returns l as the sink of the records it attaches.
func (l *Logger) statusSink() reqctx.Sink { return (*statusLog)(l) }

// LogStatus implements reqctx.Sink: it records a 401, 403 or 429 status
// that no responder logged.
func (s *statusLog) LogStatus(r *http.Request, status int) {
	(*Logger)(s).emit(r.Context(), r, &Event{
		Name:    eventForStatus(status),
		Status:  status,
		Details: statusSourceDetails,
	})
}

// statusSourceDetails marks a denial seen only by its status.
var statusSourceDetails = []slog.Attr{slog.String("source", "status")}

// recorder is the middleware's per-request value: the writer that notes
// the status (it never buffers) and the request's record.
type recorder struct {
	w     statuswriter.Writer
	track reqctx.Record
}

// responder logs a refusal, then lets inner answer it.
type responder struct {
	inner respond.Responder
	l     *Logger
}

// Responder returns a [respond.Responder] that logs each refusal through l
// — its Event (derived from the status when empty, see the package
// documentation), status, client-visible message, the paths of failed
// fields, and the internal cause Err as details.error — and then answers through inner (nil means
// respond.JSON{}). Within a request that passed through [Logger.Handler],
// only the first refusal is logged, and the middleware does not log it
// again. Wrapping a responder that is already a wrapper of l returns it
// unchanged. With a nil l it returns inner.
func Responder(inner respond.Responder, l *Logger) respond.Responder {
	if inner == nil {
		inner = respond.JSON{}
	}
	if l == nil || l.wraps(inner) {
		return inner
	}
	return l.wrap(inner)
}

// responderOf returns the responder respond.Reject answers r through: the
// one in r's context, or the production JSON responder.
func responderOf(r *http.Request) respond.Responder {
	if resp, ok := r.Context().Value(reqctx.ResponderKey{}).(respond.Responder); ok && resp != nil {
		return resp
	}
	return respond.JSON{}
}

func (l *Logger) wraps(inner respond.Responder) bool {
	s, ok := inner.(*responder)
	return ok && s.l == l
}

func (l *Logger) wrap(inner respond.Responder) respond.Responder {
	if j, ok := inner.(respond.JSON); ok {
		if j.Development {
			return l.jsonDev
		}
		return l.jsonProd
	}
	return &responder{inner: inner, l: l}
}

// Respond implements respond.Responder.
func (s *responder) Respond(w http.ResponseWriter, r *http.Request, rej *respond.Rejection) {
	if rej != nil {
		s.l.logRejection(r, rej)
	}
	s.inner.Respond(w, r, rej)
}

// Sink returns the security log behind s, for the harden stack's edge,
// which attaches its own per-request records to it (reqctx.SinkOf).
func (s *responder) Sink() reqctx.Sink { return s.l.statusSink() }

// Recovered implements reqctx.Recorder: it writes store_recovered,
// naming the event of the outage and the refusals suppressed since its
// last record.
func (s *responder) Recovered(r *http.Request, event string, suppressed int64) {
	s.l.emit(r.Context(), r, &Event{Name: secevent.StoreRecovered, Success: true, Details: []slog.Attr{
		slog.String("outage_event", event), slog.Int64("suppressed", suppressed),
	}})
}

func (l *Logger) logRejection(r *http.Request, rej *respond.Rejection) {
	if rej.Status == http.StatusNotFound && (rej.Event == "" || rej.Event == secevent.RequestRejected) && routineNotFound(r) {
		return // a browser's favicon or robots.txt fetch is not a security event
	}
	if st := reqctx.From(r.Context()); st != nil && st.Sink() == l.statusSink() && !st.MarkLogged() {
		return
	}
	if rej.Quiet {
		// A repeat within an outage: counted by the next record of the
		// event (Suppressed), so that an outage cannot flood the log.
		return
	}
	status := rej.Status
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError // what respond.JSON answers
	}
	name := rej.Event
	if name == "" {
		name = eventForStatus(status)
	}
	msg := rej.Message
	if msg == "" && rej.Fields == nil {
		msg = http.StatusText(status)
	}
	details := make([]slog.Attr, 0, 3)
	if msg != "" {
		details = append(details, slog.String("message", msg))
	}
	if rej.Suppressed != 0 {
		details = append(details, slog.Int64("suppressed", rej.Suppressed))
	}
	if rej.Fields != nil {
		paths := make([]string, len(rej.Fields))
		for i, f := range rej.Fields {
			paths[i] = f.Location + "." + f.Path
		}
		details = append(details, slog.Any("fields", paths))
	}
	l.emit(r.Context(), r, &Event{Name: name, Status: status, Err: rej.Err, Details: details})
}
