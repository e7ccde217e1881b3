package app

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/ratelimit"
)

// apiRequest sends GET path from client to h as a development browser on
// localhost would.
func apiRequest(h http.Handler, method, path, client string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://localhost:3000"+path, nil)
	r.RemoteAddr = net.JoinHostPort(client, "5000")
	r.Header.Set("X-Request-ID", testID)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestAPILimit: every /api/ response carries the general limiter's
// headers, other paths none; past the limit the answer is the exact 429
// with Retry-After, and the security log records it.
func TestAPILimit(t *testing.T) {
	a, log := newLoggedApp(t, Config{Development: true, APILimit: ratelimit.Spec{Limit: 3, Window: time.Minute}})
	const client = "192.0.2.10"
	pk := partitionKey("ip:" + client)
	for i := range 4 {
		if w := apiRequest(a.Handler(), "GET", "/healthz", client); w.Code != 200 || w.Header().Get("RateLimit") != "" {
			t.Fatalf("/healthz %d: %d, RateLimit %q", i, w.Code, w.Header().Get("RateLimit"))
		}
	}
	for i := range 3 {
		w := apiRequest(a.Handler(), "GET", "/api/nope", client)
		if w.Code != 404 {
			t.Fatalf("/api request %d: status %d, want 404 (counted, then routed)", i, w.Code)
		}
		if got, want := w.Header().Get("RateLimit-Policy"), `"api";q=3;w=60;pk=:`+pk+`:`; got != want {
			t.Errorf("RateLimit-Policy = %q, want %q", got, want)
		}
		if got, want := w.Header().Get("RateLimit"), fmt.Sprintf(`"api";r=%d;t=60;pk=:%s:`, 2-i, pk); got != want {
			t.Errorf("RateLimit = %q, want %q", got, want)
		}
	}
	w := apiRequest(a.Handler(), "GET", "/api/nope", client)
	if got, want := w.Body.String(), `{"error":"Too many requests, please try again later.","request_id":"test-req-1"}`+"\n"; w.Code != 429 || got != want {
		t.Errorf("past the limit: %d %q, want 429 %q", w.Code, got, want)
	}
	if got := w.Header().Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After = %q, want 60", got)
	}
	if got, want := w.Header().Get("RateLimit"), `"api";r=0;t=60;pk=:`+pk+`:`; got != want {
		t.Errorf("RateLimit = %q, want %q", got, want)
	}
	if w.Header().Get("Content-Security-Policy") == "" {
		t.Error("the 429 lacks the security headers")
	}
	// Another client has its own quota.
	if w := apiRequest(a.Handler(), "GET", "/api/nope", "192.0.2.11"); w.Code != 404 {
		t.Errorf("another client: status %d, want 404", w.Code)
	}
	var limited int
	for _, ev := range log.events(t) {
		if ev["event"] == "rate_limited" {
			limited++
			if ev["ip"] != client || ev["status"] != float64(429) || ev["request_id"] != testID || ev["path"] != "/api/nope" {
				t.Errorf("rate_limited event = %v", ev)
			}
		}
	}
	if limited != 1 {
		t.Errorf("%d rate_limited events, want 1:\n%s", limited, log.String())
	}
}

// TestAuthLimit: the auth limiter, as the stack puts it in front of the
// login and registration routes, refuses the sixth failed attempt in 15
// minutes and does not count successful ones. It is called directly
// (behind the stack's edge only, for the request id), since the stack
// installs it on those two routes only, behind CSRF.
func TestAuthLimit(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	if a.authLimit == nil {
		t.Fatal("the stack installed no login limiter")
	}
	edge, err := harden.New(harden.Config{Development: true, SecurityLog: discardLog})
	if err != nil {
		t.Fatal(err)
	}
	h := edge.Handler(a.authLimit.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("password") != "right" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})))
	const client = "192.0.2.20"
	try := func(password string) int {
		return apiRequest(h, "POST", "/test/login?password="+password, client).Code
	}
	for i := range 10 {
		if got := try("right"); got != 200 {
			t.Fatalf("success %d: status %d, want 200 (successes are not counted)", i, got)
		}
	}
	for i := range 5 {
		if got := try("wrong"); got != 401 {
			t.Fatalf("failure %d: status %d, want 401", i, got)
		}
	}
	w := apiRequest(h, "POST", "/test/login?password=right", client)
	if got, want := w.Body.String(), `{"error":"Too many requests, please try again later.","request_id":"test-req-1"}`+"\n"; w.Code != 429 || got != want {
		t.Errorf("after 5 failures: %d %q, want 429 %q", w.Code, got, want)
	}
	if got := w.Header().Get("Retry-After"); got != "900" {
		t.Errorf("Retry-After = %q, want 900", got)
	}
	if got := apiRequest(h, "POST", "/test/login?password=right", "192.0.2.21").Code; got != 200 {
		t.Errorf("another client: status %d, want 200", got)
	}
}

// TestRedisSharedLimit: two instances sharing one Redis admit exactly the
// limit together, under concurrent requests split between them.
func TestRedisSharedLimit(t *testing.T) {
	url := testenv.RedisURL(t)
	const limit = 7
	cfg := Config{Development: true, RedisURL: url, APILimit: ratelimit.Spec{Limit: limit, Window: time.Hour}}
	apps := []*App{newTestApp(t, cfg), newTestApp(t, cfg)}
	// A client address of its own for this run: counters of earlier runs
	// in the same Redis do not count.
	var b [8]byte
	_, _ = rand.Read(b[:])
	client := netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], 0, 0, 0, 1}).String()

	var admitted, limited atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5 {
				switch code := apiRequest(apps[(g+i)%2].Handler(), "GET", "/api/nope", client).Code; code {
				case 404:
					admitted.Add(1)
				case 429:
					limited.Add(1)
				default:
					t.Errorf("status %d", code)
				}
			}
		})
	}
	wg.Wait()
	if got := admitted.Load(); got != limit {
		t.Errorf("admitted %d requests across both instances, want exactly %d", got, limit)
	}
	if got := limited.Load(); got != 40-limit {
		t.Errorf("limited %d, want %d", got, 40-limit)
	}
	// The auth limiter shares the store but not the counters.
	if got := apiRequest(apps[0].Handler(), "GET", "/healthz", client).Code; got != 200 {
		t.Errorf("/healthz: %d", got)
	}
}

func TestRedisRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "redis://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	tests := []struct {
		url, want string
	}{
		{closed, "HARDEN_REDIS_URL: Redis does not answer: redisstore: "},
		{"http://user:hunter2@127.0.0.1:6379", "HARDEN_REDIS_URL: redisstore: invalid Redis URL"},
	}
	for _, tt := range tests {
		_, err := New(Config{Development: true, RedisURL: tt.url, SecurityLog: discardLog, DataDir: t.TempDir()})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("New with %q: %v, want an error starting %q", tt.url, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestLimitConfigRefused(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{Development: true, APILimit: ratelimit.Spec{Limit: -1, Window: time.Minute}}, "HARDEN_API_LIMIT: "},
		{Config{Development: true, AuthLimit: ratelimit.Spec{Limit: 5, Window: time.Microsecond}}, "HARDEN_AUTH_LIMIT: "},
	}
	for _, tt := range tests {
		tt.cfg.SecurityLog = discardLog
		tt.cfg.DataDir = t.TempDir()
		if _, err := New(tt.cfg); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error starting %q", tt.cfg, err, tt.want)
		}
	}
}

// partitionKey is the partition key ("pk") a limiter's draft-8 and
// draft-11 headers carry for key: the first 12 bytes of SHA-256(key), in
// standard base64.
func partitionKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return base64.StdEncoding.EncodeToString(sum[:12])
}
