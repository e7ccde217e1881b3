package ratelimit

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/statuswriter"
)

var update = flag.Bool("update", false, "rewrite golden files")

func newLimiter(t testing.TB, cfg Config) *Limiter {
	t.Helper()
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func request(remote string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/x", nil)
	r.RemoteAddr = remote
	return r
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// dumpHeaders renders the rate-limit related headers of h, sorted, one per
// line, as a golden file holds them.
func dumpHeaders(h http.Header) string {
	var lines []string
	for k, vs := range h {
		lk := strings.ToLower(k)
		if !strings.Contains(lk, "ratelimit") && lk != "retry-after" {
			continue
		}
		for _, v := range vs {
			lines = append(lines, k+": "+v)
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "headers", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
	}
}

// TestHeaderGolden records, for every header style and both algorithms, the
// headers of five requests (at 0 s, then three at 25 s, until one is
// refused) under a policy of 3 per minute, client 203.0.113.7, with the
// legacy headers on.
func TestHeaderGolden(t *testing.T) {
	styles := []string{headersDraft6, headersDraft7, headersDraft8, headersDraft11, headersNone}
	for _, alg := range []Algorithm{FixedWindow, GCRA} {
		for _, style := range styles {
			name := string(style) + "_" + string(alg)
			t.Run(name, func(t *testing.T) {
				clock := newFakeClock()
				l := newLimiter(t, Config{
					Rate:          Spec{Limit: 3, Window: time.Minute},
					Algorithm:     alg,
					Headers:       style,
					LegacyHeaders: true,
					Store:         newMemStore(t, clock, 0),
					Clock:         clock.Now,
				})
				h := l.Handler(okHandler)
				var b strings.Builder
				for i, advance := range []time.Duration{0, 25 * time.Second, 0, 0, 0} {
					clock.Advance(advance)
					w := serve(h, request("203.0.113.7:1234"))
					b.WriteString("# request " + string(rune('1'+i)) + ": " + http.StatusText(w.Code) + "\n")
					b.WriteString(dumpHeaders(w.Header()))
				}
				checkGolden(t, name, b.String())
			})
		}
	}
}

func TestHeaderValues(t *testing.T) {
	// Spot checks of the golden files' syntax against the drafts' examples.
	clock := newFakeClock()
	l := newLimiter(t, Config{
		Rate:       Spec{Limit: 100, Window: 15 * time.Minute},
		Headers:    headersDraft8,
		Identifier: `we"ird\name`,
		Store:      newMemStore(t, clock, 0),
	})
	w := serve(l.Handler(okHandler), request("203.0.113.7:1"))
	pk := partitionKey("ip:203.0.113.7")
	if got, want := w.Header().Get("RateLimit-Policy"), `"we\"ird\\name";q=100;w=900;pk=:`+pk+`:`; got != want {
		t.Errorf("RateLimit-Policy: got %s, want %s", got, want)
	}
	if got, want := w.Header().Get("RateLimit"), `"we\"ird\\name";r=99;t=900;pk=:`+pk+`:`; got != want {
		t.Errorf("RateLimit: got %s, want %s", got, want)
	}
	if len(pk) != 16 || strings.Trim(pk, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != "" {
		t.Errorf("partition key %q is not 16 base64 characters", pk)
	}
}

func TestStackedLimitersAddListMembers(t *testing.T) {
	outer := newLimiter(t, Config{Identifier: "api"})
	inner := newLimiter(t, Config{Identifier: "auth", Rate: Spec{Limit: 5, Window: 15 * time.Minute}})
	w := serve(outer.Handler(inner.Handler(okHandler)), request("192.0.2.1:1"))
	got := w.Header().Values("RateLimit")
	if len(got) != 2 || !strings.HasPrefix(got[0], `"api";r=99;`) || !strings.HasPrefix(got[1], `"auth";r=4;`) {
		t.Fatalf("RateLimit fields: got %q, want one member per limiter", got)
	}
}

// TestRetryAfterAtWindowEdge: Retry-After is the whole seconds to the end of
// the window, rounded up, down to 1 just before the end; at the end the
// client is admitted again.
func TestRetryAfterAtWindowEdge(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(t, Config{
		Rate:  Spec{Limit: 1, Window: time.Minute},
		Store: newMemStore(t, clock, 0),
		Clock: clock.Now,
	})
	h := l.Handler(okHandler)
	start := clock.Now()
	if w := serve(h, request("192.0.2.1:1")); w.Code != 200 {
		t.Fatalf("first: %d", w.Code)
	}
	for _, tc := range []struct {
		at        time.Duration // since the first request
		wantCode  int
		wantRetry string
	}{
		{0, 429, "60"},
		{time.Millisecond, 429, "60"},
		{58*time.Second + time.Millisecond, 429, "2"},
		{59 * time.Second, 429, "1"},
		{60*time.Second - time.Millisecond, 429, "1"},
		{60*time.Second - time.Nanosecond, 429, "1"},
		{60 * time.Second, 200, ""},
	} {
		clock.Advance(start.Add(tc.at).Sub(clock.Now()))
		w := serve(h, request("192.0.2.1:1"))
		if w.Code != tc.wantCode || w.Header().Get("Retry-After") != tc.wantRetry {
			t.Errorf("at +%v: got %d Retry-After %q, want %d %q",
				tc.at, w.Code, w.Header().Get("Retry-After"), tc.wantCode, tc.wantRetry)
		}
	}
}

func TestRefusalBody(t *testing.T) {
	var limited atomic.Int32
	l := newLimiter(t, Config{
		Rate:      Spec{Limit: 1, Window: time.Minute},
		Headers:   headersNone,
		OnLimited: func(r *http.Request, res Result) { limited.Add(1) },
	})
	h := l.Handler(okHandler)
	serve(h, request("192.0.2.1:1"))
	w := serve(h, request("192.0.2.1:1"))
	if w.Code != 429 || w.Body.String() != `{"error":"Too many requests, please try again later."}`+"\n" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	if w.Header().Get("Retry-After") != "60" || w.Header().Get("RateLimit") != "" {
		t.Fatalf("headers: %v", w.Header())
	}
	if limited.Load() != 1 {
		t.Fatalf("OnLimited called %d times, want 1", limited.Load())
	}
	// Another client is not affected; a custom status and message are used.
	l = newLimiter(t, Config{Rate: Spec{Limit: 1, Window: time.Minute}, Status: 503, Message: "Slow down"})
	h = l.Handler(okHandler)
	if w := serve(h, request("192.0.2.2:1")); w.Code != 200 {
		t.Fatalf("other client: %d", w.Code)
	}
	if w := serve(h, request("192.0.2.2:1")); w.Code != 503 || w.Body.String() != `{"error":"Slow down"}`+"\n" {
		t.Fatalf("custom refusal: %d %q", w.Code, w.Body.String())
	}
}

func statusHandler(code int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) })
}

// TestSkipSuccessful: the login limiter. Only failed attempts count; a
// success is refunded once its status is known.
func TestSkipSuccessful(t *testing.T) {
	for _, alg := range []Algorithm{FixedWindow, GCRA} {
		t.Run(string(alg), func(t *testing.T) {
			l := newLimiter(t, Config{
				Rate:                   Spec{Limit: 5, Window: 15 * time.Minute},
				Algorithm:              alg,
				SkipSuccessfulRequests: true,
				Headers:                headersDraft6,
			})
			ok, fail := l.Handler(statusHandler(200)), l.Handler(statusHandler(401))
			for i := range 20 {
				if w := serve(ok, request("192.0.2.1:1")); w.Code != 200 || w.Header().Get("RateLimit-Remaining") != "4" {
					t.Fatalf("success %d: %d remaining %s", i, w.Code, w.Header().Get("RateLimit-Remaining"))
				}
			}
			for i := range 5 {
				if w := serve(fail, request("192.0.2.1:1")); w.Code != 401 {
					t.Fatalf("failure %d: got %d, want 401", i, w.Code)
				}
			}
			// Five failures spent the quota: even a would-be success is refused.
			if w := serve(ok, request("192.0.2.1:1")); w.Code != 429 {
				t.Fatalf("after 5 failures: got %d, want 429", w.Code)
			}
		})
	}
}

func TestSkipFailedAndPanics(t *testing.T) {
	l := newLimiter(t, Config{Rate: Spec{Limit: 2, Window: time.Minute}, SkipFailedRequests: true, Headers: headersDraft6})
	fail := l.Handler(statusHandler(500))
	boom := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200) // the status was written, then the handler panicked
		panic(http.ErrAbortHandler)
	}))
	for range 5 {
		serve(fail, request("192.0.2.1:1"))
		func() {
			defer func() { _ = recover() }()
			serve(boom, request("192.0.2.1:1"))
		}()
	}
	ok := l.Handler(okHandler)
	for i, want := range []int{200, 200, 429} {
		if w := serve(ok, request("192.0.2.1:1")); w.Code != want {
			t.Fatalf("request %d after refunded failures: got %d, want %d", i, w.Code, want)
		}
	}
}

func TestStatusWriterKeepsFlushAndUnwrap(t *testing.T) {
	l := newLimiter(t, Config{SkipSuccessfulRequests: true})
	var flushed, unwrapped bool
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, unwrapped = w.(interface{ Unwrap() http.ResponseWriter })
		flushed = http.NewResponseController(w).Flush() == nil
	}))
	w := serve(h, request("192.0.2.1:1"))
	if !flushed || !unwrapped || !w.Flushed {
		t.Fatalf("flushed=%v unwrapped=%v recorder.Flushed=%v", flushed, unwrapped, w.Flushed)
	}
	// The implicit 200 of a flush counts as a success: refunded.
	if w := serve(h, request("192.0.2.1:1")); w.Header().Get("RateLimit") != `"100-in-15min";r=99;t=900;pk=:`+partitionKey("ip:192.0.2.1")+`:` {
		t.Fatalf("second request: %s", w.Header().Get("RateLimit"))
	}
}

func TestSkipFunc(t *testing.T) {
	l := newLimiter(t, Config{
		Rate: Spec{Limit: 1, Window: time.Minute},
		Skip: func(r *http.Request) bool { return r.URL.Path == "/healthz" },
	})
	h := l.Handler(okHandler)
	for range 3 {
		r := request("192.0.2.1:1")
		r.URL.Path = "/healthz"
		if w := serve(h, r); w.Code != 200 || w.Header().Get("RateLimit") != "" {
			t.Fatalf("skipped request: %d %v", w.Code, w.Header())
		}
	}
	if w := serve(h, request("192.0.2.1:1")); w.Code != 200 {
		t.Fatalf("first counted request: %d", w.Code)
	}
}

func TestKeyByUserLimiter(t *testing.T) {
	l := newLimiter(t, Config{
		Rate: Spec{Limit: 1, Window: time.Minute},
		Key:  KeyByUser(func(r *http.Request) string { return r.Header.Get("X-Test-User") }, nil),
	})
	h := l.Handler(okHandler)
	alice := request("192.0.2.1:1")
	alice.Header.Set("X-Test-User", "alice")
	bob := request("192.0.2.1:1") // same address, other user
	bob.Header.Set("X-Test-User", "bob")
	for _, tc := range []struct {
		r    *http.Request
		want int
	}{{alice, 200}, {bob, 200}, {alice, 429}, {request("192.0.2.1:1"), 200}, {request("192.0.2.1:1"), 429}} {
		if w := serve(h, tc.r); w.Code != tc.want {
			t.Fatalf("user %q: got %d, want %d", tc.r.Header.Get("X-Test-User"), w.Code, tc.want)
		}
	}
}

// failingStore fails while down is set; otherwise it delegates.
type failingStore struct {
	Store
	down atomic.Bool
}

var errDown = errors.New("connection refused")

func (s *failingStore) Take(ctx context.Context, p Policy, key string, cost int64) (Result, error) {
	if s.down.Load() {
		return Result{}, errDown
	}
	return s.Store.Take(ctx, p, key, cost)
}

func TestStoreFailure(t *testing.T) {
	for _, failOpen := range []bool{false, true} {
		t.Run(map[bool]string{false: "fail-closed", true: "fail-open"}[failOpen], func(t *testing.T) {
			clock := newFakeClock()
			var logs bytes.Buffer
			store := &failingStore{Store: newMemStore(t, clock, 0)}
			l := newLimiter(t, Config{
				Rate:             Spec{Limit: 2, Window: time.Hour},
				Store:            store,
				FailOpen:         failOpen,
				ErrorLogInterval: time.Minute,
				Logger:           slog.New(slog.NewTextHandler(&logs, nil)),
				Clock:            clock.Now,
			})
			h := l.Handler(okHandler)
			serve(h, request("192.0.2.1:1"))
			store.down.Store(true)
			for range 100 {
				w := serve(h, request("192.0.2.1:1"))
				if failOpen && (w.Code != 200 || w.Header().Get("RateLimit") != "") {
					t.Fatalf("fail-open: got %d %v", w.Code, w.Header())
				}
				if !failOpen && (w.Code != 503 || w.Body.String() != `{"error":"Service temporarily unavailable"}`+"\n") {
					t.Fatalf("fail-closed: got %d %q", w.Code, w.Body.String())
				}
			}
			if n := strings.Count(logs.String(), "ratelimit: store failed"); n != 1 {
				t.Fatalf("logged %d store errors for 100 failures in one interval, want 1:\n%s", n, logs.String())
			}
			clock.Advance(time.Minute)
			serve(h, request("192.0.2.1:1"))
			if n := strings.Count(logs.String(), "ratelimit: store failed"); n != 2 || !strings.Contains(logs.String(), "suppressed=99") {
				t.Fatalf("next interval: want a second record counting 99 suppressed:\n%s", logs.String())
			}
			store.down.Store(false)
			for i, want := range []int{200, 429} {
				if w := serve(h, request("192.0.2.1:1")); w.Code != want {
					t.Fatalf("after recovery, request %d: got %d, want %d", i, w.Code, want)
				}
			}
			if n := strings.Count(logs.String(), "ratelimit: store recovered"); n != 1 {
				t.Fatalf("recovery logged %d times, want 1:\n%s", n, logs.String())
			}
			if strings.Contains(logs.String(), "192.0.2.1") {
				t.Fatal("the log names the client address")
			}
		})
	}
}

func TestAllowErrors(t *testing.T) {
	l := newLimiter(t, Config{FailOpen: true, Store: &failingStore{Store: newMemStore(t, nil, 0)}})
	if _, err := l.Allow(ctx, "k", 0); !errors.Is(err, errInvalidCost) {
		t.Errorf("cost 0: got %v", err)
	}
	l.cfg.Store.(*failingStore).down.Store(true)
	res, err := l.Allow(ctx, "k", 1)
	if !errors.Is(err, ErrStore) || !errors.Is(err, errDown) || !res.Allowed {
		t.Errorf("fail-open store error: got %+v, %v", res, err)
	}
}

// TestNewRejectsBadConfig lists every Config New refuses, with the exact
// message.
func TestNewRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   Config
		field string
		want  string
	}{
		{"limit", Config{Rate: Spec{Limit: -1, Window: time.Minute}}, "rate",
			`ratelimit: rate "-1/1m": limit must be an integer from 1 to 1000000000`},
		{"window", Config{Rate: Spec{Limit: 1, Window: time.Nanosecond}}, "rate",
			`ratelimit: rate "1/1ns": window out of range (1ms to 366d)`},
		{"zero window", Config{Rate: Spec{Limit: 5}}, "rate",
			`ratelimit: rate "5/0s": window out of range (1ms to 366d)`},
		{"algorithm", Config{Algorithm: "token-bucket"}, "algorithm",
			`ratelimit: algorithm "token-bucket": want "fixed-window" or "gcra"`},
		{"gcra interval", Config{Algorithm: GCRA, Rate: Spec{Limit: 1_000_000, Window: time.Millisecond}}, "rate",
			`ratelimit: rate "1000000/1ms": GCRA needs window/limit of at least 1µs; lower the limit or lengthen the window`},
		{"identifier", Config{Identifier: "bad\nname"}, "identifier",
			`ratelimit: identifier "bad\nname": want 1 to 64 printable ASCII characters`},
		{"identifier long", Config{Identifier: strings.Repeat("x", 65)}, "identifier",
			`ratelimit: identifier "` + strings.Repeat("x", 65) + `": want 1 to 64 printable ASCII characters`},
		{"prefix", Config{IPv6Prefix: 129}, "ipv6_prefix", `ratelimit: ipv6_prefix "129": want 1 to 128`},
		{"negative prefix", Config{IPv6Prefix: -8}, "ipv6_prefix", `ratelimit: ipv6_prefix "-8": want 1 to 128`},
		{"headers", Config{Headers: "draft-9"}, "headers",
			`ratelimit: headers "draft-9": want "draft-6", "draft-7", "draft-8", "draft-11" or "none"`},
		{"status", Config{Status: 200}, "status", `ratelimit: status "200": want 400 to 599: a refusal must be an error status`},
		{"interval", Config{ErrorLogInterval: -time.Second}, "error_log_interval",
			`ratelimit: error_log_interval "-1s": must not be negative; 0 means the default, 1m`},
		{"skips both outcomes", Config{SkipSuccessfulRequests: true, SkipFailedRequests: true}, "skip_failed_requests",
			`ratelimit: skip_failed_requests "true": together with skip_successful_requests every request is refunded and the limiter never limits; set only one (skip_successful_requests to count failures)`},
	} {
		_, err := New(tc.cfg)
		var ce *configerr.Error
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: got %v, want a ConfigError for %s", tc.name, err, tc.field)
			continue
		}
		if got := err.Error(); got != tc.want {
			t.Errorf("%s: message\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestConfigJSONAndDefaults(t *testing.T) {
	l := newLimiter(t, Config{})
	p := l.policy
	if p.Limit != 100 || p.Window != 15*time.Minute || p.Algorithm != FixedWindow || p.ID != "100-in-15min" {
		t.Fatalf("zero Config: got %+v", p)
	}
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{5, 15 * time.Minute}, "5-in-15min"},
		{Spec{10, time.Second}, "10-in-1s"},
		{Spec{1000, 24 * time.Hour}, "1000-in-1d"},
		{Spec{7, 2 * time.Hour}, "7-in-2h"},
		{Spec{3, 1500 * time.Millisecond}, "3-in-1500ms"},
	} {
		if got := defaultIdentifier(tc.spec); got != tc.want {
			t.Errorf("defaultIdentifier(%v) = %q, want %q", tc.spec, got, tc.want)
		}
	}
}

// TestLimiterExact: the whole middleware admits exactly L of N×M requests.
func TestLimiterExact(t *testing.T) {
	const n, m, limit = 8, 50, 97
	l := newLimiter(t, Config{Rate: Spec{Limit: limit, Window: time.Hour}})
	h := l.Handler(okHandler)
	srv := httptest.NewServer(h)
	defer srv.Close()
	var admitted, refused atomic.Int64
	done := make(chan struct{})
	for range n {
		go func() {
			defer func() { done <- struct{}{} }()
			for range m {
				resp, err := srv.Client().Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case 200:
					admitted.Add(1)
				case 429:
					refused.Add(1)
				}
			}
		}()
	}
	for range n {
		<-done
	}
	if admitted.Load() != limit || refused.Load() != n*m-limit {
		t.Fatalf("admitted %d, refused %d; want %d and %d", admitted.Load(), refused.Load(), limit, n*m-limit)
	}
}

func BenchmarkMiddleware(b *testing.B) {
	for _, style := range []string{headersNone, headersDraft7, headersDraft8} {
		b.Run(string(style), func(b *testing.B) {
			l := newLimiter(b, Config{Rate: Spec{Limit: maxLimit, Window: time.Hour}, Headers: style})
			h := l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := request("192.0.2.1:1")
				w := httptest.NewRecorder()
				for pb.Next() {
					clear(w.Header())
					h.ServeHTTP(w, r)
				}
			})
		})
	}
}

// TestHeaderValuesLongIdentifier: values longer than the preallocated
// buffer (a 64-byte identifier with escapes, every header style, legacy
// headers off and on) come out whole.
func TestHeaderValuesLongIdentifier(t *testing.T) {
	id := strings.Repeat(`a"\`, 21) + "z" // 64 bytes, 42 of them escaped
	name := `"` + strings.Repeat(`a\"\\`, 21) + `z"`
	pk := partitionKey("ip:203.0.113.7")
	clock := newFakeClock()
	reset := strconv.FormatInt(clock.Now().Add(15*time.Minute).Unix(), 10)
	for _, tc := range []struct {
		style string
		want  map[string][]string
	}{
		{headersDraft6, map[string][]string{
			"Ratelimit-Policy":    {"1000000000;w=900"},
			"Ratelimit-Limit":     {"1000000000"},
			"Ratelimit-Remaining": {"999999999"},
			"Ratelimit-Reset":     {"900"},
		}},
		{headersDraft7, map[string][]string{
			"Ratelimit-Policy": {"1000000000;w=900"},
			"Ratelimit":        {"limit=1000000000, remaining=999999999, reset=900"},
		}},
		{headersDraft8, map[string][]string{
			"Ratelimit-Policy": {name + ";q=1000000000;w=900;pk=:" + pk + ":"},
			"Ratelimit":        {name + ";r=999999999;t=900;pk=:" + pk + ":"},
		}},
		{headersDraft11, map[string][]string{
			"Ratelimit-Policy": {name + ";q=1000000000;w=900;pk=:" + pk + ":"},
			"Ratelimit":        {name + ";r=999999999;t=900;pk=:" + pk + ":"},
		}},
		{headersNone, map[string][]string{}},
	} {
		for _, legacy := range []bool{false, true} {
			t.Run(string(tc.style)+"/legacy="+strconv.FormatBool(legacy), func(t *testing.T) {
				l := newLimiter(t, Config{
					Rate:          Spec{Limit: maxLimit, Window: 15 * time.Minute},
					Identifier:    id,
					Headers:       tc.style,
					LegacyHeaders: legacy,
					Store:         newMemStore(t, clock, 0),
					Clock:         clock.Now,
				})
				w := serve(l.Handler(okHandler), request("203.0.113.7:1"))
				want := http.Header{}
				if legacy {
					want = http.Header{
						"X-Ratelimit-Limit":     {"1000000000"},
						"X-Ratelimit-Remaining": {"999999999"},
						"X-Ratelimit-Reset":     {reset},
					}
				}
				for k, v := range tc.want {
					want[k] = v
				}
				got := http.Header{}
				for k, v := range w.Header() {
					if strings.Contains(strings.ToLower(k), "ratelimit") {
						got[k] = v
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %q\nwant %q", got, want)
				}
			})
		}
	}
}

// TestSetHeadersValuesIndependent: the values of one response share one
// backing array, so appending to one header must not overwrite another.
func TestSetHeadersValuesIndependent(t *testing.T) {
	for _, style := range []string{headersDraft6, headersDraft7, headersDraft8, headersDraft11} {
		for _, legacy := range []bool{false, true} {
			l := newLimiter(t, Config{Headers: style, LegacyHeaders: legacy})
			h := http.Header{}
			l.setHeaders(h, "ip:192.0.2.1", nil, Result{Allowed: true, Limit: 100, Remaining: 99, Reset: time.Minute})
			before := map[string]string{}
			for k, v := range h {
				before[k] = v[0]
			}
			for k := range h {
				h[k] = append(h[k], "extra")
			}
			for k, v := range h {
				if len(v) != 2 || v[0] != before[k] || v[1] != "extra" {
					t.Errorf("%s, legacy %v: %s: got %q, want [%q extra]", style, legacy, k, v, before[k])
				}
			}
		}
	}
}

// TestSetHeadersAllocs: the headers of one response cost two allocations
// whatever the style, legacy headers included (none without headers): the
// block of value slices and the string of formatted values.
func TestSetHeadersAllocs(t *testing.T) {
	for _, style := range []string{headersDraft6, headersDraft7, headersDraft8, headersDraft11, headersNone} {
		for _, legacy := range []bool{false, true} {
			l := newLimiter(t, Config{Headers: style, LegacyHeaders: legacy})
			h := make(http.Header, 8)
			res := Result{Allowed: true, Limit: 100, Remaining: 99, Reset: time.Minute}
			got := testing.AllocsPerRun(200, func() {
				clear(h)
				l.setHeaders(h, "ip:192.0.2.1", nil, res)
			})
			want := 2.0
			if style == headersNone && !legacy {
				want = 0
			}
			if got != want {
				t.Errorf("%s, legacy %v: setHeaders allocates %.1f times, want %.0f", style, legacy, got, want)
			}
		}
	}
}

// TestHandlerAllocs: with the default Key, a returning client's
// admitted request costs its header values (two allocations) and nothing
// else.
func TestHandlerAllocs(t *testing.T) {
	for _, tc := range []struct {
		style string
		want  float64
	}{{headersNone, 0}, {headersDraft6, 2}, {headersDraft7, 2}, {headersDraft8, 2}, {headersDraft11, 2}} {
		l := newLimiter(t, Config{Rate: Spec{Limit: maxLimit, Window: time.Hour}, Headers: tc.style})
		h := l.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		r := request("[2001:db8::1]:1234")
		w := httptest.NewRecorder()
		got := testing.AllocsPerRun(200, func() {
			clear(w.Header())
			h.ServeHTTP(w, r)
		})
		if got != tc.want {
			t.Errorf("%s: %.1f allocations per request, want %.0f", tc.style, got, tc.want)
		}
	}
}

// TestDefaultKeyMatchesKeyByIP: the limiter's own key path gives the same
// keys and headers as keyByIP configured explicitly.
func TestDefaultKeyMatchesKeyByIP(t *testing.T) {
	for _, style := range []string{headersDraft8, headersDraft11, headersDraft7} {
		def := newLimiter(t, Config{Headers: style, IPv6Prefix: 48})
		explicit := newLimiter(t, Config{Headers: style, IPv6Prefix: 48, Key: keyByIP(48)})
		for _, remote := range []string{"192.0.2.1:1", "[::ffff:192.0.2.1]:1", "[2001:db8:1:2::3]:1", "[2001:db8:1:3::3]:1", "[fe80::1%eth0]:1", "garbage"} {
			for i := range 2 {
				gotW := serve(def.Handler(okHandler), request(remote))
				wantW := serve(explicit.Handler(okHandler), request(remote))
				if got, want := dumpHeaders(gotW.Header()), dumpHeaders(wantW.Header()); got != want {
					t.Errorf("%s %s #%d: got\n%s\nwant\n%s", style, remote, i, got, want)
				}
			}
		}
	}
}

// BenchmarkMiddlewareSkipFailed is the middleware with SkipFailedRequests,
// which watches the response's status to refund failures.
func BenchmarkMiddlewareSkipFailed(b *testing.B) {
	l := newLimiter(b, Config{Rate: Spec{Limit: maxLimit, Window: time.Hour}, Headers: headersNone, SkipFailedRequests: true})
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := request("192.0.2.1:1")
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
	})
}

// BenchmarkMiddlewareSkipFailedNested is BenchmarkMiddlewareSkipFailed
// behind an outer layer's writer wrapper, which the limiter reads the
// status from instead of wrapping again.
func BenchmarkMiddlewareSkipFailedNested(b *testing.B) {
	l := newLimiter(b, Config{Rate: Spec{Limit: maxLimit, Window: time.Hour}, Headers: headersNone, SkipFailedRequests: true})
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	r := request("192.0.2.1:1")
	w := httptest.NewRecorder()
	var outer statuswriter.Writer
	b.ReportAllocs()
	for b.Loop() {
		outer.Reset(w, nil)
		h.ServeHTTP(outer.ResponseWriter(), r)
	}
}
