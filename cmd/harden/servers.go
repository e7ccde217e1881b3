package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/harden-go/harden/framing"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/httpsredirect"
	"github.com/harden-go/harden/internal/drain"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/seclog"
)

// runLogged runs the servers of command with run, giving it the
// operational log and the stream of the security events, both on stderr
// in format. It returns the exit code: 2 for an unknown format, 1 when run
// fails, 0 after a shutdown.
func runLogged(command, format string, stderr io.Writer, run func(logger *slog.Logger, events io.Writer) error) int {
	// One format on stderr: the operational records and, when the
	// security log is not a file, the security events.
	logger, events, err := logStreams(format, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "harden %s: %v\n", command, err)
		return 2
	}
	if err := run(logger, events); err != nil {
		// Like a usage error, a failure to start (or to run) ends the
		// process: one plain line, for whoever started it.
		fmt.Fprintf(stderr, "harden %s: %v\n", command, err)
		return 1
	}
	return 0
}

// serverRun is one run of harden serve or harden proxy: its logs, its
// listeners and the servers on them, and the drain that shuts them down.
// Both commands run their servers with it; only their handlers differ.
type serverRun struct {
	command   string // "serve" or "proxy", naming the command in messages
	newServer func(http.Handler, *slog.Logger) *http.Server
	logger    *slog.Logger
	stdout    io.Writer

	metricsConfig metricsConfig
	metrics       *metrics.Metrics // nil: metrics off
	sec           *seclog.Logger
	secFile       bool // the security log is a file, not stderr

	// drain closes every connection after its answer once SIGTERM came,
	// and tells a readiness check to fail.
	drain   drain.State
	hdrs    *headers.Headers  // the framing guard's refusals carry them
	main    *framing.Listener // the listener of the app or the proxy
	tls     bool              // main terminates TLS
	servers []*http.Server    // shut down in this order
	errc    chan error        // the first error of a server ends the run
}

// newServerRun starts a run of command whose servers newServer makes,
// with their error logs on logger and their start-up lines on stdout.
func newServerRun(command string, newServer func(http.Handler, *slog.Logger) *http.Server, logger *slog.Logger, stdout io.Writer) *serverRun {
	return &serverRun{command: command, newServer: newServer, logger: logger, stdout: stdout, errc: make(chan error, 3)}
}

// openLogs checks the metrics settings mc and opens the security log: the
// file path (reopened after logrotate), or stderr when path is empty. The
// caller closes r.sec.
func (r *serverRun) openLogs(mc metricsConfig, path string, stderr io.Writer) error {
	m, err := newMetrics(mc)
	if err != nil {
		return err
	}
	r.metricsConfig, r.metrics = mc, m
	seccfg := seclog.Config{Path: path, Service: "harden"}
	if m != nil {
		seccfg.Observer = m // counts every refusal
	}
	if path == "" {
		seccfg.Writer = stderr
	}
	sec, err := seclog.New(seccfg)
	if err != nil {
		return fmt.Errorf("HARDEN_SECURITY_LOG: %w", err)
	}
	r.sec, r.secFile = sec, path != ""
	return nil
}

// warn records a start-up warning in the security log, and on the
// operational log too when the security log is a file, so that whoever
// starts the server sees it (never twice on one stream).
func (r *serverRun) warn(ctx context.Context, msg string) {
	r.sec.Log(ctx, seclog.Event{Name: secevent.ConfigWarning, Details: []slog.Attr{slog.String("message", msg)}})
	if r.secFile {
		r.logger.Warn(msg)
	}
}

// loadKeyPair loads the TLS certificate and key files.
func loadKeyPair(certFile, keyFile string) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("loading TLS key pair: %w", err)
	}
	return &cert, nil
}

// checkRedirectPublicURL refuses a redirect listener whose public URL is
// not https://: the app and the proxy accept an http:// public URL in
// development, but the redirect listener needs somewhere HTTPS to send
// clients.
func checkRedirectPublicURL(redirectAddr, publicURL string) error {
	if redirectAddr != "" && publicURL != "" {
		if _, err := httpsredirect.RedirectOnly(publicURL); err != nil {
			return errors.New("--redirect-addr needs an https --public-url")
		}
	}
	return nil
}

// modeName names the mode in the start-up line.
func modeName(development bool) string {
	if development {
		return "development"
	}
	return "production"
}

// listen listens on addr behind the framing guard (request smuggling),
// whose refusals carry r.hdrs and are recorded in the security log; with
// tc it terminates TLS.
func (r *serverRun) listen(addr string, tc *tls.Config) (*framing.Listener, error) {
	return listenFramed(addr, maxHeaderBytes, tc, r.hdrs, r.sec)
}

// listenMain opens the main listener on addr, terminating TLS with tc
// unless it is nil.
func (r *serverRun) listenMain(addr string, tc *tls.Config) error {
	ln, err := r.listen(addr, tc)
	if err != nil {
		return err
	}
	r.main, r.tls = ln, tc != nil
	return nil
}

// mainURL is the main listener's URL, an unspecified address shown as
// localhost.
func (r *serverRun) mainURL() string {
	scheme := "http"
	if r.tls {
		scheme = "https"
	}
	return scheme + "://" + displayAddr(r.main.Addr())
}

// track returns a server of h behind the drain, counted by it and shut
// down with the others. An HTTP/2 request over the head limit is refused
// before h, with the security headers (see http2HeadAllowance).
func (r *serverRun) track(h http.Handler) *http.Server {
	srv := r.newServer(r.drain.Handler(r.limitHTTP2Head(h)), r.logger)
	srv.MaxHeaderBytes = http2HeadAllowance
	r.drain.Track(srv)
	r.servers = append(r.servers, srv)
	return srv
}

// startMetrics opens the metrics listener, when metrics are on, and
// serves it. On failure it closes the main listener.
func (r *serverRun) startMetrics() error {
	if r.metrics == nil {
		return nil
	}
	srv, ln, err := metricsServer(r.metricsConfig, r.metrics, r.logger, r.stdout)
	if err != nil {
		_ = r.main.Close()
		return err
	}
	r.servers = append(r.servers, srv)
	go func() { r.errc <- srv.Serve(ln) }()
	return nil
}

// startRedirect opens the plain-HTTP listener on addr that redirects to
// HTTPS, and serves it: every request goes to publicURL (or to the main
// listener on localhost) in one redirect carrying r.hdrs, except those
// that wrap hands elsewhere (the health checks, matched exactly: wrap must
// not clean paths or redirect itself). It returns the listener's URL. On
// failure it closes the main listener.
func (r *serverRun) startRedirect(addr, publicURL string, wrap func(redirect http.Handler) http.Handler) (string, error) {
	target := redirectTarget(publicURL, r.main.Addr())
	redirect, err := httpsredirect.RedirectOnly(target) // the public URL is checked at start-up
	var ln *framing.Listener
	if err == nil {
		ln, err = r.listen(addr, nil)
	}
	if err != nil {
		_ = r.main.Close()
		return "", err
	}
	// The redirect carries the security headers that the health check on
	// this listener carries (with the app's set, the compact one): a
	// browser shown the plain-HTTP answer still gets nosniff, no framing
	// (clickjacking) and a CSP that runs nothing.
	srv := r.track(wrap(r.hdrs.Handler(redirect))) // "OPTIONS *" too: newServer hands it to the handler
	url := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(r.stdout, "harden %s: redirecting %s to %s\n", r.command, url, target)
	go func() { r.errc <- ln.Serve(srv) }()
	return url, nil
}

// serveMain serves srv on the main listener. Call it after the start-up
// line: whoever waits for that line finds every other listener up.
func (r *serverRun) serveMain(srv *http.Server) {
	go func() { r.errc <- r.main.Serve(srv) }()
}

// wait runs until a server fails, which closes every server and returns
// its error, or until ctx is done, which drains for drainDelay and shuts
// the servers down. Each value received on reload calls onReload, whose
// error is sent on it unless it is nil; a nil reload never fires.
func (r *serverRun) wait(ctx context.Context, drainDelay time.Duration, reload <-chan chan<- error, onReload func() error) error {
	for {
		select {
		case err := <-r.errc:
			for _, s := range r.servers {
				_ = s.Close()
			}
			return err
		case reply := <-reload:
			err := onReload()
			if reply != nil {
				reply <- err
			}
		case <-ctx.Done():
			fmt.Fprintf(r.stdout, "harden %s: shutting down\n", r.command)
			return r.drain.Shutdown(context.Background(), drainConfig(drainDelay), r.servers...)
		}
	}
}

// serverGCPercent is the garbage-collection target of harden serve and
// harden proxy when GOGC is unset.
const serverGCPercent = 200

// setGCPercent sets the garbage collector's target to serverGCPercent
// unless the operator set GOGC. Both servers keep almost nothing live
// between requests (anonymous visitors and proxied exchanges cost no
// stored state), so the default GOGC=100 collects very often; 200 trades
// a few MB of heap for ~18% more throughput under load
// (docs/performance.md). An operator's GOGC wins.
func setGCPercent() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}
