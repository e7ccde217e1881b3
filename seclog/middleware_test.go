package seclog

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

func TestMiddlewareLogsEachDenialOnce(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantEvent string // "" = nothing logged
		wantCode  int
		wantSrc   string // details.source, or "" for a Rejection
	}{
		{"plain 401", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) }, EventAccessDenied, 401, "status"},
		{"plain 403", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }, EventAccessDenied, 403, "status"},
		{"plain 429", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }, secevent.RateLimited, 429, "status"},
		{"200", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }, "", 200, ""},
		{"implicit 200", func(w http.ResponseWriter, r *http.Request) {}, "", 200, ""},
		{"plain 404", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }, "", 404, ""},
		{"plain 500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, "", 500, ""},
		{"1xx then 403", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(403)
		}, EventAccessDenied, 403, "status"},
		{"403 then superfluous 200", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			w.WriteHeader(200)
		}, EventAccessDenied, 403, "status"},
		{"rejection 403 csrf", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: 403, Event: secevent.CSRFFailure})
		}, secevent.CSRFFailure, 403, ""},
		{"rejection 401 without event", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: 401, Message: "Unauthorized"})
		}, EventAccessDenied, 401, ""},
		{"rejection 429", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: 429})
		}, secevent.RateLimited, 429, ""},
		{"rejection 413", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: 413})
		}, secevent.ValidationFailed, 413, ""},
		{"rejection 404", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: 404})
		}, secevent.RequestRejected, 404, ""},
		{"two rejections in one request", func(w http.ResponseWriter, r *http.Request) {
			respond.Reject(w, r, &respond.Rejection{Status: 403, Event: secevent.CORSRejected})
			respond.Reject(w, r, &respond.Rejection{Status: 403, Event: secevent.CSRFFailure})
		}, secevent.CORSRejected, 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, buf := newTestLogger(t)
			rec := httptest.NewRecorder()
			l.Handler(tc.handler).ServeHTTP(rec, testRequest("GET", "/x"))
			if rec.Code != tc.wantCode && rec.Code != http.StatusEarlyHints { // the recorder keeps a 1xx
				t.Errorf("status = %d, want %d", rec.Code, tc.wantCode)
			}
			evs := buf.events(t)
			if tc.wantEvent == "" {
				if len(evs) != 0 {
					t.Fatalf("logged %d events, want none: %s", len(evs), buf.String())
				}
				return
			}
			if len(evs) != 1 {
				t.Fatalf("logged %d events, want exactly 1:\n%s", len(evs), buf.String())
			}
			ev := evs[0]
			if ev["event"] != tc.wantEvent {
				t.Errorf("event = %v, want %s", ev["event"], tc.wantEvent)
			}
			if ev["status"] != float64(tc.wantCode) {
				t.Errorf("status field = %v, want %d", ev["status"], tc.wantCode)
			}
			src, _ := ev["details"].(map[string]any)["source"].(string)
			if src != tc.wantSrc {
				t.Errorf("details.source = %q, want %q", src, tc.wantSrc)
			}
		})
	}
}

// responderFunc adapts a function to respond.Responder.
type responderFunc func(w http.ResponseWriter, r *http.Request, rej *respond.Rejection)

func (f responderFunc) Respond(w http.ResponseWriter, r *http.Request, rej *respond.Rejection) {
	f(w, r, rej)
}

func TestMiddlewareAndResponderLogOnce(t *testing.T) {
	refuse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, &respond.Rejection{Status: 403, Event: secevent.CSRFFailure, Err: errors.New("bad token")})
	})
	l, buf := newTestLogger(t)
	other, otherBuf := newTestLogger(t)
	custom := responderFunc(func(w http.ResponseWriter, r *http.Request, rej *respond.Rejection) {
		w.WriteHeader(rej.Status)
	})
	withResponder := func(resp respond.Responder, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(respond.WithResponder(r.Context(), resp)))
		})
	}
	stacks := map[string]http.Handler{
		"middleware alone":              l.Handler(refuse),
		"responder alone":               withResponder(Responder(nil, l), refuse),
		"responder outside middleware":  withResponder(Responder(respond.JSON{}, l), l.Handler(refuse)),
		"dev responder outside":         withResponder(Responder(respond.JSON{Development: true}, l), l.Handler(refuse)),
		"custom responder outside":      withResponder(Responder(custom, l), l.Handler(refuse)),
		"custom responder not wrapped":  withResponder(custom, l.Handler(refuse)),
		"responder wrapped twice":       withResponder(Responder(Responder(custom, l), l), refuse),
		"middleware twice":              l.Handler(l.Handler(refuse)),
		"responder inside middleware":   l.Handler(withResponder(Responder(custom, l), refuse)),
		"other logger's responder too":  withResponder(Responder(custom, other), l.Handler(refuse)),
		"middleware, plain 403 handler": l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) })),
	}
	for name, h := range stacks {
		t.Run(name, func(t *testing.T) {
			buf.b.Reset()
			otherBuf.b.Reset()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, testRequest("POST", "/api/contact"))
			if rec.Code != 403 {
				t.Errorf("status = %d, want 403", rec.Code)
			}
			if n := len(buf.lines(t)); n != 1 {
				t.Errorf("logged %d lines, want 1:\n%s", n, buf.String())
			}
			// Another logger keeps its own log and records the refusal there once.
			wantOther := 0
			if strings.HasPrefix(name, "other logger") {
				wantOther = 1
			}
			if n := len(otherBuf.lines(t)); n != wantOther {
				t.Errorf("other logger: %d lines, want %d", n, wantOther)
			}
		})
	}
}

func TestResponderUsesInnerAndKeepsBody(t *testing.T) {
	l, buf := newTestLogger(t)
	resp := Responder(respond.JSON{}, l)
	r := testRequest("POST", "/api/login")
	rec := httptest.NewRecorder()
	resp.Respond(rec, r, &respond.Rejection{Status: 401, Message: "Invalid credentials", Err: errors.New("no such user")})
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body["error"] != "Invalid credentials" || body["request_id"] != "0123456789abcdef0123456789abcdef" {
		t.Errorf("body = %v", body)
	}
	if _, ok := body["detail"]; ok {
		t.Errorf("production body shows the cause: %v", body)
	}
	ev := buf.events(t)[0]
	d := ev["details"].(map[string]any)
	if d["error"] != "no such user" || d["message"] != "Invalid credentials" {
		t.Errorf("details = %v", d)
	}
	if ev["request_id"] != body["request_id"] {
		t.Errorf("event request_id %v != body request_id %v", ev["request_id"], body["request_id"])
	}
	if Responder(nil, nil) == nil {
		t.Error("Responder(nil, nil) is nil")
	}
}

func TestMiddlewareUserAndClientIP(t *testing.T) {
	l, buf := newTestLogger(t, func(c *Config) {
		c.ClientIP = func(r *http.Request) netip.Addr { return netip.MustParseAddr("198.51.100.9") }
		c.UserID = func(r *http.Request) string { return "from-config" }
	})
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			SetUserID(r.Context(), "from-session")
		}
		w.WriteHeader(403)
	}))
	h.ServeHTTP(httptest.NewRecorder(), testRequest("GET", "/set"))
	h.ServeHTTP(httptest.NewRecorder(), testRequest("GET", "/unset"))
	evs := buf.events(t)
	if evs[0]["user_id"] != "from-session" || evs[1]["user_id"] != "from-config" {
		t.Errorf("user ids = %v, %v; want from-session, from-config", evs[0]["user_id"], evs[1]["user_id"])
	}
	if evs[0]["ip"] != "198.51.100.9" {
		t.Errorf("ip = %v, want the Config.ClientIP answer", evs[0]["ip"])
	}
	SetUserID(t.Context(), "no state: no effect, no panic")
}

// TestMiddlewareKeepsFlushAndUnwrap checks the writer wrapper with
// http.ResponseController and with the old interfaces: it has those of
// the recorder it wraps, and no others.
func TestMiddlewareKeepsFlushAndUnwrap(t *testing.T) {
	l, _ := newTestLogger(t)
	rec := httptest.NewRecorder()
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(http.Flusher); !ok {
			t.Error("wrapped writer is not an http.Flusher")
		}
		if _, ok := w.(io.ReaderFrom); ok {
			// The recorder has no ReadFrom: the wrapper must not claim one.
			t.Error("wrapped writer is an io.ReaderFrom, the recorder is not")
		}
		rc := http.NewResponseController(w)
		if err := rc.Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
		if err := rc.SetWriteDeadline(time.Now().Add(time.Second)); !errors.Is(err, http.ErrNotSupported) {
			// httptest.ResponseRecorder has no deadlines: the error proves
			// the controller reached it through Unwrap.
			t.Errorf("SetWriteDeadline = %v, want ErrNotSupported from the recorder", err)
		}
		if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() != http.ResponseWriter(rec) {
			t.Error("Unwrap does not return the underlying writer")
		}
		if _, err := io.Copy(w, strings.NewReader("body")); err != nil {
			t.Error(err)
		}
	}))
	h.ServeHTTP(rec, testRequest("GET", "/"))
	if !rec.Flushed || rec.Body.String() != "body" {
		t.Errorf("flushed=%v body=%q", rec.Flushed, rec.Body.String())
	}
}

// TestMiddlewareDoesNotBuffer streams through a real server: the client
// reads the first chunk while the handler still waits.
func TestMiddlewareDoesNotBuffer(t *testing.T) {
	l, _ := newTestLogger(t)
	release := make(chan struct{})
	srv := httptest.NewServer(l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "first\n")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		<-release
		_, _ = io.WriteString(w, "second\n")
	})))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		close(release)
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	close(release)
	if err != nil || line != "first\n" {
		t.Fatalf("first chunk = %q, %v", line, err)
	}
}

func TestNilLogger(t *testing.T) {
	var l *Logger
	l.Record(testRequest("GET", "/"), Event{Name: EventAccessDenied})
	l.Log(t.Context(), Event{Name: secevent.ConfigWarning})
	if err := l.Reopen(); err != nil {
		t.Error(err)
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
	l.ReopenOnSignal()()
	next := http.NotFoundHandler()
	if got := l.Handler(next); got == nil {
		t.Error("nil logger middleware is nil")
	}
	if l.Slog() == nil || l.Slog().Handler() == nil {
		t.Error("nil logger Slog/Handler is nil")
	}
}
