package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/harden-go/harden/clientip"
)

var sinkKey string

// BenchmarkClientIP: finding the client address of a request that came
// through one proxy (127.0.0.1) with X-Forwarded-For holding a spoofed
// entry the client sent, then the client's real address added by the
// proxy. Both sides trust one hop and must answer the real address: harden's
// clientip resolver and chi's ClientIPFromXFFTrustedProxies, each as a
// middleware followed by a handler reading the address.
func BenchmarkClientIP(b *testing.B) {
	newReq := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "127.0.0.1:50000"
		r.Header.Set("X-Forwarded-For", "1.2.3.4, 203.0.113.7")
		r.Header.Set("X-Forwarded-Proto", "https")
		return r
	}
	res := must(clientip.New(clientip.Config{TrustedHops: 1}))(b)
	impls := []impl{
		{"harden", res.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			sinkKey = clientip.Get(r).Addr.String()
		}))},
		{"chi", middleware.ClientIPFromXFFTrustedProxies(1)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			sinkKey = middleware.GetClientIP(r.Context())
		}))},
	}
	for _, im := range impls {
		sinkKey = ""
		im.h.ServeHTTP(httptest.NewRecorder(), newReq())
		if sinkKey != "203.0.113.7" {
			b.Fatalf("%s: client = %q, want 203.0.113.7", im.name, sinkKey)
		}
	}
	serial(b, impls, newReq, want{200, ""})
}
