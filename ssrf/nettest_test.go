package ssrf

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"sync"
	"testing"
)

// testNet is the only network a client under test may use: a dialer that
// FAILS THE TEST when it is reached for anything but the loopback servers
// it was given, and a resolver that answers from a map and fails the test
// for any other name. With it, even a broken guard cannot make a test open
// a connection off this machine or send a DNS query.
type testNet struct {
	t       testing.TB
	mu      sync.Mutex
	servers []netip.AddrPort
	names   map[string][]netip.Addr
	answer  func(host string, n int) ([]netip.Addr, bool) // optional, for rebinding
	lookups map[string]int
	dials   []string
}

func newTestNet(t testing.TB, servers ...*httptest.Server) *testNet {
	n := &testNet{t: t, names: map[string][]netip.Addr{}, lookups: map[string]int{}}
	for _, s := range servers {
		n.servers = append(n.servers, serverAddr(t, s))
	}
	return n
}

func serverAddr(t testing.TB, s *httptest.Server) netip.AddrPort {
	ap := s.Listener.Addr().(*net.TCPAddr).AddrPort()
	if !ap.Addr().Unmap().IsLoopback() {
		t.Fatalf("test server on %v is not on loopback", ap)
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

func (n *testNet) dial(ctx context.Context, network, address string) (net.Conn, error) {
	n.mu.Lock()
	n.dials = append(n.dials, address)
	n.mu.Unlock()
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().IsLoopback() || !slices.Contains(n.servers, ap) {
		n.t.Errorf("dial reached for %s %q: only the loopback test servers %v may be dialed", network, address, n.servers)
		return nil, errors.New("test dialer: refused")
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

func (n *testNet) lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	n.mu.Lock()
	n.lookups[host]++
	count := n.lookups[host]
	n.mu.Unlock()
	if n.answer != nil {
		if addrs, ok := n.answer(host, count); ok {
			return addrs, nil
		}
	}
	if addrs, ok := n.names[host]; ok {
		return addrs, nil
	}
	n.t.Errorf("resolver asked for %q: tests never use real DNS", host)
	return nil, &net.DNSError{Err: "no such host (test resolver)", Name: host, IsNotFound: true}
}

func (n *testNet) dialCount() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.dials)
}

// config returns cfg wired to the test network, with the servers allowed.
func (n *testNet) config(cfg Config) Config {
	cfg.DangerouslyDialContext = n.dial
	cfg.LookupNetIP = n.lookup
	if cfg.DangerouslyAllowAddrs == nil {
		cfg.DangerouslyAllowAddrs = n.servers
	}
	return cfg
}

func (n *testNet) client(cfg Config) *Client {
	n.t.Helper()
	c, err := New(n.config(cfg))
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

// hitCounter is a handler that counts its requests.
type hitCounter struct {
	mu   sync.Mutex
	hits int
	h    http.Handler
}

func (c *hitCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.hits++
	c.mu.Unlock()
	if c.h != nil {
		c.h.ServeHTTP(w, r)
		return
	}
	_, _ = w.Write([]byte("internal secret"))
}

func (c *hitCounter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits
}
