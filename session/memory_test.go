package session_test

import (
	"testing"

	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store { return session.NewMemoryStore(0) })
}

func TestMemoryStoreShared(t *testing.T) {
	s := session.NewMemoryStore(0)
	storetest.Shared(t, s, s)
}

func TestMemoryStoreBounded(t *testing.T) {
	s := session.NewTestMemoryStore(100)
	app := storetest.NewApp(t, s, nil)
	first := &storetest.Browser{App: app}
	first.Do(t, "POST", "/login?user=first")
	for range 1000 {
		b := &storetest.Browser{App: app}
		if res := b.Do(t, "POST", "/set?k=a&v=b"); res.Status != 200 {
			t.Fatalf("status %d", res.Status)
		}
	}
	if n := s.Len(); n != 100 {
		t.Fatalf("Len = %d after 1001 sessions, want the bound 100", n)
	}
	if res := first.Do(t, "GET", "/me"); res.Status != 401 {
		t.Fatalf("the least recently saved session survived eviction: %d", res.Status)
	}
}
