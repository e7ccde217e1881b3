package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

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

// errDraining is the readiness failure of an instance that is shutting
// down (logged, never sent: /readyz names nothing).
var errDraining = errors.New("draining after SIGTERM")

// drainingCheck fails readiness once d is draining, so that load balancers
// take the instance out of rotation before its listeners close.
func drainingCheck(d *drain.State) func(context.Context) error {
	return func(context.Context) error {
		if d.Draining() {
			return errDraining
		}
		return nil
	}
}
