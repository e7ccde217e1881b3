package clientip

import (
	"net/http"
	"testing"
)

func benchResolve(b *testing.B, cfg Config, hdr ...string) {
	res := mustNew(b, cfg)
	r := req(lb, hdr...)
	b.ReportAllocs()
	for b.Loop() {
		_ = res.Resolve(r)
	}
}

func BenchmarkResolveDirect(b *testing.B) { benchResolve(b, Config{}) }

func BenchmarkResolveOneHopXFF(b *testing.B) {
	benchResolve(b, oneHop, "X-Forwarded-For", spoof+", "+client, "X-Forwarded-Proto", "https")
}

func BenchmarkResolveCIDRChainXFF(b *testing.B) {
	benchResolve(b, cidrs, "X-Forwarded-For", spoof+", "+client+", 10.9.9.9", "X-Forwarded-Proto", "https", "X-Forwarded-Host", "www.example.com")
}

func BenchmarkResolveOneHopIPv6XFF(b *testing.B) {
	benchResolve(b, oneHop, "X-Forwarded-For", "[2001:db8::7]:443")
}

func BenchmarkResolveForwarded(b *testing.B) {
	benchResolve(b, fwdHop, "Forwarded", "for="+spoof+", for="+client+";proto=https;host=www.example.com")
}

func BenchmarkHandler(b *testing.B) {
	res := mustNew(b, oneHop)
	h := res.Handler(noopHandler{})
	r := req(lb, "X-Forwarded-For", client)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(nil, r)
	}
}

type noopHandler struct{}

func (noopHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}
