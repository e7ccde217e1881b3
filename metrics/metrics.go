package metrics

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// unmatched is the route label of a request (or refusal) that matched no
// route pattern: refused before routing, or answered 404 by the mux.
const unmatched = "unmatched"

// Config configures [New]. The zero value is ready.
type Config struct {
	// Registry receives the collectors. Default: a new registry, with the
	// Go runtime and process collectors.
	Registry *prometheus.Registry
	// Namespace prefixes every metric name. Default "harden".
	Namespace string
	// Buckets are the latency histogram's upper bounds in seconds.
	// Default 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
	// 0.5, 1, 2.5, 5, 10.
	Buckets []float64
}

// ErrBadConfig is returned by [New] for an invalid Config.
var ErrBadConfig = errors.New("metrics: invalid configuration")

// defaultBuckets are the latency buckets of a zero Config.
var defaultBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics holds harden's collectors. It implements [seclog.Observer].
type Metrics struct {
	reg         *prometheus.Registry
	refusals    *prometheus.CounterVec
	events      *prometheus.CounterVec
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	storeErrors *prometheus.CounterVec
	// The session store's calls and the security log's lost writes.
	sessionLatency *prometheus.HistogramVec
	sessionErrors  *prometheus.CounterVec
	logWriteErrors prometheus.Counter

	// series caches the request collectors per (route, class): the label
	// lookup hashes its values on every call.
	series sync.Map // seriesKey -> *requestSeries
	// refusalSeries and eventSeries cache the refusal and event counters
	// likewise; their labels are as bounded as the series themselves.
	refusalSeries sync.Map // refusalKey -> prometheus.Counter
	eventSeries   sync.Map // event label -> prometheus.Counter
	storeSeries   sync.Map // operation label -> prometheus.Observer
}

type refusalKey struct {
	layer, reason, route string
}

var (
	_ seclog.Observer           = (*Metrics)(nil)
	_ seclog.WriteErrorObserver = (*Metrics)(nil)
	_ session.StoreObserver     = (*Metrics)(nil)
)

// New returns Metrics registered in cfg.Registry (or a new registry).
func New(cfg Config) (*Metrics, error) {
	reg := cfg.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		if err := reg.Register(collectors.NewGoCollector()); err != nil {
			return nil, err
		}
		if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
			return nil, err
		}
	}
	ns := cfg.Namespace
	if ns == "" {
		ns = "harden"
	}
	buckets := cfg.Buckets
	if buckets == nil {
		buckets = defaultBuckets
	}
	for i := 1; i < len(buckets); i++ {
		if !(buckets[i] > buckets[i-1]) {
			return nil, errors.Join(ErrBadConfig, errors.New("metrics: Buckets are not increasing"))
		}
	}
	m := &Metrics{
		reg: reg,
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "refusals_total",
			Help: "Requests refused, by the layer that refused, the reason (status code) and the route pattern.",
		}, []string{"layer", "reason", "route"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "security_events_total",
			Help: "Security events recorded, by event name.",
		}, []string{"event"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "requests_total",
			Help: "Requests answered, by route pattern and status class.",
		}, []string{"route", "class"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "request_duration_seconds",
			Help:    "Time to answer a request, by route pattern and status class.",
			Buckets: buckets,
		}, []string{"route", "class"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "ratelimit_store_errors_total",
			Help: "Failed rate-limit store calls, by the decision taken (fail_open or fail_closed).",
		}, []string{"decision"}),
		sessionLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "session_store_duration_seconds",
			Help:    "Time of a session store call, by operation (load, save, delete), failed calls included.",
			Buckets: buckets,
		}, []string{"operation"}),
		sessionErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Name: "session_store_errors_total",
			Help: "Failed session store calls, by operation (load, save, delete).",
		}, []string{"operation"}),
		logWriteErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Name: "security_log_write_errors_total",
			Help: "Security events lost because the security log could not be written.",
		}),
	}
	for _, c := range []prometheus.Collector{m.refusals, m.events, m.requests, m.latency, m.storeErrors,
		m.sessionLatency, m.sessionErrors, m.logWriteErrors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Registry returns the registry the collectors are in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition format. Serve
// it on a listener of its own, never on the public port: it tells an
// attacker what is refused and how often.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// layerOf names the layer that refuses with the event name, "" for a name
// it does not know (a login, a logout, a start-up warning, an event an
// application invents). [Metrics.ObserveEvent] counts an unknown event
// answered with a 4xx or 5xx status under the layer "other".
func layerOf(event string) string {
	switch event {
	case seclog.EventCSRFFailure:
		return "csrf"
	case seclog.EventCORSRejected:
		return "cors"
	case seclog.EventRateLimited:
		return "ratelimit"
	case seclog.EventHostRejected:
		return "allowedhosts"
	case "rate_limit_unavailable": // the store is down and the limiter fails closed
		return "ratelimit"
	case seclog.EventValidation, "body_too_large", "unsupported_media_type":
		return "input"
	case seclog.EventAccessDenied, seclog.EventLoginFailed, "authz_misconfigured", "authz_error":
		return "authz"
	case "session_store_error":
		return "session"
	case seclog.EventSSRFBlocked:
		return "ssrf"
	case seclog.EventPanic:
		return "recovery"
	case seclog.EventRequestRefused:
		return "request"
	case seclog.EventServerError:
		return "server"
	}
	return ""
}

// ObserveEvent implements [seclog.Observer]: every event is counted by
// name; a refusal is counted once more by layer, status and route.
func (m *Metrics) ObserveEvent(r *http.Request, name string, status int) {
	ev := eventLabel(name)
	c, ok := m.eventSeries.Load(ev)
	if !ok {
		c, _ = m.eventSeries.LoadOrStore(ev, m.events.WithLabelValues(ev))
	}
	c.(prometheus.Counter).Inc()
	layer := layerOf(name)
	if layer == "" {
		if status < 400 || status > 599 {
			return // not a refusal
		}
		layer = "other"
	}
	k := refusalKey{layer, statusLabel(status), route(r)}
	c, ok = m.refusalSeries.Load(k)
	if !ok {
		c, _ = m.refusalSeries.LoadOrStore(k, m.refusals.WithLabelValues(k.layer, k.reason, k.route))
	}
	c.(prometheus.Counter).Inc()
}

// eventLabel bounds the event label: the names harden defines, csp_violation,
// and "other" for any name an application invents.
func eventLabel(name string) string {
	switch name {
	case seclog.EventLoginSuccess, seclog.EventLogout, seclog.EventSessionRegenerated,
		seclog.EventConfigWarning, "csp_violation":
		return name
	}
	if layerOf(name) != "" {
		return name
	}
	return "other"
}

// statusLabel is the status code as a label: three digits, or "0" for
// none. Out-of-range values collapse to "0" so the label set stays bounded.
func statusLabel(status int) string {
	if status < 100 || status > 599 {
		return "0"
	}
	return statusLabels[status-100]
}

// statusLabels are the labels of the statuses 100 to 599, made once: a
// refusal costs no allocation for its reason label.
var statusLabels = func() (l [500]string) {
	for i := range l {
		l[i] = strconv.Itoa(i + 100)
	}
	return l
}()

// route is r's route pattern, or unmatched.
func route(r *http.Request) string {
	if r != nil {
		if r.Pattern != "" {
			return r.Pattern
		}
		if p := seclog.Route(r.Context()); p != "" {
			return p
		}
	}
	return unmatched
}

// StoreError counts a failed rate-limit store call; pass it as
// ratelimit.Config.OnStoreError.
func (m *Metrics) StoreError(failOpen bool) {
	if failOpen {
		m.storeErrors.WithLabelValues("fail_open").Inc()
	} else {
		m.storeErrors.WithLabelValues("fail_closed").Inc()
	}
}

// ObserveStore implements [session.StoreObserver]: pass m as
// session.Config.StoreObserver. The operation label is one of load, save
// and delete ("other" for anything else, so the label set stays bounded).
func (m *Metrics) ObserveStore(op string, elapsed time.Duration, err error) {
	switch op {
	case "load", "save", "delete": // the operations of session.StoreObserver
	default:
		op = "other"
	}
	o, ok := m.storeSeries.Load(op)
	if !ok {
		o, _ = m.storeSeries.LoadOrStore(op, m.sessionLatency.WithLabelValues(op))
	}
	o.(prometheus.Observer).Observe(elapsed.Seconds())
	if err != nil {
		m.sessionErrors.WithLabelValues(op).Inc()
	}
}

// ObserveWriteError implements [seclog.WriteErrorObserver]: a security
// event that could not be written is counted.
func (m *Metrics) ObserveWriteError(error) { m.logWriteErrors.Inc() }

// class is a status class label.
func class(status int) string {
	switch {
	case status < 200:
		return "1xx"
	case status < 300:
		return "2xx"
	case status < 400:
		return "3xx"
	case status < 500:
		return "4xx"
	default:
		return "5xx"
	}
}

type seriesKey struct {
	route string
	class string
}

type requestSeries struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func (m *Metrics) seriesFor(route, class string) *requestSeries {
	k := seriesKey{route, class}
	if s, ok := m.series.Load(k); ok {
		return s.(*requestSeries)
	}
	s := &requestSeries{
		count:   m.requests.WithLabelValues(route, class),
		latency: m.latency.WithLabelValues(route, class),
	}
	v, _ := m.series.LoadOrStore(k, s)
	return v.(*requestSeries)
}

// ObserveRequest implements harden.RequestObserver: the request is counted,
// and its latency observed, under its route pattern (recorded by
// [Metrics.Routes]) and status class.
func (m *Metrics) ObserveRequest(r *http.Request, status int, elapsed time.Duration) {
	rt := seclog.Route(r.Context())
	if rt == "" {
		rt = unmatched
	}
	s := m.seriesFor(rt, class(status))
	s.count.Inc()
	s.latency.Observe(elapsed.Seconds())
}

// Routes wraps the mux (or any router that sets r.Pattern on the request
// it was given, as http.ServeMux does): once it has routed, the pattern it
// matched is recorded with seclog.SetRoute for [Metrics.ObserveRequest]
// and for the refusals counted afterwards (a refusal inside a route
// handler carries r.Pattern itself). Place it directly around the mux,
// inside a harden stack.
func (m *Metrics) Routes(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { seclog.SetRoute(r.Context(), r.Pattern) }()
		mux.ServeHTTP(w, r)
	})
}
