package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/allowedhosts"
	"github.com/harden-go/harden/authz"
	"github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/ssrf"
)

// syncBuffer is a security log sink safe for the handler goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testStack is a harden stack with every refusing layer, the routes
// behind it, and metrics on (or off with a nil *Metrics).
func testStack(t testing.TB, m *metrics.Metrics, logw io.Writer) http.Handler {
	t.Helper()
	var obs seclog.Observer
	if m != nil {
		obs = m
	}
	log, err := seclog.New(seclog.Config{Writer: logw, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	rl := ratelimit.Config{Rate: ratelimit.Spec{Limit: 1, Window: time.Hour}}
	if m != nil {
		rl.OnStoreError = m.StoreError
	}
	var reqs harden.RequestObserver
	if m != nil {
		reqs = m
	}
	stack, err := harden.New(harden.Config{
		Observer:    reqs,
		Development: true,
		Hosts:       allowedhosts.Config{Hosts: []string{"example.com"}},
		CORS:        cors.Config{Origins: []string{"https://app.example.com"}},
		RateLimit:   harden.RateLimitConfig{Config: rl, Paths: []string{"/limited"}},
		SecurityLog: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	protect, err := csrf.New(csrf.Config{Keys: keys.Ephemeral()})
	if err != nil {
		t.Fatal(err)
	}
	body, err := input.NewBodyLimit(input.BodyLimitConfig{MaxBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	outbound, err := ssrf.New(ssrf.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") })
	mux := http.NewServeMux()
	mux.Handle("GET /ok", ok)
	mux.Handle("GET /limited", ok)
	mux.Handle("POST /form", protect.Handler(ok))
	mux.Handle("POST /upload", body.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return // the body limit has answered
		}
		_, _ = io.WriteString(w, "ok")
	})))
	mux.HandleFunc("POST /json", func(w http.ResponseWriter, r *http.Request) {
		var v struct {
			Name string `json:"name"`
		}
		if input.DecodeJSON(w, r, &v) {
			_, _ = io.WriteString(w, "ok")
		}
	})
	scfg := session.Config{Keys: keys.Ephemeral(), Store: session.NewMemoryStore(0),
		Logger: slog.New(slog.DiscardHandler)}
	if m != nil {
		scfg.StoreObserver = m
	}
	sessions, err := session.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	guard, err := authz.New(authz.Config{})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("GET /me", sessions.Handler(guard.RequireAuth(ok)))
	mux.Handle("GET /visit", sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := session.From(r); s.Get("seen") == "" {
			s.Set("seen", "1") // saved once; later visits only load
		}
		_, _ = io.WriteString(w, "ok")
	})))
	mux.HandleFunc("GET /preview", func(w http.ResponseWriter, r *http.Request) {
		if err := outbound.Check("http://127.0.0.1/"); err != nil {
			respond.Reject(w, r, &respond.Rejection{Status: http.StatusBadRequest,
				Message: "destination not allowed", Event: seclog.EventSSRFBlocked, Err: err})
			return
		}
		_, _ = io.WriteString(w, "fetched")
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	mux.HandleFunc("GET /raw", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden) // not through the responder
	})
	if m == nil {
		return stack.Handler(mux)
	}
	return stack.Handler(m.Routes(mux))
}

// series reads a metric family as label set -> value, labels written
// name=value and joined with commas in the order of the family.
func series(t *testing.T, m *metrics.Metrics, name string) map[string]float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, mt := range f.GetMetric() {
			out[labelString(mt)] = value(mt)
		}
	}
	return out
}

func labelString(mt *dto.Metric) string {
	var parts []string
	for _, l := range mt.GetLabel() {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(parts, ",")
}

func value(mt *dto.Metric) float64 {
	switch {
	case mt.Counter != nil:
		return mt.Counter.GetValue()
	case mt.Histogram != nil:
		return float64(mt.Histogram.GetSampleCount())
	}
	return 0
}

// diff returns the series whose value changed from before to after.
func diff(before, after map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		if v != before[k] {
			d[k] = v - before[k]
		}
	}
	return d
}

func newRequest(method, target, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	r.Host = "example.com"
	return r
}

func TestEveryRefusalCountedOnce(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	h := testStack(t, m, &log)

	// The rate limit allows one request to /limited: spend it first.
	if w := serve(h, newRequest("GET", "/limited", "")); w.Code != http.StatusOK {
		t.Fatalf("first /limited: got %d, want 200", w.Code)
	}

	tests := []struct {
		name       string
		req        func() *http.Request
		wantStatus int
		wantBody   string // a fragment of the answer
		wantSeries string // the one refusal series that must grow by 1
	}{
		{"csrf cross-site POST", func() *http.Request {
			r := newRequest("POST", "/form", "a=b")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, 403, `"error"`, "layer=csrf,reason=403,route=POST /form"},
		{"cors preflight from a foreign origin", func() *http.Request {
			r := newRequest("OPTIONS", "/ok", "")
			r.Header.Set("Origin", "https://evil.example")
			r.Header.Set("Access-Control-Request-Method", "PUT")
			return r
		}, 403, `"error"`, "layer=cors,reason=403,route=unmatched"},
		{"rate limited", func() *http.Request { return newRequest("GET", "/limited", "") },
			429, `"error"`, "layer=ratelimit,reason=429,route=unmatched"},
		{"host not allowed", func() *http.Request {
			r := newRequest("GET", "/ok", "")
			r.Host = "evil.example"
			return r
		}, 421, `"error"`, "layer=allowedhosts,reason=421,route=unmatched"},
		{"body too large", func() *http.Request {
			r := newRequest("POST", "/upload", strings.Repeat("x", 4096))
			r.Header.Set("Content-Type", "application/octet-stream")
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			return r
		}, 413, `"error"`, "layer=input,reason=413,route=POST /upload"},
		{"unknown JSON field", func() *http.Request {
			r := newRequest("POST", "/json", `{"name":"a","admin":true}`)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, 400, `"error`, "layer=input,reason=400,route=POST /json"},
		{"no session", func() *http.Request { return newRequest("GET", "/me", "") },
			401, `"error"`, "layer=authz,reason=401,route=GET /me"},
		{"ssrf destination", func() *http.Request { return newRequest("GET", "/preview", "") },
			400, "destination not allowed", "layer=ssrf,reason=400,route=GET /preview"},
		{"panic", func() *http.Request { return newRequest("GET", "/panic", "") },
			500, `"error"`, "layer=recovery,reason=500,route=GET /panic"},
		{"plain http.Error 403", func() *http.Request { return newRequest("GET", "/raw", "") },
			403, "forbidden", "layer=authz,reason=403,route=GET /raw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := series(t, m, "harden_refusals_total")
			w := serve(h, tt.req())
			if w.Code != tt.wantStatus {
				t.Fatalf("status: got %d, want %d (body %q)", w.Code, tt.wantStatus, w.Body)
			}
			if !strings.Contains(w.Body.String(), tt.wantBody) {
				t.Errorf("body: got %q, want it to contain %q", w.Body, tt.wantBody)
			}
			got := diff(before, series(t, m, "harden_refusals_total"))
			want := map[string]float64{tt.wantSeries: 1}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("refusal counters changed: got %v, want %v", got, want)
			}
		})
	}
	if strings.Contains(log.String(), "example.com/") {
		t.Errorf("the log holds a URL it should not: %s", log.String())
	}
}

func TestRequestsByRouteAndClass(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := testStack(t, m, io.Discard)
	serve(h, newRequest("GET", "/ok", ""))
	serve(h, newRequest("GET", "/ok", ""))
	serve(h, newRequest("GET", "/me", ""))
	serve(h, newRequest("GET", "/nowhere", ""))
	got := series(t, m, "harden_requests_total")
	want := map[string]float64{
		"class=2xx,route=GET /ok":   2,
		"class=4xx,route=GET /me":   1,
		"class=4xx,route=unmatched": 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests: got %v, want %v", got, want)
	}
	if lat := series(t, m, "harden_request_duration_seconds"); fmt.Sprint(lat) != fmt.Sprint(want) {
		t.Errorf("latency sample counts: got %v, want %v", lat, want)
	}
}

// TestLabelCardinality sends 10,000 distinct paths: the series stay a
// handful, named by route patterns, never by a path.
func TestLabelCardinality(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := testStack(t, m, io.Discard)
	for i := range 10000 {
		var r *http.Request
		switch i % 4 {
		case 0:
			r = newRequest("GET", fmt.Sprintf("/probe/%d/.env", i), "")
		case 1:
			r = newRequest("POST", fmt.Sprintf("/form?x=%d", i), "a=b")
			r.Header.Set("Sec-Fetch-Site", "cross-site")
		case 2:
			r = newRequest("GET", fmt.Sprintf("/ok/%d", i), "")
			r.Host = fmt.Sprintf("h%d.evil.example", i)
		default:
			r = newRequest("GET", "/ok", "")
			r.RemoteAddr = fmt.Sprintf("10.%d.%d.1:1234", i/256, i%256)
		}
		serve(h, r)
	}
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "harden_") {
			continue
		}
		total += len(f.GetMetric())
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if v := l.GetValue(); strings.Contains(v, "probe") || strings.Contains(v, "evil") ||
					strings.Contains(v, "10.") || strings.Contains(v, "/ok/") {
					t.Errorf("%s: label %s=%q carries request data", f.GetName(), l.GetName(), v)
				}
			}
		}
	}
	if total > 20 {
		t.Errorf("got %d harden series after 10,000 distinct paths, want at most 20", total)
	}
}

// failingStore is a rate-limit store whose every call fails.
type failingStore struct{ ratelimit.Store }

func (failingStore) Take(_ context.Context, _ ratelimit.Policy, _ string, _ int64) (ratelimit.Result, error) {
	return ratelimit.Result{}, errors.New("store down")
}

func TestStoreErrors(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, failOpen := range []bool{true, false} {
		l, err := ratelimit.New(ratelimit.Config{
			Rate: ratelimit.Spec{Limit: 5, Window: time.Minute}, Store: failingStore{},
			FailOpen: failOpen, OnStoreError: m.StoreError, Logger: slog.New(slog.DiscardHandler),
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := l.Allow(context.Background(), "k", 1)
		if err == nil || res.Allowed != failOpen {
			t.Fatalf("Allow: got %v, %v; want an error and Allowed %v", res.Allowed, err, failOpen)
		}
	}
	got := series(t, m, "harden_ratelimit_store_errors_total")
	want := map[string]float64{"decision=fail_closed": 1, "decision=fail_open": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("store errors: got %v, want %v", got, want)
	}
}

func TestHandlerExposes(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	m.ObserveEvent(nil, secevent.Panic, 500)
	w := serve(m.Handler(), httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`harden_refusals_total{layer="recovery",reason="500",route="unmatched"} 1`,
		`harden_security_events_total{event="panic"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

func TestNewRejectsBadBuckets(t *testing.T) {
	for _, tc := range []struct {
		buckets []float64
		want    string
	}{
		{[]float64{1, 0.5}, `metrics: buckets[1] "0.5": must be greater than the bucket before it`},
		{[]float64{0.1, 0.1}, `metrics: buckets[1] "0.1": must be greater than the bucket before it`},
		{[]float64{0.1, math.NaN()}, `metrics: buckets[1] "NaN": must be greater than the bucket before it`},
	} {
		m, err := metrics.New(metrics.Config{Buckets: tc.buckets})
		var ce *harden.ConfigError
		if m != nil || !errors.Is(err, metrics.ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != "buckets" {
			t.Errorf("New(%v) = %v, %v; want a *ConfigError on buckets", tc.buckets, m, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("New(%v): %q, want %q", tc.buckets, err, tc.want)
		}
	}
}

func TestEventLabelsBounded(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		m.ObserveEvent(nil, fmt.Sprintf("custom_%d", i), 200)
	}
	got := series(t, m, "harden_security_events_total")
	if want := map[string]float64{"event=other": 100}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := series(t, m, "harden_refusals_total"); len(got) != 0 {
		t.Errorf("invented events with a 2xx status counted as refusals: %v", got)
	}
	m.ObserveEvent(nil, "custom_refusal", 418)
	m.ObserveEvent(nil, "custom_refusal", 1000) // out of range: not a refusal
	got = series(t, m, "harden_refusals_total")
	if want := map[string]float64{"layer=other,reason=418,route=unmatched": 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// metricsPaths are the requests BenchmarkMetrics measures: a request
// answered (counted and timed), a request refused by CSRF (a refusal and
// an event counted too), and a request whose session is loaded from the
// store (the load timed too).
var metricsPaths = []struct {
	name   string
	method string
	target string
}{
	{"ok", "GET", "/ok"},
	{"refused", "POST", "/form"},
	{"session", "GET", "/visit"},
}

// benchTarget returns the test stack with metrics m (nil: off) and the
// request to send it again and again: for the session path, one carrying
// the cookie of a session made by a first visit.
func benchTarget(b *testing.B, m *metrics.Metrics, method, target string) (http.Handler, *http.Request) {
	h := testStack(b, m, io.Discard)
	r := newRequest(method, target, "")
	if target == "/visit" {
		first := httptest.NewRecorder()
		h.ServeHTTP(first, r)
		c := first.Result().Cookies()
		if first.Code != 200 || len(c) != 1 {
			b.Fatalf("first visit: %d, cookies %v", first.Code, c)
		}
		r = newRequest(method, target, "")
		r.AddCookie(c[0])
	}
	return h, r
}

// BenchmarkMetrics compares the stack with metrics off and on, in one
// run, on the three metricsPaths. Compare with benchstat -col /metrics.
// BenchmarkMetricsOverhead measures the same difference interleaved.
func BenchmarkMetrics(b *testing.B) {
	for _, p := range metricsPaths {
		b.Run("path="+p.name, func(b *testing.B) {
			for _, on := range []bool{false, true} {
				name := "metrics=off"
				var m *metrics.Metrics
				if on {
					name = "metrics=on"
					var err error
					if m, err = metrics.New(metrics.Config{}); err != nil {
						b.Fatal(err)
					}
				}
				b.Run(name, func(b *testing.B) {
					h, r := benchTarget(b, m, p.method, p.target)
					w := &discard{h: http.Header{}}
					b.ReportAllocs()
					cpu0 := cpuTime()
					for b.Loop() {
						clear(w.h)
						h.ServeHTTP(w, r)
					}
					// CPU time per request: steadier than wall time on a
					// machine other processes load.
					b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
				})
			}
		})
	}
}

// BenchmarkMetricsOverhead measures what metrics add to the stack on a
// busy machine, on the three metricsPaths and, as path=ok-http, on the
// answered request sent over loopback HTTP (the client, net/http's server
// and the connection included). See measureOverhead for what it reports;
// the in-process paths also report each stack's allocations per request
// (equal: see TestNoExtraAllocations).
func BenchmarkMetricsOverhead(b *testing.B) {
	for _, p := range metricsPaths {
		b.Run("path="+p.name, func(b *testing.B) {
			m, err := metrics.New(metrics.Config{})
			if err != nil {
				b.Fatal(err)
			}
			hOff, rOff := benchTarget(b, nil, p.method, p.target)
			hOn, rOn := benchTarget(b, m, p.method, p.target)
			w := &discard{h: http.Header{}}
			off := func() { clear(w.h); hOff.ServeHTTP(w, rOff) }
			on := func() { clear(w.h); hOn.ServeHTTP(w, rOn) }
			measureOverhead(b, off, on)
			b.ReportMetric(testing.AllocsPerRun(1000, off), "off-allocs/req")
			b.ReportMetric(testing.AllocsPerRun(1000, on), "on-allocs/req")
		})
	}
	b.Run("path=ok-http", func(b *testing.B) {
		m, err := metrics.New(metrics.Config{})
		if err != nil {
			b.Fatal(err)
		}
		measureOverhead(b, loopback(b, testStack(b, nil, io.Discard)), loopback(b, testStack(b, m, io.Discard)))
	})
}

// loopback serves h on a loopback listener and returns a function that
// sends it GET /ok on a kept-alive connection.
func loopback(b *testing.B, h http.Handler) func() {
	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	client := srv.Client()
	r, err := http.NewRequest("GET", srv.URL+"/ok", nil)
	if err != nil {
		b.Fatal(err)
	}
	r.Host = "example.com"
	return func() {
		resp, err := client.Do(r)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("GET /ok over loopback: %d", resp.StatusCode)
		}
	}
}

// measureOverhead sends blocks of requests with off (the stack with
// metrics off) and with on (metrics on) in turn, so that whatever else
// loads the machine falls on both alike. Two iterations make a cycle, off
// on on off, in which each stack has one block right after the other
// stack's (its caches cold) and one after its own. It reports each
// stack's median time per request over the cycles and the overhead of
// metrics on in percent: the median of the cycles' on/off ratios.
// Medians, not means: a block that another process preempted takes
// milliseconds where it takes microseconds, and one such block would
// outweigh thousands.
func measureOverhead(b *testing.B, off, on func()) {
	const block = 32
	run := func(send func()) time.Duration {
		t0 := time.Now()
		for range block {
			send()
		}
		return time.Since(t0)
	}
	var offT, onT []time.Duration
	i := 0
	for b.Loop() {
		if i++; i%2 == 0 {
			offT = append(offT, run(off))
			onT = append(onT, run(on))
		} else {
			onT = append(onT, run(on))
			offT = append(offT, run(off))
		}
	}
	var offC, onC []time.Duration
	var ratios []float64
	for i := 0; i+1 < len(offT); i += 2 {
		offC = append(offC, offT[i]+offT[i+1])
		onC = append(onC, onT[i]+onT[i+1])
		ratios = append(ratios, float64(onC[len(onC)-1])/float64(offC[len(offC)-1]))
	}
	b.ReportMetric(median(offC)/(2*block), "off-ns/req")
	b.ReportMetric(median(onC)/(2*block), "on-ns/req")
	b.ReportMetric(100*(median(ratios)-1), "overhead-%")
}

// median is the middle value of s (the mean of the two middle ones for an
// even length), which it sorts.
func median[T ~int64 | ~float64](s []T) float64 {
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	return (float64(s[(len(s)-1)/2]) + float64(s[len(s)/2])) / 2
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

// TestNoExtraAllocations: metrics on costs no allocation per request
// over metrics off (once a route's series exist), for a request
// answered, a refusal and a session loaded from the store.
func TestNoExtraAllocations(t *testing.T) {
	if testenv.RaceEnabled {
		// sync.Pool drops items at random under the detector, so a
		// request's allocation count varies from run to run.
		t.Skip("skipping: allocation counts vary under the race detector (sync.Pool drops items at random)")
	}
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	allocs := func(h http.Handler, method, target string) float64 {
		r := newRequest(method, target, "")
		first := httptest.NewRecorder()
		h.ServeHTTP(first, r) // create the series, and the session
		if c := first.Result().Cookies(); len(c) == 1 {
			r = newRequest(method, target, "")
			r.AddCookie(c[0])
		}
		w := &discard{h: http.Header{}}
		return testing.AllocsPerRun(200, func() {
			clear(w.h)
			h.ServeHTTP(w, r)
		})
	}
	for _, p := range []struct{ method, target string }{{"GET", "/ok"}, {"POST", "/form"}, {"GET", "/visit"}} {
		off := allocs(testStack(t, nil, io.Discard), p.method, p.target)
		on := allocs(testStack(t, m, io.Discard), p.method, p.target)
		if on != off {
			t.Errorf("%s %s: allocations per request: got %v with metrics, want %v as without", p.method, p.target, on, off)
		}
	}
}
