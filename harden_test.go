package harden

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/respond"
)

// securityHeaders are the helmet-parity headers every response must carry
// (HSTS only over HTTPS, so not over httptest's plain HTTP).
var securityHeaders = map[string]string{
	"Content-Security-Policy":           "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
	"Cross-Origin-Opener-Policy":        "same-origin",
	"Cross-Origin-Resource-Policy":      "same-origin",
	"Origin-Agent-Cluster":              "?1",
	"Referrer-Policy":                   "no-referrer",
	"X-Content-Type-Options":            "nosniff",
	"X-Dns-Prefetch-Control":            "off",
	"X-Download-Options":                "noopen",
	"X-Frame-Options":                   "SAMEORIGIN",
	"X-Permitted-Cross-Domain-Policies": "none",
	"X-Xss-Protection":                  "0",
}

func testMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		if _, err := io.ReadAll(r.Body); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				respond.Error(w, r, http.StatusRequestEntityTooLarge, "", "Request body too large")
				return
			}
		}
		io.WriteString(w, "stored")
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("secret internals /srv/db.sqlite")
	})
	return mux
}

func TestHeadersOnEveryResponse(t *testing.T) {
	stack, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(stack.Handler(testMux()))
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	tests := []struct {
		method, path, body string
		wantStatus         int
		wantBody           string
	}{
		{"GET", "/ok", "", 200, "ok"},
		{"GET", "/redirect", "", 302, ""},
		{"GET", "/missing", "", 404, "404 page not found\n"},
		{"DELETE", "/ok", "", 405, "Method Not Allowed\n"},
		{"POST", "/upload", strings.Repeat("x", 100), 413, `{"error":"Request body too large"}` + "\n"},
		{"GET", "/panic", "", 500, `{"error":"Internal server error"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != 302 && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			for k, want := range securityHeaders {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if v := resp.Header.Get("X-Powered-By"); v != "" {
				t.Errorf("X-Powered-By = %q", v)
			}
		})
	}
}

func TestDevelopmentResponder(t *testing.T) {
	stack, err := New(Config{Development: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, &respond.Rejection{Status: 400, Message: "Bad request", Err: errors.New("field x: want int")})
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got, want := w.Body.String(), `{"error":"Bad request","detail":"field x: want int"}`+"\n"; got != want {
		t.Errorf("development body = %q, want %q", got, want)
	}
	prod, _ := New(Config{Logger: slog.New(slog.DiscardHandler)})
	w = httptest.NewRecorder()
	prod.Handler(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	// The inner (development) stack's responder is the nearest: it wins.
	if !strings.Contains(w.Body.String(), "detail") {
		t.Errorf("nested stacks: body = %q", w.Body.String())
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{Headers: headers.Config{FrameOptions: "ALLOW-FROM x"}})
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("err = %v, want ErrConfig", err)
	}
	var ce *headers.ConfigError
	if !errors.As(err, &ce) || ce.Field != "FrameOptions" {
		t.Errorf("err = %v, want a headers.ConfigError for FrameOptions", err)
	}
}

func BenchmarkStack(b *testing.B) {
	stack, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	hdr := http.Header{}
	w := &benchWriter{h: hdr}
	b.ReportAllocs()
	for b.Loop() {
		clear(hdr)
		h.ServeHTTP(w, r)
	}
}

type benchWriter struct{ h http.Header }

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(int)             {}
