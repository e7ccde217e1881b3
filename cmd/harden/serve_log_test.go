package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readEvents decodes the JSON lines of text; other lines are skipped.
func readEvents(t *testing.T, text string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for line := range strings.SplitSeq(text, "\n") {
		if !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not one JSON object: %v\n%s", err, line)
		}
		evs = append(evs, m)
	}
	return evs
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// denied sends a request for a hostile host through the trusted proxy (this
// test's client): a 421 that the security log records.
func denied(t *testing.T, base, id string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/account?token=secret", nil)
	req.Host = "evil.example"
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set("X-Request-ID", id)
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `{"error":"Misdirected request","request_id":"` + id + `"}` + "\n"; resp.StatusCode != 421 || string(body) != want {
		t.Fatalf("got %d %q, want 421 %q", resp.StatusCode, body, want)
	}
}

// TestServeSecurityLogFile: with HARDEN_SECURITY_LOG the events go to the
// file, each denial with the client address, request id, status and
// event; after logrotate renames the file, SIGHUP makes the server write
// to a new one.
func TestServeSecurityLogFile(t *testing.T) {
	dir := t.TempDir()
	logFile := filepath.Join(dir, "security.log")
	env := map[string]string{
		"HARDEN_ENV": "production", "HARDEN_SECRETS": testSecret, "HARDEN_PUBLIC_URL": "https://example.com",
		"HARDEN_TRUSTED_PROXIES": "127.0.0.1", "HARDEN_DATA_DIR": t.TempDir(), "HARDEN_SECURITY_LOG": logFile,
	}
	base, _, stderr, _ := startServeLog(t, env, "--addr", "127.0.0.1:0")
	denied(t, base, "first-1")

	evs := readEvents(t, readFile(t, logFile))
	if len(evs) != 1 {
		t.Fatalf("%d events in the file, want 1:\n%s", len(evs), readFile(t, logFile))
	}
	ev := evs[0]
	for k, want := range map[string]any{"event": "host_rejected", "ip": "203.0.113.7", "request_id": "first-1",
		"status": float64(421), "path": "/account", "service": "harden", "level": "WARN", "method": "GET"} {
		if ev[k] != want {
			t.Errorf("%s = %v, want %v", k, ev[k], want)
		}
	}
	if strings.Contains(readFile(t, logFile), "secret") {
		t.Error("the query string reached the log")
	}
	if fi, err := os.Stat(logFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log file mode: %v %v, want 0600", fi.Mode(), err)
	}
	if got := readEvents(t, stderr.String()); len(got) != 0 {
		t.Errorf("events on stderr too: %v", got)
	}

	// logrotate: rename, then SIGHUP.
	rotated := logFile + ".1"
	if err := os.Rename(logFile, rotated); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(logFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no new log file after SIGHUP")
		}
		time.Sleep(10 * time.Millisecond)
	}
	denied(t, base, "second-2")
	if got := readEvents(t, readFile(t, logFile)); len(got) != 1 || got[0]["request_id"] != "second-2" {
		t.Errorf("new file: %v, want the second denial only", got)
	}
	if got := readEvents(t, readFile(t, rotated)); len(got) != 1 || got[0]["request_id"] != "first-1" {
		t.Errorf("rotated file: %v, want the first denial only", got)
	}
}

// TestServeDevelopmentWarning: the development-mode warning is a
// config_warning event, once per stream: in the security log (stderr by
// default), and also as a record on stderr (here in text) when the log is
// a file.
func TestServeDevelopmentWarning(t *testing.T) {
	const msg = "development mode: ephemeral secrets"
	_, _, stderr, _ := startServeLog(t, map[string]string{"HARDEN_DATA_DIR": t.TempDir()}, "--addr", "127.0.0.1:0")
	if got := strings.Count(stderr.String(), msg); got != 1 {
		t.Errorf("the warning appears %d times on stderr, want once:\n%s", got, stderr.String())
	}
	var evs []map[string]any
	for _, e := range readEvents(t, stderr.String()) {
		if e["event"] != nil { // a security event, not an operational record
			evs = append(evs, e)
		}
	}
	if len(evs) != 1 || evs[0]["event"] != "config_warning" || evs[0]["level"] != "WARN" {
		t.Fatalf("stderr events: %v, want one config_warning", evs)
	}
	if m, _ := evs[0]["details"].(map[string]any)["message"].(string); !strings.HasPrefix(m, msg) {
		t.Errorf("details.message = %q", m)
	}

	logFile := filepath.Join(t.TempDir(), "security.log")
	_, _, stderr, _ = startServeLog(t, map[string]string{"HARDEN_DATA_DIR": t.TempDir(), "HARDEN_SECURITY_LOG": logFile}, "--addr", "127.0.0.1:0", "--log-format", "text")
	if evs := readEvents(t, readFile(t, logFile)); len(evs) != 1 || evs[0]["event"] != "config_warning" {
		t.Errorf("file events: %v, want one config_warning", evs)
	}
	if !strings.Contains(stderr.String(), "level=WARN msg=\""+msg) {
		t.Errorf("no text warning on stderr with a log file: %q", stderr.String())
	}
}

// TestServeAPILimit: --api-limit applies to /api/ through the server:
// standard headers on every /api/ response, 429 with Retry-After beyond.
func TestServeAPILimit(t *testing.T) {
	base, _, _ := startServe(t, map[string]string{"HARDEN_DATA_DIR": t.TempDir(), "HARDEN_AUTH_LIMIT": "3/1h"},
		"--addr", "127.0.0.1:0", "--api-limit", "2/1m")
	get := func(path string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("X-Request-ID", testID)
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(b)
	}
	for i := range 2 {
		resp, _ := get("/api/x")
		if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("RateLimit-Policy"), `"api";q=2;w=60;pk=:`) {
			t.Errorf("request %d: %d, RateLimit-Policy %q", i, resp.StatusCode, resp.Header.Get("RateLimit-Policy"))
		}
	}
	resp, body := get("/api/x")
	if want := `{"error":"Too many requests, please try again later.","request_id":"test-req-1"}` + "\n"; resp.StatusCode != 429 || body != want {
		t.Errorf("past the limit: %d %q, want 429 %q", resp.StatusCode, body, want)
	}
	if resp.Header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After = %q, want 60", resp.Header.Get("Retry-After"))
	}
	if resp, _ := get("/healthz"); resp.StatusCode != 200 || resp.Header.Get("RateLimit") != "" {
		t.Errorf("/healthz: %d, RateLimit %q", resp.StatusCode, resp.Header.Get("RateLimit"))
	}
}
