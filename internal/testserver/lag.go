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
	stop  chan struct{}
	done  sync.WaitGroup
	mu    sync.Mutex
	max   time.Duration
	since time.Time // when the tick in progress started waiting
}

// lagTick is how often a LagMeter wakes up.
const lagTick = 5 * time.Millisecond

// MeasureLag starts a LagMeter. Call Stop to end it and read the result.
func MeasureLag() *LagMeter {
	m := &LagMeter{stop: make(chan struct{})}
	m.done.Go(func() {
		for {
			start := time.Now()
			m.mu.Lock()
			m.since = start
			m.mu.Unlock()
			select {
			case <-m.stop:
				m.mu.Lock()
				m.max = max(m.max, time.Since(start)-lagTick)
				m.since = time.Time{}
				m.mu.Unlock()
				return
			case <-time.After(lagTick):
			}
			if late := time.Since(start) - lagTick; late > 0 {
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

// Max returns the worst lateness seen so far, the tick in progress
// included: a measuring goroutine that the scheduler has not woken yet is
// late by now too, although it has not recorded it.
func (m *LagMeter) Max() time.Duration {
	m.mu.Lock()
	defer m.mu.Unlock()
	late := m.max
	if !m.since.IsZero() {
		late = max(late, time.Since(m.since)-lagTick)
	}
	return late
}
