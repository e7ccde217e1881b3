package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testserver"
)

// loadResult counts what keep-alive clients saw.
type loadResult struct {
	sent, answered, non200, closes, dials, dialErrs, lost atomic.Int64

	mu        sync.Mutex
	firstLost error
}

// lose records a request written and never answered.
func (r *loadResult) lose(err error) {
	r.lost.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.firstLost == nil {
		r.firstLost = err
	}
}

// keepAliveLoad runs clients until the deadline, each sending GET path on
// one connection after another to addr and honouring "Connection: close":
// after such an answer it dials again. It never retries: a request written
// on a connection that then ends without its answer is lost.
func keepAliveLoad(addr, path string, clients int, d time.Duration, res *loadResult) *sync.WaitGroup {
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c net.Conn
			var br *bufio.Reader
			defer func() {
				if c != nil {
					c.Close()
				}
			}()
			for time.Now().Before(deadline) {
				if c == nil {
					var err error
					res.dials.Add(1)
					c, err = net.DialTimeout("tcp", addr, time.Second)
					if err != nil {
						res.dialErrs.Add(1)
						return
					}
					br = bufio.NewReader(c)
				}
				_ = c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path); err != nil {
					// Nothing reached the server: the connection was
					// already closed, and this client did not know.
					res.lose(err)
					return
				}
				res.sent.Add(1)
				resp, err := http.ReadResponse(br, nil)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil {
					res.lose(err)
					return
				}
				res.answered.Add(1)
				if resp.StatusCode != http.StatusOK {
					res.non200.Add(1)
				}
				if resp.Close {
					res.closes.Add(1)
					c.Close()
					c = nil
				}
			}
		}()
	}
	return &wg
}

var serveAddrRE = regexp.MustCompile(`listening on https?://([^ ]+)`)

// TestServeSIGTERMDrainsKeepAliveLoad sends a real SIGTERM to the process
// while eight keep-alive clients load "harden serve" for two seconds.
func TestServeSIGTERMDrainsKeepAliveLoad(t *testing.T) {
	t.Setenv("HARDEN_DATA_DIR", t.TempDir())
	sigtermUnderLoad(t, "/healthz", func(stdout, stderr io.Writer) int {
		return runServe([]string{"--addr", "127.0.0.1:0", "--drain-delay", "5s"}, stdout, stderr)
	})
}

// TestProxySIGTERMDrainsKeepAliveLoad is the same for "harden proxy".
func TestProxySIGTERMDrainsKeepAliveLoad(t *testing.T) {
	up := newUpstream(t, "app")
	sigtermUnderLoad(t, "/page", func(stdout, stderr io.Writer) int {
		return runProxy([]string{"--addr", "127.0.0.1:0", "--upstream", up.URL, "--drain-delay", "5s"}, stdout, stderr)
	})
}

// sigtermUnderLoad starts a command with run, loads it with eight
// keep-alive clients for two seconds and sends the process a real SIGTERM
// half a second in: no request written is left without an answer, the
// answers after it close their connections, and the command exits 0 once
// the clients are gone, well before its 5s drain delay.
func sigtermUnderLoad(t *testing.T, path string, run func(stdout, stderr io.Writer) int) {
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(stdout, stderr) }()
	var addr string
	for deadline := time.Now().Add(10 * time.Second); addr == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := serveAddrRE.FindStringSubmatch(stdout.String()); m != nil {
			addr = m[1]
		}
		select {
		case code := <-done:
			t.Fatalf("exited with %d: %s%s", code, stdout, stderr)
		default:
		}
	}
	if addr == "" {
		t.Fatalf("did not start: %s%s", stdout, stderr)
	}
	// Warm up: the first answer must be a 200 for the load to mean much.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	c.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %v %v, want 200", path, resp, err)
	}

	var res loadResult
	start := time.Now()
	wg := keepAliveLoad(addr, path, 8, 2*time.Second, &res)
	time.Sleep(500 * time.Millisecond)
	before := res.answered.Load()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	var code int
	select {
	case code = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("did not exit after SIGTERM")
	}
	took := time.Since(start)

	if n := res.lost.Load(); n != 0 {
		t.Errorf("lost %d of %d requests (first: %v); want none", n, res.sent.Load(), res.firstLost)
	}
	if n := res.dialErrs.Load(); n != 0 {
		t.Errorf("%d dials refused during the drain; want none", n)
	}
	if n := res.non200.Load(); n != 0 {
		t.Errorf("%d answers were not 200", n)
	}
	if code != 0 {
		t.Errorf("exit code %d, want 0; stderr %s", code, stderr)
	}
	if after := res.answered.Load() - before; after < 8 {
		t.Errorf("%d answers after SIGTERM; want the load to go on while draining", after)
	}
	// Every client saw its connection closed by an answer at least once,
	// and dialed again.
	if res.closes.Load() < 8 || res.dials.Load() < 16 {
		t.Errorf("%d answers with Connection: close, %d dials; want at least 8 and 16", res.closes.Load(), res.dials.Load())
	}
	// The delay ends once the clients have gone, not after its full 5s.
	if took > 4*time.Second {
		t.Errorf("exit %v after the load began; want the drain to end with the last connection", took)
	}
	if !strings.Contains(stdout.String(), "shutting down") {
		t.Errorf("stdout %q lacks the shutdown line", stdout)
	}
	t.Logf("%d requests answered (%d after SIGTERM), %d connections closed by an answer, exit after %v",
		res.answered.Load(), res.answered.Load()-before, res.closes.Load(), took.Round(time.Millisecond))
}

// TestProxyAndServeOnRedisCluster: "harden proxy" and "harden serve"
// start on a redis-cluster:// URL and answer through it.
func TestProxyAndServeOnRedisCluster(t *testing.T) {
	url := testserver.RedisCluster(t)
	up := newUpstream(t, "app")
	p := startProxy(t, map[string]string{"HARDEN_REDIS_URL": url}, "--upstream", up.URL)
	resp, err := http.Get(p.addrs.URL + "/page")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("proxy on a Redis Cluster: %d, want 200", resp.StatusCode)
	}
	base, _, _ := startServe(t, map[string]string{"HARDEN_REDIS_URL": url}, "--addr", "127.0.0.1:0")
	resp, err = http.Get(base + "/api/csrf-token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("RateLimit-Policy") == "" {
		t.Errorf("serve on a Redis Cluster: %d, RateLimit-Policy %q; want 200 and a policy", resp.StatusCode, resp.Header.Get("RateLimit-Policy"))
	}
}
