package respond

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/internal/reqctx"
)

type otherKey struct{}

// responderFunc adapts a function to Responder.
type responderFunc func(w http.ResponseWriter, r *http.Request, rej *Rejection)

func (f responderFunc) Respond(w http.ResponseWriter, r *http.Request, rej *Rejection) { f(w, r, rej) }

// TestRequestContext: one reqctx.Context answers as WithResponder and
// WithRequestID together, leaves empty fields and other keys to its parent,
// and is overridden by values set further in.
func TestRequestContext(t *testing.T) {
	var used string
	named := func(name string) Responder {
		return responderFunc(func(w http.ResponseWriter, r *http.Request, rej *Rejection) {
			used = name
			w.WriteHeader(rej.Status)
		})
	}
	parent := context.WithValue(reqctx.WithRequestID(WithResponder(context.Background(), named("parent")), "parent-id"), otherKey{}, "other")
	tests := []struct {
		name          string
		ctx           func() context.Context
		wantResponder string
		wantID        string
	}{
		{"both set", func() context.Context {
			return &reqctx.Context{Context: parent, Responder: named("mine"), ID: "mine-id"}
		}, "mine", "mine-id"},
		{"empty fields fall back to the parent", func() context.Context {
			return &reqctx.Context{Context: parent}
		}, "parent", "parent-id"},
		{"inner values win", func() context.Context {
			c := &reqctx.Context{Context: parent, Responder: named("mine"), ID: "mine-id"}
			return reqctx.WithRequestID(WithResponder(c, named("inner")), "inner-id")
		}, "inner", "inner-id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used = ""
			ctx := tt.ctx()
			r := httptest.NewRequest("GET", "/", nil).WithContext(ctx)
			Reject(httptest.NewRecorder(), r, &Rejection{Status: http.StatusForbidden, Message: "Forbidden"})
			if used != tt.wantResponder {
				t.Errorf("responder = %q, want %q", used, tt.wantResponder)
			}
			if got := RequestID(r); got != tt.wantID {
				t.Errorf("RequestID = %q, want %q", got, tt.wantID)
			}
			if got := ctx.Value(otherKey{}); got != "other" {
				t.Errorf("other key = %v, want %q", got, "other")
			}
		})
	}
}

// TestRequestContextAllocations: answering the responder and the id
// allocates nothing.
func TestRequestContextAllocations(t *testing.T) {
	c := &reqctx.Context{Context: context.Background(), Responder: JSON{}, ID: "0123456789abcdef"}
	r := httptest.NewRequest("GET", "/", nil).WithContext(c)
	if n := testing.AllocsPerRun(100, func() {
		_ = from(r)
		_ = RequestID(r)
	}); n != 0 {
		t.Errorf("allocations = %v, want 0", n)
	}
}

// valuer holds one key.
type valuer struct{ v string }

type valuerKey struct{}

func (h *valuer) ContextValue(key any) any {
	if key == (valuerKey{}) {
		return h.v
	}
	return nil
}

// TestRequestContextValues: Values answers the keys it holds; every other
// key, and the responder and id keys, are answered as without it.
func TestRequestContextValues(t *testing.T) {
	parent := context.WithValue(context.Background(), otherKey{}, "other")
	c := &reqctx.Context{Context: parent, ID: "mine-id", Values: &valuer{"held"}}
	for _, tc := range []struct {
		name string
		key  any
		want any
	}{
		{"held key", valuerKey{}, "held"},
		{"parent's key", otherKey{}, "other"},
		{"unknown key", struct{}{}, nil},
	} {
		if got := c.Value(tc.key); got != tc.want {
			t.Errorf("%s: Value = %v, want %v", tc.name, got, tc.want)
		}
	}
	r := httptest.NewRequest("GET", "/", nil).WithContext(c)
	if got := RequestID(r); got != "mine-id" {
		t.Errorf("RequestID = %q, want %q", got, "mine-id")
	}
	if _, ok := from(r).(JSON); !ok {
		t.Errorf("from = %T, want the default JSON responder", from(r))
	}
}
