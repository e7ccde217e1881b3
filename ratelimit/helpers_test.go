package ratelimit

import (
	"net/http"
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

func newMemStore(t testing.TB, clock *fakeClock, maxKeys int) *memoryStore {
	t.Helper()
	cfg := MemoryConfig{MaxKeys: maxKeys}
	if clock != nil {
		cfg.Clock = clock.Now
	}
	s, err := NewMemoryStore(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*memoryStore)
}

// partitionKey is the partition key of key, as the headers carry it.
func partitionKey(key string) string {
	var buf [16]byte
	return string(appendPartitionKey(buf[:0], key))
}

// check decides r as the middleware does, without skipping and without
// writing anything: it spends one unit of the quota of r's key.
func (l *Limiter) check(r *http.Request) (Result, error) {
	return l.Allow(r.Context(), l.cfg.Key(r), 1)
}

// maxKeys returns the bound on the number of counters.
func (s *memoryStore) maxKeys() int { return s.perShard * len(s.shards) }

// count returns the number of counters held, expired ones included.
func (s *memoryStore) count() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}

// sweep removes every expired counter and returns the number removed.
func (s *memoryStore) sweep() int {
	now := s.now()
	removed := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for k, e := range sh.m {
			if now >= e.exp {
				delete(sh.m, k)
				removed++
			}
		}
		sh.mu.Unlock()
	}
	return removed
}
