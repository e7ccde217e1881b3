package seclog_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
)

// The stack: request ids outermost, the seclog Responder installed once,
// then the denial middleware. The CSRF refusal below is logged once, with
// the request id the client sees, and the token never reaches the log.
func Example() {
	log, err := seclog.New(seclog.Config{
		Writer:  os.Stdout, // Path: os.Getenv("HARDEN_SECURITY_LOG") in a service
		Service: "shop",
		Clock:   func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, &respond.Rejection{
			Status: http.StatusForbidden, Event: "csrf_failure", Message: "invalid CSRF token",
			Err: errors.New("csrf: token does not match"),
		})
	})
	install := func(next http.Handler) http.Handler {
		resp := seclog.Responder(respond.JSON{}, log)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(respond.WithResponder(r.Context(), resp)))
		})
	}
	h := seclog.RequestID(install(log.Handler(app)))

	r := httptest.NewRequest("POST", "/api/contact?csrf_token=abc", nil)
	r.RemoteAddr = "192.0.2.10:4000"
	r.Header.Set("X-Request-ID", "req-1")
	r.Header.Set("User-Agent", "curl/8.0")
	h.ServeHTTP(httptest.NewRecorder(), r)

	// Outside a request: a start-up warning, with a secret in its details.
	log.Log(r.Context(), seclog.Event{Name: "config_warning",
		Details: []slog.Attr{slog.String("msg", "ephemeral secrets"), slog.String("session_secret", "s3cr3t")}})
	// Output:
	// {"time":"2026-05-01T12:00:00Z","level":"WARN","event":"csrf_failure","success":false,"ip":"192.0.2.10","user_agent":"curl/8.0","user_id":"","method":"POST","path":"/api/contact","status":403,"request_id":"req-1","service":"shop","details":{"message":"invalid CSRF token","error":"csrf: token does not match"}}
	// {"time":"2026-05-01T12:00:00Z","level":"WARN","event":"config_warning","success":false,"ip":"","user_agent":"","user_id":"","method":"","path":"","status":0,"request_id":"","service":"shop","details":{"msg":"ephemeral secrets","session_secret":"[REDACTED]"}}
}
