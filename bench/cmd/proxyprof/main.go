// Command proxyprof serves harden's reverse proxy (package proxy, the
// production configuration of "harden proxy" behind one trusted
// TLS-terminating hop) and writes a CPU profile of its whole life, for
// bench/proxy.sh: the profile shows where a proxied request's time goes.
//
// It listens on loopback only and stops on SIGINT or SIGTERM, writing the
// profile then.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/harden-go/harden/proxy"
	"github.com/harden-go/harden/seclog"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:19090", "listen address (loopback)")
	upstream := flag.String("upstream", "http://127.0.0.1:19000", "the upstream")
	publicURL := flag.String("public-url", "https://localhost", "the public URL")
	profile := flag.String("cpuprofile", "proxy.cpu", "file of the CPU profile")
	flag.Parse()

	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("-addr %q: loopback addresses only", *addr)
	}
	sec, err := seclog.New(seclog.Config{Writer: os.Stderr})
	if err != nil {
		log.Fatal(err)
	}
	cfg := proxy.Config{Upstream: *upstream}
	cfg.PublicURL = *publicURL
	cfg.ClientIP.TrustedHops = 1
	cfg.SecurityLog = sec
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	p, err := proxy.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	f, err := os.Create(*profile)
	if err != nil {
		log.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Addr:              *addr,
		Handler:           p,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Print(err)
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
