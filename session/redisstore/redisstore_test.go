package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/redisclient"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
	"github.com/harden-go/harden/session/redisstore"
)

func client(t testing.TB, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries = 1
	opts.DialTimeout = time.Second
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// prefix gives each test its own key space on the shared server, and
// deletes it afterwards.
func prefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	p := "harden-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, p+"*", 100).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return p
}

func newStore(t testing.TB, c *redis.Client, p string) session.Store {
	t.Helper()
	s, err := redisstore.New(c, redisstore.Config{Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	url := testenv.RedisURL(t)
	storetest.Run(t, func(t *testing.T) session.Store {
		c := client(t, url)
		return newStore(t, c, prefix(t, c))
	})
}

// TestShared: two instances, each with its own client, share sessions.
func TestShared(t *testing.T) {
	url := testenv.RedisURL(t)
	a, b := client(t, url), client(t, url)
	p := prefix(t, a)
	storetest.Shared(t, newStore(t, a, p), newStore(t, b, p))
}

func TestAtRest(t *testing.T) {
	c := client(t, testenv.RedisURL(t))
	p := prefix(t, c)
	storetest.AtRest(t, newStore(t, c, p), func(t *testing.T) []byte {
		ctx := context.Background()
		var all []byte
		iter := c.Scan(ctx, 0, p+"*", 100).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			all = append(all, k...)
			switch c.Type(ctx, k).Val() {
			case "hash":
				for f, v := range c.HGetAll(ctx, k).Val() {
					all = append(append(all, f...), v...)
				}
			case "set":
				for _, m := range c.SMembers(ctx, k).Val() {
					all = append(all, m...)
				}
			default:
				t.Fatalf("unexpected key type for %s", k)
			}
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
		return all
	})
}

// TestTTL: Redis itself expires the session with the session.
func TestTTL(t *testing.T) {
	c := client(t, testenv.RedisURL(t))
	p := prefix(t, c)
	s := newStore(t, c, p)
	ctx := context.Background()
	exp := time.Now().Add(30 * time.Minute)
	if err := s.Commit(ctx, "k", session.Record{Data: []byte("x"), UserID: "u1", Expiry: exp}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{p + "s:k", p + "u:u1"} {
		got := c.PExpireTime(ctx, k).Val()
		if d := time.UnixMilli(got.Milliseconds()).Sub(exp); d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("%s expires at %v, want %v", k, got, exp)
		}
	}
}

// TestOutage stops a Redis started for this test (killed by PID).
func TestOutage(t *testing.T) {
	srv := testserver.Redis(t)
	c := client(t, srv.URL)
	storetest.Outage(t, newStore(t, c, "harden:session:"), srv.Stop)
}

func TestNilClient(t *testing.T) {
	if _, err := redisstore.New(nil, redisstore.Config{}); err == nil {
		t.Fatal("New(nil) accepted")
	}
}

func BenchmarkLoad(b *testing.B) {
	c := client(b, testenv.RedisURL(b))
	storetest.BenchmarkLoad(b, newStore(b, c, prefix(b, c)))
}

// TestFrozen: with Redis frozen by SIGSTOP, every request needing the
// session store answers 503 within StoreTimeout + 100 ms, whether the
// client honours context deadlines (redisclient.Options) or not (go-redis's
// defaults: a 3 s read timeout the Manager does not wait for); one error
// record and one recovery are logged.
func TestFrozen(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*redis.Options)
	}{
		{"default client options", func(*redis.Options) {}},
		{"deadline-honouring options", func(o *redis.Options) { redisclient.Options(o, 300*time.Millisecond) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := testserver.Redis(t)
			opts, err := redis.ParseURL(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			tt.edit(opts)
			c := redis.NewClient(opts)
			t.Cleanup(func() { c.Close() })
			storetest.Frozen(t, newStore(t, c, "harden:session:"), func() { srv.Pause(t) }, func() { srv.Resume(t) })
		})
	}
}
