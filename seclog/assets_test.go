package seclog

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/harden-go/harden/respond"
)

func TestRoutineNotFound(t *testing.T) {
	tests := []struct {
		method, path string
		want         bool
	}{
		{"GET", "/favicon.ico", true},
		{"HEAD", "/robots.txt", true},
		{"GET", "/apple-touch-icon.png", true},
		{"GET", "/apple-touch-icon-precomposed.png", true},
		{"GET", "/apple-touch-icon-120x120.png", true},
		{"GET", "/apple-touch-icon-152x152-precomposed.png", true},
		{"GET", "/sitemap.xml", true},
		{"POST", "/favicon.ico", false},
		{"GET", "/admin/favicon.ico", false},
		{"GET", "/favicon.ico.php", false},
		{"GET", "/apple-touch-icon-../../etc.png", false},
		{"GET", "/apple-touch-icon-1x.png", false},
		{"GET", "/apple-touch-icon-99999x1.png", false},
		{"GET", "/.env", false},
		{"GET", "/wp-login.php", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "http://example.com"+tt.path, nil)
		if got := routineNotFound(r); got != tt.want {
			t.Errorf("routineNotFound(%s %s): got %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestAssetNotFoundNotLogged: a 404 for /favicon.ico is answered as
// before but logged (and observed) not at all; a 404 for /.env still is.
func TestAssetNotFoundNotLogged(t *testing.T) {
	var buf bytes.Buffer
	obs := &countingObserver{}
	l, err := New(Config{Writer: &buf, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusNotFound, Message: "Not found"})
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/favicon.ico", nil))
	if w.Code != http.StatusNotFound || w.Body.String() != `{"error":"Not found"}`+"\n" {
		t.Errorf("favicon: got %d %q, want 404 {\"error\":\"Not found\"}", w.Code, w.Body)
	}
	if buf.Len() != 0 || obs.n != 0 {
		t.Errorf("favicon 404 logged: %q, observed %d times", buf.String(), obs.n)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/.env", nil))
	if !bytes.Contains(buf.Bytes(), []byte(`"event":"request_rejected"`)) || obs.n != 1 {
		t.Errorf("/.env 404 not logged once: %q, observed %d times", buf.String(), obs.n)
	}
}

type countingObserver struct{ n int }

func (c *countingObserver) ObserveEvent(*http.Request, string, int) { c.n++ }

// FuzzRoutineNotFound: whatever the path, only root names without a
// dot-dot or a second slash qualify.
func FuzzRoutineNotFound(f *testing.F) {
	for _, p := range []string{"/favicon.ico", "/apple-touch-icon-57x57.png", "/apple-touch-icon-x.png", "/a/robots.txt", "/%2e%2e"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: p}}
		if routineNotFound(r) && (strings.Count(p, "/") != 1 || strings.Contains(p, "..") || !strings.HasPrefix(p, "/")) {
			t.Errorf("routineNotFound(%q) is true", p)
		}
	})
}
