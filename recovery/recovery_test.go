package recovery

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/recovered"
	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
)

func TestPanicBecomesSafe500(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := New(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Frame-Options", "DENY") // set before the panic: kept
		panic(errors.New("open /srv/app/secret.db: permission denied"))
	}))
	r := httptest.NewRequest("GET", "/boom", nil)
	r = r.WithContext(reqctx.WithRequestID(r.Context(), "req-123"))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)

	if w.Code != http.StatusInternalServerError {
		t.Errorf("status = %d, want 500", w.Code)
	}
	if got, want := w.Body.String(), `{"error":"Internal server error","request_id":"req-123"}`+"\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if got := w.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want the header set before the panic", got)
	}
	log := logs.String()
	for _, want := range []string{`"event":"panic"`, `"request_id":"req-123"`, "secret.db", "recovery_test.go"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s: %s", want, log)
		}
	}
}

func TestPanicInDevelopmentHidesCause(t *testing.T) {
	h := New(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("database password is hunter2")
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(respond.WithResponder(r.Context(), respond.JSON{Development: true}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if got, want := w.Body.String(), `{"error":"Internal server error"}`+"\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
}

func TestPanicAfterWriteAborts(t *testing.T) {
	h := New(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("partial"))
		panic("late")
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	t.Error("no panic reached the server")
}

func TestAbortHandlerPassesThrough(t *testing.T) {
	var logs bytes.Buffer
	h := New(slog.New(slog.NewJSONHandler(&logs, nil)))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("recovered %v, want http.ErrAbortHandler", v)
		}
		if logs.Len() != 0 {
			t.Errorf("ErrAbortHandler was logged: %s", logs.String())
		}
	}()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
}

func TestNoPanicUntouched(t *testing.T) {
	h := New(nil)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte("ok"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush through the wrapper: %v", err)
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusTeapot || w.Body.String() != "ok" || !w.Flushed {
		t.Errorf("got %d %q flushed=%v", w.Code, w.Body.String(), w.Flushed)
	}
}

func TestPanicError(t *testing.T) {
	cause := errors.New("open /srv/app/secret.db: permission denied")
	p := &recovered.Panic{Value: cause, Stack: []byte("goroutine 1 [running]:\nmain.handler()\n")}
	if got, want := p.Error(), "handler panicked"; got != want {
		t.Errorf("Error() = %q, want %q: the panic value must not be in the text", got, want)
	}
	if !errors.Is(p, cause) {
		t.Error("errors.Is(p, cause) = false, want the error value unwrapped")
	}
	if (&recovered.Panic{Value: "a string"}).Unwrap() != nil {
		t.Error("Unwrap of a non-error value is not nil")
	}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})).Error("x", "error", p)
	want := `{"level":"ERROR","msg":"x","error":{"panic":"open /srv/app/secret.db: permission denied","stack":"goroutine 1 [running]:\nmain.handler()\n"}}` + "\n"
	if got := logs.String(); got != want {
		t.Errorf("log = %s, want %s", got, want)
	}
}

// TestRespondLoggedOnceBySecurityLog is the stack's use: recovered.New
// and recovered.Respond in the layer's own deferred function, the security log's
// responder records the panic with its stack from Rejection.Err.
func TestRespondLoggedOnceBySecurityLog(t *testing.T) {
	var logs bytes.Buffer
	sec, err := seclog.New(seclog.Config{Writer: &logs, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	handler := func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				recovered.Respond(w, r, recovered.New(v))
			}
		}()
		panic("secret internals /srv/db.sqlite")
	}
	r := httptest.NewRequest("GET", "/boom", nil)
	ctx := reqctx.WithRequestID(r.Context(), "req-9")
	r = r.WithContext(respond.WithResponder(ctx, seclog.Responder(respond.JSON{}, sec)))
	w := httptest.NewRecorder()
	handler(w, r)
	if got, want := w.Body.String(), `{"error":"Internal server error","request_id":"req-9"}`+"\n"; got != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs.String())
	}
	var ev struct {
		Level, Event, RequestID string
		Status                  int
		Details                 struct {
			Message string
			Error   struct{ Panic, Stack string }
		}
	}
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Level != "ERROR" || ev.Event != "panic" || ev.Status != 500 || ev.Details.Message != recovered.Message {
		t.Errorf("event = %+v", ev)
	}
	if ev.Details.Error.Panic != "secret internals /srv/db.sqlite" || !strings.Contains(ev.Details.Error.Stack, "recovery_test.go") {
		t.Errorf("details.error = %+v, want the panic value and a stack through this test", ev.Details.Error)
	}
	if !strings.Contains(lines[0], `"request_id":"req-9"`) {
		t.Errorf("line lacks the request id: %s", lines[0])
	}
}

// BenchmarkNoPanic is the cost of the middleware on a request that does not
// panic.
func BenchmarkNoPanic(b *testing.B) {
	h := New(slog.New(slog.DiscardHandler))(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
