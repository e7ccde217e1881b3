//go:build unix

package seclog

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/secevent"
)

// TestReopenOnSIGHUP sends a real SIGHUP to the test process. It is safe:
// ReopenOnSignal has registered signal.Notify for it before the signal is
// sent and until stop returns, so the default action (exit) never runs.
func TestReopenOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	l := fileLogger(t, path)
	stop := l.ReopenOnSignal()
	defer stop()

	r := testRequest("GET", "/")
	l.Record(r, Event{Name: EventAccessDenied})
	before := l.sink.current()
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if l.sink.current() != before {
			break // reopened
		}
		if time.Now().After(deadline) {
			t.Fatal("log file not reopened within 5s of SIGHUP")
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.Record(r, Event{Name: secevent.RateLimited})
	if old := readLines(t, path+".1"); len(old) != 1 || !strings.Contains(old[0], "access_denied") {
		t.Errorf("rotated file = %q", old)
	}
	if cur := readLines(t, path); len(cur) != 1 || !strings.Contains(cur[0], "rate_limited") {
		t.Errorf("new file = %q", cur)
	}
	stop()
	stop() // idempotent
}
