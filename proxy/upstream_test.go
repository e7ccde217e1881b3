package proxy

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/seclog"
)

// upstream is a real HTTP server standing for the application behind the
// proxy. It counts its hits and keeps the last request it received.
type upstream struct {
	*httptest.Server
	hits atomic.Int64

	mu   sync.Mutex
	req  *http.Request // the last request, body read into body
	body []byte
}

// newUpstream starts an upstream answering with h (nil: 200 "ok").
func newUpstream(t testing.TB, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		if r.Header.Get("Upgrade") == "" && r.Header.Get("Accept") != "text/event-stream" {
			body, err := io.ReadAll(r.Body)
			if err == nil {
				// Only a body that arrived whole: a request cut off by
				// the proxy (a chunked body over the limit) may end
				// after the next one has been answered.
				u.mu.Lock()
				u.req, u.body = r.Clone(r.Context()), body
				u.mu.Unlock()
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if h == nil {
			io.WriteString(w, "ok")
			return
		}
		h(w, r)
	}))
	t.Cleanup(u.Close)
	return u
}

// last returns the last request the upstream received and its body.
func (u *upstream) last() (*http.Request, []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.req, u.body
}

// quiet sets loggers that discard, and returns a buffer of the security
// log's lines.
func quiet(t testing.TB, cfg *Config) *syncBuffer {
	t.Helper()
	buf := &syncBuffer{}
	l, err := seclog.New(seclog.Config{Writer: buf})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecurityLog = l
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return buf
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// publicHost is the host of the production test configuration.
const publicHost = "example.com"

// prodConfig is a production proxy in front of up. The loopback peer is a
// trusted proxy, so requests state their client address and scheme in
// X-Forwarded-For and X-Forwarded-Proto (see send).
func prodConfig(up string) Config {
	cfg := Config{Upstream: up}
	cfg.PublicURL = "https://" + publicHost
	cfg.ClientIP = clientip.Config{TrustedProxies: []string{"127.0.0.1"}}
	return cfg
}

// start builds the proxy from cfg and serves it on a loopback listener.
func start(t testing.TB, cfg Config) (*Proxy, *httptest.Server) {
	t.Helper()
	if cfg.SecurityLog == nil {
		quiet(t, &cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		p.Close()
	})
	return p, srv
}

// result is a finished response.
type result struct {
	status int
	header http.Header
	body   string
}

// send sends a request to srv as a client at 203.0.113.7 over HTTPS for
// publicHost (through the trusted loopback proxy); hdr adds or overrides
// headers ("Host" sets the Host).
func send(t testing.TB, srv *httptest.Server, method, target, body string, hdr map[string]string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = publicHost
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set("X-Forwarded-Proto", "https")
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, target, err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func mustSpec(t testing.TB, s string) ratelimit.Spec {
	t.Helper()
	var spec ratelimit.Spec
	if err := spec.Set(s); err != nil {
		t.Fatal(err)
	}
	return spec
}
