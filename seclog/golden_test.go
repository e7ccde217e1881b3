package seclog

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// panicErr stands for the error the recovery layer hands over: its
// LogValue carries the panic value and the stack.
type panicErr struct {
	value any
	stack string
}

func (e *panicErr) Error() string { return "handler panicked" }

func (e *panicErr) LogValue() slog.Value {
	return slog.GroupValue(slog.Any("panic", e.value), slog.String("stack", e.stack))
}

// blockedErr stands for an ssrf refusal: a LogValuer wrapped in another
// error, as http.Client wraps it in *url.Error.
type blockedErr struct{}

func (blockedErr) Error() string { return "ssrf: destination not allowed: 10.0.0.5 is private" }

func (blockedErr) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("reason", "private"),
		slog.String("host", "internal.example"),
		slog.String("addr", "10.0.0.5"),
	)
}

// reject answers r through a middleware-wrapped handler that refuses with
// rej, so the golden line is what the stack writes.
func reject(l *Logger, r *http.Request, rej *respond.Rejection) {
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, rej)
	}))
	h.ServeHTTP(httptest.NewRecorder(), r)
}

// goldenCases produce one line each; the name is the event and the file.
var goldenCases = []struct {
	name string
	emit func(l *Logger)
}{
	{EventLoginSuccess, func(l *Logger) {
		l.Record(testRequest("POST", "/api/login"), Event{
			Name: EventLoginSuccess, UserID: "user-42", Status: 200,
			Details: []slog.Attr{slog.String("email", "ada@example.com")},
		})
	}},
	{EventLoginFailed, func(l *Logger) {
		l.Record(testRequest("POST", "/api/login"), Event{
			Name: EventLoginFailed, Status: 401,
			Details: []slog.Attr{
				slog.String("email", "ada@example.com"),
				slog.String("reason", "bad_password"),
				slog.String("password", "hunter2"), // must never show
			},
		})
	}},
	{EventLogout, func(l *Logger) {
		l.Record(testRequest("POST", "/api/logout"), Event{Name: EventLogout, UserID: "user-42", Status: 200})
	}},
	{EventSessionRegenerated, func(l *Logger) {
		l.Record(testRequest("POST", "/api/login"), Event{
			Name: EventSessionRegenerated, UserID: "user-42",
			Details: []slog.Attr{slog.String("reason", "login"), slog.String("old_session_id", "s3cr3t")},
		})
	}},
	{EventAccessDenied, func(l *Logger) {
		// A plain 403 written without the responder: the middleware sees it.
		h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			SetUserID(r.Context(), "user-7")
			http.Error(w, "Forbidden", http.StatusForbidden)
		}))
		h.ServeHTTP(httptest.NewRecorder(), testRequest("GET", "/api/admin/messages?token=abc"))
	}},
	{secevent.RateLimited, func(l *Logger) {
		reject(l, testRequest("POST", "/api/login"), &respond.Rejection{
			Status: http.StatusTooManyRequests, Message: "Too many requests, please try again later.",
			Header: http.Header{"Retry-After": {"900"}},
		})
	}},
	{secevent.CSRFFailure, func(l *Logger) {
		reject(l, testRequest("POST", "/api/contact"), &respond.Rejection{
			Status: http.StatusForbidden, Event: secevent.CSRFFailure, Message: "invalid CSRF token",
			Err: errors.New("csrf: token does not match the session"),
		})
	}},
	{secevent.CORSRejected, func(l *Logger) {
		reject(l, testRequest("OPTIONS", "/api/contact"), &respond.Rejection{
			Status: http.StatusForbidden, Event: secevent.CORSRejected, Message: "origin not allowed",
			Err: errors.New("cors: origin not in the allowlist"),
		})
	}},
	{secevent.HostRejected, func(l *Logger) {
		reject(l, testRequest("GET", "/"), &respond.Rejection{
			Status: http.StatusMisdirectedRequest, Event: secevent.HostRejected, Message: "host not allowed",
		})
	}},
	{secevent.ValidationFailed, func(l *Logger) {
		reject(l, testRequest("POST", "/api/contact"), &respond.Rejection{
			Status: http.StatusBadRequest,
			Fields: []respond.FieldError{
				{Type: "field", Location: "body", Path: "email", Msg: "Invalid email"},
				{Type: "field", Location: "body", Path: "message", Msg: "Message is required"},
			},
		})
	}},
	{EventSSRFBlocked, func(l *Logger) {
		reject(l, testRequest("POST", "/api/preview"), &respond.Rejection{
			Status: http.StatusBadRequest, Event: EventSSRFBlocked, Message: "destination not allowed",
			Err: &wrapErr{blockedErr{}},
		})
	}},
	{secevent.Panic, func(l *Logger) {
		reject(l, testRequest("GET", "/boom"), &respond.Rejection{
			Status: http.StatusInternalServerError, Event: secevent.Panic, Message: "Internal server error",
			Err: &panicErr{value: "index out of range [3] with length 3", stack: "goroutine 7 [running]:\nmain.handler()\n\t/app/main.go:42 +0x1d"},
		})
	}},
	{secevent.ConfigWarning, func(l *Logger) {
		l.Log(context.Background(), Event{
			Name: secevent.ConfigWarning,
			Details: []slog.Attr{
				slog.String("msg", "development mode: ephemeral secrets, cookies without Secure"),
				slog.String("setting", "HARDEN_ENV"),
			},
		})
	}},
}

// wrapErr wraps an error the way *url.Error does.
type wrapErr struct{ err error }

func (e *wrapErr) Error() string { return `Get "http://internal.example/": ` + e.err.Error() }
func (e *wrapErr) Unwrap() error { return e.err }

func TestGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			seen[tc.name] = true
			l, buf := newTestLogger(t)
			tc.emit(l)
			lines := buf.lines(t)
			if len(lines) != 1 {
				t.Fatalf("got %d lines, want exactly 1:\n%s", len(lines), buf.String())
			}
			got := lines[0] + "\n"
			path := filepath.Join("testdata", "golden", tc.name+".json")
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
				t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("log line differs from %s\n got: %s\nwant: %s", path, got, want)
			}
			ev := buf.events(t)[0]
			if ev["event"] != tc.name {
				t.Errorf("event = %v, want %s", ev["event"], tc.name)
			}
		})
	}
	for _, name := range []string{
		EventLoginSuccess, EventLoginFailed, EventLogout, EventSessionRegenerated,
		EventAccessDenied, secevent.RateLimited, secevent.CSRFFailure, secevent.CORSRejected,
		secevent.HostRejected, secevent.ValidationFailed, EventSSRFBlocked, secevent.Panic, secevent.ConfigWarning,
	} {
		if !seen[name] {
			t.Errorf("no golden case for event %s", name)
		}
	}
}

// TestSchemaKeys checks every line has every schema key, in order.
func TestSchemaKeys(t *testing.T) {
	want := []string{"time", "level", "event", "success", "ip", "user_agent", "user_id",
		"method", "path", "status", "request_id", "service", "details"}
	for _, tc := range goldenCases {
		l, buf := newTestLogger(t)
		tc.emit(l)
		line := buf.lines(t)[0]
		keys := topLevelKeys(t, line)
		if len(keys) != len(want) {
			t.Errorf("%s: keys = %v, want %v", tc.name, keys, want)
			continue
		}
		for i := range want {
			if keys[i] != want[i] {
				t.Errorf("%s: keys = %v, want %v", tc.name, keys, want)
				break
			}
		}
	}
}
