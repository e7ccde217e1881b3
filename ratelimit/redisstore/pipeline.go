package redisstore

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/storeguard"
)

// pipeliner is a client that can send several commands in one write: a
// *redis.Client, *redis.ClusterClient (which splits a pipeline by slot)
// or *redis.Ring.
type pipeliner interface {
	redis.Scripter
	Pipeline() redis.Pipeliner
}

// Batching limits: at most maxFlushers batches in flight at once, each of
// at most maxBatch decisions.
const (
	maxFlushers = 4
	maxBatch    = 128
)

// batcher sends the script calls of concurrent decisions together: a call
// waits in a queue while earlier batches are in flight, and the next
// flusher sends every waiting call as one pipeline, one write and one read
// for all of them, as automatic pipelining in other Redis clients does.
// Each call is still one EVALSHA, atomic on the server, so limits stay as
// exact as with one round trip per call; only the system calls and
// packets are shared. Under light load a call finds no batch in flight
// and is sent at once. No goroutine outlives its batch.
type batcher struct {
	client  pipeliner
	timeout time.Duration // bound of one batch; <= 0: the client's own

	mu      sync.Mutex
	queue   []*call
	running int // flushers
}

// call is one script call waiting for its batch.
type call struct {
	ctx  context.Context // the caller's: a call it gave up on is not sent
	keys []string
	args []any
	res  []int64
	err  error
	done chan struct{}
}

// do runs the script with keys and args in the next batch and returns its
// reply, or ctx's error as soon as ctx is done, whether or not the call
// was sent.
func (b *batcher) do(ctx context.Context, keys []string, args ...any) ([]int64, error) {
	c := &call{ctx: ctx, keys: keys, args: args, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	start := b.running < maxFlushers
	if start {
		b.running++
	}
	b.mu.Unlock()
	if start {
		go b.flush()
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// flush sends batches until the queue is empty.
func (b *batcher) flush() {
	var batch []*call
	for {
		b.mu.Lock()
		n := min(len(b.queue), maxBatch)
		if n == 0 {
			b.running--
			b.mu.Unlock()
			return
		}
		batch = append(batch[:0], b.queue[:n]...)
		clear(b.queue[:n])
		b.queue = b.queue[n:]
		if len(b.queue) == 0 {
			b.queue = nil // let the drained array go
		}
		b.mu.Unlock()
		b.send(batch)
	}
}

// send runs one batch: EVALSHA for every call in one pipeline, then EVAL
// in a second one for the calls Redis answered NOSCRIPT (after a restart
// or SCRIPT FLUSH), as redis.Script.Run does for one call.
func (b *batcher) send(batch []*call) {
	live := batch[:0:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			// Its caller has returned: sending it would take units no one
			// asked for.
			c.err = err
			close(c.done)
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := storeguard.Bound(context.Background(), b.timeout)
	defer cancel()
	cmds := b.pipe(ctx, live, func(p redis.Pipeliner, c *call) *redis.Cmd {
		return p.EvalSha(ctx, script.Hash(), c.keys, c.args...)
	})
	var retry []*call
	for i, c := range live {
		if err := cmds[i].Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			retry = append(retry, c)
			continue
		}
		c.res, c.err = cmds[i].Int64Slice()
		close(c.done)
	}
	if len(retry) == 0 {
		return
	}
	cmds = b.pipe(ctx, retry, func(p redis.Pipeliner, c *call) *redis.Cmd {
		return p.Eval(ctx, scriptSource, c.keys, c.args...)
	})
	for i, c := range retry {
		c.res, c.err = cmds[i].Int64Slice()
		close(c.done)
	}
}

// pipe queues one command per call and executes them together; each
// command carries its own reply or error.
func (b *batcher) pipe(ctx context.Context, calls []*call, cmd func(redis.Pipeliner, *call) *redis.Cmd) []*redis.Cmd {
	p := b.client.Pipeline()
	cmds := make([]*redis.Cmd, len(calls))
	for i, c := range calls {
		cmds[i] = cmd(p, c)
	}
	_, _ = p.Exec(ctx) // errors are per command
	return cmds
}
