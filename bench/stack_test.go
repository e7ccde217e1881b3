package bench

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/bench/chain"
)

// maxLimit is the largest limit a rate-limit Spec accepts: a quota the
// benchmarks never spend.
const maxLimit = 1_000_000_000

// stacks returns both whole chains (see package chain) with the rate limit
// at limit per hour, serving GET /healthz and GET /api/csrf-token.
func stacks(b *testing.B, limit int) (hardenChain, peerChain http.Handler) {
	o := chain.Options{Limit: limit, Window: time.Hour}
	return must(chain.Harden(o))(b), must(chain.Peer(o))(b)
}

// cookiesOf returns the cookies h sets on a first GET of path, as one
// Cookie header value.
func cookiesOf(b *testing.B, h http.Handler, path string) string {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, proxied(http.MethodGet, path))
	var cookies []string
	for _, c := range rec.Result().Cookies() {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	if len(cookies) == 0 {
		b.Fatalf("GET %s set no cookie", path)
	}
	return strings.Join(cookies, "; ")
}

// BenchmarkStack: one request through the whole chain, harden's stack
// against the peer chain (unrolled/secure, chi's client IP, rs/cors,
// go-chi/httprate, scs memory store, gorilla/csrf), both behind one trusted
// proxy that set X-Forwarded-Proto: https and X-Forwarded-For.
//
//	anonymous:            GET /healthz, no cookies
//	preflight:            OPTIONS from an allowed origin, answered 204 by CORS
//	limited:              GET /healthz from a client over its quota: 429
//	csrf-token-first:     GET /api/csrf-token without cookies (the peer
//	                      chain stores a session, as the hardened Express
//	                      example does; harden binds the token to a
//	                      pre-session cookie and stores nothing)
//	csrf-token-returning: the same with the cookies of an earlier answer
func BenchmarkStack(b *testing.B) {
	b.Run("anonymous", func(b *testing.B) {
		hc, pc := stacks(b, maxLimit)
		serial(b, []impl{{"harden", hc}, {"peers", pc}},
			func() *http.Request { return proxied(http.MethodGet, "/healthz") },
			want{200, "Content-Security-Policy"})
	})
	b.Run("preflight", func(b *testing.B) {
		hc, pc := stacks(b, maxLimit)
		serial(b, []impl{{"harden", hc}, {"peers", pc}}, func() *http.Request {
			r := proxied(http.MethodOptions, "/api/items")
			r.Header.Set("Origin", "https://app.example.com")
			r.Header.Set("Access-Control-Request-Method", "PUT")
			r.Header.Set("Access-Control-Request-Headers", "content-type,x-csrf-token")
			return r
		}, want{http.StatusNoContent, "Access-Control-Allow-Origin"})
	})
	b.Run("limited", func(b *testing.B) {
		hc, pc := stacks(b, 1)
		for _, h := range []http.Handler{hc, pc} {
			h.ServeHTTP(httptest.NewRecorder(), proxied(http.MethodGet, "/healthz")) // spend the quota
		}
		serial(b, []impl{{"harden", hc}, {"peers", pc}},
			func() *http.Request { return proxied(http.MethodGet, "/healthz") },
			want{http.StatusTooManyRequests, "Content-Security-Policy"})
	})
	b.Run("csrf-token-first", func(b *testing.B) {
		hc, pc := stacks(b, maxLimit)
		serial(b, []impl{{"harden", hc}, {"peers", pc}},
			func() *http.Request { return proxied(http.MethodGet, "/api/csrf-token") },
			want{200, "Set-Cookie"})
	})
	b.Run("csrf-token-returning", func(b *testing.B) {
		hc, pc := stacks(b, maxLimit)
		for _, im := range []impl{{"harden", hc}, {"peers", pc}} {
			cookie := cookiesOf(b, im.h, "/api/csrf-token")
			serial(b, []impl{im}, func() *http.Request {
				r := proxied(http.MethodGet, "/api/csrf-token")
				r.Header.Set("Cookie", cookie)
				return r
			}, want{200, ""})
		}
	})
}
