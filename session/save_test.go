package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
)

// TestSaveBeforeAnswering: Save stores a login before the handler
// answers, so the handler knows the outcome: with the store up the session
// is stored once (no second write when the response starts) and the
// cookie is set; with the store down Save fails, the handler answers the
// failure, and no cookie and no record come out of it.
func TestSaveBeforeAnswering(t *testing.T) {
	store := &faultyStore{MemoryStore: session.NewTestMemoryStore(0)}
	counting := &countingCommits{faultyStore: store}
	app := storetest.NewApp(t, counting, nil)
	var saveErr error
	h := app.Manager.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.Login(r, "u1"); err != nil {
			t.Fatal(err)
		}
		saveErr = session.Save(w, r)
		if saveErr != nil {
			_ = session.Logout(r)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		if err := session.Save(w, r); err != nil { // nothing left to write
			t.Errorf("second Save = %v", err)
		}
		w.WriteHeader(http.StatusOK)
		if err := session.Save(w, r); !errors.Is(err, session.ExportErrHeadersWritten) {
			t.Errorf("Save after the response started = %v, want errHeadersWritten", err)
		}
	}))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "https://app.test/login", nil))
	if saveErr != nil || w.Code != 200 || !strings.Contains(w.Header().Get("Set-Cookie"), "sid=") {
		t.Fatalf("store up: Save = %v, %d, Set-Cookie %q; want nil, 200 and the cookie", saveErr, w.Code, w.Header().Get("Set-Cookie"))
	}
	if got := counting.commits; got != 1 || store.Len() != 1 {
		t.Errorf("store up: %d commits, %d records; want 1 and 1", got, store.Len())
	}

	store.fail.Store(true)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "https://app.test/login", nil))
	if saveErr == nil || w.Code != 503 || w.Header().Get("Set-Cookie") != "" {
		t.Fatalf("store down: Save = %v, %d, Set-Cookie %q; want an error, 503 and no cookie", saveErr, w.Code, w.Header().Get("Set-Cookie"))
	}
	if store.Len() != 1 {
		t.Errorf("store down: %d records, want the first login's only", store.Len())
	}
}

type countingCommits struct {
	*faultyStore
	commits int
}

func (c *countingCommits) Commit(ctx context.Context, key string, rec session.Record) error {
	c.commits++
	return c.faultyStore.Commit(ctx, key, rec)
}
