package storeguard

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Bound returns ctx limited by timeout as well; timeout ≤ 0 adds no limit.
// The earlier of the two deadlines holds.
func Bound(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, timeout)
}

// result carries fn's answer from its goroutine.
type result[T any] struct {
	v   T
	err error
}

// Call runs fn with ctx bounded by timeout (see [Bound]) and returns fn's
// answer, or the bounded context's error as soon as it ends, whichever
// comes first. fn keeps running in its own goroutine until it returns; its
// late answer is dropped.
func Call[T any](ctx context.Context, timeout time.Duration, fn func(context.Context) (T, error)) (T, error) {
	ctx, cancel := Bound(ctx, timeout)
	done := make(chan result[T], 1) // buffered: a late fn never blocks
	go func() {
		v, err := fn(ctx)
		done <- result[T]{v, err}
	}()
	select {
	case r := <-done:
		cancel()
		return r.v, r.err
	case <-ctx.Done():
		cancel()
		var zero T
		return zero, ctx.Err()
	}
}

// DefaultInterval is a [Reporter]'s default Interval.
const DefaultInterval = time.Minute

// Reporter logs a store's failures: the first error at once, then at most
// one record per Interval with the number of errors suppressed since the
// last record, and one recovery record at the first success after a
// failure. It is safe for concurrent use; its zero value discards.
type Reporter struct {
	// Logger receives the records. Nil discards them.
	Logger *slog.Logger
	// Name starts each message: Name + ": store failed" (level Error) and
	// Name + ": store recovered" (level Info).
	Name string
	// Attrs are added to every record (the store, the policy, ...).
	Attrs []slog.Attr
	// Interval is the least time between two failure records. Default
	// DefaultInterval.
	Interval time.Duration
	// Clock returns the time. Default time.Now.
	Clock func() time.Time

	failing atomic.Bool // read on every success: kept off the mutex

	mu         sync.Mutex
	last       time.Time // of the last failure record; zero when healthy
	suppressed int64
}

func (r *Reporter) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

// Failure records one failed call. It reports whether this failure was
// logged (the first of an outage, or the first after an Interval) and, if
// so, how many failures before it were suppressed since the last record:
// a caller that writes its own record of the failure (a security event)
// follows the same rule by writing it only when logged is true.
func (r *Reporter) Failure(ctx context.Context, err error) (logged bool, suppressed int64) {
	r.failing.Store(true)
	interval := r.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	r.mu.Lock()
	now := r.now()
	if !r.last.IsZero() && now.Sub(r.last) < interval {
		r.suppressed++
		r.mu.Unlock()
		return false, 0
	}
	n := r.suppressed
	r.suppressed = 0
	r.last = now
	r.mu.Unlock()
	if r.Logger != nil {
		attrs := append(append(make([]slog.Attr, 0, len(r.Attrs)+2), r.Attrs...),
			slog.Int64("suppressed", n), slog.Any("error", err))
		r.Logger.LogAttrs(ctx, slog.LevelError, r.Name+": store failed", attrs...)
	}
	return true, n
}

// Success records one successful call: after a failure, the recovery is
// logged once with the errors suppressed since the last record. It
// reports whether this call was that recovery, and the count; exactly one
// of concurrent successes after a failure is.
func (r *Reporter) Success(ctx context.Context) (recovered bool, suppressed int64) {
	if !r.failing.Load() || !r.failing.CompareAndSwap(true, false) {
		return false, 0
	}
	r.mu.Lock()
	n := r.suppressed
	r.suppressed = 0
	r.last = time.Time{}
	r.mu.Unlock()
	if r.Logger != nil {
		attrs := append(append(make([]slog.Attr, 0, len(r.Attrs)+1), r.Attrs...), slog.Int64("suppressed", n))
		r.Logger.LogAttrs(ctx, slog.LevelInfo, r.Name+": store recovered", attrs...)
	}
	return true, n
}

// Failing reports whether the last call recorded failed.
func (r *Reporter) Failing() bool { return r.failing.Load() }
