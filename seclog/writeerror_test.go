package seclog

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/harden-go/harden/internal/secevent"
)

// errDiskFull is what failingWriter returns.
var errDiskFull = errors.New("disk full")

// failingWriter fails every write after the first ok ones.
type failingWriter struct {
	mu     sync.Mutex
	ok     int
	writes int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	if w.writes <= w.ok {
		return len(p), nil
	}
	return 0, errDiskFull
}

// writeErrObserver counts events and write errors.
type writeErrObserver struct {
	mu     sync.Mutex
	events int
	errs   []error
}

func (o *writeErrObserver) ObserveEvent(*http.Request, string, int) {
	o.mu.Lock()
	o.events++
	o.mu.Unlock()
}

func (o *writeErrObserver) ObserveWriteError(err error) {
	o.mu.Lock()
	o.errs = append(o.errs, err)
	o.mu.Unlock()
}

func TestWriteErrorObserver(t *testing.T) {
	tests := []struct {
		name     string
		okWrites int
		log      func(l *Logger)
		want     int
	}{
		{"event to a failing sink", 0, func(l *Logger) {
			l.Record(httptest.NewRequest("GET", "/x", nil), Event{Name: secevent.CSRFFailure, Status: 403})
		}, 1},
		{"slog record to a failing sink", 0, func(l *Logger) { l.Slog().Warn("config_warning") }, 1},
		{"event to a working sink", 1, func(l *Logger) {
			l.Record(httptest.NewRequest("GET", "/x", nil), Event{Name: secevent.CSRFFailure, Status: 403})
		}, 0},
		{"two events, the second fails", 1, func(l *Logger) {
			l.Log(t.Context(), Event{Name: secevent.ConfigWarning, Details: []slog.Attr{slog.String("message", "a")}})
			l.Log(t.Context(), Event{Name: secevent.ConfigWarning, Details: []slog.Attr{slog.String("message", "b")}})
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := &writeErrObserver{}
			l, err := New(Config{Writer: &failingWriter{ok: tt.okWrites}, Observer: obs})
			if err != nil {
				t.Fatal(err)
			}
			tt.log(l)
			if got := len(obs.errs); got != tt.want {
				t.Fatalf("write errors observed = %d, want %d", got, tt.want)
			}
			for _, e := range obs.errs {
				if !errors.Is(e, errDiskFull) {
					t.Errorf("observed error = %v, want %v", e, errDiskFull)
				}
			}
		})
	}
}

func TestWriteErrorObserverNotToldAfterClose(t *testing.T) {
	obs := &writeErrObserver{}
	l, err := New(Config{Writer: &failingWriter{ok: 100}, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l.Record(nil, Event{Name: secevent.Panic, Status: 500})
	if got := len(obs.errs); got != 0 {
		t.Fatalf("write errors observed after Close = %d, want 0 (a dropped event after Close is intended)", got)
	}
	if obs.events != 1 {
		t.Fatalf("events observed = %d, want 1", obs.events)
	}
}
