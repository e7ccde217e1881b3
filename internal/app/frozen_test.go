package app

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testserver"
)

// TestFrozenRedis: the app on one Redis (rate limits and sessions) frozen
// by SIGSTOP. Every request answers within its store's timeout + 100 ms:
// the API, limited by Redis first, gets the limiter's fail-closed 503 at
// its 250 ms; a page with a session gets the session store's 503 at 1 s.
// The operational log has one error per store for the whole outage, and
// each store logs its recovery once Redis continues.
func TestFrozenRedis(t *testing.T) {
	srv := testserver.Redis(t)
	logs := &lockedBuffer{}
	a, hs := routeApp(t, Config{DataDir: t.TempDir(), RedisURL: srv.URL,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	addUser(t, a, "frozen@example.com", userPW, appdb.RoleUser)
	c := newClient(t, hs.URL)
	c.login("frozen@example.com", userPW)
	if status, _ := c.do("GET", "/api/me", "", "", nil); status != 200 {
		t.Fatalf("before the freeze: GET /api/me %d", status)
	}

	srv.Pause(t)
	lag := testserver.MeasureLag()
	tests := []struct {
		path, body string
		timeout    time.Duration
	}{
		{"/api/me", `{"error":"Service temporarily unavailable","request_id":"` + testID + `"}` + "\n", 250 * time.Millisecond}, // the rate-limit store's default Timeout
		{"/", `{"error":"Service unavailable","request_id":"` + testID + `"}` + "\n", sessionStoreTimeout},
	}
	type answer struct {
		path   string
		status int
		body   string
		took   time.Duration
	}
	var mu sync.Mutex
	var answers []answer
	var wg sync.WaitGroup
	for range 10 {
		for _, tt := range tests {
			wg.Go(func() {
				start := time.Now()
				status, body := c.do("GET", tt.path, "", "", nil)
				mu.Lock()
				answers = append(answers, answer{tt.path, status, body, time.Since(start)})
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	starved := lag.Stop()
	for _, ans := range answers {
		for _, tt := range tests {
			if tt.path != ans.path {
				continue
			}
			if ans.status != 503 || ans.body != tt.body {
				t.Errorf("GET %s with Redis frozen: %d %q, want 503 %q", ans.path, ans.status, ans.body, tt.body)
			}
			// A machine so loaded that the scheduler wakes goroutines
			// late cannot keep any deadline: that lateness is allowed.
			if ans.took > tt.timeout+100*time.Millisecond+starved {
				t.Errorf("GET %s with Redis frozen answered after %v, want within %v + 100ms (+ %v scheduler lateness)", ans.path, ans.took, tt.timeout, starved)
			}
		}
	}

	srv.Resume(t)
	var status int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if status, _ = c.do("GET", "/api/me", "", "", nil); status == 200 {
			break
		}
	}
	if status != 200 {
		t.Fatalf("after Redis continued: GET /api/me %d, want 200 (the session survived)", status)
	}
	if _, body := c.do("GET", "/", "", "", nil); !strings.Contains(body, "<html") {
		t.Errorf("after Redis continued: GET / did not answer the page")
	}
	out := logs.String()
	for _, rec := range []string{`msg="ratelimit: store failed"`, `msg="session: store failed"`, `msg="ratelimit: store recovered"`, `msg="session: store recovered"`} {
		if n := strings.Count(out, rec); n != 1 {
			t.Errorf("%d records %s for one outage of %d requests, want 1:\n%s", n, rec, len(answers), out)
		}
	}
	t.Logf("%d requests with Redis frozen (scheduler lateness %v); log:\n%s", len(answers), starved.Round(time.Millisecond), onlyStoreRecords(out))
}

func onlyStoreRecords(s string) string {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.Contains(line, "store ") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestFrozenPostgres: the app on a PostgreSQL cluster of its own (users,
// messages and sessions) paused by SIGSTOP. A request with a session
// answers 503 within the session store's timeout + 100 ms; the session
// survives the pause.
func TestFrozenPostgres(t *testing.T) {
	srv := testserver.Postgres(t)
	logs := &lockedBuffer{}
	a, hs := routeApp(t, Config{DataDir: t.TempDir(), DatabaseURL: srv.URL,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	addUser(t, a, "paused@example.com", userPW, appdb.RoleUser)
	c := newClient(t, hs.URL)
	c.login("paused@example.com", userPW)
	if status, _ := c.do("GET", "/api/me", "", "", nil); status != 200 {
		t.Fatalf("before the pause: GET /api/me %d", status)
	}

	srv.Pause(t)
	lag := testserver.MeasureLag()
	const want = `{"error":"Service unavailable","request_id":"` + testID + `"}` + "\n"
	var slowest time.Duration
	for range 3 {
		for _, path := range []string{"/api/me", "/"} {
			start := time.Now()
			status, body := c.do("GET", path, "", "", nil)
			took := time.Since(start)
			slowest = max(slowest, took)
			if status != 503 || body != want {
				t.Errorf("GET %s with PostgreSQL paused: %d %q, want 503 %q", path, status, body, want)
			}
			if starved := lag.Max(); took > sessionStoreTimeout+100*time.Millisecond+starved {
				t.Errorf("GET %s with PostgreSQL paused answered after %v, want within %v + 100ms (+ %v scheduler lateness)", path, took, sessionStoreTimeout, starved)
			}
		}
	}
	starved := lag.Stop()
	srv.Resume(t)
	var status int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status, _ = c.do("GET", "/api/me", "", "", nil); status == 200 {
			break
		}
	}
	if status != 200 {
		t.Fatalf("after PostgreSQL continued: GET /api/me %d, want 200 (the session survived)", status)
	}
	out := logs.String()
	if strings.Count(out, `msg="session: store failed"`) != 1 || strings.Count(out, `msg="session: store recovered"`) != 1 {
		t.Errorf("want one session store failure and one recovery:\n%s", onlyStoreRecords(out))
	}
	t.Logf("6 requests with PostgreSQL paused, slowest %v (scheduler lateness %v); log:\n%s", slowest.Round(time.Millisecond), starved.Round(time.Millisecond), onlyStoreRecords(out))
}
