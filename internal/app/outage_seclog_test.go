package app

import (
	"io"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testserver"
)

// TestSessionStoreOutageSecurityLog freezes a real Redis (SIGSTOP by its
// PID) under 30 concurrent requests that carry a session: each gets its
// 503 within the store timeout, but the security log records one
// session_store_error, and after SIGCONT one store_recovered counting the
// 29 others.
func TestSessionStoreOutageSecurityLog(t *testing.T) {
	redis := testserver.Redis(t)
	buf := &lockedBuffer{}
	a, srv := routeApp(t, Config{DataDir: t.TempDir(), RedisURL: redis.URL, SecurityLog: newSecLog(t, buf)})
	addUser(t, a, "sam@example.com", userPW, appdb.RoleUser)
	c := newClient(t, srv.URL)
	c.login("sam@example.com", userPW)
	if status, _ := c.do("GET", "/", "", "", nil); status != 200 {
		t.Fatalf("GET / with a session before the outage: %d", status)
	}

	redis.Pause(t)
	const n = 30
	type answer struct {
		status int
		body   string
		took   time.Duration
		err    error
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			resp, err := c.http.Get(srv.URL + "/")
			if err != nil {
				answers[i].err = err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers[i] = answer{resp.StatusCode, string(b), time.Since(start), nil}
		})
	}
	wg.Wait()
	const unavailable = `{"error":"Service unavailable","request_id":"`
	for i, a := range answers {
		if a.err != nil || a.status != 503 || len(a.body) < len(unavailable) || a.body[:len(unavailable)] != unavailable {
			t.Errorf("request %d during the outage: %d %q %v, want 503 %s...", i, a.status, a.body, a.err, unavailable)
		}
		if a.took > sessionStoreTimeout+500*time.Millisecond {
			t.Errorf("request %d took %v, want within the store timeout %v", i, a.took, sessionStoreTimeout)
		}
	}
	redis.Resume(t)
	if status, _ := c.do("GET", "/", "", "", nil); status != 200 {
		t.Fatalf("GET / with a session after the outage: %d, want 200", status)
	}

	var errorsLogged, recovered int
	for _, ev := range buf.events(t) {
		details, _ := ev["details"].(map[string]any)
		switch ev["event"] {
		case "session_store_error":
			errorsLogged++
			if ev["status"] != float64(503) {
				t.Errorf("session_store_error status %v, want 503", ev["status"])
			}
		case "store_recovered":
			recovered++
			if details["suppressed"] != float64(n-1) || details["outage_event"] != "session_store_error" {
				t.Errorf("store_recovered details %v, want suppressed %d of session_store_error", details, n-1)
			}
		}
	}
	if errorsLogged != 1 || recovered != 1 {
		t.Errorf("%d session_store_error and %d store_recovered events for %d refusals, want 1 and 1:\n%s", errorsLogged, recovered, n, buf.String())
	}
}
