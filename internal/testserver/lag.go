package testserver

import (
	"sync"
	"time"
)

// LagMeter measures how late the Go scheduler wakes a sleeping goroutine,
// so that a timing assertion ("answers within the timeout + 100 ms") can
// tell a slow answer from a starved machine: on a loaded host a goroutine
// due at a deadline may run hundreds of milliseconds later, whatever the
// code under test does.
type LagMeter struct {
	stop chan struct{}
	done sync.WaitGroup
	mu   sync.Mutex
	max  time.Duration
}

// MeasureLag starts a LagMeter. Call Stop to end it and read the result.
func MeasureLag() *LagMeter {
	m := &LagMeter{stop: make(chan struct{})}
	m.done.Go(func() {
		const tick = 5 * time.Millisecond
		for {
			start := time.Now()
			select {
			case <-m.stop:
				return
			case <-time.After(tick):
			}
			if late := time.Since(start) - tick; late > 0 {
				m.mu.Lock()
				m.max = max(m.max, late)
				m.mu.Unlock()
			}
		}
	})
	return m
}

// Stop ends the measure and returns the worst lateness seen.
func (m *LagMeter) Stop() time.Duration {
	close(m.stop)
	m.done.Wait()
	return m.Max()
}

// Max returns the worst lateness seen so far.
func (m *LagMeter) Max() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.max
}
