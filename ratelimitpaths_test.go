package harden

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/harden-go/harden/ratelimit"
)

// TestRateLimitPathsIgnoreCase: the general limit's path prefixes match
// whatever the case of ASCII letters, so /API/login cannot escape a limit
// on /api/ in front of a router that ignores case; other paths are neither
// counted nor refused.
func TestRateLimitPathsIgnoreCase(t *testing.T) {
	stack, err := New(Config{
		Development: true,
		RateLimit:   RateLimitConfig{Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 2, Window: time.Hour}}, Paths: []string{"/api/"}},
		SecurityLog: discardLog,
	})
	if err != nil {
		t.Fatal(err)
	}
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	tests := []struct {
		path   string
		status int
	}{
		{"/api/a", 200},
		{"/other", 200},      // not under /api/: not counted
		{"/\u212api/x", 200}, // a Kelvin sign is not an ASCII k: not the prefix
		{"/ap", 200},         // shorter than the prefix
		{"/API/login", 200},  // the second request of the quota
		{"/Api/login", 429},  // the quota is spent whatever the case
		{"/aPI/", 429},
		{"/other", 200},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "http://localhost"+tt.path, nil)
		r.RemoteAddr = "192.0.2.1:1234"
		h.ServeHTTP(w, r)
		if w.Code != tt.status {
			t.Errorf("GET %s: got %d %q, want %d", tt.path, w.Code, w.Body.String(), tt.status)
		}
	}
}

// TestRateLimitPathsAsRouted: the general limit's prefixes match the path
// as routers resolve it, so a spelling that the application behind routes
// under /api/ ("//api/", "/x/../api/", a servlet container's "/api;v=1/")
// is counted under /api/; a dot segment hidden behind a path parameter,
// which routers read differently, is counted under every prefix.
func TestRateLimitPathsAsRouted(t *testing.T) {
	for _, path := range []string{"//api/login", "/x/../api/login", "/api;v=1/login", "/static/..;/api/login", "/API;x/login"} {
		t.Run(path, func(t *testing.T) {
			stack, err := New(Config{
				Development: true,
				RateLimit:   RateLimitConfig{Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 1, Window: time.Hour}}, Paths: []string{"/api/"}},
				SecurityLog: discardLog,
			})
			if err != nil {
				t.Fatal(err)
			}
			reached := 0
			h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached++
				_, _ = w.Write([]byte("ok"))
			}))
			for i, want := range []int{200, 429, 200} {
				target := path
				if i == 2 {
					target = "/other" // not under /api/: neither counted nor refused
				}
				w := httptest.NewRecorder()
				r := httptest.NewRequest("GET", "http://localhost/", nil)
				r.URL.Path, r.RemoteAddr = target, "192.0.2.1:1234"
				h.ServeHTTP(w, r)
				if w.Code != want {
					t.Fatalf("request %d, GET %s: got %d %q, want %d", i+1, target, w.Code, w.Body.String(), want)
				}
			}
			if reached != 2 {
				t.Errorf("the handler ran %d times, want 2 (the refused request must not reach it)", reached)
			}
		})
	}
}

func TestHasPrefixFold(t *testing.T) {
	tests := []struct {
		s, prefix string
		want      bool
	}{
		{"/api/x", "/api/", true},
		{"/API/x", "/api/", true},
		{"/api/x", "/API/", true},
		{"/ap", "/api/", false},
		{"/apx/", "/api/", false},
		{"/\u212a", "/k", false},
		{"", "", true},
		{"/[", "/{", false}, // '[' is 'Z'+1, '{' is 'z'+1: not letters
	}
	for _, tt := range tests {
		if got := hasPrefixFold(tt.s, tt.prefix); got != tt.want {
			t.Errorf("hasPrefixFold(%q, %q) = %v, want %v", tt.s, tt.prefix, got, tt.want)
		}
	}
}
