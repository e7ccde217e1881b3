package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/proxy"
	"github.com/harden-go/harden/ratelimit"
)

// metricsConfig is the metrics listener of harden serve and harden proxy.
type metricsConfig struct {
	addr   string // "" means off
	public bool   // a non-loopback address is allowed
}

// registerMetricsFlags adds --metrics-addr and
// --dangerously-public-metrics to fs.
func registerMetricsFlags(fs *flag.FlagSet, mc *metricsConfig, env func(...string) string) {
	fs.StringVar(&mc.addr, "metrics-addr", env("HARDEN_METRICS_ADDR"), "listen address of a separate listener serving Prometheus metrics at /metrics, e.g. 127.0.0.1:9090; loopback only; default off (HARDEN_METRICS_ADDR)")
	public, _ := strconv.ParseBool(env("HARDEN_DANGEROUSLY_PUBLIC_METRICS"))
	fs.BoolVar(&mc.public, "dangerously-public-metrics", public, "allow --metrics-addr on a non-loopback address: the metrics tell anyone who reaches them what is refused, where and how often (HARDEN_DANGEROUSLY_PUBLIC_METRICS)")
}

// Errors of checkMetricsAddr.
var (
	errMetricsAddr   = errors.New("--metrics-addr must be host:port")
	errMetricsPublic = errors.New("--metrics-addr must be a loopback address (127.0.0.1:9090, [::1]:9090, localhost:9090) unless --dangerously-public-metrics is set")
)

// checkMetricsAddr refuses a metrics address that is not on loopback,
// unless public is set: the metrics map the defences for an attacker (which
// routes refuse what, how often), so they never share the public port and
// never listen on every interface by accident (":9090").
func checkMetricsAddr(addr string, public bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return errMetricsAddr
	}
	if public {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Unmap().IsLoopback() {
		return errMetricsPublic
	}
	return nil
}

// newMetrics returns the metrics of mc, nil when they are off, after
// checking the address.
func newMetrics(mc metricsConfig) (*metrics.Metrics, error) {
	if mc.addr == "" {
		return nil, nil
	}
	if err := checkMetricsAddr(mc.addr, mc.public); err != nil {
		return nil, err
	}
	return metrics.New(metrics.Config{})
}

// metricsServer opens the metrics listener: GET /metrics, 404 for
// anything else. It is a plain listener of its own, with the same
// timeouts as the others.
func metricsServer(mc metricsConfig, m *metrics.Metrics, logger *slog.Logger, stdout io.Writer) (*http.Server, net.Listener, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	srv := newServer(mux, logger)
	ln, err := net.Listen("tcp", mc.addr)
	if err != nil {
		return nil, nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	fmt.Fprintf(stdout, "harden: metrics on http://%s/metrics\n", displayAddr(ln.Addr()))
	return srv, ln, nil
}

// withMetrics makes the proxy built from pc report its requests and its
// general limiter's store errors to rp.metrics.
func (rp *runningProxy) withMetrics(pc *proxy.Config) {
	if rp.metrics == nil {
		return
	}
	pc.Observer = rp.metrics
	if pc.RateLimit.Rate != (ratelimit.Spec{}) { // a hook alone would turn the limiter on
		pc.RateLimit.OnStoreError = rp.metrics.StoreError
	}
}
