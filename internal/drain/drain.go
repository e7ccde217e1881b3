package drain

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harden-go/harden/internal/statuswriter"
)

// DefaultDelay is how long a zero [Config] keeps serving while draining.
const DefaultDelay = time.Second

// DefaultTimeout is how long a zero [Config] waits for requests in flight
// once the listeners are closed.
const DefaultTimeout = 10 * time.Second

// pollInterval is how often the delay checks whether connections remain.
const pollInterval = 20 * time.Millisecond

// DefaultQuiet is how long a zero [Config] waits with no connection open
// before it ends the delay early.
const DefaultQuiet = 250 * time.Millisecond

// State is the drain state of one process, shared by its servers and its
// readiness handler. The zero State is ready, not draining, and tracks
// no connection. A State is safe for concurrent use.
type State struct {
	draining atomic.Bool
	open     atomic.Int64 // connections net/http has neither closed nor handed over
	last     atomic.Int64 // when a tracked connection last changed state, Unix ns

	mu     sync.Mutex
	states map[net.Conn]http.ConnState
}

// Draining reports whether shutdown has begun. A readiness handler
// answers 503 while it is true, so that load balancers stop sending new
// traffic before the listeners close.
func (s *State) Draining() bool { return s.draining.Load() }

// Begin starts draining: from now on every HTTP/1 response passed through
// [State.Handler] carries "Connection: close".
func (s *State) Begin() { s.draining.Store(true) }

// OpenConns returns the number of connections of the tracked servers that
// are open and not hijacked.
func (s *State) OpenConns() int64 { return s.open.Load() }

// Handler adds "Connection: close" to every HTTP/1 response written after
// draining began, just before its header goes out: net/http then closes
// the connection after the answer, and the client opens a new one
// (elsewhere, once readiness has failed) for its next request, instead of
// sending it on a connection about to be closed under it. HTTP/2 has no
// Connection header; net/http's GOAWAY does the same there.
func (s *State) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 1 {
			next.ServeHTTP(w, r)
			return
		}
		var sw statuswriter.Writer
		sw.Reset(w, closeHook{s})
		next.ServeHTTP(sw.ResponseWriter(), r)
		_ = sw.Finish()
	})
}

// closeHook is the statuswriter.HeaderHook of [State.Handler]: it decides
// at the moment the header is written, so that a request that began before
// the drain and ends during it closes its connection too.
type closeHook struct{ s *State }

func (h closeHook) BeforeHeader(w http.ResponseWriter, status int) error {
	if h.s.Draining() {
		w.Header().Set("Connection", "close")
	}
	return nil
}

// Track makes s count srv's connections, keeping any ConnState hook srv
// already has. Call it before the server serves. [Shutdown] tracks its
// servers itself.
func (s *State) Track(srv *http.Server) {
	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, cs http.ConnState) {
		s.connState(c, cs)
		if prev != nil {
			prev(c, cs)
		}
	}
}

func (s *State) connState(c net.Conn, cs http.ConnState) {
	s.last.Store(time.Now().UnixNano())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.states == nil {
		s.states = map[net.Conn]http.ConnState{}
	}
	_, known := s.states[c]
	switch cs {
	case http.StateClosed, http.StateHijacked:
		if known {
			delete(s.states, c)
			s.open.Add(-1)
		}
	default:
		if !known {
			s.open.Add(1)
		}
		s.states[c] = cs
	}
}

// Config sets how [Shutdown] drains.
type Config struct {
	// Delay is how long the servers go on serving after draining began,
	// with readiness failing and every answer closing its connection, so
	// that load balancers notice and clients move their next requests
	// elsewhere. Default DefaultDelay; a negative Delay means none.
	Delay time.Duration `json:"delay" yaml:"delay"`

	// Quiet ends the delay early once no tracked connection has been open
	// for that long: nobody is sending, and a client that connects later
	// finds the listener closed and knows nothing was sent. Under load,
	// clients that honour "Connection: close" dial again at once, so the
	// delay runs on. Default DefaultQuiet; a negative Quiet means the
	// delay always runs in full.
	Quiet time.Duration `json:"quiet" yaml:"quiet"`

	// Timeout bounds the wait for requests in flight after the listeners
	// close. Default DefaultTimeout.
	Timeout time.Duration `json:"timeout" yaml:"timeout"`
}

// ErrBadTimeout is returned for a negative Config.Timeout.
var ErrBadTimeout = errors.New("drain: Timeout must not be negative")

// Shutdown drains s's servers and stops them: it begins draining, waits
// for cfg.Delay (or until no tracked connection has been open for
// cfg.Quiet), then disables
// keep-alives and shuts every server down, waiting up to cfg.Timeout for
// requests in flight. The servers must have been passed to [State.Track]
// before serving, and their handlers wrapped with [State.Handler]. ctx
// cuts the delay short (a second signal, say). It returns the servers'
// Shutdown errors.
func (s *State) Shutdown(ctx context.Context, cfg Config, servers ...*http.Server) error {
	if cfg.Timeout < 0 {
		return ErrBadTimeout
	}
	delay, quiet, timeout := cfg.Delay, cfg.Quiet, cfg.Timeout
	if delay == 0 {
		delay = DefaultDelay
	}
	if quiet == 0 {
		quiet = DefaultQuiet
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	s.Begin()
	if delay > 0 {
		wait(ctx, delay, func() bool {
			return quiet > 0 && s.OpenConns() == 0 && time.Since(time.Unix(0, s.last.Load())) >= quiet
		})
	}
	// Only now: SetKeepAlivesEnabled(false) closes idle connections at
	// once, which during the delay would cut a request already on the wire.
	for _, srv := range servers {
		srv.SetKeepAlivesEnabled(false)
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close() // cut what is left: the timeout has passed
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// wait returns after d, when done reports true, or when ctx ends.
func wait(ctx context.Context, d time.Duration, done func() bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !done() {
		select {
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
