package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchClient is a keep-alive client sized for parallel benchmarks.
var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}

// benchGet runs GET requests against url in parallel, as a client at
// 203.0.113.7 over HTTPS for publicHost.
func benchGet(b *testing.B, url string) {
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Host = publicHost
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := benchClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

func benchUpstream(b *testing.B) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok"}`)
	}))
	b.Cleanup(up.Close)
	return up
}

// BenchmarkProxy measures a GET through the default production proxy
// over loopback, client and upstream included (compare BenchmarkDirect).
func BenchmarkProxy(b *testing.B) {
	up := benchUpstream(b)
	_, srv := start(b, prodConfig(up.URL))
	benchGet(b, srv.URL+"/api/status?id=1")
}

// BenchmarkDirect is the same client against the upstream itself.
func BenchmarkDirect(b *testing.B) {
	up := benchUpstream(b)
	benchGet(b, up.URL+"/api/status?id=1")
}

// BenchmarkServeHTTP measures the proxy's own work per request, in
// process (a recorder for the client), against a loopback upstream.
//
// Its CPU profile is dominated by net/http: the transport's round trip,
// the upstream server's request parsing and the system calls. The stack's
// and the proxy's own layers (headers, client address, hosts, routes,
// guards, CSRF, the response hooks) take a few percent of the samples;
// most of their allocations are the request copies that contexts need.
func BenchmarkServeHTTP(b *testing.B) {
	up := benchUpstream(b)
	cfg := prodConfig(up.URL)
	quiet(b, &cfg)
	p, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	req := httptest.NewRequest("GET", "http://"+publicHost+"/api/status?id=1", nil)
	req.RemoteAddr = "127.0.0.1:1234"
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set("X-Forwarded-Proto", "https")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		p.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
