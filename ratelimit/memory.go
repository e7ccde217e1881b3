package ratelimit

import (
	"context"
	"errors"
	"hash/maphash"
	"math/bits"
	"strconv"
	"sync"
	"time"

	"github.com/harden-go/harden/internal/configerr"
)

// MemoryConfig configures [NewMemoryStore]. The zero value is ready to use.
type MemoryConfig struct {
	// MaxKeys is the hard bound on the number of counters kept. When it is
	// reached, a new key first reclaims expired counters and otherwise evicts
	// the counter closest to its reset among a random sample, so a flood of
	// distinct keys costs at most MaxKeys counters. Default 100000.
	MaxKeys int `json:"max_keys"`
	// Shards is the number of independently locked partitions, rounded up
	// to a power of two. Default 64.
	Shards int `json:"shards"`
	// Clock returns the current time; tests inject a fake. Default time.Now.
	Clock func() time.Time `json:"-"`
}

// Defaults of [MemoryConfig].
const (
	defaultMaxKeys = 100_000
	defaultShards  = 64
)

// errInvalidMemoryConfig is wrapped by the configuration errors
// [NewMemoryStore] returns for a negative MaxKeys or Shards.
var errInvalidMemoryConfig = errors.New("ratelimit: invalid memory store config")

// memoryStore is the in-process [Store] of [NewMemoryStore].
type memoryStore struct {
	seed     maphash.Seed
	idSeed   maphash.Seed
	shards   []memShard
	shift    uint // hash >> shift selects the shard
	perShard int
	clock    func() time.Time
	epoch    time.Time
}

type memShard struct {
	mu sync.Mutex
	m  map[uint64]memEntry
	// 64 bytes in all: one cache line per shard, none shared, so one
	// shard's lock does not slow its neighbours. TestMemShardSize checks
	// the sizes this assumes.
	_ [64 - mutexSize - ptrSize]byte
}

// Sizes of memShard's fields: sync.Mutex is two 32-bit words on every
// platform, a map is one pointer.
const (
	mutexSize = 8
	ptrSize   = 4 << (^uintptr(0) >> 63)
)

// memEntry is one counter. Fixed window: n requests counted in the window
// ending at exp. GCRA: exp is the theoretical arrival time (n unused). In
// both, the entry is worthless once now ≥ exp, which is what reclaims it.
type memEntry struct {
	n   int64
	exp int64 // nanoseconds since the store's epoch
}

// Eviction sampling: how many entries one insertion looks at.
const (
	sweepSample = 4  // on every insertion, to reclaim expired counters early
	evictSample = 32 // when the shard is full
)

var _ Store = (*memoryStore)(nil)

// NewMemoryStore returns the in-process [Store], configured by cfg: its
// counters live in a sharded map keyed by a 64-bit keyed hash of
// (policy ID, key), so a counter costs the same few bytes whatever the
// length of its key, and the key string is never retained. The hash seed
// is random per process, so clients cannot choose keys that collide; two
// keys collide by chance with probability about n²/2⁶⁵ for n live keys
// (3·10⁻⁸ at a million).
//
// Steady-state Take and Refund allocate nothing. Counters of one process
// are not shared with other instances: use the Redis store for that.
func NewMemoryStore(cfg MemoryConfig) (Store, error) {
	var errs []error
	if cfg.MaxKeys < 0 {
		errs = append(errs, &configerr.Error{Pkg: "ratelimit", Field: "max_keys", Index: -1, Value: strconv.Itoa(cfg.MaxKeys),
			Reason: "must not be negative; 0 means the default, 100000", Err: errInvalidMemoryConfig})
	}
	if cfg.Shards < 0 {
		errs = append(errs, &configerr.Error{Pkg: "ratelimit", Field: "shards", Index: -1, Value: strconv.Itoa(cfg.Shards),
			Reason: "must not be negative; 0 means the default, 64", Err: errInvalidMemoryConfig})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = defaultMaxKeys
	}
	if cfg.Shards == 0 {
		cfg.Shards = defaultShards
	}
	if cfg.Shards > cfg.MaxKeys {
		cfg.Shards = cfg.MaxKeys
	}
	n := 1 << bits.Len(uint(cfg.Shards-1)) // next power of two
	if n > cfg.MaxKeys {
		n >>= 1 // stay within the bound: every shard holds at least one key
	}
	s := &memoryStore{
		seed:     maphash.MakeSeed(),
		idSeed:   maphash.MakeSeed(),
		shards:   make([]memShard, n),
		shift:    uint(64 - bits.Len(uint(n-1))),
		perShard: cfg.MaxKeys / n,
		clock:    cfg.Clock,
	}
	if n == 1 {
		s.shift = 63 // any hash >> 63 is 0 or 1; guarded in shard()
	}
	for i := range s.shards {
		s.shards[i].m = make(map[uint64]memEntry)
	}
	s.epoch = time.Now()
	if s.clock != nil {
		s.epoch = s.clock()
	}
	return s, nil
}

// now is the store's time: nanoseconds since its creation. Without an
// injected clock it reads only the monotonic clock (time.Since), which is
// cheaper than a full time.Now and immune to wall-clock steps.
func (s *memoryStore) now() int64 {
	if s.clock == nil {
		return int64(time.Since(s.epoch))
	}
	return int64(s.clock().Sub(s.epoch))
}

// hash combines independently seeded hashes of id and key: with two seeds,
// (id, key) = ("a", "b") and ("b", "a") do not cancel out, and no pair of
// strings can be chosen to collide without knowing the seeds.
func (s *memoryStore) hash(id, key string) uint64 {
	return maphash.String(s.idSeed, id) ^ maphash.String(s.seed, key)
}

func (s *memoryStore) shard(h uint64) *memShard {
	if len(s.shards) == 1 {
		return &s.shards[0]
	}
	return &s.shards[h>>s.shift]
}

// Take implements [Store].
func (s *memoryStore) Take(_ context.Context, p Policy, key string, cost int64) (Result, error) {
	h := s.hash(p.ID, key)
	sh := s.shard(h)
	// Read the clock outside the lock: it is the slowest step, and a
	// decision applied a little after its reading only errs towards the
	// stricter answer.
	now := s.now()
	sh.mu.Lock()
	e, present := sh.m[h]
	live := present && now < e.exp
	var res Result
	if p.Algorithm == GCRA {
		res, e = gcraTake(p, e, live, now, cost)
	} else {
		res, e = fixedTake(p, e, live, now, cost)
	}
	if res.Allowed {
		if !present {
			s.makeRoom(sh, now)
		}
		sh.m[h] = e
	}
	sh.mu.Unlock()
	return res, nil
}

func fixedTake(p Policy, e memEntry, live bool, now, cost int64) (Result, memEntry) {
	if !live {
		e = memEntry{exp: now + int64(p.Window)}
	}
	res := Result{Limit: p.Limit, Reset: time.Duration(e.exp - now), Window: e.exp}
	if e.n+cost > p.Limit {
		res.Remaining = p.Limit - e.n
		res.RetryAfter = res.Reset
		return res, e
	}
	e.n += cost
	res.Allowed = true
	res.Remaining = p.Limit - e.n
	return res, e
}

func gcraTake(p Policy, e memEntry, live bool, now, cost int64) (Result, memEntry) {
	t := int64(p.interval())
	tau := t * p.Limit // burst tolerance: exactly Limit units from empty
	tat := now
	if live && e.exp > now {
		tat = e.exp
	}
	next := tat + cost*t
	res := Result{Limit: p.Limit}
	if next-now > tau {
		res.Remaining = (tau - (tat - now)) / t
		res.Reset = time.Duration(tat - now)
		res.RetryAfter = time.Duration(next - now - tau)
		return res, e
	}
	res.Allowed = true
	res.Remaining = (tau - (next - now)) / t
	res.Reset = time.Duration(next - now)
	return res, memEntry{exp: next}
}

// makeRoom runs before a new key is inserted into sh: it reclaims a few
// expired counters and, when the shard is full, evicts one.
func (s *memoryStore) makeRoom(sh *memShard, now int64) {
	i := 0
	for k, e := range sh.m { // map iteration starts at a random entry
		if i++; i > sweepSample {
			break
		}
		if now >= e.exp {
			delete(sh.m, k)
		}
	}
	for len(sh.m) >= s.perShard {
		// Evict the sampled counter nearest its reset: an expired one if
		// any, else the one whose loss gives its client the least.
		var victim uint64
		best := int64(1<<63 - 1)
		i = 0
		for k, e := range sh.m {
			if i++; i > evictSample {
				break
			}
			if e.exp < best {
				best, victim = e.exp, k
			}
		}
		delete(sh.m, victim)
	}
}

// Refund implements [Store].
func (s *memoryStore) Refund(_ context.Context, p Policy, key string, cost int64, taken Result) error {
	h := s.hash(p.ID, key)
	sh := s.shard(h)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	now := s.now()
	e, ok := sh.m[h]
	if !ok || now >= e.exp {
		return nil
	}
	if p.Algorithm == GCRA {
		e.exp -= cost * int64(p.interval())
		if e.exp <= now {
			delete(sh.m, h)
			return nil
		}
	} else {
		if e.exp != taken.Window {
			return nil // a later window: this request was not counted in it
		}
		e.n = max(e.n-cost, 0)
	}
	sh.m[h] = e
	return nil
}
