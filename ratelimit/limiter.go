package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/internal/statuswriter"
	"github.com/harden-go/harden/internal/storeguard"
	"github.com/harden-go/harden/respond"
)

// ErrStore wraps a failure of the store, returned by [Limiter.Allow] and
// [Limiter.Refund]. The Result that comes with it from Allow carries the
// configured fail-open or fail-closed decision.
var ErrStore = errors.New("ratelimit: store failed")

// errInvalidCost is returned by [Limiter.Allow] for a cost below 1.
var errInvalidCost = errors.New("ratelimit: cost must be at least 1")

// Security-log event names of the refusals a Limiter answers.
const (
	// eventLimited marks a request refused because its quota is spent.
	eventLimited = secevent.RateLimited
	// eventUnavailable marks a request refused because the store failed and
	// the limiter fails closed.
	eventUnavailable = "rate_limit_unavailable"
)

const unavailableMessage = "Service temporarily unavailable"

// Limiter enforces one rate-limit policy. It is safe for concurrent use.
type Limiter struct {
	cfg    Config
	policy Policy
	rep    storeguard.Reporter

	// Header values that do not change between requests.
	limitText  string // "100"
	policy67   string // "100;w=900"
	policyItem string // `"100-in-15min";q=100;w=900`
	name       string // `"100-in-15min"`
	pair       bool   // two header fields per response: see pairBlock
	pks        *pkCache
	ipKeys     *ipKeyCache // with the default Key; nil with another
}

// New returns a Limiter configured by cfg, or an error wrapping
// [ErrInvalidConfig] that names every bad field.
func New(cfg Config) (*Limiter, error) {
	c, err := cfg.normalize()
	if err != nil {
		return nil, err
	}
	l := &Limiter{
		cfg: c,
		policy: Policy{
			ID:        c.Identifier,
			Limit:     c.Rate.Limit,
			Window:    c.Rate.Window,
			Algorithm: c.Algorithm,
		},
		rep: storeguard.Reporter{
			Logger:   c.Logger,
			Name:     "ratelimit",
			Attrs:    []slog.Attr{slog.String("policy", c.Identifier), slog.Bool("fail_open", c.FailOpen)},
			Interval: c.ErrorLogInterval,
			Clock:    c.Clock,
		},
	}
	w := strconv.FormatInt(ceilSeconds(c.Rate.Window), 10)
	l.limitText = strconv.FormatInt(c.Rate.Limit, 10)
	l.policy67 = l.limitText + ";w=" + w
	l.name = sfString(c.Identifier)
	l.policyItem = l.name + ";q=" + l.limitText + ";w=" + w
	l.pair = !c.LegacyHeaders && (c.Headers == headersDraft7 || c.Headers == headersDraft8 || c.Headers == headersDraft11)
	pk := c.Headers == headersDraft8 || c.Headers == headersDraft11
	if pk {
		l.pks = newPKCache()
	}
	if cfg.Key == nil { // normalize made it keyByIP(c.IPv6Prefix)
		l.ipKeys = newIPKeyCache(c.IPv6Prefix, pk)
	}
	return l, nil
}

// Allow spends cost units of key's quota and reports the decision. A cost
// below 1 is refused with an error.
//
// When the store fails, Allow returns an error wrapping [ErrStore] together
// with the configured decision: Allowed is true when the limiter fails open,
// false when it fails closed (the other fields are then zero). The failure is
// logged at most once per ErrorLogInterval. A context that was canceled or
// whose deadline passed before the store answered is reported the same way,
// but not logged when the caller's own context is done.
func (l *Limiter) Allow(ctx context.Context, key string, cost int64) (Result, error) {
	if cost < 1 {
		return Result{}, errInvalidCost
	}
	res, err := l.cfg.Store.Take(ctx, l.policy, key, cost)
	if err != nil {
		if ctx.Err() == nil {
			l.rep.Failure(ctx, err)
		}
		if l.cfg.OnStoreError != nil {
			l.cfg.OnStoreError(l.cfg.FailOpen)
		}
		return Result{Allowed: l.cfg.FailOpen}, fmt.Errorf("%w: %w", ErrStore, err)
	}
	l.rep.Success(ctx)
	return res, nil
}

// Refund gives back cost units that [Limiter.Allow] spent with result taken.
// A store failure is logged like one in Allow and returned.
func (l *Limiter) Refund(ctx context.Context, key string, cost int64, taken Result) error {
	if err := l.cfg.Store.Refund(ctx, l.policy, key, cost, taken); err != nil {
		l.rep.Failure(ctx, err)
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	return nil
}

// Handler returns middleware that limits the requests to next.
//
// An admitted request gets the configured rate-limit headers. A refused one
// gets them too, plus Retry-After, and is answered through
// [respond.Reject] with the configured status (429) and message and the
// event "rate_limited"; OnLimited is called first. If the store fails, the
// request passes without rate-limit headers (fail open) or is refused with
// 503 and the event "rate_limit_unavailable" (fail closed).
func (l *Limiter) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l.cfg.Skip != nil && l.cfg.Skip(r) {
			next.ServeHTTP(w, r)
			return
		}
		key, pk := l.requestKey(r)
		res, err := l.Allow(r.Context(), key, 1)
		if err != nil {
			if res.Allowed {
				next.ServeHTTP(w, r)
				return
			}
			respond.Reject(w, r, &respond.Rejection{
				Status:  http.StatusServiceUnavailable,
				Message: unavailableMessage,
				Event:   eventUnavailable,
				Err:     err,
			})
			return
		}
		l.setHeaders(w.Header(), key, pk, res)
		if !res.Allowed {
			if l.cfg.OnLimited != nil {
				l.cfg.OnLimited(r, res)
			}
			respond.Reject(w, r, &respond.Rejection{
				Status:  l.cfg.Status,
				Message: l.cfg.Message,
				Event:   eventLimited,
				Header:  http.Header{"Retry-After": {strconv.FormatInt(max(ceilSeconds(res.RetryAfter), 1), 10)}},
			})
			return
		}
		if !l.cfg.SkipSuccessfulRequests && !l.cfg.SkipFailedRequests {
			next.ServeHTTP(w, r)
			return
		}
		// The outcome a handler reports with Failed or Succeeded decides
		// the refund; without a report, the status does. A framework that
		// answers through a writer of its own (or after the handler
		// returned) hides the status: without the report a login limiter
		// counting failures would never limit (credential stuffing).
		oc := &outcomeContext{Context: r.Context(), parent: outcomeFrom(r.Context())}
		r = r.WithContext(oc)
		// An outer layer's writer on which nothing was written yet records
		// exactly what next writes: it is read there instead of wrapping w
		// once more.
		sw, reused := statuswriter.Lookup(w)
		if !reused {
			sw = &oc.sw
			sw.Reset(w, nil)
			w = sw.ResponseWriter()
		}
		completed := false
		defer func() {
			var ok bool
			switch status := sw.Status(); {
			case !completed:
				// A handler that panicked (or called runtime.Goexit)
				// failed, whatever it reported or wrote.
				ok = l.cfg.Succeeded(r, http.StatusInternalServerError)
			case oc.outcome.Load() == outcomeFailed:
				ok = false
			case oc.outcome.Load() == outcomeSucceeded:
				ok = true
			case status == 0:
				ok = l.cfg.Succeeded(r, http.StatusOK) // net/http's implicit status
			default:
				ok = l.cfg.Succeeded(r, status)
			}
			if (ok && l.cfg.SkipSuccessfulRequests) || (!ok && l.cfg.SkipFailedRequests) {
				// The client may be gone; the refund must still happen.
				_ = l.Refund(context.WithoutCancel(r.Context()), key, 1, res)
			}
		}()
		next.ServeHTTP(w, r)
		completed = true
	})
}

// Canonical header keys, assigned directly: Header.Set and Header.Add would
// canonicalise "RateLimit-…" to these on every call, allocating each time.
const (
	hPolicy          = "Ratelimit-Policy"
	hRateLimit       = "Ratelimit"
	hLimit           = "Ratelimit-Limit"
	hRemaining       = "Ratelimit-Remaining"
	hReset           = "Ratelimit-Reset"
	hLegacyLimit     = "X-Ratelimit-Limit"
	hLegacyRemaining = "X-Ratelimit-Remaining"
	hLegacyReset     = "X-Ratelimit-Reset"
)

// Value slots of one response's rate-limit headers: draft-6 sends 4
// fields and the legacy headers 3 more; the pair styles (draft-7, draft-8,
// draft-11, without legacy headers) send two.
const (
	maxHeaderVals  = 7
	pairHeaderVals = 2
)

// formatBufLen is the stack buffer the values are formatted in; longer
// values (long policy identifiers) spill onto the heap.
const formatBufLen = 144

// requestKey returns the key of r, and its partition key when the limiter
// knows it already (nil otherwise). With the default Key the keys of
// recent clients are remembered; the key is the same as keyByIP's.
func (l *Limiter) requestKey(r *http.Request) (string, *[16]byte) {
	if l.ipKeys == nil {
		return l.cfg.Key(r), nil
	}
	addr := clientip.Get(r).Addr
	if !addr.IsValid() {
		return unknownIPKey, nil
	}
	e := l.ipKeys.get(addr)
	if !l.ipKeys.pk {
		return e.key, nil
	}
	return e.key, &e.pk
}

// setHeaders sets the configured rate-limit headers for res on h; key is
// the request's key, and pk its draft-8/11 partition key when known (nil:
// derived from key).
func (l *Limiter) setHeaders(h http.Header, key string, pk *[16]byte, res Result) {
	if l.cfg.Headers == headersNone && !l.cfg.LegacyHeaders {
		return
	}
	// The headers of a response cost two allocations: the block of its
	// value slices and one string holding every formatted value (they are
	// formatted on the stack; without package unsafe a string cannot live
	// in the block's allocation).
	var buf [formatBufLen]byte
	var hv headerValues
	b := l.appendValues(buf[:0], &hv, key, pk, res)
	if l.cfg.LegacyHeaders {
		b = l.appendLegacyValues(b, &hv, res)
	}
	slots := maxHeaderVals
	if l.pair {
		slots = pairHeaderVals
	}
	hv.s = string(b)
	hv.block = make([]string, slots)
	hv.c = slots
	l.putHeaders(h, &hv)
}

// headerValues is the values of one response's rate-limit headers. They
// are formatted into one buffer, then cut out of one string once the
// buffer is complete, and handed out as slices of one block.
type headerValues struct {
	ends  [5]int   // ends[i] is where the formatted value i ends
	n     int      // formatted values marked
	s     string   // the formatted values, one after the other
	block []string // formatted values from the front, constants from the back
	i     int      // formatted values handed out
	c     int      // lowest block slot holding a constant
}

// mark records that the next formatted value ends where b ends.
func (hv *headerValues) mark(b []byte) {
	hv.ends[hv.n] = len(b)
	hv.n++
}

// next stores the next formatted value in the block and returns it as a
// one-element slice whose capacity ends there, so that a later append
// (another limiter's list member) copies instead of writing into the
// next header's value.
func (hv *headerValues) next() []string {
	start := 0
	if hv.i > 0 {
		start = hv.ends[hv.i-1]
	}
	hv.block[hv.i] = hv.s[start:hv.ends[hv.i]]
	hv.i++
	return hv.block[hv.i-1 : hv.i : hv.i]
}

// constant stores val in the block's last free slot (constant values go
// after the formatted ones) and returns it as next does.
func (hv *headerValues) constant(val string) []string {
	hv.c--
	hv.block[hv.c] = val
	return hv.block[hv.c : hv.c+1 : hv.c+1]
}

// appendValues appends the formatted values of the configured draft's
// headers for res to b, marking each in hv.
func (l *Limiter) appendValues(b []byte, hv *headerValues, key string, pk *[16]byte, res Result) []byte {
	reset := ceilSeconds(res.Reset)
	switch style := l.cfg.Headers; style {
	case headersDraft6:
		b = strconv.AppendInt(b, res.Remaining, 10)
		hv.mark(b)
		b = strconv.AppendInt(b, reset, 10)
		hv.mark(b)
	case headersDraft7:
		b = append(b, "limit="...)
		b = append(b, l.limitText...)
		b = append(b, ", remaining="...)
		b = strconv.AppendInt(b, res.Remaining, 10)
		b = append(b, ", reset="...)
		b = strconv.AppendInt(b, reset, 10)
		hv.mark(b)
	case headersDraft8, headersDraft11:
		t := reset
		if style == headersDraft11 {
			t = ceilSeconds(l.effectiveWindow(res))
		}
		b = append(b, l.policyItem...)
		pkAt := len(b)
		b = append(b, ";pk=:"...)
		if pk != nil {
			b = append(b, pk[:]...)
		} else {
			b = l.pks.appendPartitionKey(b, key)
		}
		b = append(b, ':')
		pkEnd := len(b)
		hv.mark(b)
		b = append(b, l.name...)
		b = append(b, ";r="...)
		b = strconv.AppendInt(b, res.Remaining, 10)
		b = append(b, ";t="...)
		b = strconv.AppendInt(b, t, 10)
		b = append(b, b[pkAt:pkEnd]...)
		hv.mark(b)
	}
	return b
}

// appendLegacyValues appends the formatted values of X-RateLimit-Remaining
// and X-RateLimit-Reset for res to b, marking each in hv.
func (l *Limiter) appendLegacyValues(b []byte, hv *headerValues, res Result) []byte {
	b = strconv.AppendInt(b, res.Remaining, 10)
	hv.mark(b)
	at := l.cfg.Clock().Add(res.Reset)
	sec := at.Unix()
	if at.Nanosecond() > 0 {
		sec++
	}
	b = strconv.AppendInt(b, sec, 10)
	hv.mark(b)
	return b
}

// putHeaders sets the configured headers on h, in the order their values
// were formatted into hv.
func (l *Limiter) putHeaders(h http.Header, hv *headerValues) {
	switch l.cfg.Headers {
	case headersDraft6:
		h[hPolicy] = hv.constant(l.policy67)
		h[hLimit] = hv.constant(l.limitText)
		h[hRemaining] = hv.next()
		h[hReset] = hv.next()
	case headersDraft7:
		h[hPolicy] = hv.constant(l.policy67)
		h[hRateLimit] = hv.next()
	case headersDraft8, headersDraft11:
		// Add, not Set: both fields are lists, and each limiter a request
		// passes through (general, then per-route) adds its own member.
		addValue(h, hPolicy, hv.next())
		addValue(h, hRateLimit, hv.next())
	}
	if l.cfg.LegacyHeaders {
		h[hLegacyLimit] = hv.constant(l.limitText)
		h[hLegacyRemaining] = hv.next()
		h[hLegacyReset] = hv.next()
	}
}

// addValue adds the one-element v to h[key], using v itself when h has no
// value yet, as Header.Add does.
func addValue(h http.Header, key string, v []string) {
	if old := h[key]; len(old) > 0 {
		h[key] = append(old, v[0])
		return
	}
	h[key] = v
}

// effectiveWindow is draft-11's t: the time within which no more than
// res.Remaining units are available.
func (l *Limiter) effectiveWindow(res Result) time.Duration {
	if l.policy.Algorithm != GCRA {
		return res.Reset
	}
	if !res.Allowed {
		return res.RetryAfter
	}
	t := l.policy.interval()
	d := res.Reset
	if d <= 0 {
		return t
	}
	// The next unit is restored when d falls to the next lower multiple of t.
	return d - ((d+t-1)/t-1)*t
}

// ceilSeconds rounds d up to whole seconds, never below zero.
func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

// sfString serializes s (printable ASCII, checked by Config) as a
// Structured Field String (RFC 9651, section 4.1.6).
func sfString(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return string(append(b, '"'))
}
