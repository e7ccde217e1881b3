// Package janitor runs a store's periodic clean-up of expired sessions in
// a goroutine that can be stopped.
package janitor

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Janitor calls a clean-up function every interval until stopped.
type Janitor struct {
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Start calls clean every interval (each call bounded by interval) and
// logs its errors to log with msg. A non-positive interval starts nothing:
// Stop is then a no-op.
func Start(interval time.Duration, clean func(context.Context) (int64, error), log *slog.Logger, msg string) *Janitor {
	j := &Janitor{}
	if interval <= 0 {
		return j
	}
	j.stop, j.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(j.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-j.stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), interval)
				if _, err := clean(ctx); err != nil {
					log.Error(msg, "error", err.Error())
				}
				cancel()
			}
		}
	}()
	return j
}

// Stop stops the goroutine and waits for it to end. It may be called more
// than once.
func (j *Janitor) Stop() {
	j.once.Do(func() {
		if j.stop != nil {
			close(j.stop)
			<-j.done
		}
	})
}
