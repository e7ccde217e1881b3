package redisstore

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/redisclient"
	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/ratelimit"
)

// TestFrozenRedis: with Redis frozen by SIGSTOP (a server of the test's
// own, stopped and continued by its PID), 200 requests from 20 concurrent
// clients each get the fail-closed 503 within the store's Timeout +
// 100 ms, whether the client honours context deadlines (the options Open
// sets) or keeps go-redis's defaults (3 s reads, retries); the outage logs
// one error and, once Redis is continued, one recovery counting the rest.
func TestFrozenRedis(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(*redis.Options)
	}{
		{"default client options", func(*redis.Options) {}},
		{"deadline-honouring options", func(o *redis.Options) { redisclient.Options(o, defaultTimeout) }},
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
			store := newStore(t, c)
			logs := &syncBuffer{}
			l, err := ratelimit.New(ratelimit.Config{
				Rate:   ratelimit.Spec{Limit: 1000, Window: time.Minute},
				Store:  store,
				Logger: slog.New(slog.NewTextHandler(logs, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
			get := func(client string) (*httptest.ResponseRecorder, time.Duration) {
				w := httptest.NewRecorder()
				r := httptest.NewRequest("GET", "/api/x", nil)
				r.RemoteAddr = client + ":1"
				start := time.Now()
				h.ServeHTTP(w, r)
				return w, time.Since(start)
			}
			if w, _ := get("192.0.2.1"); w.Code != 200 {
				t.Fatalf("before the freeze: %d %q", w.Code, w.Body)
			}

			srv.Pause(t)
			lag := testserver.MeasureLag()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var slowest time.Duration
			var late []time.Duration
			for i := range 20 {
				wg.Go(func() {
					for range 10 {
						w, d := get("192.0.2." + string(rune('a'+i)))
						mu.Lock()
						slowest = max(slowest, d)
						mu.Unlock()
						if w.Code != 503 || w.Body.String() != `{"error":"Service temporarily unavailable"}`+"\n" {
							t.Errorf("frozen: %d %q, want the fail-closed 503", w.Code, w.Body)
						}
						if d > defaultTimeout+100*time.Millisecond {
							mu.Lock()
							late = append(late, d)
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			// A machine so loaded that the scheduler itself wakes
			// goroutines late cannot keep any deadline: its lateness is
			// allowed on top of the 100 ms, and reported.
			starved := lag.Stop()
			for _, d := range late {
				if d > defaultTimeout+100*time.Millisecond+starved {
					t.Errorf("frozen: answered after %v, want within %v + 100ms (+ %v scheduler lateness)", d, defaultTimeout, starved)
				}
			}
			srv.Resume(t)
			var w *httptest.ResponseRecorder
			for deadline := time.Now().Add(10 * time.Second); ; {
				if w, _ = get("192.0.2.1"); w.Code == 200 || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if w.Code != 200 {
				t.Fatalf("after the freeze: %d %q, want 200", w.Code, w.Body)
			}
			out := logs.String()
			if strings.Count(out, "ratelimit: store failed") != 1 || strings.Count(out, "ratelimit: store recovered") != 1 {
				t.Errorf("want one failure and one recovery record:\n%s", out)
			}
			t.Logf("200 requests refused while frozen, slowest %v (scheduler lateness %v); log:\n%s",
				slowest.Round(time.Millisecond), starved.Round(time.Millisecond), out)
		})
	}
}
