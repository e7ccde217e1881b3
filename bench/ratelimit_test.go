package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"
	"github.com/sethvargo/go-limiter/httplimit"
	"github.com/sethvargo/go-limiter/memorystore"

	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/ratelimit/redisstore"
)

// rateImpl builds one side of BenchmarkRateLimit for a quota of limit per
// window, keyed by the TCP peer's address.
type rateImpl struct {
	name string
	new  func(b *testing.B, limit int, window time.Duration) http.Handler
}

func rateImpls() []rateImpl {
	return []rateImpl{
		{"harden-memory", func(b *testing.B, limit int, window time.Duration) http.Handler {
			l := must(ratelimit.New(ratelimit.Config{Rate: ratelimit.Spec{Limit: int64(limit), Window: window}}))(b)
			return l.Handler(nop)
		}},
		{"harden-redis", func(b *testing.B, limit int, window time.Duration) http.Handler {
			st := must(redisstore.Open(testenv.RedisURL(b)))(b)
			b.Cleanup(func() { _ = st.Close() })
			l := must(ratelimit.New(ratelimit.Config{
				Rate:  ratelimit.Spec{Limit: int64(limit), Window: window},
				Store: st,
				// A fresh namespace per run: counters of an earlier run
				// (same Redis, same window) must not be reused.
				Identifier: "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36),
			}))(b)
			return l.Handler(nop)
		}},
		{"httprate", func(b *testing.B, limit int, window time.Duration) http.Handler {
			// httprate's documented replacement for LimitByIP: chi resolves
			// the address, httprate keys by it.
			mw := httprate.LimitBy(limit, window, func(r *http.Request) (string, error) {
				return httprate.CanonicalizeIP(middleware.GetClientIP(r.Context())), nil
			})
			return middleware.ClientIPFromRemoteAddr(mw(nop))
		}},
		{"go-limiter", func(b *testing.B, limit int, window time.Duration) http.Handler {
			st := must(memorystore.New(&memorystore.Config{Tokens: uint64(limit), Interval: window}))(b)
			b.Cleanup(func() { _ = st.Close(context.Background()) })
			m := must(httplimit.NewMiddleware(st, httplimit.IPKeyFunc()))(b)
			return m.Handle(nop)
		}},
	}
}

// BenchmarkRateLimit: the rate-limit middleware under b.RunParallel.
//
//	one-key:   every request from one address, admitted (limit 1e9/hour)
//	many-keys: requests from 4096 addresses in turn, admitted
//	limited:   one address over its quota (1/hour): every request refused 429
//
// harden-redis needs a Redis (HARDEN_TEST_REDIS_URL); it is skipped without
// one under plain go test and fails under the project's test command.
func BenchmarkRateLimit(b *testing.B) {
	const big = maxLimit
	addrs := make([]string, 4096)
	for i := range addrs {
		addrs[i] = "198.51." + strconv.Itoa(100+i/256) + "." + strconv.Itoa(i%256) + ":40000"
	}
	scenarios := []struct {
		name   string
		limit  int
		addrs  []string
		status int
	}{
		{"one-key", big, addrs[:1], http.StatusOK},
		{"many-keys", big, addrs, http.StatusOK},
		{"limited", 1, addrs[:1], http.StatusTooManyRequests},
	}
	for _, sc := range scenarios {
		b.Run(sc.name, func(b *testing.B) {
			for _, im := range rateImpls() {
				b.Run("impl="+im.name, func(b *testing.B) {
					h := im.new(b, sc.limit, time.Hour)
					reqs := make([]*http.Request, len(sc.addrs))
					for i, a := range sc.addrs {
						reqs[i] = httptest.NewRequest(http.MethodGet, "/api/items", nil)
						reqs[i].RemoteAddr = a
					}
					if sc.status == http.StatusTooManyRequests {
						h.ServeHTTP(httptest.NewRecorder(), reqs[0]) // spend the quota
					}
					check(b, h, reqs[0], want{sc.status, ""})
					b.ReportAllocs()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						w := newWriter()
						i := 0
						for pb.Next() {
							w.reset()
							h.ServeHTTP(w, reqs[i%len(reqs)])
							i++
						}
					})
				})
			}
		})
	}
}
