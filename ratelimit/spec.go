package ratelimit

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Bounds of a [Spec]. They keep every computation on limits and windows far
// from integer overflow, also in the Redis store, which counts microseconds.
const (
	maxLimit  = 1_000_000_000
	minWindow = time.Millisecond
	maxWindow = 366 * 24 * time.Hour
)

// errInvalidSpec is wrapped by the errors of [Spec.Set] and [Spec.Validate]
// for a malformed or out-of-range rate.
var errInvalidSpec = errors.New("ratelimit: invalid rate")

// Spec is a quota: Limit units per Window. Its text form is "LIMIT/WINDOW",
// for example "100/15m", "5/15m", "10/s" or "1000/1d": the window is a Go
// duration ("15m", "1h30m", "500ms"), a number of days ("1d"), or a bare
// unit meaning one of it ("s", "m", "h", "d").
//
// Spec implements [encoding.TextMarshaler], [encoding.TextUnmarshaler] and
// [flag.Value], so it can be read from JSON, a flag or an environment
// variable as it is:
//
//	spec := ratelimit.Spec{Limit: 100, Window: 15 * time.Minute}
//	flag.Var(&spec, "api-limit", "requests per window per client")
type Spec struct {
	Limit  int64
	Window time.Duration
}

// parseSpec parses the text form of a [Spec] ("100/15m").
func parseSpec(s string) (Spec, error) {
	lim, win, ok := strings.Cut(s, "/")
	if !ok {
		return Spec{}, specError("want LIMIT/WINDOW, for example 100/15m")
	}
	limit, err := parseLimit(lim)
	if err != nil {
		return Spec{}, err
	}
	window, err := parseWindow(win)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Limit: limit, Window: window}, nil
}

func specError(msg string) error { return &specErr{msg} }

type specErr struct{ msg string }

func (e *specErr) Error() string { return errInvalidSpec.Error() + ": " + e.msg }
func (e *specErr) Unwrap() error { return errInvalidSpec }

func parseLimit(s string) (int64, error) {
	// Digits only: no sign, no spaces, no underscores, no hex.
	if s == "" || len(s) > 10 {
		return 0, specError("limit must be an integer from 1 to 1000000000")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, specError("limit must be an integer from 1 to 1000000000")
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > maxLimit {
		return 0, specError("limit must be an integer from 1 to 1000000000")
	}
	return n, nil
}

func parseWindow(s string) (time.Duration, error) {
	var d time.Duration
	switch {
	case s == "":
		return 0, specError("missing window")
	case s == "ms" || s == "s" || s == "m" || s == "h":
		d, _ = time.ParseDuration("1" + s)
	case s == "d":
		d = 24 * time.Hour
	case strings.HasSuffix(s, "d"):
		n, err := parseLimit(s[:len(s)-1])
		if err != nil || n > int64(maxWindow/(24*time.Hour)) {
			return 0, specError("window out of range (1ms to 366d)")
		}
		d = time.Duration(n) * 24 * time.Hour
	default:
		if s[0] < '0' || s[0] > '9' { // no sign: "-1m" and "+1m" are typos
			return 0, specError("window must be a duration such as 15m, 1h or 1d")
		}
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, specError("window must be a duration such as 15m, 1h or 1d")
		}
	}
	if d < minWindow || d > maxWindow {
		return 0, specError("window out of range (1ms to 366d)")
	}
	return d, nil
}

// String returns the text form of s, the shortest that [Spec.Set] reads
// back to s ("100/15m", "1000/1d").
func (s Spec) String() string {
	return strconv.FormatInt(s.Limit, 10) + "/" + formatWindow(s.Window)
}

func formatWindow(d time.Duration) string {
	switch {
	case d <= 0:
		return d.String()
	case d%(24*time.Hour) == 0:
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	case d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	case d%time.Second == 0:
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	case d%time.Millisecond == 0:
		return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
	}
	return d.String()
}

// Validate reports whether s is within the bounds a limiter accepts: a
// Limit of 1 to 1,000,000,000 per a Window of 1ms to 366 days.
func (s Spec) Validate() error {
	if s.Limit < 1 || s.Limit > maxLimit {
		return specError("limit must be an integer from 1 to 1000000000")
	}
	if s.Window < minWindow || s.Window > maxWindow {
		return specError("window out of range (1ms to 366d)")
	}
	return nil
}

// Set parses the text form of a Spec ("100/15m") into s; it makes *Spec a
// [flag.Value].
func (s *Spec) Set(text string) error {
	v, err := parseSpec(text)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText returns the text form of s, or nothing for the zero Spec
// (which a Config reads as its default).
func (s Spec) MarshalText() ([]byte, error) {
	if s == (Spec{}) {
		return []byte{}, nil
	}
	return []byte(s.String()), nil
}

// UnmarshalText parses the text form of a Spec into s; empty text is the
// zero Spec.
func (s *Spec) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*s = Spec{}
		return nil
	}
	return s.Set(string(text))
}
