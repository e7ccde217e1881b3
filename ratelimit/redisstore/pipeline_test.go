package redisstore

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/ratelimit"
)

// pipeHook counts the pipelines of script calls a client executes and the
// script calls in them (a new connection's handshake is a pipeline too).
type pipeHook struct{ pipes, cmds atomic.Int64 }

func (h *pipeHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h *pipeHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h *pipeHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var n int64
		for _, c := range cmds {
			if name := c.Name(); name == "evalsha" || name == "eval" {
				n++
			}
		}
		if n > 0 {
			h.pipes.Add(1)
			h.cmds.Add(n)
		}
		return next(ctx, cmds)
	}
}

// TestBatching: 200 concurrent decisions on one key with limit 150 admit
// exactly 150, are sent as exactly 200 script calls, and share pipelines
// (fewer pipelines than decisions), also right after the server forgot the
// script (SCRIPT FLUSH: EVALSHA answers NOSCRIPT and the batch falls back
// to EVAL).
func TestBatching(t *testing.T) {
	srv := startRedis(t)
	c := srv.client(t)
	hook := &pipeHook{}
	c.AddHook(hook)
	s := newStore(t, c)
	if s.batch == nil {
		t.Fatal("a *redis.Client store does not batch")
	}
	for _, flush := range []bool{false, true} {
		t.Run("flushed="+strconv.FormatBool(flush), func(t *testing.T) {
			p := ratelimit.Policy{ID: "batch-" + strconv.FormatBool(flush), Limit: 150, Window: time.Hour}
			_, _ = s.Take(ctx, ratelimit.Policy{ID: "warm", Limit: 1, Window: time.Hour}, "w", 1)
			if flush {
				if err := c.ScriptFlush(ctx).Err(); err != nil {
					t.Fatal(err)
				}
			}
			hook.pipes.Store(0)
			hook.cmds.Store(0)
			const n = 200
			var admitted atomic.Int64
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range n {
				wg.Go(func() {
					<-start
					res, err := s.Take(ctx, p, "k", 1)
					if err != nil {
						t.Error(err)
						return
					}
					if res.Allowed {
						admitted.Add(1)
					}
				})
			}
			close(start)
			wg.Wait()
			if got := admitted.Load(); got != 150 {
				t.Errorf("admitted %d of %d, want exactly 150", got, n)
			}
			pipes, cmds := hook.pipes.Load(), hook.cmds.Load()
			t.Logf("%d decisions in %d pipelines, %d commands", n, pipes, cmds)
			switch {
			case !flush && cmds != n:
				t.Errorf("%d script calls for %d decisions, want %d", cmds, n, n)
			case flush && (cmds <= n || cmds > 2*n):
				// The calls of the batches sent before the first EVAL
				// loaded the script again got NOSCRIPT and were sent once
				// more with EVAL.
				t.Errorf("%d script calls for %d decisions after SCRIPT FLUSH, want more than %d, at most %d", cmds, n, n, 2*n)
			}
			if pipes >= n {
				t.Errorf("%d pipelines for %d concurrent decisions: nothing was batched", pipes, n)
			}
		})
	}
}

// TestBatchSkipsAbandonedCalls: a call whose caller has given up (its
// context done) before its batch is sent is not sent: it takes no units.
func TestBatchSkipsAbandonedCalls(t *testing.T) {
	srv := startRedis(t)
	c := srv.client(t)
	s := newStore(t, c)
	p := ratelimit.Policy{ID: "gone", Limit: 5, Window: time.Hour}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	abandoned := &call{ctx: gone, keys: []string{s.redisKey(p, "k")}, args: []any{opTake, algFixed, p.Limit, p.Window.Microseconds(), 1, 0}, done: make(chan struct{})}
	live := &call{ctx: ctx, keys: []string{s.redisKey(p, "other")}, args: []any{opTake, algFixed, p.Limit, p.Window.Microseconds(), 1, 0}, done: make(chan struct{})}
	s.batch.send([]*call{abandoned, live})
	<-abandoned.done
	<-live.done
	if !errors.Is(abandoned.err, context.Canceled) {
		t.Errorf("abandoned call: err %v, want context.Canceled", abandoned.err)
	}
	if live.err != nil || len(live.res) != 5 || live.res[0] != 1 || live.res[1] != 4 {
		t.Errorf("live call: %v %v, want allowed with 4 remaining", live.res, live.err)
	}
	if n, err := c.Exists(ctx, s.redisKey(p, "k")).Result(); err != nil || n != 0 {
		t.Errorf("the abandoned call's counter exists (%d, %v): it was sent", n, err)
	}
}
