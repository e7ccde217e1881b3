package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/ratelimit"
)

// TestRedisClusterTwoInstances: two instances on a real three-master
// Redis Cluster share sessions (login on one, logout on the other) and
// their API limit is exact across both: 10 of 16 requests pass, 6 get 429.
func TestRedisClusterTwoInstances(t *testing.T) {
	url := testserver.RedisCluster(t)
	cfg := Config{DataDir: t.TempDir(), Secrets: secret, RedisURL: url,
		APILimit: ratelimit.Spec{Limit: 10, Window: time.Hour}, TrustedProxies: "127.0.0.1/32"}
	a1, srv1 := routeApp(t, cfg)
	_, srv2 := routeApp(t, cfg)
	sharedSessions(t, a1, srv1.URL, srv2.URL)

	c1, c2 := newClient(t, srv1.URL), newClient(t, srv2.URL)
	got := map[int]int{}
	for i := range 16 {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		// A client address of its own, through the trusted proxy: the
		// requests of sharedSessions do not count.
		status, _ := c.do("GET", "/api/csrf-token", "", "", map[string]string{"X-Forwarded-For": "203.0.113.7"})
		got[status]++
	}
	if got[http.StatusOK] != 10 || got[http.StatusTooManyRequests] != 6 {
		t.Errorf("statuses across two instances %v, want 10×200 and 6×429", got)
	}
}

// TestRedisSentinelFailover: with a primary, a replica and three
// Sentinels, a session made before the primary crashes (SIGKILL) still
// signs its user in once the Sentinels have promoted the replica.
func TestRedisSentinelFailover(t *testing.T) {
	s := testserver.RedisSentinel(t)
	a, srv := routeApp(t, Config{DataDir: t.TempDir(), Secrets: secret, RedisURL: s.URL})
	addUser(t, a, "sam@example.com", userPW, appdb.RoleUser)
	c := newClient(t, srv.URL)
	c.login("sam@example.com", userPW)
	if status, body := c.do("GET", "/api/me", "", "", nil); status != 200 || body != meBody {
		t.Fatalf("before the failover: %d %q", status, body)
	}
	// No waiting here: the login's answer came only once the replica had
	// the session (the store's WAIT behind Sentinels).
	s.KillPrimary(t)

	start := time.Now()
	var status int
	var body string
	for deadline := start.Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status, body = c.do("GET", "/api/me", "", "", nil); status == 200 {
			break
		}
		if status != http.StatusServiceUnavailable {
			t.Fatalf("during the failover: %d %q, want 503 or 200", status, body)
		}
	}
	if status != 200 || body != meBody {
		t.Fatalf("after the failover: %d %q, want 200 %q", status, body, meBody)
	}
	t.Logf("session served again %v after the primary was killed", time.Since(start).Round(time.Millisecond))
}
