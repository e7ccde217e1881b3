package app

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/harden-go/harden/internal/storeguard"
)

// readyPath is the readiness probe: like healthPath, answered over plain
// HTTP and for any Host.
const readyPath = "/readyz"

// readyTimeout bounds the whole readiness check: a probe of an
// orchestrator waits about a second, and a hung store must not hold it.
const readyTimeout = time.Second

// readyCheck is one dependency the app needs to answer requests.
type readyCheck struct {
	name string // for the operational log only, never the client
	ping func(context.Context) error
}

// AddReadyCheck adds a condition to GET /readyz (the app adds its
// dependencies, the server its drain): while ping fails, the
// probe answers 503. Call it before serving.
func (a *App) AddReadyCheck(name string, ping func(context.Context) error) {
	a.readyChecks = append(a.readyChecks, readyCheck{name, ping})
}

// Ready checks every dependency (the database, the session store, Redis)
// at once, each bounded by ctx, and returns the failures joined.
func (a *App) Ready(ctx context.Context) error {
	errs := make([]error, len(a.readyChecks))
	var wg sync.WaitGroup
	for i, c := range a.readyChecks {
		wg.Go(func() {
			// storeguard.Call returns at the deadline even when a client
			// does not honour its context (a frozen server).
			_, err := storeguard.Call(ctx, 0, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, c.ping(ctx)
			})
			if err != nil {
				errs[i] = errors.New(c.name + ": " + err.Error())
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// readyz answers 200 {"status":"ok"} when every dependency answers within
// readyTimeout, else 503 {"status":"unavailable"}. The answer names no
// dependency and carries no error text: a probe needs a yes or no, and an
// attacker learns nothing about the back end. The cause goes to the
// operational log.
func (a *App) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.Ready(ctx); err != nil {
		a.logger.Warn("readyz: not ready", "error", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"status":"unavailable"}` + "\n"))
		return
	}
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}
