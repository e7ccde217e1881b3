package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harden-go/harden/internal/app"
	"github.com/harden-go/harden/ratelimit"
)

func init() {
	register(command{name: "serve", summary: "run the hardened reference app", run: runServe})
}

// serveUsage documents every setting; it is printed by "harden serve -h".
const serveUsage = `Usage: harden serve [flags]

Runs the hardened reference app. With no settings it starts in development
mode on :3000 with ephemeral secrets and everything stored under ./data.

Every flag can also be set by the environment variable named beside it,
and most by the config file key in brackets: a flag given on the command
line wins over its variable, which wins over the file.

Config file (--config, HARDEN_CONFIG): JSON or YAML (by the extension, else
by the content), keys as in brackets ("api_limit: 100/15m"); an unknown key
is an error naming it. Secrets and the Redis and database URLs are never
read from the file. --print-config prints the effective configuration as
JSON, secrets redacted, in a form --config loads back.

Flags:
`

const serveNotes = `
Modes:
  development  ephemeral secrets (sessions end on restart), cookies without
               Secure over plain HTTP, error details for 4xx, no HTTPS
               redirect; only localhost, *.localhost, 127.0.0.1 and [::1]
               (and the public URL's host, if set) are answered, against
               DNS rebinding. A warning is printed. Never expose it to a
               network.
  production   refuses to start without HARDEN_SECRETS and HARDEN_PUBLIC_URL
               (an https:// URL). Plain-HTTP requests are redirected to the
               public URL with their path and query (301 for GET and HEAD,
               308 otherwise), never to the Host they sent; requests for any
               host but the public URL's get 421; Secure cookies and
               leak-free errors. GET /healthz is answered over plain HTTP and
               for any Host, for load balancers that probe by address.

Behind a reverse proxy or load balancer, set HARDEN_TRUSTED_PROXIES: a hop
count ("1" for one load balancer; the service must be unreachable except
through it) or a comma list of proxy addresses and CIDR ranges
("10.0.0.0/8,192.0.2.7"; ranges broader than /8 are refused). The client's
address, scheme and host then come from the X-Forwarded-For,
X-Forwarded-Proto and X-Forwarded-Host headers those proxies write; without
it they are never read, and a production instance behind a TLS-terminating
proxy sees plain HTTP and redirects every request.

HARDEN_HSTS_PRELOAD=true (--hsts-preload) adds preload to
Strict-Transport-Security, which the browsers' preload list requires. It is
a commitment, never a default: once listed, the domain and every subdomain
are HTTPS-only in browsers for months after the token is removed. It is
refused at start-up unless production mode, HTTPS (TLS or a trusted proxy),
an https:// public URL on a domain name and port 443, and a redirect from
plain HTTP on the same host (--redirect-addr, or the trusted proxy) are set.

HARDEN_ALLOWED_ORIGINS lists exact origins ("https://app.example.com",
comma-separated) whose pages may call the API with the user's cookies
(CORS with credentials, Content-Type allowed, preflights cached 10 minutes).
http:// origins other than loopback ones, "*", "null" and subdomain patterns
are refused. Empty: no cross-origin access.

Secrets are read from HARDEN_SECRETS or --secrets-file, never from a flag
value (command lines are visible to every user of the machine).

Rate limits: every /api/ request counts against --api-limit per client
address (default 100/15m; RateLimit and RateLimit-Policy headers on every
/api/ response, 429 with Retry-After beyond it); failed login and
registration attempts count against --auth-limit (default 5/15m;
successful ones are not counted). A rate is LIMIT/WINDOW: "100/15m",
"10/s", "1000/1d". Counters live in memory, per instance, unless
HARDEN_REDIS_URL names a Redis server ("redis://[:password@]host:port/db",
"rediss://" for TLS), a Redis Cluster ("redis-cluster://host:port?
addr=host:port&addr=...", every seed node) or the primary named by Redis
Sentinels ("redis-sentinel://host:port?master_name=NAME&addr=host:port"):
then every instance shares them, and the server
refuses to start when Redis does not answer. When Redis fails later,
limited requests get 503 (fail closed) and the outage is logged.

Security log: one JSON object per line for every refusal (421, 403, 429,
...), every 401/403/429, every login (success and failure), logout, CSRF
failure, refused preview destination, every panic (with its stack) and
start-up warnings, each with the client address, the signed-in user and the
request id that the client sees in X-Request-ID and in error bodies. It goes
to stderr, or to the file HARDEN_SECURITY_LOG (created with mode 0600,
appended to, reopened on SIGHUP for logrotate). Secrets, tokens and cookies
are masked; query strings are never logged.

Data: users and contact messages live in the SQLite file users.db under
--data-dir, or in PostgreSQL with HARDEN_DATABASE_URL; uploaded avatars
under --data-dir/avatars. Sessions are kept server-side: in the same SQLite
file or PostgreSQL database, or in Redis when HARDEN_REDIS_URL is set (then
shared by every instance, like the rate limits); the store sees only a hash
of the session id and encrypted data. When the session store fails,
requests that carry a session cookie get 503.

Secrets: HARDEN_SECRETS (or --secrets-file) is a comma-separated list of
secrets of at least 32 bytes and 256 bits of entropy each ("openssl rand
-base64 32"); the first signs session cookies and CSRF tokens and encrypts
session data, every one verifies (put a new secret first to rotate, drop
the old one once its sessions have expired). Instances that share sessions
need the same secrets. Development without secrets uses ephemeral ones:
every session ends at restart.

Cookies: the session cookie __Host-sid (HttpOnly, Secure, SameSite=Lax,
Path=/) after login, a new id at every login; the CSRF cookie __Host-csrf
(HttpOnly, Secure, SameSite=Strict) for visitors without a session.
Development over plain HTTP drops Secure and the __Host- prefix ("sid",
"csrf") and says so on stderr; development over TLS keeps them.

CSRF: every request other than GET, HEAD and OPTIONS must come from this
origin (Sec-Fetch-Site / Origin; the HARDEN_ALLOWED_ORIGINS pages count as
trusted) and carry a token in the X-CSRF-Token header or the _csrf form
field: GET /api/csrf-token answers {"token":"..."}, and the page's forms
carry the field. Refusals are 403.

Routes: GET / (page with the contact and login forms), GET /healthz,
GET /static/..., GET /api/csrf-token, POST /api/contact, POST /api/register,
POST /api/login, POST /api/logout, GET /api/me, GET /api/admin/messages and
GET /admin (role admin; "harden user add --role admin" makes one),
POST /api/preview (a URL fetched through a client that refuses internal
addresses), POST /api/avatar (one PNG, JPEG, GIF or WebP image of at most
5 MB). Request bodies are limited to 10 KiB (32 KiB for contact messages).

Shutdown: on SIGINT or SIGTERM the server drains for --drain-delay
(default 1s; it ends early once no connection has been open for 250ms): it
goes on serving, readiness fails, and every answer carries "Connection:
close"; then it closes the listeners and idle connections and gives
requests in flight 10s.

Probes: GET /healthz answers {"status":"ok"} while the process runs
(liveness, also on --redirect-addr). GET /readyz checks the database, the
session store and Redis within one second: {"status":"ok"}, or 503
{"status":"unavailable"} (the cause goes to the operational log).
--metrics-addr serves Prometheus metrics at /metrics on a listener of its
own, on loopback unless --dangerously-public-metrics is set: refusals by
layer, reason and route pattern, requests and latency by route pattern and
status class, rate-limit store errors.

Runtime: unless GOGC is set, the garbage collector runs at GOGC=200 (the
server keeps little live memory; this trades a few MB for throughput).
`

type serveConfig struct {
	addr, env, dataDir, secretsFile, trustedProxies, allowedOrigins, publicURL string
	redisURL, databaseURL, securityLog, tlsCert, tlsKey, redirectAddr          string
	drainDelay                                                                 time.Duration
	apiLimit, authLimit                                                        ratelimit.Spec
	metrics                                                                    metricsConfig
	hstsPreload                                                                bool
	logFormat                                                                  string
}

func runServe(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	setGCPercent()
	// go-redis prints its own pool and connection messages to stderr; the
	// rate limiter already logs store failures, once per interval.
	redis.SetLogger(quietRedis{})
	return serve(ctx, args, os.Getenv, stdout, stderr)
}

// quietRedis drops go-redis's own log messages.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// serveFile is what a config file for harden serve holds: every setting
// with a flag, except the credentials (secrets, the Redis and database
// URLs), which come only from the environment or a secrets file.
type serveFile struct {
	Env            string         `json:"env" yaml:"env"`
	Addr           string         `json:"addr" yaml:"addr"`
	DataDir        string         `json:"data_dir" yaml:"data_dir"`
	PublicURL      string         `json:"public_url,omitempty" yaml:"public_url,omitempty"`
	TrustedProxies proxyList      `json:"trusted_proxies,omitempty" yaml:"trusted_proxies,omitempty"`
	AllowedOrigins []string       `json:"allowed_origins,omitempty" yaml:"allowed_origins,omitempty"`
	APILimit       ratelimit.Spec `json:"api_limit" yaml:"api_limit"`
	AuthLimit      ratelimit.Spec `json:"auth_limit" yaml:"auth_limit"`
	SecurityLog    string         `json:"security_log,omitempty" yaml:"security_log,omitempty"`
	TLSCert        string         `json:"tls_cert,omitempty" yaml:"tls_cert,omitempty"`
	TLSKey         string         `json:"tls_key,omitempty" yaml:"tls_key,omitempty"`
	RedirectAddr   string         `json:"redirect_addr,omitempty" yaml:"redirect_addr,omitempty"`
	SecretsFile    string         `json:"secrets_file,omitempty" yaml:"secrets_file,omitempty"`
	HSTSPreload    bool           `json:"hsts_preload,omitempty" yaml:"hsts_preload,omitempty"`
}

// proxyList is the trusted proxies: a hop count or addresses and CIDR
// ranges. A file writes a number (1), a comma list as text, or a list.
type proxyList []string

// UnmarshalJSON accepts a number, a string or a list of strings.
func (l *proxyList) UnmarshalJSON(b []byte) error {
	var list []string
	if err := json.Unmarshal(b, &list); err == nil {
		*l = list
		return nil
	}
	var text string
	if err := json.Unmarshal(b, &text); err == nil {
		*l = splitList(text)
		return nil
	}
	var hops json.Number
	if err := json.Unmarshal(b, &hops); err == nil {
		*l = proxyList{hops.String()}
		return nil
	}
	return errors.New("trusted_proxies must be a hop count, or a list of addresses and CIDR ranges")
}

// serveSettings are the flags of harden serve that a config file can also
// set.
var serveSettings = []setting[serveFile]{
	{"addr", "HARDEN_ADDR", "addr", "listen address (default :3000; PORT=n means :n)", func(f *serveFile, v string) error { f.Addr = v; return nil }},
	{"env", "HARDEN_ENV", "env", "mode: development or production (default development)", func(f *serveFile, v string) error { f.Env = v; return nil }},
	{"data-dir", "HARDEN_DATA_DIR", "data_dir", "directory of the SQLite files (default data)", func(f *serveFile, v string) error { f.DataDir = v; return nil }},
	{"secrets-file", "HARDEN_SECRETS_FILE", "secrets_file", "file holding the comma-separated secrets, instead of HARDEN_SECRETS", func(f *serveFile, v string) error { f.SecretsFile = v; return nil }},
	{"trusted-proxies", "HARDEN_TRUSTED_PROXIES", "trusted_proxies", "proxies whose forwarding headers are trusted: a hop count or a comma list of addresses and CIDRs; default none", func(f *serveFile, v string) error {
		f.TrustedProxies = splitList(v)
		return nil
	}},
	{"allowed-origins", "HARDEN_ALLOWED_ORIGINS", "allowed_origins", "comma list of exact origins allowed by CORS with credentials, e.g. https://app.example.com", func(f *serveFile, v string) error {
		f.AllowedOrigins = splitList(v)
		return nil
	}},
	{"public-url", "HARDEN_PUBLIC_URL", "public_url", "URL clients use, e.g. https://example.com; required in production: plain HTTP is redirected there and its host is the allowed host", func(f *serveFile, v string) error { f.PublicURL = v; return nil }},
	{"security-log", "HARDEN_SECURITY_LOG", "security_log", "file for the JSON security log, reopened on SIGHUP; default stderr", func(f *serveFile, v string) error { f.SecurityLog = v; return nil }},
	{"api-limit", "HARDEN_API_LIMIT", "api_limit", "requests per window per client on /api/ (default " + app.DefaultAPILimit.String() + ")", func(f *serveFile, v string) error { return f.APILimit.Set(v) }},
	{"auth-limit", "HARDEN_AUTH_LIMIT", "auth_limit", "failed login and registration attempts per window per client (default " + app.DefaultAuthLimit.String() + ")", func(f *serveFile, v string) error { return f.AuthLimit.Set(v) }},
	{"tls-cert", "HARDEN_TLS_CERT", "tls_cert", "TLS certificate file (PEM); serves HTTPS with --tls-key", func(f *serveFile, v string) error { f.TLSCert = v; return nil }},
	{"tls-key", "HARDEN_TLS_KEY", "tls_key", "TLS private key file (PEM)", func(f *serveFile, v string) error { f.TLSKey = v; return nil }},
	{"redirect-addr", "HARDEN_REDIRECT_ADDR", "redirect_addr", "with TLS: a plain-HTTP listen address that only redirects to HTTPS", func(f *serveFile, v string) error { f.RedirectAddr = v; return nil }},
}

// serve runs the app until ctx is done, then shuts down gracefully.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	sa, code := parseServeFlags(args, getenv, stderr)
	if code >= 0 {
		return code
	}
	f, err := sa.load()
	if err != nil {
		fmt.Fprintf(stderr, "harden serve: %v\n", err)
		return 2
	}
	c := sa.c
	c.setFile(f)
	if sa.printConfig {
		if err := c.print(stdout, f, getenv); err != nil {
			fmt.Fprintf(stderr, "harden serve: %v\n", err)
			return 1
		}
		return 0
	}
	return runLogged("serve", c.logFormat, stderr, func(logger *slog.Logger, events io.Writer) error {
		return runServer(ctx, c, getenv, logger, stdout, events)
	})
}

// serveArgs are the command line and environment of harden serve: the
// settings no config file holds, and what to read the others from.
type serveArgs struct {
	c              serveConfig // the Redis and database URLs, the drain delay, metrics and log format
	getenv         func(string) string
	overrides      []override[serveFile] // per setting, its flag's value or else its variable's
	configPath     string
	printConfig    bool
	hstsPreload    bool
	hstsPreloadSet bool // --hsts-preload was given
}

// parseServeFlags returns the command line and environment of harden
// serve and -1, or an exit code.
func parseServeFlags(args []string, getenv func(string) string, stderr io.Writer) (*serveArgs, int) {
	sa := &serveArgs{getenv: getenv}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(names ...string) string {
		for _, n := range names {
			if v := getenv(n); v != "" {
				return v
			}
		}
		return ""
	}
	overrides := settingFlags(fs, serveSettings, getenv)
	fs.StringVar(&sa.configPath, "config", "", "config file, JSON or YAML (HARDEN_CONFIG)")
	fs.BoolVar(&sa.printConfig, "print-config", false, "print the effective configuration as JSON, secrets redacted, and exit")
	// These two URLs may carry passwords: their environment values are not
	// flag defaults, which the usage text would print to stderr.
	fs.StringVar(&sa.c.redisURL, "redis-url", "", "Redis URL for rate limits and sessions shared by instances (HARDEN_REDIS_URL)")
	fs.StringVar(&sa.c.databaseURL, "database-url", "", "PostgreSQL DSN for users, messages and sessions (HARDEN_DATABASE_URL)")
	fs.BoolVar(&sa.hstsPreload, "hsts-preload", false, "add preload to Strict-Transport-Security, asking browsers' preload lists to hard-code HTTPS for the domain and every subdomain; a commitment that takes months to undo; refused unless the list's requirements are met (HARDEN_HSTS_PRELOAD) [hsts_preload]")
	drainDelay := drainDelayFlag(fs, getenv)
	registerMetricsFlags(fs, &sa.c.metrics, env)
	registerLogFormatFlag(fs, &sa.c.logFormat, getenv)
	fs.Usage = func() {
		fmt.Fprint(stderr, serveUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, serveNotes)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if drainDelay.err != nil {
		fmt.Fprintf(stderr, "harden serve: %v\n", drainDelay.err)
		return nil, 2
	}
	sa.c.drainDelay = drainDelay.d
	if sa.c.redisURL == "" {
		sa.c.redisURL = env("HARDEN_REDIS_URL")
	}
	if sa.c.databaseURL == "" {
		sa.c.databaseURL = env("HARDEN_DATABASE_URL")
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "harden serve: unexpected argument %q\n", fs.Arg(0))
		return nil, 2
	}
	if sa.configPath == "" {
		sa.configPath = env("HARDEN_CONFIG")
	}
	sa.overrides = overrides()
	sa.hstsPreloadSet = flagSet(fs, "hsts-preload")
	return sa, -1
}

// load builds the settings a config file can hold: defaults, then the
// file, then the environment, then the flags.
func (sa *serveArgs) load() (serveFile, error) {
	f, err := loadServeFile(sa.configPath, sa.overrides)
	if err != nil {
		return f, err
	}
	// --hsts-preload is a boolean flag, so it is not one of the string
	// settings: the flag, then HARDEN_HSTS_PRELOAD, then the file.
	if sa.hstsPreloadSet {
		f.HSTSPreload = sa.hstsPreload
	} else if v := sa.getenv("HARDEN_HSTS_PRELOAD"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, fmt.Errorf("HARDEN_HSTS_PRELOAD: %q is not a boolean", v)
		}
		f.HSTSPreload = b
	}
	return f, nil
}

// print writes the effective configuration as JSON for --print-config,
// secrets and the passwords of the Redis and database URLs redacted.
func (c *serveConfig) print(w io.Writer, f serveFile, getenv func(string) string) error {
	secrets, err := readSecrets(getenv, f.SecretsFile)
	if err != nil {
		return err
	}
	return printSettings(w, f, splitList(secrets), map[string]string{"redis_url": c.redisURL, "database_url": c.databaseURL})
}

// loadServeFile builds the settings: defaults, then the file, then the
// environment, then the flags.
func loadServeFile(path string, overrides []override[serveFile]) (serveFile, error) {
	f := serveFile{Env: "development", Addr: ":3000", DataDir: "data",
		APILimit: app.DefaultAPILimit, AuthLimit: app.DefaultAuthLimit}
	if err := loadSettings(path, &f, overrides); err != nil {
		return f, err
	}
	return f, nil
}

// setFile sets the settings of c that f holds.
func (c *serveConfig) setFile(f serveFile) {
	c.addr, c.env, c.dataDir, c.publicURL = f.Addr, f.Env, f.DataDir, f.PublicURL
	c.trustedProxies = strings.Join(f.TrustedProxies, ",")
	c.allowedOrigins = strings.Join(f.AllowedOrigins, ",")
	c.apiLimit, c.authLimit = f.APILimit, f.AuthLimit
	c.securityLog, c.tlsCert, c.tlsKey, c.redirectAddr = f.SecurityLog, f.TLSCert, f.TLSKey, f.RedirectAddr
	c.secretsFile = f.SecretsFile
	c.hstsPreload = f.HSTSPreload
}

// readSecrets returns the comma-separated secrets: the secrets file's
// content if one is named, else HARDEN_SECRETS.
func readSecrets(getenv func(string) string, secretsFile string) (string, error) {
	if secretsFile == "" {
		return getenv("HARDEN_SECRETS"), nil
	}
	b, err := os.ReadFile(secretsFile) // #nosec G304 -- the operator names the secrets file (flag, environment or config file)
	if err != nil {
		return "", fmt.Errorf("reading --secrets-file: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// runServer runs the app with the settings of c until ctx is done, then
// shuts it down gracefully.
func runServer(ctx context.Context, c serveConfig, getenv func(string) string, logger *slog.Logger, stdout, stderr io.Writer) error {
	dev, err := c.check()
	if err != nil {
		return err
	}
	secrets, err := readSecrets(getenv, c.secretsFile)
	if err != nil {
		return err
	}
	run := newServerRun("serve", newServer, logger, stdout)
	if err := run.openLogs(c.metrics, c.securityLog, stderr); err != nil {
		return err
	}
	defer run.sec.Close()
	if c.securityLog != "" {
		stopReopen := run.sec.ReopenOnSignal(syscall.SIGHUP)
		defer stopReopen()
	}
	a, err := app.New(c.appConfig(dev, secrets, run))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := checkRedirectPublicURL(c.redirectAddr, c.publicURL); err != nil {
		return err
	}
	if dev {
		keysNote := "ephemeral secrets (sessions end at restart)"
		if !a.EphemeralKeys() {
			keysNote = "secrets from HARDEN_SECRETS"
		}
		run.warn(ctx, "development mode: "+keysNote+", no Secure cookies over plain HTTP, error details shown; do not expose this server to a network")
	} else if !c.useTLS() && c.trustedProxies == "" {
		run.warn(ctx, "production over plain HTTP with no trusted proxy: every request but /healthz is redirected to the public URL; set --trusted-proxies to the TLS-terminating proxy, or --tls-cert and --tls-key")
	}
	return c.serveApp(ctx, run, a, dev)
}

// check refuses a mode other than development and production, and
// listener settings that do not go together; it reports whether the mode
// is development.
func (c *serveConfig) check() (dev bool, err error) {
	switch c.env {
	case "development":
		dev = true
	case "production":
	default:
		return false, fmt.Errorf("--env must be development or production, not %q", c.env)
	}
	useTLS := c.useTLS()
	if useTLS && (c.tlsCert == "" || c.tlsKey == "") {
		return false, errors.New("--tls-cert and --tls-key go together")
	}
	if c.redirectAddr != "" && !useTLS {
		return false, errors.New("--redirect-addr needs --tls-cert and --tls-key")
	}
	if c.hstsPreload {
		setup := hstsPreloadSetup{dev: dev, tls: useTLS, trustedProxies: c.trustedProxies, publicURL: c.publicURL, redirectAddr: c.redirectAddr}
		if err := setup.check(); err != nil {
			return false, err
		}
	}
	return dev, nil
}

// useTLS reports whether the app is served over TLS: a certificate or a
// key is given (check refuses one without the other).
func (c *serveConfig) useTLS() bool {
	return c.tlsCert != "" || c.tlsKey != ""
}

// appConfig is the configuration of the app that c runs, logging to run's
// logs.
func (c *serveConfig) appConfig(dev bool, secrets string, run *serverRun) app.Config {
	return app.Config{
		Development:    dev,
		TLS:            c.useTLS(),
		DataDir:        c.dataDir,
		Secrets:        secrets,
		TrustedProxies: c.trustedProxies,
		AllowedOrigins: c.allowedOrigins,
		PublicURL:      c.publicURL,
		RedisURL:       c.redisURL,
		DatabaseURL:    c.databaseURL,
		APILimit:       c.apiLimit,
		AuthLimit:      c.authLimit,
		SecurityLog:    run.sec,
		Logger:         run.logger,
		Metrics:        run.metrics,
		HSTSPreload:    c.hstsPreload,
	}
}

// serveApp opens the listeners of c (the app's, then the metrics and the
// redirect listeners if set) and serves a on them until ctx is done or a
// server fails.
func (c *serveConfig) serveApp(ctx context.Context, run *serverRun, a *app.App, dev bool) error {
	run.hdrs = a.Headers()
	a.AddReadyCheck("drain", drainingCheck(&run.drain))
	srv := run.track(a.Handler())
	var tlsConfig *tls.Config
	if c.useTLS() {
		cert, err := loadKeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			return err
		}
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{*cert}}
	}
	// The framing guard refuses ambiguous requests (smuggling) before
	// net/http reads them; with TLS it terminates TLS itself.
	if err := run.listenMain(c.addr, tlsConfig); err != nil {
		return err
	}
	if err := run.startMetrics(); err != nil {
		return err
	}
	if c.redirectAddr != "" {
		withHealthz := func(redirect http.Handler) http.Handler { return withHealth(redirect, a.Handler()) }
		if _, err := run.startRedirect(c.redirectAddr, c.publicURL, withHealthz); err != nil {
			return err
		}
	}
	// Printed last: whoever waits for this line finds every listener up.
	fmt.Fprintf(run.stdout, "harden serve: listening on %s (%s mode)\n", run.mainURL(), modeName(dev))
	run.serveMain(srv)
	return run.wait(ctx, c.drainDelay, nil, nil)
}

// maxHeaderBytes is the request head limit of harden serve and harden
// proxy, of the framing guard and of net/http alike (431 beyond; 414 for a
// request line longer than that).
const maxHeaderBytes = 32 << 10

// newServer returns an http.Server with every timeout set, so slow clients
// cannot hold connections open (Slowloris), and a header size limit
// (answered with 431 by net/http; the servers behind the framing guard
// raise it for HTTP/2 and refuse over maxHeaderBytes themselves, see
// http2HeadAllowance). "OPTIONS *" goes to the handler too,
// so that it is answered with the security headers like every other
// request rather than with net/http's bare 200.
func newServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:                      h,
		DisableGeneralOptionsHandler: true,
		ReadHeaderTimeout:            5 * time.Second,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 30 * time.Second,
		IdleTimeout:                  120 * time.Second,
		MaxHeaderBytes:               maxHeaderBytes,
		ErrorLog:                     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// redirectTarget is where the plain-HTTP listener sends clients: the public
// URL, or the HTTPS listener on localhost. Never the request's Host header,
// which the client controls (an open redirect).
func redirectTarget(publicURL string, tlsAddr net.Addr) string {
	if publicURL != "" {
		return publicURL
	}
	_, port, _ := net.SplitHostPort(tlsAddr.String())
	return "https://localhost:" + port
}

// displayAddr shows an unspecified listen address as localhost.
func displayAddr(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// flagSet reports whether the flag called name was given on the command
// line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
