package seclog

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/harden-go/harden/internal/secevent"
)

// ReopenOnSignal reopens the log file (see [Logger.Reopen]) each time the
// process receives one of sigs — SIGHUP when none is given, which is what
// logrotate's postrotate script sends. A failed reopen is logged as a
// config_warning to the file still open. It is opt-in: nothing listens for
// signals unless it is called. stop ends the listening; it is safe to call
// more than once.
func (l *Logger) ReopenOnSignal(sigs ...os.Signal) (stop func()) {
	if l == nil {
		return func() {}
	}
	if len(sigs) == 0 {
		sigs = []os.Signal{syscall.SIGHUP}
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			select {
			case <-done:
				return
			case <-ch:
				if err := l.Reopen(); err != nil {
					l.Log(context.Background(), Event{
						Name:    secevent.ConfigWarning,
						Details: []slog.Attr{slog.String("msg", "cannot reopen the security log; still writing to the old file")},
						Err:     err,
					})
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(ch)
			close(done)
			<-finished
		})
	}
}
