package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/framing"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/internal/proxydefault"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/proxy"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/ratelimit/redisstore"
	"github.com/harden-go/harden/seclog"
)

func init() {
	register(command{name: "proxy", summary: "harden any app as a reverse proxy in front of it", run: runProxy})
}

const proxyUsage = `Usage: harden proxy [flags]

Puts the harden stack in front of an app (Node, Python, PHP, Java, ...) as a
reverse proxy: security headers, trusted client addresses, HTTPS redirect,
allowed hosts, CORS, rate limits, a login limiter, body limits, NoSQL and
parameter-pollution guards, CSRF, hardened cookies, masked 5xx pages, and a
request-smuggling guard on every connection. With no settings it starts in
development mode on :8000 in front of http://127.0.0.1:8080.

Each setting comes, in this order of precedence, from a flag, from the
environment variable named beside it, from the config file (the JSON name
in brackets), or from its default.

Flags:
`

const proxyNotes = `
Probes: GET /readyz answers {"status":"ok"} when the upstream accepts a
connection and Redis (if used) answers within one second, else 503
{"status":"unavailable"} (the cause goes to the operational log). The
health_paths are forwarded to the upstream, on --redirect-addr too.
--metrics-addr serves Prometheus metrics at /metrics on a listener of its
own, on loopback unless --dangerously-public-metrics is set.

Config file (--config, HARDEN_CONFIG): JSON or YAML (by the extension
.json/.yaml/.yml, else by the content) with the field names of the library's
proxy.Config (upstream, public_url, development, health_paths, headers,
client_ip, https, hosts, cors, rate_limit, body_limit, login, routes, csrf,
cookies, header_policy, nonce_placeholder, error_pages) and the server's
own: addr, upstream_timeout, tls_cert, tls_key, redirect_addr,
security_log. Unknown keys are
refused with their path. Secrets and the Redis URL are never read from it.
--print-config prints the effective configuration as JSON (secrets, the
nonce placeholder, the Redis password and any userinfo of the upstream URL
redacted) and exits.

Reload: SIGHUP re-reads the config file (and the TLS key pair) and swaps in
a new proxy without dropping connections; requests in flight finish on the
old one. A config that fails to load or validate is refused and logged, and
the old one stays. Flags and environment variables are those of the start.
In-memory rate-limit counters start afresh; Redis counters carry over. The
listen addresses cannot change without a restart. SIGHUP also reopens the
security log file.

Modes:
  development  no HTTPS redirect, loopback hosts allowed, upstream 5xx bodies
               passed through, cookies without Secure over plain HTTP. A
               warning is printed. Never expose it to a network.
  production   refuses to start without HARDEN_PUBLIC_URL (https://), and
               without HARDEN_SECRETS when csrf.token is on. Plain HTTP is
               redirected to the public URL, other hosts get 421, cookies
               get Secure, upstream 5xx bodies are replaced by a safe error.

Requests are checked at the connection for ambiguous framing (request
smuggling): Content-Length with Transfer-Encoding, duplicate
Content-Length, Transfer-Encoding other than chunked, obsolete line
folding, bare CR or LF, HTTP/2.0 on an HTTP/1 connection. They get 400 with
the security headers and the connection is closed.

HARDEN_TRUSTED_PROXIES, HARDEN_ALLOWED_ORIGINS, HARDEN_SECRETS and the
security log work as in "harden serve" (see "harden serve -h").
HARDEN_ALLOWED_ORIGINS allows credentials, Content-Type and X-CSRF-Token.
HARDEN_REDIS_URL keeps the rate-limit and login counters in Redis, shared
by every instance; the proxy refuses to start when Redis does not answer.
It names one server ("redis://", "rediss://"), a Redis Cluster
("redis-cluster://host:port?addr=host:port&addr=...") or the primary that
Sentinels name ("redis-sentinel://host:port?master_name=NAME&addr=...").

Rates are LIMIT/WINDOW: "100/15m", "10/s". Sizes are bytes, or with a
KiB/MiB suffix: "100KiB".

Exit status: 2 for a bad or missing flag, variable or config file value
(nothing started), 1 when the proxy cannot start (settings the proxy
refuses, a busy address, Redis not answering) or stops on an error, 0
after a shutdown.

Server: header read timeout 5s, idle timeout 120s, request heads up to
32 KiB (431 beyond; 414 when the request line alone is longer; over
HTTP/2 too, with the security headers). No read or write timeout, so that
streamed answers (server-sent events, downloads) and WebSockets last; the
upstream's answer headers must come within the proxy's timeout (504).

Shutdown: on SIGINT or SIGTERM the proxy drains for --drain-delay (default
1s; it ends early once no connection has been open for 250ms): it goes on
serving, readiness fails, and every answer carries "Connection: close";
then it closes the listeners and idle connections and gives requests in
flight 10s.

Runtime: unless GOGC is set, the garbage collector runs at GOGC=200 (the
proxy keeps little live memory; this trades a few MB for throughput).
`

// proxyFile is what a config file holds: the library's proxy.Config and
// the server's own settings.
type proxyFile struct {
	proxy.Config `yaml:",inline"`
	Addr         string `json:"addr,omitempty" yaml:"addr,omitempty"`
	TLSCert      string `json:"tls_cert,omitempty" yaml:"tls_cert,omitempty"`
	TLSKey       string `json:"tls_key,omitempty" yaml:"tls_key,omitempty"`
	RedirectAddr string `json:"redirect_addr,omitempty" yaml:"redirect_addr,omitempty"`
	SecurityLog  string `json:"security_log,omitempty" yaml:"security_log,omitempty"`
	// UpstreamTimeout is proxy.Config.Timeout, which the library keeps out
	// of its JSON.
	UpstreamTimeout textDuration `json:"upstream_timeout,omitzero" yaml:"upstream_timeout,omitempty"`
}

// textDuration is a time.Duration written as text ("90s") in config files.
type textDuration time.Duration

func (d textDuration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

func (d *textDuration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil || v <= 0 {
		return fmt.Errorf("%q is not a positive duration (90s, 2m)", b)
	}
	*d = textDuration(v)
	return nil
}

// proxyDefaults are the settings' defaults where the library has none.
const (
	defaultProxyAddr     = ":8000"
	defaultProxyUpstream = "http://127.0.0.1:8080"
)

var proxySettings = []setting[proxyFile]{
	{"env", "HARDEN_ENV", "development", "mode: development or production (default development)", func(f *proxyFile, v string) error {
		switch v {
		case "development":
			f.Development = true
		case "production":
			f.Development = false
		default:
			return fmt.Errorf("must be development or production, not %q", v)
		}
		return nil
	}},
	{"addr", "HARDEN_ADDR", "addr", "listen address (default " + defaultProxyAddr + "; PORT=n means :n)", func(f *proxyFile, v string) error { f.Addr = v; return nil }},
	{"upstream", "HARDEN_UPSTREAM", "upstream", "the app: http://host:port, https://host:port or unix:/path.sock (default " + defaultProxyUpstream + ")", func(f *proxyFile, v string) error { f.Upstream = v; return nil }},
	{"public-url", "HARDEN_PUBLIC_URL", "public_url", "URL clients use, e.g. https://example.com; required in production", func(f *proxyFile, v string) error { f.PublicURL = v; return nil }},
	{"trusted-proxies", "HARDEN_TRUSTED_PROXIES", "client_ip", "proxies whose forwarding headers are trusted: a hop count or a comma list of addresses and CIDRs; default none", func(f *proxyFile, v string) error {
		c, err := clientip.ParseTrusted(v)
		if err != nil {
			return err
		}
		f.ClientIP = c
		return nil
	}},
	{"allowed-origins", "HARDEN_ALLOWED_ORIGINS", "cors.origins", "comma list of exact origins allowed by CORS with credentials", func(f *proxyFile, v string) error {
		f.CORS.Origins = splitList(v)
		f.CORS.Credentials = true
		if len(f.CORS.RequestHeaders) == 0 {
			f.CORS.RequestHeaders = []string{"Content-Type", "X-CSRF-Token"}
		}
		if f.CORS.MaxAge == 0 {
			f.CORS.MaxAge = 600
		}
		return nil
	}},
	{"api-limit", "HARDEN_API_LIMIT", "rate_limit.rate", "general limit per client address, e.g. 100/15m; default off", func(f *proxyFile, v string) error {
		return f.RateLimit.Rate.Set(v)
	}},
	{"auth-limit", "HARDEN_AUTH_LIMIT", "login.rate", "failed logins (upstream 401/403 on the login paths, or a post redirected back to one) per window per client (default 5/15m)", func(f *proxyFile, v string) error {
		return f.Login.Rate.Set(v)
	}},
	{"login-paths", "HARDEN_LOGIN_PATHS", "login.paths", "comma list of the upstream's login paths, matched as whole paths (case, a trailing slash and a .json-like suffix ignored), e.g. /login,/api/login", func(f *proxyFile, v string) error {
		f.Login.Paths = splitList(v)
		return nil
	}},
	{"body-limit", "HARDEN_BODY_LIMIT", "body_limit", "largest request body forwarded, e.g. 102400 or 1MiB (default 100KiB)", func(f *proxyFile, v string) error {
		n, err := parseSize(v)
		f.BodyLimit = n
		return err
	}},
	{"upstream-timeout", "HARDEN_UPSTREAM_TIMEOUT", "upstream_timeout", "longest wait for the upstream's answer headers before 504, e.g. 90s (default 60s)", func(f *proxyFile, v string) error {
		return f.UpstreamTimeout.UnmarshalText([]byte(v))
	}},
	{"tls-cert", "HARDEN_TLS_CERT", "tls_cert", "TLS certificate file (PEM); serves HTTPS and HTTP/2 with --tls-key", func(f *proxyFile, v string) error { f.TLSCert = v; return nil }},
	{"tls-key", "HARDEN_TLS_KEY", "tls_key", "TLS private key file (PEM)", func(f *proxyFile, v string) error { f.TLSKey = v; return nil }},
	{"redirect-addr", "HARDEN_REDIRECT_ADDR", "redirect_addr", "with TLS: a plain-HTTP listen address that only redirects to HTTPS", func(f *proxyFile, v string) error { f.RedirectAddr = v; return nil }},
	{"security-log", "HARDEN_SECURITY_LOG", "security_log", "file for the JSON security log, reopened on SIGHUP; default stderr", func(f *proxyFile, v string) error { f.SecurityLog = v; return nil }},
}

// proxyOptions are the command line and environment of one start: what a
// reload re-applies on top of the re-read file.
type proxyOptions struct {
	configPath  string
	printConfig bool
	secretsFile string
	redisURL    string
	drainDelay  time.Duration
	metrics     metricsConfig
	logFormat   string
	overrides   []override[proxyFile] // per setting, its flag's value or else its variable's
	getenv      func(string) string
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseSize parses a byte count: "102400", "100KiB", "1MiB".
func parseSize(v string) (int64, error) {
	mult := int64(1)
	num := v
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = s, u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size in bytes (102400, 100KiB, 1MiB)", v)
	}
	return n * mult, nil
}

func runProxy(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	setGCPercent()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reload := make(chan chan<- error)
	go func() {
		for {
			select {
			case <-hup:
				select {
				case reload <- nil:
				case <-ctx.Done():
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}()
	redis.SetLogger(quietRedis{})
	return proxyCommand(ctx, args, os.Getenv, reload, nil, stdout, stderr)
}

// proxyCommand parses the command line and runs the proxy until ctx is
// done. Each value received on reload reloads the config file, and the
// outcome is sent on it unless it is nil. ready, if set, receives the
// running proxy's listen addresses (for tests).
func proxyCommand(ctx context.Context, args []string, getenv func(string) string, reload <-chan chan<- error, ready chan<- proxyAddrs, stdout, stderr io.Writer) int {
	opts, code := parseProxyFlags(args, getenv, stderr)
	if code >= 0 {
		return code
	}
	cfg, err := opts.load()
	if err != nil {
		fmt.Fprintf(stderr, "harden proxy: %v\n", err)
		return 2
	}
	if opts.printConfig {
		if err := printProxyConfig(stdout, cfg, opts); err != nil {
			fmt.Fprintf(stderr, "harden proxy: %v\n", err)
			return 1
		}
		return 0
	}
	return runLogged("proxy", opts.logFormat, stderr, func(logger *slog.Logger, events io.Writer) error {
		return runProxyServer(ctx, opts, cfg, reload, ready, logger, stdout, events)
	})
}

// parseProxyFlags returns the options and -1, or an exit code.
func parseProxyFlags(args []string, getenv func(string) string, stderr io.Writer) (*proxyOptions, int) {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts := &proxyOptions{getenv: getenv}
	overrides := settingFlags(fs, proxySettings, getenv)
	fs.StringVar(&opts.configPath, "config", "", "config file, JSON or YAML (HARDEN_CONFIG)")
	fs.BoolVar(&opts.printConfig, "print-config", false, "print the effective configuration as JSON, secrets redacted, and exit")
	fs.StringVar(&opts.secretsFile, "secrets-file", "", "file holding the comma-separated secrets, instead of HARDEN_SECRETS (HARDEN_SECRETS_FILE)")
	// The Redis URL may carry a password: never a flag default, which the
	// usage text would print.
	fs.StringVar(&opts.redisURL, "redis-url", "", "Redis URL for rate-limit counters shared by instances (HARDEN_REDIS_URL)")
	drainDelay := drainDelayFlag(fs, getenv)
	registerMetricsFlags(fs, &opts.metrics, func(names ...string) string { return getenv(names[0]) })
	registerLogFormatFlag(fs, &opts.logFormat, getenv)
	fs.Usage = func() {
		fmt.Fprint(stderr, proxyUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, proxyNotes)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "harden proxy: unexpected argument %q\n", fs.Arg(0))
		return nil, 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	opts.overrides = overrides()
	if !set["config"] {
		opts.configPath = getenv("HARDEN_CONFIG")
	}
	if !set["secrets-file"] {
		opts.secretsFile = getenv("HARDEN_SECRETS_FILE")
	}
	if !set["redis-url"] {
		opts.redisURL = getenv("HARDEN_REDIS_URL")
	}
	if drainDelay.err != nil && !set["drain-delay"] {
		fmt.Fprintf(stderr, "harden proxy: %v\n", drainDelay.err)
		return nil, 2
	}
	opts.drainDelay = drainDelay.d
	return opts, -1
}

// load builds the effective configuration: defaults, then the file, then
// the environment, then the flags.
func (o *proxyOptions) load() (proxyFile, error) {
	var f proxyFile
	// Defaults of the command, where the library's zero value would not
	// start: development mode unless told, a local upstream.
	f.Development = true
	// Fields the file does not name keep their value: development stays
	// the default unless the file says "development": false.
	if err := loadSettings(o.configPath, &f, o.overrides); err != nil {
		return f, err
	}
	if f.Addr == "" {
		f.Addr = defaultProxyAddr
	}
	if f.Upstream == "" {
		f.Upstream = defaultProxyUpstream
	}
	secrets := o.getenv("HARDEN_SECRETS")
	if o.secretsFile != "" {
		b, err := os.ReadFile(o.secretsFile)
		if err != nil {
			return f, fmt.Errorf("reading --secrets-file: %w", err)
		}
		secrets = strings.TrimSpace(string(b))
	}
	f.Secrets = splitList(secrets)
	if !f.Development && f.CSRF.Token && len(f.Secrets) == 0 {
		return f, errors.New("production with csrf.token needs HARDEN_SECRETS")
	}
	if !f.Development && f.PublicURL == "" {
		return f, errors.New("production needs HARDEN_PUBLIC_URL (the https:// URL clients use)")
	}
	if (f.TLSCert == "") != (f.TLSKey == "") {
		return f, errors.New("--tls-cert and --tls-key go together")
	}
	if f.RedirectAddr != "" && f.TLSCert == "" {
		return f, errors.New("--redirect-addr needs --tls-cert and --tls-key")
	}
	return f, nil
}

// printProxyConfig writes the effective configuration as JSON. Secrets and
// the nonce placeholder are replaced by a marker, the Redis URL's password
// is masked, and so is any userinfo of the upstream URL.
func printProxyConfig(w io.Writer, f proxyFile, o *proxyOptions) error {
	// The library's defaults, shown where the value is left to them.
	if f.BodyLimit == 0 {
		f.BodyLimit = proxydefault.BodyLimit
	}
	if f.Login.Rate == (ratelimit.Spec{}) {
		f.Login.Rate = proxydefault.LoginRate()
	}
	if f.UpstreamTimeout == 0 {
		f.UpstreamTimeout = textDuration(proxydefault.Timeout)
	}
	if f.ErrorPages == "" {
		f.ErrorPages = proxydefault.ErrorPages(f.Development)
	}
	// The proxy refuses to start with userinfo in the upstream URL, but
	// --print-config shows a configuration before it is checked: a
	// password or token written there must not reach a pasted output.
	f.Upstream = redactUserinfo(f.Upstream)
	if f.NoncePlaceholder != "" {
		// Whoever writes it into a page the upstream serves gets a
		// valid nonce: a secret like the others.
		f.NoncePlaceholder = "REDACTED"
	}
	return printSettings(w, f, f.Secrets, map[string]string{"redis_url": o.redisURL})
}

// redactURL masks the password of a URL; one that does not parse is masked
// whole, since it may be a password.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "REDACTED"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	return u.String()
}

// redactUserinfo masks the whole userinfo of a URL, user name included,
// since a URL may carry a token there; a URL that does not parse is
// masked whole. Others, "unix:/path" among them, are returned unchanged.
func redactUserinfo(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "REDACTED"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}

// proxyAddrs are the running proxy's URLs, sent to tests once listening.
type proxyAddrs struct {
	URL      string // the proxy: http:// or https://
	Redirect string // the redirect listener, if any
}

// runningProxy is the proxy being served and what a reload needs.
type runningProxy struct {
	opts  *proxyOptions
	cfg   proxyFile // of the proxy being served
	cur   atomic.Pointer[proxy.Proxy]
	cert  atomic.Pointer[tls.Certificate]
	store ratelimit.Store // Redis, shared by every generation; nil: memory
	// upstream is the upstream of the proxy last built, for /readyz.
	upstream atomic.Pointer[string]
	metrics  *metrics.Metrics // nil: metrics off
	sec      *seclog.Logger
	logger   *slog.Logger

	mu      sync.Mutex
	retired []*proxy.Proxy // replaced proxies, closed at shutdown
}

// build makes a proxy of f with the command's logs and store.
func (rp *runningProxy) build(f proxyFile) (*proxy.Proxy, error) {
	pc := f.Config
	pc.Timeout = time.Duration(f.UpstreamTimeout)
	pc.SecurityLog = rp.sec
	pc.Logger = rp.logger
	if rp.store != nil {
		pc.Store = rp.store
		pc.LoginStore = rp.store
	}
	rp.withMetrics(&pc)
	p, err := proxy.New(pc)
	if err == nil {
		rp.upstream.Store(&f.Upstream)
	}
	return p, err
}

// ServeHTTP serves r with the current proxy. A reload swaps it atomically:
// a request runs wholly on the proxy it started on.
func (rp *runningProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rp.cur.Load().ServeHTTP(w, r)
}

// reload re-reads the configuration and swaps in a new proxy; on any error
// the running one stays and the error is returned.
func (rp *runningProxy) reload() error {
	f, err := rp.opts.load()
	if err != nil {
		return err
	}
	old := rp.cfg
	var restart []string
	if f.Addr != old.Addr {
		restart = append(restart, "addr")
	}
	if f.RedirectAddr != old.RedirectAddr {
		restart = append(restart, "redirect_addr")
	}
	if (f.TLSCert == "") != (old.TLSCert == "") {
		restart = append(restart, "tls_cert")
	}
	if f.SecurityLog != old.SecurityLog {
		restart = append(restart, "security_log")
	}
	if len(restart) > 0 {
		return fmt.Errorf("%s changed: restart to apply", strings.Join(restart, ", "))
	}
	var cert *tls.Certificate
	if f.TLSCert != "" {
		if cert, err = loadKeyPair(f.TLSCert, f.TLSKey); err != nil {
			return err
		}
	}
	p, err := rp.build(f)
	if err != nil {
		return err
	}
	if cert != nil {
		rp.cert.Store(cert)
	}
	prev := rp.cur.Swap(p)
	rp.cfg = f
	rp.mu.Lock()
	rp.retired = append(rp.retired, prev)
	rp.mu.Unlock()
	// Requests in flight finish on prev; its idle upstream connections
	// are closed now, the rest at shutdown.
	_ = prev.Close()
	return nil
}

func (rp *runningProxy) close() {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	for _, p := range rp.retired {
		_ = p.Close()
	}
	rp.retired = nil
	_ = rp.cur.Load().Close()
}

// runProxyServer runs the proxy of cfg until ctx is done, then shuts it
// down gracefully. Each value received on reload reloads the config file.
// ready, if set, receives the listen addresses once every listener is up.
func runProxyServer(ctx context.Context, opts *proxyOptions, cfg proxyFile, reload <-chan chan<- error, ready chan<- proxyAddrs, logger *slog.Logger, stdout, stderr io.Writer) error {
	run := newServerRun("proxy", newProxyServer, logger, stdout)
	if err := run.openLogs(opts.metrics, cfg.SecurityLog, stderr); err != nil {
		return err
	}
	defer run.sec.Close()
	rp := &runningProxy{opts: opts, cfg: cfg, sec: run.sec, logger: logger, metrics: run.metrics}
	if opts.redisURL != "" {
		rs, err := openRedisStore(ctx, opts.redisURL)
		if err != nil {
			return err
		}
		defer rs.Close()
		rp.store = rs
	}
	p, err := rp.build(cfg)
	if err != nil {
		return err
	}
	rp.cur.Store(p)
	defer rp.close()

	// The refusals of the framing guard carry the configured headers.
	if run.hdrs, err = headers.New(cfg.Headers); err != nil {
		return err
	}
	tlsConfig, err := rp.tlsConfig()
	if err != nil {
		return err
	}
	if err := checkRedirectPublicURL(cfg.RedirectAddr, cfg.PublicURL); err != nil {
		return err
	}
	if cfg.Development {
		run.warn(ctx, "development mode: no HTTPS redirect, loopback hosts allowed, upstream error pages shown, no Secure cookies over plain HTTP; do not expose this proxy to a network")
	} else if tlsConfig == nil && cfg.ClientIP.TrustedHops == 0 && len(cfg.ClientIP.TrustedProxies) == 0 && !cfg.HTTPS.DangerouslyAllowPlainHTTP {
		run.warn(ctx, "production over plain HTTP with no trusted proxy: every request but the health paths is redirected to the public URL; set --trusted-proxies to the TLS-terminating proxy, or --tls-cert and --tls-key")
	}
	return rp.serve(ctx, run, tlsConfig, reload, ready)
}

// openRedisStore opens the Redis store of the rate-limit and login
// counters and checks that Redis answers: a configured but unreachable
// Redis stops the start, rather than failing every limited request later.
func openRedisStore(ctx context.Context, redisURL string) (*redisstore.Store, error) {
	rs, err := redisstore.Open(redisURL)
	if err != nil {
		return nil, fmt.Errorf("HARDEN_REDIS_URL: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = rs.Ping(pingCtx)
	cancel()
	if err != nil {
		_ = rs.Close()
		return nil, fmt.Errorf("HARDEN_REDIS_URL: Redis does not answer: %w", err)
	}
	return rs, nil
}

// tlsConfig loads the TLS key pair of rp.cfg, if it names one, and
// returns the main listener's TLS configuration; nil means plain HTTP.
func (rp *runningProxy) tlsConfig() (*tls.Config, error) {
	if rp.cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := loadKeyPair(rp.cfg.TLSCert, rp.cfg.TLSKey)
	if err != nil {
		return nil, err
	}
	rp.cert.Store(cert)
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		// A reload replaces the key pair without a restart.
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return rp.cert.Load(), nil },
	}, nil
}

// serve opens the proxy's listeners (the proxy's, then the metrics and
// the redirect listeners if set) and serves on them until ctx is done or
// a server fails. Each value received on reload reloads the
// configuration; ready, if set, receives the addresses once every
// listener is up.
func (rp *runningProxy) serve(ctx context.Context, run *serverRun, tlsConfig *tls.Config, reload <-chan chan<- error, ready chan<- proxyAddrs) error {
	cfg := rp.cfg // of the start; a reload replaces rp.cfg
	if err := run.listenMain(cfg.Addr, tlsConfig); err != nil {
		return err
	}
	checks := func() []namedCheck {
		return append(rp.readyChecks(), namedCheck{"drain", drainingCheck(&run.drain)})
	}
	srv := run.track(withReady(rp, readyHandler(checks, run.logger), run.hdrs))
	addrs := proxyAddrs{URL: run.mainURL()}
	if err := run.startMetrics(); err != nil {
		return err
	}
	if cfg.RedirectAddr != "" {
		withHealth := func(redirect http.Handler) http.Handler { return withHealthPaths(redirect, rp, cfg.HealthPaths) }
		var err error
		if addrs.Redirect, err = run.startRedirect(cfg.RedirectAddr, cfg.PublicURL, withHealth); err != nil {
			return err
		}
	}
	// Printed last: whoever waits for this line finds every listener up.
	fmt.Fprintf(run.stdout, "harden proxy: listening on %s (%s mode), upstream %s\n", addrs.URL, modeName(cfg.Development), cfg.Upstream)
	run.serveMain(srv)
	if ready != nil {
		ready <- addrs
	}
	return run.wait(ctx, rp.opts.drainDelay, reload, func() error { return rp.reloadLogged(ctx, run) })
}

// reloadLogged reopens the security log and reloads the configuration,
// logging the outcome; a refused reload is a warning and leaves the
// running proxy as it is.
func (rp *runningProxy) reloadLogged(ctx context.Context, run *serverRun) error {
	if err := run.sec.Reopen(); err != nil {
		run.logger.Error("reopening the security log", "error", err)
	}
	err := rp.reload()
	if err != nil {
		run.warn(ctx, "reload refused, the running configuration stays: "+err.Error())
	} else {
		run.logger.Info("configuration reloaded")
	}
	return err
}

// newProxyServer is newServer without the read and write timeouts, which
// would cut streamed answers (server-sent events, long downloads) and
// WebSockets: a read deadline fires during a long answer and cancels the
// request. Slow request heads are still cut by ReadHeaderTimeout
// (Slowloris), idle connections by IdleTimeout.
func newProxyServer(h http.Handler, logger *slog.Logger) *http.Server {
	srv := newServer(h, logger)
	srv.ReadTimeout, srv.WriteTimeout = 0, 0
	return srv
}

// listenFramed listens on addr behind the framing guard (request
// smuggling), which answers its refusals with hdrs (nil: the default set)
// and records them in sec. With tc it terminates TLS.
func listenFramed(addr string, maxHeaderBytes int, tc *tls.Config, hdrs *headers.Headers, sec *seclog.Logger) (*framing.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	fl, err := framing.NewListener(ln, framing.Config{
		MaxHeaderBytes: maxHeaderBytes,
		TLSConfig:      tc,
		Headers:        hdrs,
		OnRefuse: func(remote net.Addr, requestID string, reason error) {
			status := http.StatusBadRequest
			switch {
			case errors.Is(reason, framing.ErrHeadTooLarge):
				status = http.StatusRequestHeaderFieldsTooLarge
			case errors.Is(reason, framing.ErrURITooLong):
				status = http.StatusRequestURITooLong
			}
			sec.Log(context.Background(), seclog.Event{
				Name: secevent.RequestRejected, Status: status, Err: reason,
				Details: []slog.Attr{slog.String("remote_addr", remote.String()), slog.String("request_id", requestID)},
			})
		},
	})
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return fl, nil
}
