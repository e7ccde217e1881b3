package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/internal/drain"
)

// drainDelayUsage is the help text of --drain-delay, shared by serve and
// proxy.
const drainDelayUsage = "on SIGTERM, how long to go on serving with readiness failing and every answer closing its connection, before closing the listeners (HARDEN_DRAIN_DELAY)"

// drainDelayFlag registers --drain-delay on fs, defaulting to
// HARDEN_DRAIN_DELAY or drain.DefaultDelay. A value that does not parse
// is reported by fs.Parse.
func drainDelayFlag(fs *flag.FlagSet, getenv func(string) string) *durationFlag {
	d := &durationFlag{d: drain.DefaultDelay}
	if v := getenv("HARDEN_DRAIN_DELAY"); v != "" {
		if err := d.Set(v); err != nil {
			d.err = fmt.Errorf("HARDEN_DRAIN_DELAY: %w", err)
		}
	}
	fs.Var(d, "drain-delay", drainDelayUsage)
	return d
}

// durationFlag is a non-negative time.Duration flag.
type durationFlag struct {
	d   time.Duration
	err error // from the environment variable, reported at start
}

func (f *durationFlag) String() string {
	if f == nil {
		return ""
	}
	return f.d.String()
}

func (f *durationFlag) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return err
	}
	if d < 0 {
		return fmt.Errorf("%q is negative", v)
	}
	f.d, f.err = d, nil
	return nil
}

// drainConfig is the drain of a delay given on the command line: zero
// means none.
func drainConfig(delay time.Duration) drain.Config {
	if delay == 0 {
		delay = -1
	}
	return drain.Config{Delay: delay, Timeout: drain.DefaultTimeout}
}

// unreadyWhileDraining answers GET and HEAD /readyz with 503
// {"status":"unavailable"} (and the security headers of hdrs) once d is
// draining, so that load balancers take the instance out of rotation
// before its listeners close; every other request, and /readyz before
// the drain, goes to next.
func unreadyWhileDraining(next http.Handler, d *drain.State, hdrs *headers.Headers) http.Handler {
	unready := hdrs.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"unavailable"}`+"\n")
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Draining() && r.URL.Path == "/readyz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			unready.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
