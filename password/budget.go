package password

import (
	"context"
	"runtime"
	"sync"

	"github.com/harden-go/harden/internal/hashstats"
)

// init lets the stack's tests read a hasher's admission (hashstats.Of)
// without a public accessor.
func init() {
	hashstats.Of = func(h any) hashstats.Stats { return h.(*Hasher).gate.snapshot() }
}

// gate admits hashes: at most maxRunning at once, holding together at
// most budget bytes, with at most maxQueue callers waiting in FIFO order.
// A hash that alone needs more than the budget runs only when nothing else
// does.
type gate struct {
	maxRunning int
	budget     int64
	maxQueue   int

	mu      sync.Mutex
	running int
	inUse   int64
	waiting []*waiter
	stats   hashstats.Stats
}

type waiter struct {
	need  int64
	ready chan struct{} // closed when the slot is granted
}

func (g *gate) fits(need int64) bool {
	return g.running < g.maxRunning && (g.running == 0 || g.inUse+need <= g.budget)
}

func (g *gate) take(need int64) {
	g.running++
	g.inUse += need
}

// acquire waits for room for a hash of need bytes. It returns ErrBusy at
// once when the queue is full, and ctx's error when ctx ends first: a
// client that has gone away no longer holds a place in the queue, and its
// hash is never computed.
func (g *gate) acquire(ctx context.Context, need int64) error {
	g.mu.Lock()
	if err := ctx.Err(); err != nil {
		g.stats.Abandoned++
		g.mu.Unlock()
		return err
	}
	if len(g.waiting) == 0 && g.fits(need) {
		g.take(need)
		g.mu.Unlock()
		return nil
	}
	// A full queue refuses at once: waiting callers cost memory and time
	// of their own, and a login flood must not grow them without bound.
	if len(g.waiting) >= g.maxQueue {
		g.stats.Refused++
		g.mu.Unlock()
		return ErrBusy
	}
	w := &waiter{need: need, ready: make(chan struct{})}
	g.waiting = append(g.waiting, w)
	g.mu.Unlock()

	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-w.ready:
		// Granted while ctx ended: give the slot back.
		g.running--
		g.inUse -= need
	default:
		for i, o := range g.waiting {
			if o == w {
				g.waiting = append(g.waiting[:i], g.waiting[i+1:]...)
				break
			}
		}
	}
	g.stats.Abandoned++
	g.grant()
	return ctx.Err()
}

// release returns a finished hash's room and admits the next waiters.
func (g *gate) release(need int64, collect bool) {
	if collect {
		// The hash's memory is garbage now, but Go frees it only at the
		// next collection, which under GOGC's proportional pacing may come
		// after several more hashes have allocated theirs: a login flood
		// then grows the heap to a multiple of the budget (hundreds of MB).
		// Collecting before the slot is reused lets the next hash reuse
		// these pages. The block is pointer-free, so marking it is free; the
		// cost is one collection of the rest of the heap per hash, small
		// beside an argon2id computation.
		runtime.GC()
	}
	g.mu.Lock()
	g.running--
	g.inUse -= need
	g.stats.Hashes++
	g.grant()
	g.mu.Unlock()
}

// grant admits waiters from the front of the queue while they fit. The
// caller holds g.mu.
func (g *gate) grant() {
	for len(g.waiting) > 0 && g.fits(g.waiting[0].need) {
		w := g.waiting[0]
		g.waiting[0] = nil
		g.waiting = g.waiting[1:]
		g.take(w.need)
		close(w.ready)
	}
}

func (g *gate) snapshot() hashstats.Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.stats
	s.Running, s.Queued, s.InUse = g.running, len(g.waiting), g.inUse
	return s
}

// argonBytes is the memory one argon2id computation holds: its block
// matrix (memory KiB).
func argonBytes(p Argon2Params) int64 { return int64(p.Memory) << 10 }

// bcryptBytes is bcrypt's working memory (its 4 KiB of S-boxes plus the
// key schedule), rounded up.
const bcryptBytes = 8 << 10
