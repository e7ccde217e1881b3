package proxy

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/harden-go/harden/internal/proxydefault"
)

// newTransport returns a transport tuned for one upstream: a large pool of
// idle keep-alive connections (a reverse proxy sends everything to one
// host, so the per-host limit is the limit), HTTP/1.1 only, and no
// decompression, so the upstream's encodings pass through untouched.
func newTransport(target upstreamTarget, timeout time.Duration) *http.Transport {
	if timeout == 0 {
		timeout = proxydefault.Timeout
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 nil, // never an environment proxy between the proxy and its upstream
		DialContext:           d.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
	if target.socket != "" {
		sock := target.socket
		t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", sock)
		}
	}
	return t
}

// bufferPool lends ReverseProxy its 32 KiB copy buffers, so a response
// body costs no allocation.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte { return *buffers.Get().(*[]byte) }

func (bufferPool) Put(b []byte) {
	if cap(b) == 32<<10 {
		buffers.Put(&b)
	}
}
