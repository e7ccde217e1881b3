package metrics

import (
	"math"
	"net/http"
	"sort"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harden-go/harden/internal/reqctx"
)

// requestSeries is the requests on one route answered with a status of
// one class: the requests_total counter and the request_duration_seconds
// histogram of that label set, which [requestCollector] exports.
//
// It is the one series of every request, so it is kept cheap: observing
// costs one atomic add (the latency's bucket) and one compare-and-swap
// (the sum), where a prometheus.Counter and a prometheus.Histogram cost
// four atomic adds, a load and a compare-and-swap. The count is the
// buckets' total, so requests_total and the histogram's count agree.
type requestSeries struct {
	buckets []atomic.Uint64 // one per upper bound, then +Inf; not cumulative
	sumBits atomic.Uint64   // the latencies' sum in seconds, as float64 bits
	created time.Time       // exported as the series' created timestamp
}

// observe adds a latency of v seconds; bounds are the histogram's upper
// bounds.
func (s *requestSeries) observe(bounds []float64, v float64) {
	s.buckets[findBucket(bounds, v)].Add(1)
	for {
		old := s.sumBits.Load()
		if s.sumBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// findBucket is the index of the first of bounds that v is at most, or
// len(bounds) (the +Inf bucket): the bucket a prometheus.Histogram counts
// v in, found the same way (a linear search for a short list).
func findBucket(bounds []float64, v float64) int {
	if len(bounds) >= 35 {
		return sort.SearchFloat64s(bounds, v)
	}
	for i, b := range bounds {
		if v <= b {
			return i
		}
	}
	return len(bounds)
}

// upperBounds are the histogram upper bounds of the configured buckets, as
// prometheus.HistogramOpts reads them: none stands for
// prometheus.DefBuckets, and a last +Inf is implicit.
func upperBounds(buckets []float64) []float64 {
	if len(buckets) == 0 {
		return prometheus.DefBuckets
	}
	if math.IsInf(buckets[len(buckets)-1], +1) {
		return buckets[:len(buckets)-1]
	}
	return buckets
}

// ObserveRequest implements harden.RequestObserver: the request is counted,
// and its latency observed, under its route pattern (recorded by
// [Metrics.Routes]) and status class.
func (m *Metrics) ObserveRequest(r *http.Request, status int, elapsed time.Duration) {
	rt := reqctx.Route(r.Context())
	if rt == "" {
		rt = unmatched
	}
	m.requestSeries(m.routeSeries(rt), classOf(status)).observe(m.bounds, elapsed.Seconds())
}

// requestSeries returns the series of the requests on rt answered with a
// status of class c.
func (m *Metrics) requestSeries(rt *routeSeries, c int) *requestSeries {
	if s := rt.requests[c].Load(); s != nil {
		return s
	}
	s := &requestSeries{buckets: make([]atomic.Uint64, len(m.bounds)+1), created: time.Now()}
	// Two first requests may race here: the first series stored wins, and
	// the loser's is dropped before it counts anything.
	rt.requests[c].CompareAndSwap(nil, s)
	return rt.requests[c].Load()
}

// requestCollector exports the request series of every route pattern.
type requestCollector struct {
	m        *Metrics
	requests *prometheus.Desc
	latency  *prometheus.Desc
}

// newRequestCollector returns the collector of m's request series, under
// the namespace ns.
func newRequestCollector(m *Metrics, ns string) *requestCollector {
	labels := []string{"route", "class"}
	return &requestCollector{
		m: m,
		requests: prometheus.NewDesc(prometheus.BuildFQName(ns, "", "requests_total"),
			"Requests answered, by route pattern and status class.", labels, nil),
		latency: prometheus.NewDesc(prometheus.BuildFQName(ns, "", "request_duration_seconds"),
			"Time to answer a request, by route pattern and status class.", labels, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *requestCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.latency
}

// Collect implements prometheus.Collector.
func (c *requestCollector) Collect(ch chan<- prometheus.Metric) {
	for _, rs := range *c.m.routes.Load() {
		for i := range rs.requests {
			if s := rs.requests[i].Load(); s != nil {
				c.collect(ch, s, rs.route, classes[i])
			}
		}
	}
}

// collect sends the counter and the histogram of s. The buckets are read
// one by one while requests go on, so a scrape may see an observation's
// latency in the sum and not yet in the count, or the reverse: a
// difference of one request's latency, gone at the next scrape.
func (c *requestCollector) collect(ch chan<- prometheus.Metric, s *requestSeries, route, class string) {
	bounds := c.m.bounds
	cumulative := make(map[float64]uint64, len(bounds))
	var n uint64
	for i, b := range bounds {
		n += s.buckets[i].Load()
		cumulative[b] = n
	}
	n += s.buckets[len(bounds)].Load()
	sum := math.Float64frombits(s.sumBits.Load())
	count, err := prometheus.NewConstMetricWithCreatedTimestamp(c.requests, prometheus.CounterValue,
		float64(n), s.created, route, class)
	if err != nil {
		count = prometheus.NewInvalidMetric(c.requests, err)
	}
	ch <- count
	hist, err := prometheus.NewConstHistogramWithCreatedTimestamp(c.latency, n, sum, cumulative,
		s.created, route, class)
	if err != nil {
		hist = prometheus.NewInvalidMetric(c.latency, err)
	}
	ch <- hist
}
