package seclog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/secevent"
)

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func fileLogger(t *testing.T, path string) *Logger {
	t.Helper()
	l, err := New(Config{Path: path, Service: "harden-test", Clock: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestReopenAfterRename is what logrotate does: rename the file, then ask
// the process to reopen.
func TestReopenAfterRename(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	l := fileLogger(t, path)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("log file mode = %v, want 0600", st.Mode().Perm())
	}
	r := testRequest("GET", "/a")
	l.Record(r, Event{Name: EventAccessDenied, Status: 403})
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	l.Record(r, Event{Name: secevent.RateLimited, Status: 429}) // still the renamed file
	if err := l.Reopen(); err != nil {
		t.Fatal(err)
	}
	l.Record(r, Event{Name: secevent.CSRFFailure, Status: 403})

	old, cur := readLines(t, path+".1"), readLines(t, path)
	if len(old) != 2 || !strings.Contains(old[0], `"access_denied"`) || !strings.Contains(old[1], `"rate_limited"`) {
		t.Errorf("rotated file = %q", old)
	}
	if len(cur) != 1 || !strings.Contains(cur[0], `"csrf_failure"`) {
		t.Errorf("new file = %q", cur)
	}
}

// TestReopenFailureKeepsOldFile: when the path cannot be opened any more,
// events keep going to the old file.
func TestReopenFailureKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "logs")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(sub, "security.log")
	l := fileLogger(t, path)
	if err := os.Rename(sub, sub+".gone"); err != nil {
		t.Fatal(err)
	}
	if err := l.Reopen(); err == nil {
		t.Fatal("Reopen succeeded with the directory gone")
	}
	l.Record(testRequest("GET", "/"), Event{Name: EventAccessDenied})
	if got := readLines(t, filepath.Join(sub+".gone", "security.log")); len(got) != 1 {
		t.Errorf("old file has %d lines, want 1", len(got))
	}
}

func TestClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "security.log")
	l := fileLogger(t, path)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	l.Record(testRequest("GET", "/"), Event{Name: EventAccessDenied}) // dropped, no panic
	if err := l.Reopen(); err == nil {
		t.Error("Reopen after Close succeeded")
	}
	if got := readLines(t, path); len(got) != 0 {
		t.Errorf("closed logger wrote %q", got)
	}
}

func TestReopenNotAFile(t *testing.T) {
	l, _ := newTestLogger(t)
	if err := l.Reopen(); err != nil {
		t.Errorf("Reopen of a writer sink: %v", err)
	}
}
