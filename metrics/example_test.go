package metrics_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// Example wires metrics into a stack: the security log reports every
// refusal to the Metrics, the stack reports every request, Routes around
// the mux records the matched route pattern, and Handler is served on a
// listener of its own.
func Example() {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		panic(err)
	}
	log, err := seclog.New(seclog.Config{Writer: io.Discard, Observer: m})
	if err != nil {
		panic(err)
	}
	stack, err := harden.New(harden.Config{Development: true, SecurityLog: log, Observer: m})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "forbidden", http.StatusForbidden)
	})
	app := stack.Handler(m.Routes(mux))

	r := httptest.NewRequest("GET", "http://localhost/items/42", nil)
	app.ServeHTTP(httptest.NewRecorder(), r)

	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil)) // on the metrics listener
	for line := range strings.Lines(w.Body.String()) {
		if strings.HasPrefix(line, "harden_refusals_total") || strings.HasPrefix(line, "harden_requests_total") {
			fmt.Print(line)
		}
	}
	// Output:
	// harden_refusals_total{layer="authz",reason="403",route="GET /items/{id}"} 1
	// harden_requests_total{class="4xx",route="GET /items/{id}"} 1
}

// Example_sessionStore reports a session manager's store calls: pass the
// Metrics as session.Config.StoreObserver.
func Example_sessionStore() {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		panic(err)
	}
	sessions, err := session.New(session.Config{
		Keys:          keys.Ephemeral(),
		Store:         session.NewMemoryStore(0),
		StoreObserver: m,
		Logger:        slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	app := sessions.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Set("theme", "dark")
	}))
	app.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "https://localhost/", nil))

	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	for line := range strings.Lines(w.Body.String()) {
		if strings.HasPrefix(line, "harden_session_store_duration_seconds_count") {
			fmt.Print(line)
		}
	}
	// Output:
	// harden_session_store_duration_seconds_count{operation="save"} 1
}
