package session_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
)

// storeCalls records what a StoreObserver is told.
type storeCalls struct {
	mu    sync.Mutex
	calls []string // "op" or "op:error"
	took  []time.Duration
}

func (c *storeCalls) ObserveStore(op string, elapsed time.Duration, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := op
	if err != nil {
		s += ":error"
	}
	c.calls = append(c.calls, s)
	c.took = append(c.took, elapsed)
}

// take returns the calls recorded so far and forgets them.
func (c *storeCalls) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := strings.Join(c.calls, ",")
	c.calls, c.took = nil, nil
	return s
}

func TestStoreObserverSeesEachCallOnce(t *testing.T) {
	for _, store := range []struct {
		name string
		new  func() session.Store
	}{
		// The memory store is called directly; any other store goes
		// through the deadline wrapper. Both are observed.
		{"memory", func() session.Store { return session.NewMemoryStore(0) }},
		{"wrapped", func() session.Store { return &failingStore{MemoryStore: session.NewTestMemoryStore(0)} }},
	} {
		t.Run(store.name, func(t *testing.T) {
			obs := &storeCalls{}
			app := storetest.NewApp(t, store.new(), func(c *session.Config) { c.StoreObserver = obs })
			b := &storetest.Browser{App: app}
			steps := []struct {
				method, target string
				want           string
			}{
				{"GET", "/noop", ""},                           // no cookie: the store is not touched
				{"POST", "/set?k=a&v=1", "save"},               // a new session is saved once
				{"GET", "/get?k=a", "load"},                    // read, not stale: no save
				{"POST", "/login?user=u1", "load,delete,save"}, // the pre-login record goes before the new one is written
				{"POST", "/logout", "load,delete"},
			}
			for _, s := range steps {
				b.Do(t, s.method, s.target)
				if got := obs.take(); got != s.want {
					t.Fatalf("%s %s: observed %q, want %q", s.method, s.target, got, s.want)
				}
			}
		})
	}
}

func TestStoreObserverSeesErrors(t *testing.T) {
	f := &failingStore{MemoryStore: session.NewTestMemoryStore(0)}
	obs := &storeCalls{}
	app := storetest.NewApp(t, f, func(c *session.Config) { c.StoreObserver = obs })
	b := &storetest.Browser{App: app}
	b.Do(t, "POST", "/set?k=a&v=1")
	obs.take()
	f.fail.Store(true)
	if res := b.Do(t, "GET", "/get?k=a"); res.Status != 503 {
		t.Fatalf("GET /get with the store down = %d, want 503", res.Status)
	}
	if got, want := obs.take(), "load:error"; got != want {
		t.Fatalf("observed %q, want %q", got, want)
	}
	f.fail.Store(false)
	// A new visitor's save fails.
	f.fail.Store(true)
	nb := &storetest.Browser{App: app}
	if res := nb.Do(t, "POST", "/set?k=a&v=1"); res.Status != 503 {
		t.Fatalf("POST /set with the store down = %d, want 503", res.Status)
	}
	if got, want := obs.take(), "save:error"; got != want {
		t.Fatalf("observed %q, want %q", got, want)
	}
}

func TestStoreObserverMeasuresTheCall(t *testing.T) {
	f := &failingStore{MemoryStore: session.NewTestMemoryStore(0)}
	obs := &storeCalls{}
	app := storetest.NewApp(t, f, func(c *session.Config) {
		c.StoreObserver = obs
		c.StoreTimeout = 40 * time.Millisecond
	})
	b := &storetest.Browser{App: app}
	b.Do(t, "POST", "/set?k=a&v=1")
	obs.take()
	f.block = make(chan struct{}) // a store that hangs until the timeout
	defer close(f.block)
	if res := b.Do(t, "GET", "/get?k=a"); res.Status != 503 {
		t.Fatalf("GET /get with a hung store = %d, want 503", res.Status)
	}
	obs.mu.Lock()
	calls, took := fmt.Sprint(obs.calls), obs.took
	obs.mu.Unlock()
	if calls != "[load:error]" || len(took) != 1 {
		t.Fatalf("observed %s, want [load:error]", calls)
	}
	if took[0] < 40*time.Millisecond || took[0] > 2*time.Second {
		t.Fatalf("observed latency %v, want about the 40ms timeout", took[0])
	}
}
