package metrics_test

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/seclog"
)

// TestRequestSeriesAsPrometheus: the request counter and latency histogram
// export what a prometheus.CounterVec and HistogramVec with the same
// options export after the same requests, bucket for bucket.
func TestRequestSeriesAsPrometheus(t *testing.T) {
	many := make([]float64, 40) // past the linear search
	for i := range many {
		many[i] = float64(i+1) / 1000
	}
	latencies := []time.Duration{0, time.Nanosecond, 300 * time.Microsecond, 500 * time.Microsecond,
		500*time.Microsecond + 1, 5 * time.Millisecond, 20 * time.Millisecond, time.Second, 10 * time.Second, time.Hour}
	for _, tc := range []struct {
		name    string
		buckets []float64
	}{
		{"default", nil},
		{"empty: prometheus's default", []float64{}},
		{"last +Inf implicit", []float64{0.001, 0.01, math.Inf(+1)}},
		{"one bucket", []float64{0.01}},
		{"40 buckets", many},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := metrics.New(metrics.Config{Registry: prometheus.NewRegistry(), Buckets: tc.buckets})
			if err != nil {
				t.Fatal(err)
			}
			ref := prometheus.NewRegistry()
			count := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "harden", Name: "requests_total",
				Help: "Requests answered, by route pattern and status class."}, []string{"route", "class"})
			buckets := tc.buckets
			if buckets == nil {
				buckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
			}
			latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "harden",
				Name: "request_duration_seconds", Help: "Time to answer a request, by route pattern and status class.",
				Buckets: buckets}, []string{"route", "class"})
			ref.MustRegister(count, latency)
			r := httptest.NewRequest("GET", "/", nil)
			for i, d := range latencies {
				for _, status := range []int{200, 404, 503, 200} {
					if status == 503 && i%2 == 1 {
						continue
					}
					m.ObserveRequest(r, status, d)
					class := fmt.Sprintf("%dxx", status/100)
					count.WithLabelValues("unmatched", class).Inc()
					latency.WithLabelValues("unmatched", class).Observe(d.Seconds())
				}
			}
			for _, name := range []string{"harden_requests_total", "harden_request_duration_seconds"} {
				got, want := family(t, m.Registry(), name), family(t, ref, name)
				if got != want {
					t.Errorf("%s:\ngot  %s\nwant %s", name, got, want)
				}
			}
		})
	}
}

// family prints the metric family name of reg: help, type and, per
// series, labels and values.
func family(t *testing.T, reg *prometheus.Registry, name string) string {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		fmt.Fprintf(&b, "%s (%s) %s:", f.GetName(), f.GetType(), f.GetHelp())
		for _, mt := range f.GetMetric() {
			fmt.Fprintf(&b, " {%s}", labelString(mt))
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				fmt.Fprintf(&b, " %v", mt.GetCounter().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := mt.GetHistogram()
				fmt.Fprintf(&b, " count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
				for _, bk := range h.GetBucket() {
					fmt.Fprintf(&b, " le=%g:%d", bk.GetUpperBound(), bk.GetCumulativeCount())
				}
			}
		}
	}
	if b.Len() == 0 {
		t.Fatalf("no family %s", name)
	}
	return b.String()
}

// TestRequestRouteLabelValidUTF8: a route recorded with reqctx.SetRoute
// that is not valid UTF-8 is counted under the pattern with the invalid
// bytes replaced, and the scrape still succeeds.
func TestRequestRouteLabelValidUTF8(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := seclog.New(seclog.Config{Writer: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	h := log.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, route := range []string{"GET /caf\xe9", "GET /caf\xff", "GET /café"} {
			reqctx.SetRoute(r.Context(), route)
			m.ObserveRequest(r, 200, time.Millisecond)
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	got := series(t, m, "harden_requests_total")
	want := map[string]float64{"class=2xx,route=GET /caf\uFFFD": 2, "class=2xx,route=GET /café": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
