package framing

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// browserHead is a typical browser request head (~600 bytes).
const browserHead = "GET /api/items?page=2 HTTP/1.1\r\n" +
	"Host: app.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Referer: https://app.example.com/items\r\n" +
	"Cookie: __Host-sid=3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA; theme=dark\r\n" +
	"Sec-Fetch-Dest: document\r\n" +
	"Sec-Fetch-Mode: navigate\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Connection: keep-alive\r\n\r\n"

// BenchmarkFramerHead is the cost of checking one head.
func BenchmarkFramerHead(b *testing.B) {
	head := []byte(browserHead)
	b.SetBytes(int64(len(head)))
	b.ReportAllocs()
	for b.Loop() {
		f := framer{maxHead: defaultMaxHeaderBytes}
		if n, _, end, err := f.step(head); n != len(head) || !end || err != nil {
			b.Fatalf("step: %d %v %v", n, end, err)
		}
	}
}

// BenchmarkKeepAlive is a request and its answer on a keep-alive loopback
// connection, with and without the guard: the difference is the guard's
// cost per request.
func BenchmarkKeepAlive(b *testing.B) {
	for _, guarded := range []bool{false, true} {
		name := "plain"
		if guarded {
			name = "guarded"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				_, _ = w.Write([]byte("ok"))
			})}
			if guarded {
				fl, err := NewListener(ln, Config{})
				if err != nil {
					b.Fatal(err)
				}
				go func() { _ = fl.Serve(srv) }()
			} else {
				go func() { _ = srv.Serve(ln) }()
			}
			defer srv.Close()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(time.Minute))
			br := bufio.NewReader(c)
			req := []byte(browserHead)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			// CPU time (client and server) per request: less disturbed by
			// other processes on a busy machine than the wall time.
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
