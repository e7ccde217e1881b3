package redisstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/ratelimit"
)

// redisServer is a throwaway redis-server process owned by one test, on a
// random loopback port, without persistence.
type redisServer struct {
	t    testing.TB
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedis(t testing.TB) *redisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if testenv.Required() {
			t.Fatal("redis-server is required by the test command but not on PATH")
		}
		t.Skip("skipping: needs the redis-server binary (Debian package redis-server)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &redisServer{t: t, port: l.Addr().(*net.TCPAddr).Port, dir: t.TempDir()}
	l.Close()
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command("redis-server", "--bind", "127.0.0.1", "--port", strconv.Itoa(s.port),
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--loglevel", "warning")
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	c := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return
		}
		if i == 100 {
			s.stop()
			s.t.Fatal("redis-server did not answer within 5s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop kills the server by its PID and reaps it.
func (s *redisServer) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *redisServer) client(t testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{
		Addr:          s.addr(),
		PoolSize:      32,
		MaxRetries:    -1, // a fault must show as an error, not as retries
		DialerRetries: 1,
		DialTimeout:   200 * time.Millisecond,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

func newStore(t testing.TB, c redis.Scripter) *Store {
	t.Helper()
	s, err := New(Config{Client: c, Prefix: "test:" + t.Name() + ":"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var ctx = context.Background()

// TestExact: N goroutines × M requests against limit L, spread over two
// limiters with two separate Redis clients sharing one Redis, admit exactly
// L together.
func TestExact(t *testing.T) {
	srv := startRedis(t)
	const n, m, limit = 16, 40, 137
	for _, alg := range []ratelimit.Algorithm{ratelimit.FixedWindow, ratelimit.GCRA} {
		t.Run(string(alg), func(t *testing.T) {
			var limiters [2]*ratelimit.Limiter
			for i := range limiters {
				l, err := ratelimit.New(ratelimit.Config{
					Rate:      ratelimit.Spec{Limit: limit, Window: time.Hour},
					Algorithm: alg,
					Store:     newStore(t, srv.client(t)),
				})
				if err != nil {
					t.Fatal(err)
				}
				limiters[i] = l
			}
			var admitted, refused atomic.Int64
			var wg sync.WaitGroup
			for g := range n {
				wg.Go(func() {
					for range m {
						res, err := limiters[g%2].Allow(ctx, "ip:192.0.2.1", 1)
						if err != nil {
							t.Error(err)
							return
						}
						if res.Allowed {
							admitted.Add(1)
						} else {
							refused.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if admitted.Load() != limit || refused.Load() != n*m-limit {
				t.Fatalf("admitted %d, refused %d of %d; want exactly %d admitted", admitted.Load(), refused.Load(), n*m, limit)
			}
		})
	}
}

// TestWindows: a short fixed window admits exactly L per window, Retry-After
// points at the window's end, and after it the quota is whole again.
func TestWindows(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv.client(t))
	p := ratelimit.Policy{ID: "w", Limit: 5, Window: 300 * time.Millisecond}
	for window := range 2 {
		var last ratelimit.Result
		for i := range 5 {
			res, err := s.Take(ctx, p, "k", 1)
			if err != nil || !res.Allowed || res.Remaining != int64(4-i) {
				t.Fatalf("window %d, request %d: %+v, %v", window, i, res, err)
			}
			last = res
		}
		res, err := s.Take(ctx, p, "k", 1)
		if err != nil || res.Allowed || res.RetryAfter <= 0 || res.RetryAfter > last.Reset || res.Window != last.Window {
			t.Fatalf("window %d, 6th: %+v, %v (last admitted %+v)", window, res, err, last)
		}
		time.Sleep(res.RetryAfter + time.Millisecond)
	}
}

func TestGCRA(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv.client(t))
	p := ratelimit.Policy{ID: "g", Limit: 4, Window: time.Hour, Algorithm: ratelimit.GCRA}
	for i := range 4 {
		res, err := s.Take(ctx, p, "k", 1)
		if err != nil || !res.Allowed || res.Remaining != int64(3-i) {
			t.Fatalf("burst %d: %+v, %v", i, res, err)
		}
	}
	res, err := s.Take(ctx, p, "k", 1)
	// One unit is restored every 15 minutes; the first is due 15 min after
	// the first request, less the few ms this test has run.
	if err != nil || res.Allowed || res.RetryAfter > 15*time.Minute || res.RetryAfter < 15*time.Minute-10*time.Second {
		t.Fatalf("refusal: %+v, %v", res, err)
	}
	if res, _ := s.Take(ctx, p, "k", 5); res.Allowed {
		t.Fatal("cost above the limit admitted")
	}
}

func TestRefund(t *testing.T) {
	srv := startRedis(t)
	s := newStore(t, srv.client(t))
	for _, alg := range []ratelimit.Algorithm{ratelimit.FixedWindow, ratelimit.GCRA} {
		p := ratelimit.Policy{ID: string(alg), Limit: 2, Window: time.Hour, Algorithm: alg}
		_, _ = s.Take(ctx, p, "k", 1)
		b, _ := s.Take(ctx, p, "k", 1)
		if err := s.Refund(ctx, p, "k", 1, b); err != nil {
			t.Fatal(err)
		}
		if res, _ := s.Take(ctx, p, "k", 1); !res.Allowed || res.Remaining != 0 {
			t.Fatalf("%s after refund: %+v", alg, res)
		}
		if res, _ := s.Take(ctx, p, "k", 1); res.Allowed {
			t.Fatalf("%s: refund gave more than it took", alg)
		}
	}
	// A refund carrying another window's identity is ignored.
	p := ratelimit.Policy{ID: "stale", Limit: 1, Window: time.Hour}
	taken, _ := s.Take(ctx, p, "k", 1)
	stale := taken
	stale.Window--
	_ = s.Refund(ctx, p, "k", 1, stale)
	if res, _ := s.Take(ctx, p, "k", 1); res.Allowed {
		t.Fatal("a refund for another window credited this one")
	}
}

// countHook counts the commands a client sends.
type countHook struct{ n atomic.Int64 }

func (h *countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// TestOneRoundTrip: once the script is cached, one decision is one command.
func TestOneRoundTrip(t *testing.T) {
	srv := startRedis(t)
	c := srv.client(t)
	hook := &countHook{}
	c.AddHook(hook)
	s := newStore(t, c)
	p := ratelimit.Policy{ID: "rt", Limit: 1000, Window: time.Hour}
	_, _ = s.Take(ctx, p, "warm", 1) // EVALSHA, NOSCRIPT, then EVAL
	hook.n.Store(0)
	for i := range 100 {
		if _, err := s.Take(ctx, p, "k"+strconv.Itoa(i%3), 1); err != nil {
			t.Fatal(err)
		}
	}
	if got := hook.n.Load(); got != 100 {
		t.Fatalf("100 decisions sent %d commands, want 100", got)
	}
}

func TestKeyHashTag(t *testing.T) {
	s, _ := New(Config{Client: redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})})
	got := s.redisKey(ratelimit.Policy{ID: "5-in-15min"}, "ip:2001:db8::/56")
	if got != "harden:ratelimit:{5-in-15min:ip:2001:db8::/56}" {
		t.Fatalf("Key = %q", got)
	}
	if _, err := New(Config{}); err != errNoClient {
		t.Fatalf("New without client: %v", err)
	}
	if _, err := Open("redis://user:s3cret@[bad"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("Open with a bad URL: %v", err)
	}
}

// TestOutage stops the real Redis mid-run: the limiters answer as
// configured (fail open: 200; fail closed: 503), log one error per interval,
// never panic, and enforce limits again once Redis is back.
func TestOutage(t *testing.T) {
	srv := startRedis(t)
	type setup struct {
		failOpen bool
		logs     *syncBuffer
		handler  http.Handler
	}
	var setups []*setup
	for _, failOpen := range []bool{false, true} {
		st := &setup{failOpen: failOpen, logs: &syncBuffer{}}
		store, err := New(Config{Client: srv.client(t), Prefix: fmt.Sprintf("outage:%v:", failOpen), Timeout: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		l, err := ratelimit.New(ratelimit.Config{
			Rate:             ratelimit.Spec{Limit: 3, Window: time.Hour},
			Store:            store,
			FailOpen:         failOpen,
			ErrorLogInterval: time.Hour,
			Logger:           slog.New(slog.NewTextHandler(st.logs, nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		st.handler = l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
		setups = append(setups, st)
	}
	get := func(h http.Handler) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/api/x", nil)
		r.RemoteAddr = "192.0.2.1:1"
		h.ServeHTTP(w, r)
		return w
	}
	for _, st := range setups {
		if w := get(st.handler); w.Code != 200 || w.Header().Get("RateLimit") == "" {
			t.Fatalf("before the outage: %d %v", w.Code, w.Header())
		}
	}

	srv.stop()
	for _, st := range setups {
		for range 20 {
			w := get(st.handler)
			if st.failOpen && (w.Code != 200 || w.Body.String() != "ok") {
				t.Fatalf("fail open during outage: %d %q", w.Code, w.Body.String())
			}
			if !st.failOpen && (w.Code != 503 || w.Body.String() != `{"error":"Service temporarily unavailable"}`+"\n") {
				t.Fatalf("fail closed during outage: %d %q", w.Code, w.Body.String())
			}
		}
		if n := strings.Count(st.logs.String(), "ratelimit: store failed"); n != 1 {
			t.Fatalf("fail open %v: %d error records for 20 failures, want 1:\n%s", st.failOpen, n, st.logs.String())
		}
	}

	srv.start() // same port, empty: the quotas start afresh
	for _, st := range setups {
		for i, want := range []int{200, 200, 200, 429} {
			if w := get(st.handler); w.Code != want {
				t.Fatalf("fail open %v, after restart, request %d: got %d, want %d", st.failOpen, i, w.Code, want)
			}
		}
		if !strings.Contains(st.logs.String(), "ratelimit: store recovered") || !strings.Contains(st.logs.String(), "suppressed=19") {
			t.Fatalf("fail open %v: want a recovery record counting 19 suppressed errors:\n%s", st.failOpen, st.logs.String())
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// BenchmarkRedisStore reports decisions per second on loopback, one round
// trip each.
func BenchmarkRedisStore(b *testing.B) {
	srv := startRedis(b)
	for _, alg := range []ratelimit.Algorithm{ratelimit.FixedWindow, ratelimit.GCRA} {
		b.Run(string(alg), func(b *testing.B) {
			s := newStore(b, srv.client(b))
			p := ratelimit.Policy{ID: "bench", Limit: 1 << 30, Window: time.Hour, Algorithm: alg}
			_, _ = s.Take(ctx, p, "warm", 1)
			var seq atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(8)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				key := "ip:10.0.0." + strconv.FormatInt(seq.Add(1), 10)
				for pb.Next() {
					if _, err := s.Take(ctx, p, key, 1); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
		})
	}
}
