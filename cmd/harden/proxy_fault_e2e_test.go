package main

// Fault tests of the proxy library in front of a real Node upstream: the
// upstream killed under load, a Redis store killed under the login
// limiter. They run in-process (package proxy behind an httptest TLS
// server) so that goroutines and file descriptors can be counted.

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/proxy"
	"github.com/harden-go/harden/ratelimit/redisstore"
	"github.com/harden-go/harden/seclog"
)

// startLibProxy serves proxy.New(cfg) over TLS on loopback, with the public
// URL set to the server's own address, and returns its base URL, a client
// for it, the proxy and its log (security log and operational log).
func startLibProxy(t *testing.T, cfg proxy.Config) (string, *http.Client, *proxy.Proxy, *syncBuffer) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "https://" + srv.Listener.Addr().String()
	cfg.PublicURL = base
	logs := &syncBuffer{}
	sec, err := seclog.New(seclog.Config{Writer: logs, Service: "harden"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecurityLog = sec
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p, err := proxy.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Config.ErrorLog = nil
	srv.StartTLS()
	t.Cleanup(func() {
		srv.Close()
		_ = p.Close()
	})
	client := srv.Client()
	client.Timeout = 10 * time.Second
	return base, client, p, logs
}

// openFDs counts this process's open file descriptors (Linux).
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("skipping the descriptor count: %v", err)
	}
	return len(ents)
}

// getWithID sends GET path with the request id id and returns the status
// and body.
func getWithID(client *http.Client, base, path, id string) (int, string, error) {
	r, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return 0, "", err
	}
	r.Header.Set("X-Request-ID", id)
	resp, err := client.Do(r)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// The upstream is killed while four clients load the proxy: every answer
// is the app's 200 or the safe 502 (never a Go error text), the proxy
// recovers once the app is back, and no goroutine or descriptor is left
// behind.
func TestE2EProxyUpstreamKilledUnderLoad(t *testing.T) {
	app := testenv.StartNodePeer(t, "express-vanilla")
	base, client, p, logs := startLibProxy(t, proxy.Config{Upstream: app.URL})
	const path = "/api/csrf-token"

	for i := range 20 { // warm the pools
		if code, body, err := getWithID(client, base, path, "warm-"+strconv.Itoa(i)); err != nil || code != http.StatusOK {
			t.Fatalf("warm-up: got %d %q %v, want 200", code, body, err)
		}
	}
	client.CloseIdleConnections()
	_ = p.Close()
	time.Sleep(100 * time.Millisecond)
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)

	var (
		mu      sync.Mutex
		counts  = map[int]int{}
		badBody []string
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	deadline := time.Now().Add(15 * time.Second) // every loop is bounded
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("load-%d-%d", w, i)
				code, body, err := getWithID(client, base, path, id)
				mu.Lock()
				switch {
				case err != nil:
					badBody = append(badBody, "transport error: "+err.Error())
				case code == http.StatusOK:
				case code == http.StatusBadGateway:
					if want := `{"error":"Bad Gateway","request_id":"` + id + `"}` + "\n"; body != want {
						badBody = append(badBody, fmt.Sprintf("502 body %q, want %q", body, want))
					}
				default:
					badBody = append(badBody, fmt.Sprintf("status %d %q", code, body))
				}
				counts[code]++
				mu.Unlock()
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	app.Stop() // mid-load, by PID
	time.Sleep(time.Second)
	mu.Lock()
	before502 := counts[http.StatusBadGateway]
	mu.Unlock()
	app.Start()
	// Recovery: within a few seconds every answer is 200 again.
	recovered := false
	for i := 0; i < 100 && !recovered; i++ {
		code, _, err := getWithID(client, base, path, "recover-"+strconv.Itoa(i))
		recovered = err == nil && code == http.StatusOK
		if !recovered {
			time.Sleep(50 * time.Millisecond)
		}
	}
	close(stop)
	wg.Wait()
	if !recovered {
		t.Fatalf("the proxy did not answer 200 within 5s of the upstream's return")
	}
	if counts[http.StatusOK] == 0 || before502 == 0 {
		t.Errorf("answers: got %v (502s while down: %d), want both 200s and 502s", counts, before502)
	}
	if len(badBody) > 0 {
		t.Errorf("%d unexpected answers, first: %s", len(badBody), badBody[0])
	}
	t.Logf("answers under load: %v", counts)
	if !strings.Contains(logs.String(), "status=502") {
		t.Errorf("log: no record of the 502s:\n%s", logs)
	}
	if strings.Contains(logs.String(), "request_id=recover-99") {
		t.Errorf("log: the recovered requests were logged as failures")
	}

	// Nothing leaks: once idle connections are closed, goroutines and
	// descriptors return to where they were.
	var g, f int
	for range 50 {
		client.CloseIdleConnections()
		_ = p.Close()
		g, f = runtime.NumGoroutine(), openFDs(t)
		if g <= goroutines+2 && f <= fds+2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if g > goroutines+2 {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: got %d after the fault, want at most %d:\n%s", g, goroutines+2, buf[:runtime.Stack(buf, true)])
	}
	if f > fds+2 {
		t.Errorf("open descriptors: got %d after the fault, want at most %d", f, fds+2)
	}
}

// With the login limiter's counters in Redis, a Redis outage follows the
// documented policy: fail closed by default (503 before the app is asked),
// fail open when Login.FailOpen is set (the app answers).
func TestE2EProxyRedisDown(t *testing.T) {
	app := testenv.StartNodePeer(t, "express-vulnerable")
	rs := testserver.Redis(t)
	opts, err := redis.ParseURL(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	opts.MaxRetries, opts.DialTimeout = -1, 200*time.Millisecond
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })

	redis.SetLogger(quietRedis{})
	proxies := map[bool]struct {
		base   string
		client *http.Client
		logs   *syncBuffer
	}{}
	for _, open := range []bool{false, true} {
		store, err := redisstore.New(redisstore.Config{Client: client, Prefix: "e2e:" + strconv.FormatBool(open) + ":"})
		if err != nil {
			t.Fatal(err)
		}
		base, c, _, logs := startLibProxy(t, proxy.Config{
			Config:     harden.Config{},
			Upstream:   app.URL,
			Login:      proxy.LoginConfig{Paths: []string{"/login"}, FailOpen: open},
			LoginStore: store,
		})
		proxies[open] = struct {
			base   string
			client *http.Client
			logs   *syncBuffer
		}{base, c, logs}
	}
	login := func(open bool, password string) answer {
		px := proxies[open]
		return do(t, px.client, px.base, req{method: "POST", path: "/login",
			body:   `{"username":"alice","password":"` + password + `"}`,
			header: map[string]string{"Content-Type": "application/json", "X-Request-ID": e2eID}})
	}
	// Redis up: failures are counted, the lockout holds.
	for i := range 5 {
		if a := login(false, "guess"); a.status != http.StatusUnauthorized {
			t.Fatalf("failure %d with Redis up: got %d %q, want the app's 401", i+1, a.status, a.body)
		}
	}
	checkAnswer(t, "sixth attempt with Redis up", login(false, "password123"), http.StatusTooManyRequests,
		refusal("Too many requests, please try again later."))

	rs.Stop() // by PID

	a := login(false, "password123")
	checkAnswer(t, "fail closed with Redis down", a, http.StatusServiceUnavailable, refusal("Service temporarily unavailable"))
	if sidCookie(a) != "" {
		t.Errorf("fail closed: got a session cookie")
	}
	a = login(true, "password123")
	if a.status != http.StatusOK || sidCookie(a) == "" {
		t.Errorf("fail open with Redis down: got %d %q, want the app's 200 and its cookie", a.status, a.body)
	}
	if log := proxies[false].logs.String(); !strings.Contains(log, `"event":"rate_limit_unavailable"`) {
		t.Errorf("fail closed: no rate_limit_unavailable event in the security log:\n%s", log)
	}
	// Other paths never ask the login store.
	px := proxies[false]
	if a := do(t, px.client, px.base, req{path: "/"}); a.status != http.StatusOK {
		t.Errorf("GET / with Redis down: got %d, want 200", a.status)
	}
}
