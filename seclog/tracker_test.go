package seclog

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

// TestTrackerLogsEachDenialOnce drives a reqctx.Record as a stack does: its own
// wrapper notes the status, track puts the record in the context, Done
// reports the status afterwards.
func TestTrackerLogsEachDenialOnce(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		status    int    // what the stack's wrapper saw
		wantEvent string // "" = nothing logged
		wantSrc   string
	}{
		{"plain 403", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }, 403, EventAccessDenied, "status"},
		{"plain 429", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }, 429, secevent.RateLimited, "status"},
		{"200", func(w http.ResponseWriter, r *http.Request) {}, 200, "", ""},
		{"rejection then Done", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: 403, Event: secevent.CSRFFailure})
		}, 403, secevent.CSRFFailure, ""},
		{"a Handler further in stays silent", func(w http.ResponseWriter, r *http.Request) {
			// The inner middleware finds the stack's record and defers to it.
			http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }).ServeHTTP(w, r)
		}, 401, EventAccessDenied, "status"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := newTestLogger(t)
			r := testRequest("GET", "/x")
			var tr reqctx.Record
			ctx := l.track(r.Context(), &tr)
			ctx = respond.WithResponder(ctx, Responder(nil, l))
			r = r.WithContext(ctx)
			l.Handler(tc.handler).ServeHTTP(httptest.NewRecorder(), r)
			tr.Done(r, tc.status)
			tr.Done(r, tc.status) // a second report changes nothing
			evs := buf.events(t)
			if tc.wantEvent == "" {
				if len(evs) != 0 {
					t.Fatalf("logged %d events, want none: %s", len(evs), buf.String())
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("logged %d events, want exactly 1:\n%s", len(evs), buf.String())
			}
			details, _ := evs[0]["details"].(map[string]any)
			if got := evs[0]["event"]; got != tc.wantEvent {
				t.Errorf("event = %v, want %s", got, tc.wantEvent)
			}
			if got, _ := details["source"].(string); got != tc.wantSrc {
				t.Errorf("details.source = %q, want %q", got, tc.wantSrc)
			}
		})
	}
}

func TestTrackerUserID(t *testing.T) {
	l, buf := newTestLogger(t)
	r := testRequest("GET", "/x")
	var tr reqctx.Record
	r = r.WithContext(l.track(r.Context(), &tr))
	SetUserID(r.Context(), "u-42")
	tr.Done(r, http.StatusForbidden)
	evs := buf.events(t)
	if len(evs) != 1 || evs[0]["user_id"] != "u-42" {
		t.Fatalf("events = %v, want one with user_id u-42", evs)
	}
	var nilLogger *Logger
	if ctx := nilLogger.track(r.Context(), &reqctx.Record{}); ctx != r.Context() {
		t.Error("a nil Logger's track changed the context")
	}
}

// trackedContext is a stack's per-request value: the module's one
// per-request context, reqctx.Context, answers the record's key through
// its Values.
type trackedContext struct {
	reqctx.Context
	track reqctx.Record
}

// TestTrackerAttach: a Record attached to the Logger behind a Responder
// (reqctx.SinkOf, as the stack does) and answered through ContextValue
// behaves as one put in the context by track: SetUserID and the Responder
// find it, a Middleware further in defers to it, each denial is logged
// once; unattached, it answers nothing.
func TestTrackerAttach(t *testing.T) {
	l, buf := newTestLogger(t)
	r := testRequest("GET", "/x")
	c := &trackedContext{}
	resp := Responder(nil, l)
	c.Context = reqctx.Context{Context: r.Context(), Responder: resp, Values: &c.track}
	if got := reqctx.From(c); got != nil {
		t.Fatalf("an unattached tracker answers %v, want nil", got)
	}
	c.track.Attach(reqctx.SinkOf(resp))
	if got := c.track.ContextValue(struct{}{}); got != nil {
		t.Errorf("ContextValue(other key) = %v, want nil", got)
	}
	r = r.WithContext(c)
	SetUserID(r.Context(), "u-7")
	l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, &respond.Rejection{Status: 403, Event: secevent.CSRFFailure})
	})).ServeHTTP(httptest.NewRecorder(), r)
	c.track.Done(r, http.StatusForbidden)
	evs := buf.events(t)
	if len(evs) != 1 || evs[0]["event"] != secevent.CSRFFailure || evs[0]["user_id"] != "u-7" {
		t.Fatalf("events = %v, want one csrf_failure with user_id u-7", evs)
	}

	var nilLogger *Logger
	var tr reqctx.Record
	tr.Attach(reqctx.SinkOf(Responder(nil, nilLogger)))
	if got := reqctx.From(&reqctx.Context{Context: context.Background(), Values: &tr}); got != nil {
		t.Errorf("a tracker attached to a nil Logger answers %v, want nil", got)
	}
}
