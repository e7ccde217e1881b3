// Package redisstore keeps rate-limit counters in Redis, so that every
// instance of a service enforces one shared, exact quota.
//
// Each decision is one command: a Lua script (EVALSHA, falling back to
// EVAL once when Redis does not know it yet) that reads the counter, decides
// and writes it back atomically, on Redis's own clock (TIME), so instances
// with skewed clocks still agree on windows. Concurrent decisions share
// round trips: while a batch is in flight the next ones wait and are sent
// together as one pipeline (one write, one read), as automatic pipelining
// does in other Redis clients; each script still runs atomically on its
// own, so limits stay exact across instances. Counters live under
// Prefix + "{" + policy ID + ":" + key + "}" and expire with their window;
// each script touches exactly one key, and the braces form a Redis Cluster
// hash tag, so the store works unchanged on Redis Cluster.
//
// How it fails: every call returns within Timeout (and the request's
// deadline), even when the client would wait longer: go-redis applies a
// context's deadline to its socket reads only with ContextTimeoutEnabled,
// and otherwise waits its own ReadTimeout (3 s by default) on a hung
// server. [Open] sets it; a client made elsewhere should too, with dial,
// read, write and pool timeouts no longer than Timeout, so that a
// timed-out call also frees its connection. An unreachable
// or slow Redis is an error, which the ratelimit.Limiter turns into its
// configured fail-open or fail-closed answer and logs once per interval. State held by
// Redis survives only as long as Redis keeps it: after a restart without
// persistence, quotas start afresh.
package redisstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/redisclient"
	"github.com/harden-go/harden/internal/storeguard"
	"github.com/harden-go/harden/ratelimit"
)

//go:embed ratelimit.lua
var scriptSource string

var script = redis.NewScript(scriptSource)

// Config configures a [Store].
type Config struct {
	// Client is the Redis client: a *redis.Client, *redis.ClusterClient or
	// *redis.Ring. Required.
	Client redis.Scripter `json:"-"`
	// Prefix starts every key. Default "harden:ratelimit:".
	Prefix string `json:"prefix,omitempty"`
	// Timeout bounds each call, on top of the request's own context.
	// Default 250ms; negative means no bound of its own.
	Timeout time.Duration `json:"timeout,omitempty"`
}

// Defaults of [Config].
const (
	defaultPrefix  = "harden:ratelimit:"
	defaultTimeout = 250 * time.Millisecond
)

// errNoClient is returned by [New] when Config.Client is nil.
var errNoClient = errors.New("redisstore: Config.Client is required")

// Store is a [ratelimit.Store] on Redis. It is safe for concurrent use.
type Store struct {
	client  redis.Scripter
	batch   *batcher // nil when the client cannot pipeline
	prefix  string
	timeout time.Duration
	closer  func() error
}

var _ ratelimit.Store = (*Store)(nil)

// New returns a Store configured by cfg.
func New(cfg Config) (*Store, error) {
	if cfg.Client == nil {
		return nil, errNoClient
	}
	if cfg.Prefix == "" {
		cfg.Prefix = defaultPrefix
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	s := &Store{client: cfg.Client, prefix: cfg.Prefix, timeout: cfg.Timeout}
	if pc, ok := cfg.Client.(pipeliner); ok {
		s.batch = &batcher{client: pc, timeout: cfg.Timeout}
	}
	return s, nil
}

// Open connects to the Redis server, Cluster or Sentinel-managed primary
// at url and returns a Store with the default Prefix and Timeout that owns
// the client: Close closes it. The scheme says what url names:
//
//	redis://[[user]:password@]host:port[/db]     one server ("rediss://": TLS)
//	redis-cluster://[[user]:password@]host:port?addr=host:port&addr=...
//	                                             a Redis Cluster: the seed nodes
//	                                             ("rediss-cluster://": TLS)
//	redis-sentinel://[[user]:password@]host:port[/db]?master_name=NAME&addr=host:port&...
//	                                             the primary that the Sentinels
//	                                             name NAME ("rediss-sentinel://":
//	                                             TLS); the password is the
//	                                             Sentinels' and the servers'
//
// The query parameters are go-redis's (ParseURL, ParseClusterURL and
// ParseFailoverURL): more addresses with addr, and options such as
// client_name. The client honours each call's deadline, waits no longer
// than Timeout to dial, read, write or take a pooled connection (timeouts
// given in url are replaced) and does not retry. Open does not contact
// the server; use [Store.Ping] for that. Counters work on a Cluster: each
// counter is one key, and the script touches only it.
func Open(url string) (*Store, error) {
	// The URL may hold a password: the error never echoes it.
	client, err := redisclient.New(url, defaultTimeout)
	if err != nil {
		return nil, err
	}
	s, _ := New(Config{Client: client})
	s.closer = client.Close
	return s, nil
}

// Ping checks that Redis answers and the script can be loaded, so a service
// can refuse to start with a misconfigured Redis.
func (s *Store) Ping(ctx context.Context) error {
	_, err := storeguard.Call(ctx, s.timeout, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, script.Load(ctx, s.client).Err()
	})
	if err != nil {
		return fmt.Errorf("redisstore: %w", err)
	}
	return nil
}

// Close closes the client if the Store opened it ([Open]); otherwise it does
// nothing.
func (s *Store) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer()
}

// redisKey returns the Redis key of a counter.
func (s *Store) redisKey(p ratelimit.Policy, key string) string {
	return s.prefix + "{" + p.ID + ":" + key + "}"
}

// Script operations and algorithms, as the Lua script numbers them.
const (
	opTake   = 1
	opRefund = 2
	algFixed = 0
	algGCRA  = 1
)

// Take implements [ratelimit.Store].
func (s *Store) Take(ctx context.Context, p ratelimit.Policy, key string, cost int64) (ratelimit.Result, error) {
	v, err := s.run(ctx, p, key, opTake, cost, 0)
	if err != nil {
		return ratelimit.Result{}, err
	}
	return ratelimit.Result{
		Allowed:    v[0] == 1,
		Limit:      p.Limit,
		Remaining:  max(v[1], 0),
		Reset:      time.Duration(v[2]) * time.Microsecond,
		RetryAfter: time.Duration(v[3]) * time.Microsecond,
		Window:     v[4],
	}, nil
}

// Refund implements [ratelimit.Store].
func (s *Store) Refund(ctx context.Context, p ratelimit.Policy, key string, cost int64, taken ratelimit.Result) error {
	_, err := s.run(ctx, p, key, opRefund, cost, taken.Window)
	return err
}

func (s *Store) run(ctx context.Context, p ratelimit.Policy, key string, op int, cost, window int64) ([5]int64, error) {
	var out [5]int64
	alg, period := algFixed, p.Window.Microseconds()
	if p.Algorithm == ratelimit.GCRA {
		alg, period = algGCRA, (p.Window / time.Duration(p.Limit)).Microseconds() // the emission interval
	}
	if period < 1 {
		return out, errors.New("redisstore: window or emission interval below 1µs")
	}
	keys := []string{s.redisKey(p, key)}
	var res []int64
	var err error
	if s.batch != nil {
		// The call returns at the deadline even if its batch does not:
		// a hung Redis must not hold a request past Timeout.
		bctx, cancel := storeguard.Bound(ctx, s.timeout)
		res, err = s.batch.do(bctx, keys, op, alg, p.Limit, period, cost, window)
		cancel()
	} else {
		res, err = storeguard.Call(ctx, s.timeout, func(ctx context.Context) ([]int64, error) {
			return script.Run(ctx, s.client, keys, op, alg, p.Limit, period, cost, window).Int64Slice()
		})
	}
	if err != nil {
		return out, fmt.Errorf("redisstore: %w", err)
	}
	if len(res) != len(out) {
		return out, errors.New("redisstore: unexpected script reply")
	}
	copy(out[:], res)
	return out, nil
}
