package app

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testserver"
)

const (
	readyBody       = `{"status":"ok"}` + "\n"
	unavailableBody = `{"status":"unavailable"}` + "\n"
)

// getReady fetches /readyz and returns its status, body and duration.
func getReady(t *testing.T, base string) (int, string, time.Duration) {
	t.Helper()
	start := time.Now()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("readyz Cache-Control: got %q, want no-store", got)
	}
	return resp.StatusCode, string(body), time.Since(start)
}

// waitReady polls /readyz until it answers 200, for at most 10 s.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body, _ := getReady(t, base)
		if status == 200 && body == readyBody {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz after the restart: got %d %q, want 200 %q", status, body, readyBody)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkUnavailable asserts a 503 that names nothing internal, answered
// within the readiness timeout (plus scheduler lateness).
func checkUnavailable(t *testing.T, base string, logs *lockedBuffer, wantLogged string) {
	t.Helper()
	lag := testserver.MeasureLag()
	status, body, took := getReady(t, base)
	starved := lag.Stop()
	if status != http.StatusServiceUnavailable || body != unavailableBody {
		t.Errorf("readyz with a store down: got %d %q, want 503 %q", status, body, unavailableBody)
	}
	if took > readyTimeout+200*time.Millisecond+starved {
		t.Errorf("readyz answered after %v, want within %v + 200ms (+ %v lateness)", took, readyTimeout, starved)
	}
	if !strings.Contains(logs.String(), wantLogged) {
		t.Errorf("the operational log does not name %q: %s", wantLogged, logs.String())
	}
}

func TestReadyzSQLite(t *testing.T) {
	_, srv := routeApp(t, Config{DataDir: t.TempDir()})
	if status, body, _ := getReady(t, srv.URL); status != 200 || body != readyBody {
		t.Errorf("readyz: got %d %q, want 200 %q", status, body, readyBody)
	}
	// A liveness probe stays a liveness probe.
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: got %d, want 200", resp.StatusCode)
	}
}

// TestReadyzOutages: a store that /readyz checks, stopped as in a crash
// (then started again on the same port, PostgreSQL on the same data) or
// frozen so that it accepts connections but never answers (SIGSTOP, then
// resumed), makes /readyz 503 within its timeout, naming the store in the
// operational log only; back, 200 again, without restarting the app.
func TestReadyzOutages(t *testing.T) {
	for _, tt := range []struct {
		name       string
		postgres   bool // else Redis (rate limits and sessions)
		freeze     bool // else stop and restart
		wantLogged string
	}{
		{"RedisStoppedAndRestarted", false, false, "redis (rate limits)"},
		{"RedisFrozen", false, true, "redis (sessions)"},
		{"PostgresStoppedAndRestarted", true, false, "postgresql"},
		{"PostgresFrozenAndResumed", true, true, "postgresql"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := &lockedBuffer{}
			cfg := Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(logs, nil))}
			var store *testserver.Server
			if tt.postgres {
				store = testserver.Postgres(t)
				cfg.DatabaseURL = store.URL
			} else {
				store = testserver.Redis(t)
				cfg.RedisURL = store.URL
			}
			_, srv := routeApp(t, cfg)
			waitReady(t, srv.URL)
			if tt.freeze {
				store.Pause(t)
			} else {
				store.Stop()
			}
			checkUnavailable(t, srv.URL, logs, tt.wantLogged)
			if tt.freeze {
				store.Resume(t)
			} else {
				store.Restart(t)
			}
			waitReady(t, srv.URL)
		})
	}
}

func TestFavicon(t *testing.T) {
	_, srv := routeApp(t, Config{DataDir: t.TempDir()})
	resp, err := http.Get(srv.URL + "/favicon.ico")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := assets.ReadFile("assets/favicon.ico")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/x-icon" || string(body) != string(want) {
		t.Errorf("favicon: got %d %q, %d bytes; want 200 image/x-icon, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(want))
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("favicon lacks the security headers")
	}
}

// TestCSPReportRoute: the app takes a report without CSRF token or session
// and records one csp_violation event.
func TestCSPReportRoute(t *testing.T) {
	buf := &lockedBuffer{}
	_, srv := routeApp(t, Config{DataDir: t.TempDir(), SecurityLog: newSecLog(t, buf)})
	body := `{"csp-report":{"document-uri":"http://127.0.0.1/","effective-directive":"script-src-elem","blocked-uri":"inline"}}`
	for range 3 {
		resp, err := http.Post(srv.URL+"/csp-report", "application/csp-report", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("report: got %d, want 204", resp.StatusCode)
		}
	}
	if n := strings.Count(buf.String(), `"event":"csp_violation"`); n != 1 {
		t.Errorf("got %d csp_violation events for 3 identical reports, want 1: %s", n, buf.String())
	}
}

func TestRobots(t *testing.T) {
	_, srv := routeApp(t, Config{DataDir: t.TempDir()})
	resp, err := http.Get(srv.URL + "/robots.txt")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	const want = "User-agent: *\nDisallow: /api/\nDisallow: /admin\n"
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || string(body) != want {
		t.Errorf("robots.txt: got %d %q %q; want 200 text/plain %q", resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("robots.txt lacks the security headers")
	}
}
