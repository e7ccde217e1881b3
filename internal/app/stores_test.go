package app

import (
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testenv"
)

const meBody = `{"email":"sam@example.com","name":"Test user","role":"user"}` + "\n"

// TestSQLiteSessionsSurviveRestart: a session made by one app is valid in
// the next app on the same data directory and secrets.
func TestSQLiteSessionsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, Secrets: secret}
	a1, srv1 := routeApp(t, cfg)
	addUser(t, a1, "sam@example.com", userPW, appdb.RoleUser)
	c := newClient(t, srv1.URL)
	c.login("sam@example.com", userPW)
	sid := c.cookie("sid")
	srv1.Close()
	if err := a1.Close(); err != nil {
		t.Fatal(err)
	}

	_, srv2 := routeApp(t, cfg)
	c2 := newClient(t, srv2.URL)
	c2.setCookie("sid", sid)
	if status, body := c2.do("GET", "/api/me", "", "", nil); status != 200 || body != meBody {
		t.Errorf("after restart: %d %q, want 200 %q", status, body, meBody)
	}
	// Another ring does not accept it.
	_, srv3 := routeApp(t, Config{DataDir: dir})
	c3 := newClient(t, srv3.URL)
	c3.setCookie("sid", sid)
	if status, body := c3.do("GET", "/api/me", "", "", nil); status != 401 || body != authRequired {
		t.Errorf("with other secrets: %d %q, want 401", status, body)
	}
}

// sharedSessions logs in on the first app and uses the session on the
// second, then logs out on the second and replays on the first.
func sharedSessions(t *testing.T, a1 *App, url1, url2 string) {
	t.Helper()
	addUser(t, a1, "sam@example.com", userPW, appdb.RoleUser)
	c1 := newClient(t, url1)
	c1.login("sam@example.com", userPW)
	sid := c1.cookie("sid")
	c2 := newClient(t, url2)
	c2.setCookie("sid", sid)
	if status, body := c2.do("GET", "/api/me", "", "", nil); status != 200 || body != meBody {
		t.Fatalf("the other instance: %d %q, want 200 %q", status, body, meBody)
	}
	// A CSRF token made by one instance is accepted by the other.
	if status, body := c2.do("POST", "/api/logout", "", "", map[string]string{"X-CSRF-Token": c1.token()}); status != 200 || body != successBody {
		t.Fatalf("logout on the other instance: %d %q", status, body)
	}
	if status, body := c1.do("GET", "/api/me", "", "", nil); status != 401 || body != authRequired {
		t.Errorf("the first instance after logout on the second: %d %q, want 401", status, body)
	}
}

// TestSharedSessionsRedis: two instances with one Redis (and one user
// database) accept each other's sessions.
func TestSharedSessionsRedis(t *testing.T) {
	url := testenv.RedisURL(t)
	cfg := Config{DataDir: t.TempDir(), Secrets: secret, RedisURL: url}
	a1, srv1 := routeApp(t, cfg)
	_, srv2 := routeApp(t, cfg)
	sharedSessions(t, a1, srv1.URL, srv2.URL)
}

// TestSharedSessionsPostgres: two instances on one PostgreSQL database,
// each with its own data directory, accept each other's sessions.
func TestSharedSessionsPostgres(t *testing.T) {
	dsn := testenv.PostgresSchemaURL(t, "app_test")
	a1, srv1 := routeApp(t, Config{DataDir: t.TempDir(), Secrets: secret, DatabaseURL: dsn})
	_, srv2 := routeApp(t, Config{DataDir: t.TempDir(), Secrets: secret, DatabaseURL: dsn})
	sharedSessions(t, a1, srv1.URL, srv2.URL)
}

// startRedis runs a Redis server of the test's own on a free loopback
// port and returns its URL and the command (stop it with Process.Kill).
func startRedis(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	testenv.RedisURL(t) // Redis is a service the test command provides
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if testenv.Required() {
			t.Fatal("redis-server not found")
		}
		t.Skip("redis-server not found")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "redis://" + addr, cmd
}

// TestSessionStoreOutage: with the session store down, a request carrying
// a session cookie gets 503 through the responder (and an event), never a
// 500 or a pass as anonymous; requests without a cookie are unaffected.
func TestSessionStoreOutage(t *testing.T) {
	url, redis := startRedis(t)
	buf := &lockedBuffer{}
	a, srv := routeApp(t, Config{DataDir: t.TempDir(), RedisURL: url, SecurityLog: newSecLog(t, buf)})
	addUser(t, a, "sam@example.com", userPW, appdb.RoleUser)
	c := newClient(t, srv.URL)
	c.login("sam@example.com", userPW)
	if status, _ := c.do("GET", "/api/me", "", "", nil); status != 200 {
		t.Fatalf("me: %d", status)
	}
	if err := redis.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = redis.Wait()

	const unavailableBody = `{"error":"Service unavailable","request_id":"test-req-1"}` + "\n"
	for _, path := range []string{"/", "/admin"} {
		if status, body := c.do("GET", path, "", "", nil); status != 503 || body != unavailableBody {
			t.Errorf("GET %s with a session: %d %q, want 503 %q", path, status, body, unavailableBody)
		}
	}
	// The API's rate limiter shares the Redis and fails closed first.
	if status, body := c.do("GET", "/api/me", "", "", nil); status != 503 || body != `{"error":"Service temporarily unavailable","request_id":"test-req-1"}`+"\n" {
		t.Errorf("GET /api/me: %d %q", status, body)
	}
	if status, _ := newClient(t, srv.URL).do("GET", "/", "", "", nil); status != 200 {
		t.Errorf("GET / without a session: %d, want 200", status)
	}
	var events int
	for _, ev := range buf.events(t) {
		if ev["event"] == "session_store_error" {
			events++
		}
	}
	// Two refusals in one outage: the first is recorded, the second
	// counted by the next record (TestSessionStoreOutageSecurityLog).
	if events != 1 {
		t.Errorf("%d session_store_error events, want 1:\n%s", events, buf.String())
	}
}
