package metrics

import (
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/secevent"
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

// ErrInvalidConfig is the sentinel of every configuration error returned by
// [New]; each is a *harden.ConfigError.
var ErrInvalidConfig = errors.New("metrics: invalid config")

// defaultBuckets are the latency buckets of a zero Config.
var defaultBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics holds harden's collectors. It implements [seclog.Observer].
type Metrics struct {
	reg         *prometheus.Registry
	refusals    *prometheus.CounterVec
	events      *prometheus.CounterVec
	storeErrors *prometheus.CounterVec
	// bounds are the latency histograms' upper bounds, +Inf left out.
	bounds []float64
	// The session store's calls and the security log's lost writes.
	sessionLatency *prometheus.HistogramVec
	sessionErrors  *prometheus.CounterVec
	logWriteErrors prometheus.Counter

	// routes caches, per route pattern, the series of the requests and
	// refusals on that route: a label lookup hashes every label value on
	// each call, and a cache keyed by the one string costs a single hash.
	// Route patterns are bounded (the mux's, or unmatched), so it is too.
	// Every request reads it and only a route's first request writes it,
	// so it is a map copied on write (routesMu orders the writers), read
	// without a lock.
	routes      atomic.Pointer[map[string]*routeSeries]
	routesMu    sync.Mutex
	eventSeries sync.Map // event label -> prometheus.Counter
	// storeSeries are the session store's latency series, by index in
	// storeOps.
	storeSeries [len(storeOps)]atomic.Pointer[prometheus.Observer]
}

// routeSeries holds one route's series, each made on first use (a series
// that was never observed is not exported).
type routeSeries struct {
	route    string // the route label: the pattern, valid UTF-8
	requests [len(classes)]atomic.Pointer[requestSeries]
	refusals sync.Map // refusalKey -> prometheus.Counter
}

// refusalKey is a refusal's layer and status on a route: an integer key
// hashes in one step.
type refusalKey struct {
	layer  uint16 // index in layers
	status uint16 // 0 or 100 to 599, as statusLabel reads it
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
	errs := configerr.List{Pkg: "metrics", Sentinel: ErrInvalidConfig}
	for i := 1; i < len(buckets); i++ {
		// NaN compares false both ways, so it is refused too.
		if !(buckets[i] > buckets[i-1]) {
			errs.AddReason("buckets", i, strconv.FormatFloat(buckets[i], 'g', -1, 64), "must be greater than the bucket before it")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
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
		bounds: upperBounds(buckets),
	}
	m.routes.Store(&map[string]*routeSeries{})
	for _, c := range []prometheus.Collector{m.refusals, m.events, newRequestCollector(m, ns), m.storeErrors,
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

// The layers a refusal is counted under. An index into it is a layer's
// key in the refusal cache.
var layers = [...]string{"other", "csrf", "cors", "ratelimit", "allowedhosts", "input", "authz",
	"session", "ssrf", "recovery", "request", "server"}

// layerOf is the index in layers of the layer that refuses with the event
// name, 0 ("other") for a name it does not know (a login, a logout, a
// start-up warning, an event an application invents). [Metrics.ObserveEvent]
// counts an unknown event answered with a 4xx or 5xx status under "other".
func layerOf(event string) uint16 {
	switch event {
	case secevent.CSRFFailure:
		return 1
	case secevent.CORSRejected:
		return 2
	case secevent.RateLimited:
		return 3
	case "rate_limit_unavailable": // the store is down and the limiter fails closed
		return 3
	case secevent.HostRejected:
		return 4
	case secevent.ValidationFailed, secevent.BodyTooLarge, secevent.UnsupportedMediaType:
		return 5
	case seclog.EventAccessDenied, seclog.EventLoginFailed, secevent.AuthzMisconfigured, secevent.AuthzError:
		return 6
	case secevent.SessionStoreError:
		return 7
	case seclog.EventSSRFBlocked:
		return 8
	case secevent.Panic:
		return 9
	case secevent.RequestRejected:
		return 10
	case secevent.ServerError:
		return 11
	}
	return 0
}

// ObserveEvent implements [seclog.Observer]: every event is counted by
// name; a refusal is counted once more by layer, status and route.
func (m *Metrics) ObserveEvent(r *http.Request, name string, status int) {
	layer := layerOf(name)
	ev := eventLabel(name, layer)
	c, ok := m.eventSeries.Load(ev)
	if !ok {
		c, _ = m.eventSeries.LoadOrStore(ev, m.events.WithLabelValues(ev))
	}
	c.(prometheus.Counter).Inc()
	if layer == 0 && (status < 400 || status > 599) {
		return // not a refusal
	}
	if status < 100 || status > 599 {
		status = 0 // the label set stays bounded
	}
	rs := m.routeSeries(route(r))
	k := refusalKey{layer, uint16(status)}
	c, ok = rs.refusals.Load(k)
	if !ok {
		c, _ = rs.refusals.LoadOrStore(k, m.refusals.WithLabelValues(layers[layer], statusLabel(status), rs.route))
	}
	c.(prometheus.Counter).Inc()
}

// eventLabel bounds the event label: the names harden defines, csp_violation,
// and "other" for any name an application invents.
func eventLabel(name string, layer uint16) string {
	switch name {
	case seclog.EventLoginSuccess, seclog.EventLogout, seclog.EventSessionRegenerated,
		secevent.ConfigWarning, secevent.CSPViolation:
		return name
	}
	if layer != 0 {
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
		if p := reqctx.Route(r.Context()); p != "" {
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
	i := 3 // other
	switch op {
	case "load": // the operations of session.StoreObserver
		i = 0
	case "save":
		i = 1
	case "delete":
		i = 2
	}
	o := m.storeSeries[i].Load()
	if o == nil {
		// Two first calls may race here: the vector gives both the same
		// series, so either pointer serves.
		obs := m.sessionLatency.WithLabelValues(storeOps[i])
		o = &obs
		m.storeSeries[i].Store(o)
	}
	(*o).Observe(elapsed.Seconds())
	if err != nil {
		m.sessionErrors.WithLabelValues(storeOps[i]).Inc() // made on the first error only
	}
}

// storeOps are the operation labels of the session store's series.
var storeOps = [...]string{"load", "save", "delete", "other"}

// ObserveWriteError implements [seclog.WriteErrorObserver]: a security
// event that could not be written is counted.
func (m *Metrics) ObserveWriteError(error) { m.logWriteErrors.Inc() }

// classes are the status class labels; classOf is a status's index.
var classes = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// classOf is the index in classes of status's class; anything out of
// range counts as 1xx or 5xx.
func classOf(status int) int {
	return min(max(status/100-1, 0), len(classes)-1)
}

// routeSeries returns the series cache of the route pattern rt.
func (m *Metrics) routeSeries(rt string) *routeSeries {
	if rs := (*m.routes.Load())[rt]; rs != nil {
		return rs
	}
	if !utf8.ValidString(rt) {
		// A label value must be valid UTF-8, or the registry refuses it; a
		// pattern is the application's, but reqctx.SetRoute takes any
		// string.
		return m.routeSeries(strings.ToValidUTF8(rt, "\uFFFD"))
	}
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	old := *m.routes.Load()
	if rs := old[rt]; rs != nil {
		return rs // made by a concurrent first request
	}
	routes := make(map[string]*routeSeries, len(old)+1)
	maps.Copy(routes, old)
	rs := &routeSeries{route: rt}
	routes[rt] = rs
	m.routes.Store(&routes)
	return rs
}

// Routes wraps the mux (or any router that sets r.Pattern on the request
// it was given, as http.ServeMux does): once it has routed, the pattern it
// matched is recorded in the request's context for [Metrics.ObserveRequest]
// and for the refusals counted afterwards (a refusal inside a route
// handler carries r.Pattern itself). Place it directly around the mux,
// inside a harden stack.
func (m *Metrics) Routes(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() { reqctx.SetRoute(r.Context(), r.Pattern) }()
		mux.ServeHTTP(w, r)
	})
}
