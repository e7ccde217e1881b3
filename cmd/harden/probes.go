package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/harden-go/harden/headers"
)

// withHealth answers GET /healthz (and HEAD) on the plain-HTTP redirect
// listener from app, as -h promises ("GET /healthz is answered over plain
// HTTP"): a load balancer probing the instance by address gets the
// liveness answer, not a redirect to a public URL it may not resolve.
// Every other request goes to redirect, its path as sent: no ServeMux,
// which would answer "//evil.example/" with its own 307 to
// "/evil.example/", keeping the client on plain HTTP for another hop
// without the security headers.
func withHealth(redirect, app http.Handler) http.Handler {
	return withHealthPaths(redirect, app, []string{"/healthz"})
}

// readyTimeout bounds a readiness check of harden proxy.
const readyTimeout = time.Second

// namedCheck is one dependency of a readiness probe; the name goes to the
// operational log only, never to the client.
type namedCheck struct {
	name string
	ping func(context.Context) error
}

// readyHandler answers GET /readyz: 200 {"status":"ok"} when every check
// passes within readyTimeout, else 503 {"status":"unavailable"}, naming
// nothing internal (the cause is logged). checks is called per request,
// so that a reload's new upstream is the one checked.
func readyHandler(checks func() []namedCheck, logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		cs := checks()
		errs := make([]error, len(cs))
		var wg sync.WaitGroup
		for i, c := range cs {
			wg.Go(func() {
				if err := c.ping(ctx); err != nil {
					errs[i] = fmt.Errorf("%s: %w", c.name, err)
				}
			})
		}
		wg.Wait()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := errors.Join(errs...); err != nil {
			logger.Warn("readyz: not ready", "error", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"unavailable"}`+"\n")
			return
		}
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	})
}

// withReady answers GET and HEAD /readyz with ready, carrying the
// security headers of hdrs, and hands every other request to next.
func withReady(next, ready http.Handler, hdrs *headers.Headers) http.Handler {
	ready = hdrs.Handler(ready)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			ready.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// dialCheck checks that the upstream accepts a connection: a TCP (or unix
// socket) connect, no request, so the upstream's logs and rate limits are
// not touched by the probes.
func dialCheck(upstream string) func(context.Context) error {
	network, addr := "tcp", ""
	if path, ok := strings.CutPrefix(upstream, "unix:"); ok {
		network, addr = "unix", strings.TrimPrefix(path, "//")
	} else if u, err := url.Parse(upstream); err == nil {
		addr = u.Host
		if u.Port() == "" {
			port := "80"
			if u.Scheme == "https" {
				port = "443"
			}
			addr = net.JoinHostPort(u.Hostname(), port)
		}
	}
	return func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return err
		}
		return conn.Close()
	}
}

// readyChecks are the dependencies of harden proxy: the upstream accepts
// connections, and Redis answers when it holds the rate limits.
func (rp *runningProxy) readyChecks() []namedCheck {
	checks := []namedCheck{{"upstream", dialCheck(*rp.upstream.Load())}}
	if rs, ok := rp.store.(interface{ Ping(context.Context) error }); ok {
		checks = append(checks, namedCheck{"redis", rs.Ping})
	}
	return checks
}

// withHealthPaths sends the health paths (matched exactly) on the
// plain-HTTP redirect listener to app, which answers them over plain HTTP
// as it does on the main listener; everything else is redirected.
func withHealthPaths(redirect, app http.Handler, paths []string) http.Handler {
	if len(paths) == 0 {
		return redirect
	}
	health := make(map[string]bool, len(paths))
	for _, p := range paths {
		health[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if health[r.URL.Path] && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			app.ServeHTTP(w, r)
			return
		}
		redirect.ServeHTTP(w, r)
	})
}
