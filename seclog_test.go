package harden

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/clientctx"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/seclog"
)

// logBuffer collects security-log lines.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// events decodes every line; each must be one JSON object.
func (l *logBuffer) events(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	out := l.b.String()
	l.mu.Unlock()
	var evs []map[string]any
	for line := range strings.SplitSeq(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not one JSON object: %v\n%s", err, line)
		}
		evs = append(evs, m)
	}
	return evs
}

// newLogged builds a stack whose security log is returned.
func newLogged(t *testing.T, cfg Config) (*Stack, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	sec, err := seclog.New(seclog.Config{Writer: buf, Service: "test",
		Clock: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.SecurityLog = sec
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, buf
}

// TestDenialLogLine checks the whole line of a denial: the trusted client
// address (behind a proxy), the request id the client also sees, the
// status and the event — for a refusal of a layer and for a 403 a handler
// writes by itself.
func TestDenialLogLine(t *testing.T) {
	stack, buf := newLogged(t, Config{PublicURL: "https://example.com", ClientIP: clientip.Config{TrustedHops: 1}})
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden) // not through the responder
	}))
	tests := []struct {
		name, host string
		wantStatus int
		wantLine   string
	}{
		{"host refused by the stack", "evil.example", 421,
			`{"time":"2026-01-02T03:04:05Z","level":"WARN","event":"host_rejected","success":false,"ip":"203.0.113.7","user_agent":"agent/1","user_id":"","method":"GET","path":"/a","status":421,"request_id":"test-req-1","service":"test","details":{"message":"Misdirected request","error":"allowedhosts: host not allowed"}}`},
		{"403 written by the handler", "example.com", 403,
			`{"time":"2026-01-02T03:04:05Z","level":"WARN","event":"access_denied","success":false,"ip":"203.0.113.7","user_agent":"agent/1","user_id":"","method":"GET","path":"/a","status":403,"request_id":"test-req-1","service":"test","details":{"source":"status"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			buf.b.Reset()
			r := httptest.NewRequest("GET", "http://"+tt.host+"/a?token=secret", nil)
			r.RemoteAddr = "10.0.0.1:5000"
			r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
			r.Header.Set("X-Forwarded-Proto", "https")
			r.Header.Set("X-Request-ID", testID)
			r.Header.Set("User-Agent", "agent/1")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := strings.TrimSuffix(buf.b.String(), "\n"); got != tt.wantLine {
				t.Errorf("log line:\n got %s\nwant %s", got, tt.wantLine)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	stack, err := New(quiet(Config{Development: true}))
	if err != nil {
		t.Fatal(err)
	}
	h := stack.Handler(http.NotFoundHandler())
	tests := []struct {
		name     string
		incoming []string
		keep     bool
	}{
		{"none", nil, false},
		{"well-formed", []string{"01HZX3-abc.def:9"}, true},
		{"with a space", []string{"a b"}, false},
		{"with a quote", []string{`a"b`}, false},
		{"too long", []string{strings.Repeat("a", 65)}, false},
		{"two of them", []string{"a", "b"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://localhost/", nil)
			r.Header["X-Request-Id"] = tt.incoming
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			got := w.Header().Values("X-Request-ID")
			if len(got) != 1 {
				t.Fatalf("X-Request-ID = %q, want one value", got)
			}
			if tt.keep && got[0] != tt.incoming[0] {
				t.Errorf("X-Request-ID = %q, want the incoming %q", got[0], tt.incoming[0])
			}
			if !tt.keep && (len(got[0]) != 32 || strings.Trim(got[0], "0123456789abcdef") != "") {
				t.Errorf("X-Request-ID = %q, want a new 32-hex-digit id", got[0])
			}
		})
	}
}

// TestPanicLoggedOnce: a panic answered with a 500 is logged once, by the
// security log, with the value and the stack; the operational log gets
// nothing. A panic after the response started is logged once and aborts.
func TestPanicLoggedOnce(t *testing.T) {
	var ops strings.Builder
	buf := &logBuffer{}
	sec, err := seclog.New(seclog.Config{Writer: buf, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	stack, err := New(Config{Development: true, SecurityLog: sec, Logger: slog.New(slog.NewTextHandler(&ops, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/late" {
			_, _ = io.WriteString(w, "partial")
		}
		panic(errors.New("open /srv/app/secret.db: permission denied"))
	}))

	r := httptest.NewRequest("GET", "http://localhost/boom", nil)
	r.Header.Set("X-Request-ID", testID)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	// Development shows 4xx causes, never a 5xx one.
	if got, want := w.Body.String(), `{"error":"Internal server error","request_id":"test-req-1"}`+"\n"; w.Code != 500 || got != want {
		t.Errorf("got %d %q, want 500 %q", w.Code, got, want)
	}
	if got := w.Header().Get("Content-Security-Policy"); got == "" {
		t.Error("the 500 lacks the security headers")
	}
	evs := buf.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1: %v", len(evs), evs)
	}
	checkPanicEvent(t, evs[0], 500, false)

	buf.b.Reset()
	r = httptest.NewRequest("GET", "http://localhost/late", nil)
	r.Header.Set("X-Request-ID", testID)
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), r)
		t.Error("no abort reached the server")
	}()
	evs = buf.events(t)
	if len(evs) != 1 {
		t.Fatalf("%d events after a late panic, want 1: %v", len(evs), evs)
	}
	checkPanicEvent(t, evs[0], 200, true)
	if ops.Len() != 0 {
		t.Errorf("operational log got a copy: %s", ops.String())
	}

	// http.ErrAbortHandler is net/http's deliberate abort: passed through,
	// not logged.
	buf.b.Reset()
	abort := stack.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	func() {
		defer func() { _ = recover() }()
		abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "http://localhost/", nil))
	}()
	if evs := buf.events(t); len(evs) != 0 {
		t.Errorf("ErrAbortHandler was logged: %v", evs)
	}
}

func checkPanicEvent(t *testing.T, ev map[string]any, status float64, aborted bool) {
	t.Helper()
	if ev["event"] != "panic" || ev["level"] != "ERROR" || ev["status"] != status || ev["request_id"] != testID {
		t.Errorf("event = %v", ev)
	}
	details, _ := ev["details"].(map[string]any)
	perr, _ := details["error"].(map[string]any)
	if perr["panic"] != "open /srv/app/secret.db: permission denied" {
		t.Errorf("details.error.panic = %v", perr["panic"])
	}
	if stack, _ := perr["stack"].(string); !strings.Contains(stack, "seclog_test.go") {
		t.Errorf("details.error.stack lacks the panicking frame: %q", stack)
	}
	if got, _ := details["aborted"].(bool); got != aborted {
		t.Errorf("details.aborted = %v, want %v", got, aborted)
	}
}

// TestRateLimitOnPaths: the general limiter counts only its paths, sends
// the standard headers there, and its 429 is logged as rate_limited.
func TestRateLimitOnPaths(t *testing.T) {
	stack, buf := newLogged(t, Config{PublicURL: "https://example.com", RateLimit: RateLimitConfig{
		Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 2, Window: time.Minute}, Identifier: "api"},
		Paths:  []string{"/api/"},
	}})
	if stack.RateLimiter() == nil {
		t.Fatal("RateLimiter() = nil with a rate set")
	}
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	do := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "https://example.com"+path, nil)
		r.RemoteAddr = "192.0.2.9:5000"
		r.Header.Set("X-Request-ID", testID)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	for i := range 5 {
		if w := do("/static/x"); w.Code != 200 || w.Header().Get("RateLimit") != "" {
			t.Fatalf("request %d outside the paths: %d, RateLimit %q", i, w.Code, w.Header().Get("RateLimit"))
		}
	}
	for i, wantRemaining := range []string{"1", "0"} {
		w := do("/api/x")
		if w.Code != 200 {
			t.Fatalf("request %d: status %d", i, w.Code)
		}
		if got := w.Header().Get("RateLimit-Policy"); got != `"api";q=2;w=60;pk=:`+partitionKey("ip:192.0.2.9")+`:` {
			t.Errorf("RateLimit-Policy = %q", got)
		}
		if got := w.Header().Get("RateLimit"); !strings.Contains(got, ";r="+wantRemaining+";") {
			t.Errorf("RateLimit = %q, want r=%s", got, wantRemaining)
		}
	}
	w := do("/api/x")
	if got, want := w.Body.String(), `{"error":"Too many requests, please try again later.","request_id":"test-req-1"}`+"\n"; w.Code != 429 || got != want {
		t.Errorf("got %d %q, want 429 %q", w.Code, got, want)
	}
	if ra := w.Header().Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		t.Error("the 429 lacks the security headers")
	}
	evs := buf.events(t)
	if len(evs) != 1 || evs[0]["event"] != "rate_limited" || evs[0]["status"] != float64(429) || evs[0]["ip"] != "192.0.2.9" {
		t.Errorf("events = %v, want one rate_limited 429 for 192.0.2.9", evs)
	}
}

func TestRateLimitConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  RateLimitConfig
		want error
	}{
		{"paths without a rate", RateLimitConfig{Paths: []string{"/api/"}}, errRateLimitRate},
		{"store without a rate", RateLimitConfig{Config: ratelimit.Config{FailOpen: true}}, errRateLimitRate},
		{"relative path", RateLimitConfig{Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 1, Window: time.Second}}, Paths: []string{"api/"}}, errInvalidPath},
		{"bad rate", RateLimitConfig{Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: -1, Window: time.Second}}}, ratelimit.ErrInvalidConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(quiet(Config{PublicURL: "https://example.com", RateLimit: tt.cfg}))
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrConfig) {
				t.Errorf("err = %v, want %v wrapped with ErrConfig", err, tt.want)
			}
		})
	}
	s, err := New(quiet(Config{PublicURL: "https://example.com"}))
	if err != nil || s.RateLimiter() != nil {
		t.Errorf("zero RateLimit: %v, limiter %v; want no limiter", err, s.RateLimiter())
	}
	var cfg Config
	if err := json.Unmarshal([]byte(`{"rate_limit":{"rate":"100/15m","headers":"draft-7","paths":["/api/"]}}`), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.RateLimit.Rate != (ratelimit.Spec{Limit: 100, Window: 15 * time.Minute}) || cfg.RateLimit.Headers != "draft-7" || cfg.RateLimit.Paths[0] != "/api/" {
		t.Errorf("JSON rate_limit = %+v", cfg.RateLimit)
	}
}

// TestDefaultSecurityLogClientIP: the security log the stack makes itself
// reads the client address through the stack's resolver, also for a
// request that did not pass through the stack.
func TestDefaultSecurityLogClientIP(t *testing.T) {
	stack, err := New(Config{PublicURL: "https://example.com", ClientIP: clientip.Config{TrustedHops: 1}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if stack.SecurityLog() == nil {
		t.Fatal("no default security log")
	}
	r := httptest.NewRequest("GET", "https://example.com/", nil)
	r.RemoteAddr = "10.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "6.6.6.6, 203.0.113.7")
	if got := stack.clientAddr(r).String(); got != "203.0.113.7" {
		t.Errorf("outside the stack: %s, want 203.0.113.7", got)
	}
	r = r.WithContext(context.WithValue(r.Context(), clientctx.Key{}, clientip.Info{Addr: netip.MustParseAddr("198.51.100.1")}))
	if got := stack.clientAddr(r).String(); got != "198.51.100.1" {
		t.Errorf("inside the stack: %s, want the resolved 198.51.100.1", got)
	}
	direct, err := New(quiet(Config{Development: true}))
	if err != nil {
		t.Fatal(err)
	}
	r = httptest.NewRequest("GET", "http://localhost/", nil)
	r.RemoteAddr = "192.0.2.5:5000"
	r.Header.Set("X-Forwarded-For", "6.6.6.6")
	if got := direct.clientAddr(r).String(); got != "192.0.2.5" {
		t.Errorf("no proxy trusted: %s, want the peer 192.0.2.5", got)
	}
}

// ExampleRateLimitConfig turns on the general rate limit for the API only,
// and sends the security log to a writer of one's choice.
func ExampleRateLimitConfig() {
	sec, err := seclog.New(seclog.Config{Writer: io.Discard}) // a file: seclog.Config{Path: ...}
	if err != nil {
		panic(err)
	}
	stack, err := New(Config{
		PublicURL: "https://example.com",
		RateLimit: RateLimitConfig{
			Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 100, Window: 15 * time.Minute}, Identifier: "api"},
			Paths:  []string{"/api/"},
		},
		SecurityLog: sec,
	})
	if err != nil {
		panic(err)
	}
	h := stack.Handler(http.NotFoundHandler())
	for _, path := range []string{"/api/items", "/about"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "https://example.com"+path, nil))
		policy, _, _ := strings.Cut(w.Header().Get("RateLimit-Policy"), ";pk=")
		fmt.Printf("%s: %q\n", path, policy)
	}
	// Output:
	// /api/items: "\"api\";q=100;w=900"
	// /about: ""
}

// partitionKey is the partition key ("pk") a limiter's draft-8 and
// draft-11 headers carry for key: the first 12 bytes of SHA-256(key), in
// standard base64.
func partitionKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.StdEncoding.EncodeToString(sum[:12])
}
