package ratelimit

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestReportedOutcome: the outcome a handler reports with Failed or
// Succeeded decides the refund before the written status does, whenever
// during the handler it is reported; without a report the status decides.
func TestReportedOutcome(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		// counted: whether the request is counted by a limiter that
		// counts failures only (SkipSuccessfulRequests).
		counted bool
	}{
		{"explicit failure with 200 written", func(w http.ResponseWriter, r *http.Request) {
			Failed(r)
			w.WriteHeader(http.StatusOK)
		}, true},
		{"explicit success with 401 written", func(w http.ResponseWriter, r *http.Request) {
			Succeeded(r)
			w.WriteHeader(http.StatusUnauthorized)
		}, false},
		{"no report, 401 written", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
		}, true},
		{"no report, 200 written", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
		}, false},
		{"no report, nothing written", func(http.ResponseWriter, *http.Request) {}, false},
		{"failure after the response is written", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("welcome"))
			http.NewResponseController(w).Flush()
			Failed(r)
		}, true},
		{"success after the response is written", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte("no"))
			Succeeded(r)
		}, false},
		{"failure stands against a later success", func(w http.ResponseWriter, r *http.Request) {
			Failed(r)
			Succeeded(r)
		}, true},
		{"failure after a success", func(w http.ResponseWriter, r *http.Request) {
			Succeeded(r)
			Failed(r)
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(t, Config{Rate: Spec{Limit: 3, Window: time.Hour}, SkipSuccessfulRequests: true})
			h := l.Handler(tc.handler)
			serve(h, request("192.0.2.1:1"))
			// One unit spent by the probe itself; a counted request
			// spent one more.
			res, err := l.check(request("192.0.2.1:1"))
			if err != nil {
				t.Fatal(err)
			}
			want := int64(2)
			if tc.counted {
				want = 1
			}
			if res.Remaining != want {
				t.Errorf("remaining after the request and a probe: got %d, want %d (counted: %v)", res.Remaining, want, tc.counted)
			}
		})
	}
}

// TestReportedOutcomeSkipFailed: with SkipFailedRequests a reported
// failure is refunded even though 200 was written, and a reported success
// is counted even though 500 was written.
func TestReportedOutcomeSkipFailed(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		counted bool
	}{
		{"explicit failure with 200", func(w http.ResponseWriter, r *http.Request) { Failed(r); w.WriteHeader(200) }, false},
		{"explicit success with 500", func(w http.ResponseWriter, r *http.Request) { Succeeded(r); w.WriteHeader(500) }, true},
		{"no report, 500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, false},
	} {
		l := newLimiter(t, Config{Rate: Spec{Limit: 3, Window: time.Hour}, SkipFailedRequests: true})
		serve(l.Handler(tc.handler), request("192.0.2.1:1"))
		res, err := l.check(request("192.0.2.1:1"))
		if err != nil {
			t.Fatal(err)
		}
		want := int64(2)
		if tc.counted {
			want = 1
		}
		if res.Remaining != want {
			t.Errorf("%s: remaining: got %d, want %d", tc.name, res.Remaining, want)
		}
	}
}

// TestReportedOutcomeReachesEveryLimiter: a failure reported inside two
// counting limiters counts against both.
func TestReportedOutcomeReachesEveryLimiter(t *testing.T) {
	outer := newLimiter(t, Config{Rate: Spec{Limit: 3, Window: time.Hour}, SkipSuccessfulRequests: true, Identifier: "outer"})
	inner := newLimiter(t, Config{Rate: Spec{Limit: 3, Window: time.Hour}, SkipSuccessfulRequests: true, Identifier: "inner"})
	h := outer.Handler(inner.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Failed(r)
	})))
	serve(h, request("192.0.2.1:1"))
	for _, l := range []*Limiter{outer, inner} {
		res, err := l.check(request("192.0.2.1:1"))
		if err != nil {
			t.Fatal(err)
		}
		if res.Remaining != 1 {
			t.Errorf("%s: remaining: got %d, want 1 (the failure counted)", l.policy.ID, res.Remaining)
		}
	}
}

// TestReportWithoutLimiter: Failed and Succeeded do nothing, and allocate
// nothing, on a request no counting limiter passed down, nor once the
// limiter's handler returned.
func TestReportWithoutLimiter(t *testing.T) {
	r := request("192.0.2.1:1")
	if got := testing.AllocsPerRun(100, func() { Failed(r); Succeeded(r) }); got != 0 {
		t.Errorf("Failed and Succeeded without a limiter allocate %.1f times, want 0", got)
	}
	// A limiter that counts everything passes no outcome down.
	l := newLimiter(t, Config{Rate: Spec{Limit: 3, Window: time.Hour}})
	serve(l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Failed(r) })), request("192.0.2.1:1"))
	res, err := l.check(request("192.0.2.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Remaining != 1 {
		t.Errorf("remaining: got %d, want 1", res.Remaining)
	}

	// A report after the handler returned changes nothing.
	counting := newLimiter(t, Config{Rate: Spec{Limit: 3, Window: time.Hour}, SkipSuccessfulRequests: true})
	var kept *http.Request
	serve(counting.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { kept = r })), request("192.0.2.1:1"))
	Failed(kept)
	res, err = counting.check(request("192.0.2.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Remaining != 2 {
		t.Errorf("late report: remaining: got %d, want 2 (not counted)", res.Remaining)
	}
}

// TestReportConcurrent: reports from goroutines the handler waits for are
// safe (run with -race) and a failure among them wins.
func TestReportConcurrent(t *testing.T) {
	l := newLimiter(t, Config{Rate: Spec{Limit: 3, Window: time.Hour}, SkipSuccessfulRequests: true})
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				if i == 5 {
					Failed(r)
				} else {
					Succeeded(r)
				}
			})
		}
		wg.Wait()
	}))
	serve(h, request("192.0.2.1:1"))
	res, err := l.check(request("192.0.2.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Remaining != 1 {
		t.Errorf("remaining: got %d, want 1 (the failure counted)", res.Remaining)
	}
}

// TestCountingHandlerAllocs: a limiter that counts by outcome costs, per
// refunded request without headers, three allocations: the outcome with
// the status recorder, the request carrying it down, and the refund's
// context that outlives the client.
func TestCountingHandlerAllocs(t *testing.T) {
	l := newLimiter(t, Config{Rate: Spec{Limit: maxLimit, Window: time.Hour}, Headers: headersNone, SkipSuccessfulRequests: true})
	h := l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := request("[2001:db8::1]:1234")
	w := httptest.NewRecorder()
	if got := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, r) }); got != 3 {
		t.Errorf("%.1f allocations per request, want 3", got)
	}
}
