package ratelimit

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock without a monotonic reading.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newMemStore(t testing.TB, clock *fakeClock, maxKeys int) *MemoryStore {
	t.Helper()
	cfg := MemoryConfig{MaxKeys: maxKeys}
	if clock != nil {
		cfg.Clock = clock.Now
	}
	s, err := NewMemoryStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
