package session_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
)

// faultyStore is a MemoryStore that fails, or hangs ignoring its context,
// on demand.
type faultyStore struct {
	*session.MemoryStore
	fail atomic.Bool
	hang atomic.Pointer[chan struct{}] // non-nil: every call waits on it
}

var errRefused = errors.New("connection refused")

func (f *faultyStore) fault() error {
	if h := f.hang.Load(); h != nil {
		<-*h // ignores the context, as a client without deadlines does
		return errRefused
	}
	if f.fail.Load() {
		return errRefused
	}
	return nil
}

func (f *faultyStore) Find(ctx context.Context, key string) ([]byte, bool, error) {
	if err := f.fault(); err != nil {
		return nil, false, err
	}
	return f.MemoryStore.Find(ctx, key)
}

func (f *faultyStore) Commit(ctx context.Context, key string, rec session.Record) error {
	if err := f.fault(); err != nil {
		return err
	}
	return f.MemoryStore.Commit(ctx, key, rec)
}

// TestOutageLogsOnce: 30 requests refused during a store outage log one
// error record; the first success after it logs the recovery with the 29
// errors in between.
func TestOutageLogsOnce(t *testing.T) {
	store := &faultyStore{MemoryStore: session.NewTestMemoryStore(0)}
	app := storetest.NewApp(t, store, nil)
	user := &storetest.Browser{App: app}
	if res := user.Do(t, "POST", "/login?user=u1"); res.Status != 200 {
		t.Fatalf("login: %d %q", res.Status, res.Body)
	}
	store.fail.Store(true)
	for i := range 30 {
		if res := user.Do(t, "GET", "/me"); res.Status != 503 || strings.TrimSpace(res.Body) != `{"error":"Service unavailable"}` {
			t.Fatalf("request %d during the outage: %d %q, want 503 {\"error\":\"Service unavailable\"}", i, res.Status, res.Body)
		}
	}
	store.fail.Store(false)
	if res := user.Do(t, "GET", "/me"); res.Status != 200 {
		t.Fatalf("after the outage: %d %q, want 200", res.Status, res.Body)
	}
	logs := app.Logs.String()
	if n := strings.Count(logs, "\n"); n != 2 {
		t.Errorf("%d log records for one outage, want 2:\n%s", n, logs)
	}
	for _, want := range []string{
		`"level":"ERROR","msg":"session: store failed","event":"session_store_error","suppressed":0,"error":"find: connection refused"`,
		`"level":"INFO","msg":"session: store recovered","event":"session_store_error","suppressed":29`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// TestHungStoreBoundedByStoreTimeout: a store whose client ignores its
// context (a go-redis client without ContextTimeoutEnabled, a paused
// database) still answers every request within StoreTimeout: 503 after
// the timeout, not after the client's own.
func TestHungStoreBoundedByStoreTimeout(t *testing.T) {
	store := &faultyStore{MemoryStore: session.NewTestMemoryStore(0)}
	const timeout = 200 * time.Millisecond
	app := storetest.NewApp(t, store, func(c *session.Config) { c.StoreTimeout = timeout })
	user := &storetest.Browser{App: app}
	if res := user.Do(t, "POST", "/login?user=u1"); res.Status != 200 {
		t.Fatalf("login: %d %q", res.Status, res.Body)
	}
	hang := make(chan struct{})
	store.hang.Store(&hang)
	defer close(hang)
	lag := testserver.MeasureLag()
	defer lag.Stop()
	for _, target := range []string{"GET /me", "POST /login?user=u2"} {
		method, path, _ := strings.Cut(target, " ")
		start := time.Now()
		res := (&storetest.Browser{App: app, Cookie: user.Cookie}).Do(t, method, path)
		d := time.Since(start)
		if res.Status != 503 || strings.TrimSpace(res.Body) != `{"error":"Service unavailable"}` || len(res.SetCookie) != 0 {
			t.Errorf("%s with the store hung: %d %q (cookies %q), want 503 without cookies", target, res.Status, res.Body, res.SetCookie)
		}
		// A loaded machine's scheduler lateness is allowed on top.
		if starved := lag.Max(); d < timeout || d > timeout+100*time.Millisecond+starved {
			t.Errorf("%s answered after %v, want StoreTimeout %v (+100ms + %v scheduler lateness)", target, d, timeout, starved)
		}
	}
}
