package ratelimit

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/harden-go/harden/internal/configerr"
)

// The values of Config.Headers: revisions of the IETF draft
// draft-ietf-httpapi-ratelimit-headers, or none.
const (
	headersDraft8  = "draft-8"
	headersDraft11 = "draft-11"
	headersDraft7  = "draft-7"
	headersDraft6  = "draft-6"
	headersNone    = "none"
)

// Config configures a [Limiter]. The zero value is a working limiter: 100
// requests per 15 minutes per client address (IPv6 grouped by /56), fixed
// window, in memory, draft-8 headers, 429 through the shared responder, and
// fail-closed (503) if the store fails.
type Config struct {
	// Rate is the quota: Rate.Limit requests per Rate.Window. JSON and flags
	// use its text form, "100/15m". Default 100/15m.
	Rate Spec `json:"rate,omitzero" yaml:"rate,omitempty"`
	// Algorithm is FixedWindow (express-rate-limit's model) or GCRA (no
	// burst at window boundaries). Default FixedWindow.
	Algorithm Algorithm `json:"algorithm,omitempty" yaml:"algorithm,omitempty"`
	// Identifier names the policy in the draft-8/11 headers and namespaces
	// its counters in the store: limiters sharing a store and an Identifier
	// share one quota. Printable ASCII, at most 64 bytes. Default derived
	// from Rate, for example "100-in-15min".
	Identifier string `json:"identifier,omitempty" yaml:"identifier,omitempty"`

	// Key returns the key whose quota a request spends. Default: the client
	// address as the trust model resolves it ([clientip.Get]), IPv4 as
	// itself and IPv6 grouped by IPv6Prefix, as "ip:203.0.113.7" or
	// "ip:2001:db8:aa00::/56" ("ip:unknown" when unknown); see also
	// [KeyByUser]. Keys of different kinds carry a prefix ("ip:", "user:")
	// so that they never collide; a custom Key should do the same.
	Key func(r *http.Request) string `json:"-" yaml:"-"`
	// IPv6Prefix is the prefix length (1 to 128) that groups IPv6 clients
	// when Key is nil. Default 56.
	IPv6Prefix int `json:"ipv6_prefix,omitempty" yaml:"ipv6_prefix,omitempty"`

	// Headers selects the standard rate-limit response headers: a revision
	// of the IETF draft draft-ietf-httpapi-ratelimit-headers, or "none".
	// Default "draft-8". The examples are for 100 requests per 15 minutes
	// with 99 left.
	//
	// "draft-8" is revision 08: one list member per policy, identified by
	// the policy name (an SF String), with a partition key; t is the time
	// until the quota is whole again.
	//
	//	RateLimit-Policy: "100-in-15min";q=100;w=900;pk=:<pk>:
	//	RateLimit: "100-in-15min";r=99;t=900;pk=:<pk>:
	//
	// "draft-11" is revision 11, the newest: the syntax of revision 08, but
	// t is the "effective window", the time within which no more than r
	// units are available. For a fixed window both are the time to the
	// window's end; for GCRA, t is the time until the next unit is restored
	// (or, on a refusal, the Retry-After time).
	//
	// "draft-7" is revision 07: one combined dictionary field.
	//
	//	RateLimit-Policy: 100;w=900
	//	RateLimit: limit=100, remaining=99, reset=900
	//
	// "draft-6" is revision 06: one field per value.
	//
	//	RateLimit-Policy: 100;w=900
	//	RateLimit-Limit: 100
	//	RateLimit-Remaining: 99
	//	RateLimit-Reset: 900
	//
	// "none" sends no standard rate-limit headers (Retry-After is still
	// sent on refusals).
	//
	// Draft-6 and draft-7 fields hold one policy: when limiters are
	// stacked (general, then per-route), the innermost one's values are
	// sent. Draft-8 and draft-11 fields are lists: each limiter adds its
	// member.
	Headers string `json:"headers,omitempty" yaml:"headers,omitempty"`
	// LegacyHeaders adds X-RateLimit-Limit, X-RateLimit-Remaining and
	// X-RateLimit-Reset (Unix time in seconds). Default off.
	LegacyHeaders bool `json:"legacy_headers,omitempty" yaml:"legacy_headers,omitempty"`

	// Status is the status of a refusal, 400 to 599. Default 429.
	Status int `json:"status,omitempty" yaml:"status,omitempty"`
	// Message is the fixed text of the refusal body {"error": Message}.
	// Default "Too many requests, please try again later."
	Message string `json:"message,omitempty" yaml:"message,omitempty"`

	// SkipSuccessfulRequests refunds a request whose response succeeded
	// (Succeeded), so only failures count: the login limiter ("5 failed
	// attempts per 15 minutes"). The request is counted when it arrives and
	// refunded when its status is known, so concurrent requests cannot
	// overrun the limit while they are in flight.
	SkipSuccessfulRequests bool `json:"skip_successful_requests,omitempty" yaml:"skip_successful_requests,omitempty"`
	// SkipFailedRequests refunds a request whose response failed. A handler
	// that panics counts as failed.
	SkipFailedRequests bool `json:"skip_failed_requests,omitempty" yaml:"skip_failed_requests,omitempty"`
	// Succeeded decides whether a response succeeded. Default: status < 400.
	// A handler's report with [Failed] or [Succeeded] takes precedence.
	Succeeded func(r *http.Request, status int) bool `json:"-" yaml:"-"`
	// Skip exempts a request entirely (an allowlist): it is neither counted
	// nor given headers. Default none.
	Skip func(r *http.Request) bool `json:"-" yaml:"-"`
	// OnLimited, when set, is called for every refused request before the
	// refusal is written (for the security log). It must not write to w.
	OnLimited func(r *http.Request, res Result) `json:"-" yaml:"-"`

	// Store keeps the counters. Default NewMemoryStore with the default
	// MemoryConfig (each limiter its own).
	Store Store `json:"-" yaml:"-"`
	// FailOpen admits requests when the store fails. Default false: the
	// request is refused with 503 (fail closed). Either way the error is
	// logged at most once per ErrorLogInterval.
	FailOpen bool `json:"fail_open,omitempty" yaml:"fail_open,omitempty"`
	// ErrorLogInterval is the minimum time between two store-error log
	// records; the errors in between are counted in the next record.
	// Default 1 minute.
	ErrorLogInterval time.Duration `json:"error_log_interval,omitempty" yaml:"error_log_interval,omitempty"`
	// Logger receives store errors and recoveries. Default slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
	// OnStoreError, when set, is called for every failed store call of
	// Allow with the decision taken (true: the request was let through by
	// FailOpen), unthrottled unlike the log (for metrics). Default: none.
	OnStoreError func(failOpen bool) `json:"-" yaml:"-"`
	// Clock returns the current time, for X-RateLimit-Reset and the error log
	// interval; tests inject a fake. Default time.Now.
	Clock func() time.Time `json:"-" yaml:"-"`
}

// Defaults of [Config].
const (
	defaultLimit            = 100
	defaultWindow           = 15 * time.Minute
	defaultMessage          = "Too many requests, please try again later."
	defaultErrorLogInterval = time.Minute
	maxIdentifierLen        = 64
)

// ErrInvalidConfig is wrapped by every error [New] returns for a bad
// [Config]; errors.As finds the *harden.ConfigError naming the field as
// the configuration file spells it ("rate", "skip_failed_requests"), its
// value and the reason, which says how to fix it.
var ErrInvalidConfig = errors.New("ratelimit: invalid config")

// normalize fills defaults into a copy of c and validates it.
func (c Config) normalize() (Config, error) {
	var errs configErrors
	c.normalizePolicy(&errs)
	c.normalizeAnswers(&errs)
	c.normalizeRuntime(&errs)
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	if c.Store == nil {
		s, err := NewMemoryStore(MemoryConfig{})
		if err != nil {
			return c, err
		}
		c.Store = s
	}
	return c, nil
}

// configErrors collects the errors of a Config, to be reported at once.
type configErrors []error

// add reports field with value and the reason.
func (errs *configErrors) add(field, value, reason string) {
	*errs = append(*errs, &configerr.Error{Pkg: "ratelimit", Field: field, Index: -1, Value: value, Reason: reason, Err: ErrInvalidConfig})
}

// normalizePolicy fills and checks the quota: its rate, algorithm and
// identifier, and the key that says whose quota a request spends.
func (c *Config) normalizePolicy(errs *configErrors) {
	if c.Rate == (Spec{}) {
		c.Rate = Spec{Limit: defaultLimit, Window: defaultWindow}
	}
	if err := c.Rate.Validate(); err != nil {
		reason := err.Error()
		if se, ok := err.(*specErr); ok {
			reason = se.msg // the field name says it is the rate
		}
		errs.add("rate", c.Rate.String(), reason)
	}
	switch c.Algorithm {
	case "":
		c.Algorithm = FixedWindow
	case FixedWindow:
	case GCRA:
		// The emission interval must be at least a microsecond: the Redis
		// store computes in microseconds.
		if c.Rate.Validate() == nil && c.Rate.Window/time.Duration(c.Rate.Limit) < time.Microsecond {
			errs.add("rate", c.Rate.String(), "GCRA needs window/limit of at least 1µs; lower the limit or lengthen the window")
		}
	default:
		errs.add("algorithm", string(c.Algorithm), `want "fixed-window" or "gcra"`)
	}
	if c.Identifier == "" {
		c.Identifier = defaultIdentifier(c.Rate)
	} else if !validIdentifier(c.Identifier) {
		errs.add("identifier", c.Identifier, "want 1 to 64 printable ASCII characters")
	}
	if c.IPv6Prefix == 0 {
		c.IPv6Prefix = defaultIPv6Prefix
	} else if c.IPv6Prefix < 1 || c.IPv6Prefix > 128 {
		errs.add("ipv6_prefix", strconv.Itoa(c.IPv6Prefix), "want 1 to 128")
	}
	if c.Key == nil {
		c.Key = keyByIP(c.IPv6Prefix)
	}
}

// normalizeAnswers fills and checks what the limiter answers and which
// answers it counts: the header style, the refusal's status and message,
// and the outcomes refunded.
func (c *Config) normalizeAnswers(errs *configErrors) {
	switch c.Headers {
	case "":
		c.Headers = headersDraft8
	case headersDraft6, headersDraft7, headersDraft8, headersDraft11, headersNone:
	default:
		errs.add("headers", c.Headers, `want "draft-6", "draft-7", "draft-8", "draft-11" or "none"`)
	}
	if c.Status == 0 {
		c.Status = http.StatusTooManyRequests
	} else if c.Status < 400 || c.Status > 599 {
		errs.add("status", strconv.Itoa(c.Status), "want 400 to 599: a refusal must be an error status")
	}
	// A limiter that refunds both outcomes counts nothing: it would never
	// limit, silently, which is worse than no limiter.
	if c.SkipSuccessfulRequests && c.SkipFailedRequests {
		errs.add("skip_failed_requests", "true", "together with skip_successful_requests every request is refunded and the limiter never limits; set only one (skip_successful_requests to count failures)")
	}
	if c.Message == "" {
		c.Message = defaultMessage
	}
	if c.Succeeded == nil {
		c.Succeeded = func(_ *http.Request, status int) bool { return status < 400 }
	}
}

// normalizeRuntime fills and checks the store-error log's interval and
// logger, and the clock.
func (c *Config) normalizeRuntime(errs *configErrors) {
	if c.ErrorLogInterval == 0 {
		c.ErrorLogInterval = defaultErrorLogInterval
	} else if c.ErrorLogInterval < 0 {
		errs.add("error_log_interval", c.ErrorLogInterval.String(), "must not be negative; 0 means the default, 1m")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
}

// defaultIdentifier names a policy after its rate: "100-in-15min".
func defaultIdentifier(s Spec) string {
	w := s.Window
	var unit string
	var n int64
	switch {
	case w%(24*time.Hour) == 0:
		n, unit = int64(w/(24*time.Hour)), "d"
	case w%time.Hour == 0:
		n, unit = int64(w/time.Hour), "h"
	case w%time.Minute == 0:
		n, unit = int64(w/time.Minute), "min"
	case w%time.Second == 0:
		n, unit = int64(w/time.Second), "s"
	default:
		n, unit = int64(w/time.Millisecond), "ms"
	}
	return strconv.FormatInt(s.Limit, 10) + "-in-" + strconv.FormatInt(n, 10) + unit
}

func validIdentifier(s string) bool {
	if len(s) == 0 || len(s) > maxIdentifierLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
