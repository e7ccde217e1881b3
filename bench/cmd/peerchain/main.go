// Command peerchain serves the reference routes behind the chain of Go
// peer libraries (unrolled/secure, chi client IP, rs/cors, go-chi/httprate, scs with its
// memory store, gorilla/csrf), for load runs side by side with harden serve.
//
//	GET /api/csrf-token  {"token":"..."} with the __Host-sid and __Host-csrf cookies
//	GET /healthz         {"status":"ok"}
//
// Env: HOST (default 127.0.0.1), PORT (default 3000), RATE_LIMIT_MAX
// (requests per 15 minutes per client, default 100), PUBLIC_URL (default
// https://localhost: its host is the only allowed Host, and plain-HTTP
// requests are redirected there). Requests must carry X-Forwarded-Proto:
// https, as from one TLS-terminating proxy (X-Forwarded-For is read
// through that one hop).
package main

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/harden-go/harden/bench/chain"
	"github.com/harden-go/harden/headers"
)

func main() {
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	limit := 100
	if s := os.Getenv("RATE_LIMIT_MAX"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			log.Fatalf("peerchain: RATE_LIMIT_MAX must be a positive integer")
		}
		limit = n
	}
	publicURL := os.Getenv("PUBLIC_URL")
	if publicURL == "" {
		publicURL = "https://localhost"
	}
	h, err := chain.Peer(chain.Options{
		Headers:   headers.Strict(), // the reference app's header set
		PublicURL: publicURL,
		Limit:     limit,
		Window:    15 * time.Minute,
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Addr:              net.JoinHostPort(host, port),
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Printf("peerchain listening on %s", srv.Addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
