package ratelimit

import (
	"context"
	"time"
)

// Algorithm names how a quota is counted.
type Algorithm string

const (
	// FixedWindow counts requests in a window that starts with a client's
	// first request and lasts Window; at its end the count starts again
	// (express-rate-limit's model). A client can spend Limit just before the
	// end of one window and Limit again just after: up to 2×Limit in a short
	// time around the boundary.
	FixedWindow Algorithm = "fixed-window"
	// GCRA is the generic cell rate algorithm (a leaky bucket kept as one
	// timestamp): a burst of up to Limit, then one unit every Window/Limit.
	// There is no window boundary, so no boundary burst: over any span of
	// Window the client gets at most Limit plus what was restored during it.
	GCRA Algorithm = "gcra"
)

// Policy is what a [Store] needs to decide: the quota, its algorithm, and
// the namespace that separates the counters of different limiters.
type Policy struct {
	// ID namespaces counters: limiters with the same ID on one store share
	// their counters (one budget across routes); different IDs never do.
	ID        string
	Limit     int64
	Window    time.Duration
	Algorithm Algorithm
}

// Interval is the GCRA emission interval: the time in which one unit of
// quota is restored.
func (p Policy) interval() time.Duration { return p.Window / time.Duration(p.Limit) }

// Result is the outcome of one decision.
type Result struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Limit is the quota of the policy.
	Limit int64
	// Remaining is the quota left after this decision (never negative).
	Remaining int64
	// Reset is the time until the quota is whole again: the end of the fixed
	// window, or for GCRA the time until every spent unit is restored.
	Reset time.Duration
	// RetryAfter is, for a refused request, the time until a request of the
	// same cost can be admitted; zero when Allowed.
	RetryAfter time.Duration
	// Window identifies the fixed window that counted the request (opaque,
	// store-specific; zero for GCRA). [Store.Refund] uses it so that a refund
	// arriving after the window ended never credits the next window.
	Window int64
}

// A Store keeps counters and decides atomically. Implementations must be
// safe for concurrent use, and every Take must be one atomic step: two
// concurrent Takes on one key never both see the same remaining quota.
//
// Errors are for system failures (the store is unreachable, a timeout);
// an exhausted quota is a Result with Allowed false, never an error.
type Store interface {
	// Take spends cost units of key's quota under p, or none if the quota
	// does not cover cost (then Allowed is false).
	Take(ctx context.Context, p Policy, key string, cost int64) (Result, error)
	// Refund gives back cost units that Take spent with the result taken,
	// for example when the response shows the request should not count.
	// A refund for a fixed window that has ended is a no-op.
	Refund(ctx context.Context, p Policy, key string, cost int64, taken Result) error
}
