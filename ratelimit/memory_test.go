package ratelimit

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/harden-go/harden/internal/configerr"
)

var ctx = context.Background()

func TestMemoryFixedWindow(t *testing.T) {
	clock := newFakeClock()
	s := newMemStore(t, clock, 0)
	p := Policy{ID: "p", Limit: 3, Window: time.Minute, Algorithm: FixedWindow}
	steps := []struct {
		advance       time.Duration
		wantAllowed   bool
		wantRemaining int64
		wantReset     time.Duration
		wantRetry     time.Duration
	}{
		{0, true, 2, time.Minute, 0},
		{10 * time.Second, true, 1, 50 * time.Second, 0},
		{10 * time.Second, true, 0, 40 * time.Second, 0},
		{10 * time.Second, false, 0, 30 * time.Second, 30 * time.Second},
		{30*time.Second - time.Nanosecond, false, 0, time.Nanosecond, time.Nanosecond},
		{time.Nanosecond, true, 2, time.Minute, 0}, // exactly at the window's end: a new window
	}
	for i, st := range steps {
		clock.Advance(st.advance)
		got, err := s.Take(ctx, p, "k", 1)
		if err != nil {
			t.Fatal(err)
		}
		if got.Allowed != st.wantAllowed || got.Remaining != st.wantRemaining || got.Reset != st.wantReset || got.RetryAfter != st.wantRetry || got.Limit != 3 {
			t.Errorf("step %d: got %+v, want allowed=%v remaining=%d reset=%v retry=%v",
				i, got, st.wantAllowed, st.wantRemaining, st.wantReset, st.wantRetry)
		}
	}
}

func TestMemoryGCRA(t *testing.T) {
	clock := newFakeClock()
	s := newMemStore(t, clock, 0)
	// 4 per minute: a burst of 4, then one every 15 s.
	p := Policy{ID: "g", Limit: 4, Window: time.Minute, Algorithm: GCRA}
	for i := int64(0); i < 4; i++ {
		got, _ := s.Take(ctx, p, "k", 1)
		if !got.Allowed || got.Remaining != 3-i || got.Reset != time.Duration(i+1)*15*time.Second {
			t.Fatalf("burst %d: got %+v", i, got)
		}
	}
	got, _ := s.Take(ctx, p, "k", 1)
	if got.Allowed || got.Remaining != 0 || got.RetryAfter != 15*time.Second || got.Reset != time.Minute {
		t.Fatalf("after burst: got %+v, want refused, retry after 15s", got)
	}
	clock.Advance(15*time.Second - time.Nanosecond)
	if got, _ := s.Take(ctx, p, "k", 1); got.Allowed || got.RetryAfter != time.Nanosecond {
		t.Fatalf("1ns early: got %+v", got)
	}
	clock.Advance(time.Nanosecond)
	if got, _ := s.Take(ctx, p, "k", 1); !got.Allowed || got.Remaining != 0 {
		t.Fatalf("on time: got %+v", got)
	}
	// No boundary burst: at any moment after the burst, at most one more
	// request per 15 s, where a fixed window would grant 4 again at 60 s.
	clock.Advance(45 * time.Second)
	admitted := 0
	for range 10 {
		if got, _ := s.Take(ctx, p, "k", 1); got.Allowed {
			admitted++
		}
	}
	if admitted != 3 {
		t.Fatalf("45s later: admitted %d, want 3 (restored at 15s each)", admitted)
	}
	// cost above the limit never fits
	if got, _ := s.Take(ctx, p, "other", 5); got.Allowed {
		t.Fatalf("cost 5 of 4: got %+v", got)
	}
}

func TestMemoryRefund(t *testing.T) {
	for _, alg := range []Algorithm{FixedWindow, GCRA} {
		t.Run(string(alg), func(t *testing.T) {
			clock := newFakeClock()
			s := newMemStore(t, clock, 0)
			p := Policy{ID: "r", Limit: 2, Window: time.Minute, Algorithm: alg}
			a, _ := s.Take(ctx, p, "k", 1)
			b, _ := s.Take(ctx, p, "k", 1)
			if !a.Allowed || !b.Allowed || b.Remaining != 0 {
				t.Fatalf("setup: %+v %+v", a, b)
			}
			if err := s.Refund(ctx, p, "k", 1, b); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Take(ctx, p, "k", 1); !got.Allowed || got.Remaining != 0 {
				t.Fatalf("after refund: got %+v, want allowed with 0 left", got)
			}
		})
	}
	// A refund that arrives after its fixed window ended does not credit the
	// next window.
	clock := newFakeClock()
	s := newMemStore(t, clock, 0)
	p := Policy{ID: "r", Limit: 1, Window: time.Minute}
	old, _ := s.Take(ctx, p, "k", 1)
	clock.Advance(time.Minute)
	cur, _ := s.Take(ctx, p, "k", 1)
	if !cur.Allowed {
		t.Fatal("new window refused")
	}
	_ = s.Refund(ctx, p, "k", 1, old)
	if got, _ := s.Take(ctx, p, "k", 1); got.Allowed {
		t.Fatalf("stale refund credited the new window: %+v", got)
	}
}

func TestMemoryPoliciesAreSeparate(t *testing.T) {
	s := newMemStore(t, nil, 0)
	a := Policy{ID: "a", Limit: 1, Window: time.Minute}
	b := Policy{ID: "b", Limit: 1, Window: time.Minute}
	if r, _ := s.Take(ctx, a, "k", 1); !r.Allowed {
		t.Fatal("a refused")
	}
	if r, _ := s.Take(ctx, b, "k", 1); !r.Allowed {
		t.Fatal("b shares a's counter")
	}
	// (ID, key) pairs that concatenate to the same bytes stay apart.
	c := Policy{ID: "ab", Limit: 1, Window: time.Minute}
	d := Policy{ID: "a", Limit: 1, Window: time.Minute}
	_, _ = s.Take(ctx, c, "x", 1)
	if r, _ := s.Take(ctx, d, "bx", 1); !r.Allowed {
		t.Fatal(`("ab","x") and ("a","bx") share a counter`)
	}
}

// TestMemoryExact: N goroutines × M requests against limit L admit exactly
// L per window, for both algorithms.
func TestMemoryExact(t *testing.T) {
	const n, m, limit = 16, 200, 537
	for _, alg := range []Algorithm{FixedWindow, GCRA} {
		t.Run(string(alg), func(t *testing.T) {
			clock := newFakeClock()
			s := newMemStore(t, clock, 0)
			p := Policy{ID: "x", Limit: limit, Window: time.Hour, Algorithm: alg}
			for window := range 3 {
				var admitted atomic.Int64
				var wg sync.WaitGroup
				for range n {
					wg.Go(func() {
						for range m {
							if r, _ := s.Take(ctx, p, "shared", 1); r.Allowed {
								admitted.Add(1)
							}
						}
					})
				}
				wg.Wait()
				if got := admitted.Load(); got != limit {
					t.Fatalf("window %d: admitted %d of %d, want exactly %d", window, got, n*m, limit)
				}
				clock.Advance(time.Hour)
			}
		})
	}
}

func TestMemoryReclaimsExpired(t *testing.T) {
	clock := newFakeClock()
	st, err := NewMemoryStore(MemoryConfig{MaxKeys: 1000, Shards: 1, Clock: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	s := st.(*memoryStore)
	p := Policy{ID: "e", Limit: 5, Window: time.Second}
	for i := range 900 {
		_, _ = s.Take(ctx, p, strconv.Itoa(i), 1)
	}
	if s.count() != 900 {
		t.Fatalf("count = %d, want 900", s.count())
	}
	clock.Advance(time.Second)
	if n := s.sweep(); n != 900 || s.count() != 0 {
		t.Fatalf("sweep removed %d, count = %d; want 900, 0", n, s.count())
	}
	// Without sweep, new keys reclaim expired ones as they arrive: 900
	// expired plus 900 live keys fit in a bound of 1000 without evicting a
	// live one.
	for i := range 900 {
		_, _ = s.Take(ctx, p, "old"+strconv.Itoa(i), 1)
	}
	clock.Advance(time.Second)
	live := Policy{ID: "live", Limit: 1, Window: time.Hour}
	for i := range 900 {
		if r, _ := s.Take(ctx, live, strconv.Itoa(i), 1); !r.Allowed {
			t.Fatalf("live key %d refused", i)
		}
	}
	for i := range 900 {
		if r, _ := s.Take(ctx, live, strconv.Itoa(i), 1); r.Allowed {
			t.Fatalf("live key %d was evicted (admitted twice); count = %d", i, s.count())
		}
	}
	if s.count() > 1000 {
		t.Fatalf("count = %d > 1000", s.count())
	}
}

// TestMemoryFlood: a flood of 1,000,000 distinct keys keeps the store under
// its bound, in keys and in bytes.
func TestMemoryFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("1M keys; run without -short")
	}
	const maxKeys, flood = 50_000, 1_000_000
	s := newMemStore(t, nil, maxKeys)
	p := Policy{ID: "flood", Limit: 10, Window: time.Hour}
	victim := "ip:198.51.100.1"
	_, _ = s.Take(ctx, p, victim, 1)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var key [32]byte
	for i := range flood {
		k := strconv.AppendInt(append(key[:0], "ip:flood-"...), int64(i), 10)
		if r, _ := s.Take(ctx, p, string(k), 1); !r.Allowed {
			t.Fatalf("flood key %d refused", i)
		}
		if i%100_000 == 0 && s.count() > maxKeys {
			t.Fatalf("after %d keys: count = %d > %d", i, s.count(), maxKeys)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if s.count() > s.maxKeys() || s.maxKeys() > maxKeys {
		t.Fatalf("count = %d, MaxKeys = %d, bound %d", s.count(), s.maxKeys(), maxKeys)
	}
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	perKey := float64(heap) / maxKeys
	t.Logf("1,000,000 distinct keys, bound %d: %d counters held, heap growth %d bytes (%.1f B per counter)",
		maxKeys, s.count(), heap, perKey)
	// 16-byte counters in a Go map of 8-byte keys cost about 30–60 bytes each
	// with the table's slack; far from the 1M keys × ~100 B an unbounded map
	// of strings would hold.
	if limit := int64(maxKeys * 100); heap > limit {
		t.Fatalf("heap grew by %d bytes, want ≤ %d", heap, limit)
	}
	runtime.KeepAlive(s)
}

func TestNewMemoryStoreBounds(t *testing.T) {
	for _, tc := range []struct{ maxKeys, shards, wantMax, wantShards int }{
		{0, 0, defaultMaxKeys, defaultShards},
		{10, 0, 10, 8},
		{1, 0, 1, 1},
		{100, 3, 100, 4},
		{1000, 1000, 1000, 512},
	} {
		st, err := NewMemoryStore(MemoryConfig{MaxKeys: tc.maxKeys, Shards: tc.shards})
		if err != nil {
			t.Fatal(err)
		}
		s := st.(*memoryStore)
		if s.maxKeys() > tc.wantMax || len(s.shards) != tc.wantShards {
			t.Errorf("MaxKeys %d Shards %d: got bound %d shards %d, want ≤ %d and %d",
				tc.maxKeys, tc.shards, s.maxKeys(), len(s.shards), tc.wantMax, tc.wantShards)
		}
	}
	for _, tc := range []struct {
		cfg  MemoryConfig
		want string
	}{
		{MemoryConfig{MaxKeys: -1}, `ratelimit: max_keys "-1": must not be negative; 0 means the default, 100000`},
		{MemoryConfig{Shards: -2}, `ratelimit: shards "-2": must not be negative; 0 means the default, 64`},
	} {
		_, err := NewMemoryStore(tc.cfg)
		var ce *configerr.Error
		if !errors.As(err, &ce) || !errors.Is(err, errInvalidMemoryConfig) || err.Error() != tc.want {
			t.Errorf("NewMemoryStore(%+v) = %v, want %s", tc.cfg, err, tc.want)
		}
	}
	// A store bounded to one key still works.
	st, _ := NewMemoryStore(MemoryConfig{MaxKeys: 1})
	s := st.(*memoryStore)
	p := Policy{ID: "one", Limit: 1, Window: time.Hour}
	for i := range 10 {
		if r, _ := s.Take(ctx, p, strconv.Itoa(i), 1); !r.Allowed || s.count() != 1 {
			t.Fatalf("key %d: %+v, count %d", i, r, s.count())
		}
	}
}

func TestMemoryTakeAllocs(t *testing.T) {
	s := newMemStore(t, nil, 0)
	p := Policy{ID: "a", Limit: 1 << 30, Window: time.Hour}
	_, _ = s.Take(ctx, p, "ip:192.0.2.1", 1)
	allocs := testing.AllocsPerRun(1000, func() {
		_, _ = s.Take(ctx, p, "ip:192.0.2.1", 1)
	})
	if allocs != 0 {
		t.Fatalf("Take allocates %.1f times per call, want 0", allocs)
	}
}

func BenchmarkMemoryStore(b *testing.B) {
	for _, alg := range []Algorithm{FixedWindow, GCRA} {
		b.Run(string(alg), func(b *testing.B) {
			s := newMemStore(b, nil, 0)
			p := Policy{ID: "bench", Limit: 1 << 30, Window: time.Hour, Algorithm: alg}
			keys := make([]string, 1024)
			for i := range keys {
				keys[i] = "ip:10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
				_, _ = s.Take(ctx, p, keys[i], 1)
			}
			var seq atomic.Uint32
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(7919))
				for pb.Next() {
					i++
					_, _ = s.Take(ctx, p, keys[i&1023], 1)
				}
			})
		})
	}
}

// TestMemShardSize: each shard fills one 64-byte cache line, so that cores
// working on neighbouring shards do not contend for a line.
func TestMemShardSize(t *testing.T) {
	if got := unsafe.Sizeof(memShard{}); got != 64 {
		t.Fatalf("memShard is %d bytes, want 64", got)
	}
}

// BenchmarkMemoryStoreLive is BenchmarkMemoryStore with counters that stay
// live between a key's requests, so every Take updates one in place. (In
// BenchmarkMemoryStore a GCRA counter, one unit per 3.4 µs, is worthless
// again long before its key comes back, so GCRA there measures a new
// counter: the insertion and its sweep of expired ones.)
func BenchmarkMemoryStoreLive(b *testing.B) {
	for _, alg := range []Algorithm{FixedWindow, GCRA} {
		b.Run(string(alg), func(b *testing.B) {
			s := newMemStore(b, nil, 0)
			// GCRA: one unit per 343 ms, a burst of 2^20 per key; far more
			// than a run spends on any of the 1024 keys.
			p := Policy{ID: "bench", Limit: 1 << 20, Window: 100 * time.Hour, Algorithm: alg}
			keys := make([]string, 1024)
			for i := range keys {
				keys[i] = "ip:10.0." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
				_, _ = s.Take(ctx, p, keys[i], 1)
			}
			var seq atomic.Uint32
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(seq.Add(7919))
				for pb.Next() {
					i++
					_, _ = s.Take(ctx, p, keys[i&1023], 1)
				}
			})
		})
	}
}
