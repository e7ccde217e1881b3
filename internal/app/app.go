// Package app is the hardened reference application that "harden serve"
// runs: a small site with an HTML page, a JSON API and static assets, behind
// the full harden stack.
//
// It shows every layer in use with the settings a production service would
// choose, and it is the target of the project's end-to-end, browser and
// load tests. It may import every package of the module, including stores
// and drivers.
//
// The whole stack is one harden.Config: the request context, security
// headers, HTTPS, allowed hosts, CORS, the general rate limit, then the app
// layer (body size limit, parameter pollution, session, CSRF, the login
// limiter), then the routes with their own validation and authorization.
// Static assets, health checks and CSP reports are exempt from the app
// layer: they read no body, no session and change nothing.
package app

import (
	"context"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/authz"
	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/cspreport"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/validate"
	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/httpsyntax"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/password"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/ratelimit/redisstore"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/ssrf"
	"github.com/harden-go/harden/static"
)

//go:embed assets
var assets embed.FS

//go:embed templates/index.html
var indexHTML string

//go:embed templates/admin.html
var adminHTML string

// Config is the app's configuration. The zero value is a production
// configuration without secrets, which New refuses.
type Config struct {
	// Development selects development mode: ephemeral secrets when none
	// are given, no Secure cookies (and no __Host- prefix) and no HTTPS
	// upgrade over plain HTTP, error details for 4xx.
	Development bool
	// TLS reports that the app is served over HTTPS (directly or behind a
	// trusted proxy). Over plain HTTP in development the CSP drops
	// upgrade-insecure-requests, which would break same-origin loads, and
	// the session and CSRF cookies lose their __Host- prefix.
	TLS bool
	// HSTSPreload adds preload to Strict-Transport-Security
	// (HARDEN_HSTS_PRELOAD). Off by default: once a browser's list holds
	// the domain, HTTPS is hard-coded for it and every subdomain for
	// months after the token is removed.
	HSTSPreload bool
	// DataDir holds the SQLite database (users, messages and, by default,
	// sessions) and the uploaded avatars (HARDEN_DATA_DIR). Required.
	DataDir string
	// Secrets is the comma-separated key ring (HARDEN_SECRETS), each
	// secret of at least 256 bits (see package keys). Required in
	// production; development without it uses an ephemeral ring.
	Secrets string
	// TrustedProxies names the reverse proxies whose forwarding headers
	// give the client's address and scheme: a hop count ("1") or a comma
	// list of addresses and CIDR ranges ("10.0.0.0/8,192.0.2.7"), as
	// clientip.ParseTrusted reads it (HARDEN_TRUSTED_PROXIES). Default: none.
	TrustedProxies string
	// AllowedOrigins is the comma-separated list of exact origins
	// ("https://app.example.com") whose pages may call the API with the
	// user's cookies (HARDEN_ALLOWED_ORIGINS). They are the CSRF layer's
	// trusted origins too (they still need a token). Default: none, no
	// CORS.
	AllowedOrigins string
	// PublicURL is the URL clients use ("https://example.com"): plain-HTTP
	// requests are redirected there and its host is the allowed host.
	// Required in production; in development it may be http:// and the
	// loopback names stay allowed (HARDEN_PUBLIC_URL).
	PublicURL string
	// APILimit is the general rate limit on /api/, per client address
	// (HARDEN_API_LIMIT). Default 100/15m.
	APILimit ratelimit.Spec
	// AuthLimit is the limit of failed login and registration attempts per
	// client address; successful attempts are refunded (HARDEN_AUTH_LIMIT).
	// Default 5/15m.
	AuthLimit ratelimit.Spec
	// RedisURL, when set, holds rate limits and sessions, shared by every
	// instance that uses it. New refuses to start when Redis does not
	// answer (HARDEN_REDIS_URL).
	RedisURL string
	// DatabaseURL, when set, is a PostgreSQL DSN for users, messages and
	// (unless RedisURL is set) sessions (HARDEN_DATABASE_URL).
	DatabaseURL string
	// SecurityLog receives security events: refusals, rate limits, panics,
	// logins. The caller owns it. Default: JSON lines on stderr.
	SecurityLog *seclog.Logger
	// Logger receives operational records. Default slog.Default().
	Logger *slog.Logger
	// Metrics, when set, counts every request by route pattern and status
	// class, and rate-limit store errors. The refusals reach it through
	// SecurityLog, whose seclog.Config.Observer the caller sets to it.
	// Default: none.
	Metrics *metrics.Metrics

	// Test hooks, settable only by this package's tests.

	// previewSSRF, when its DangerouslyDialContext is set, replaces the
	// configuration of the preview route's outbound client: a test allows
	// its one loopback server and fails on any other dial.
	previewSSRF ssrf.Config
	// hasher replaces the password hasher (cheaper parameters for tests
	// that log in many times).
	hasher *password.Hasher
}

// Defaults of the rate limits.
var (
	DefaultAPILimit  = ratelimit.Spec{Limit: 100, Window: 15 * time.Minute}
	DefaultAuthLimit = ratelimit.Spec{Limit: 5, Window: 15 * time.Minute}
)

// redisTimeout bounds the start-up check of Redis.
const redisTimeout = 5 * time.Second

// App is the reference application.
type App struct {
	cfg         Config
	logger      *slog.Logger
	sec         *seclog.Logger
	stack       *harden.Stack
	mux         *http.ServeMux // static assets, health, then everything else to the routes
	readyChecks []readyCheck   // what GET /readyz checks
	cspReports  http.Handler
	// muxHandler is mux, wrapped to record the route pattern when metrics are on.
	muxHandler http.Handler
	routes     *http.ServeMux // the pages and the API, behind the app layer
	// methods holds every pattern of mux and routes, each to a handler
	// that does nothing: asked for a request no route takes, it answers
	// 405 with the Allow list of the path's routes, or 404.
	methods *http.ServeMux
	index   *template.Template
	admin   *template.Template
	sri     map[string]string // asset name → integrity value
	handler http.Handler

	ring     *keys.Ring
	db       *appdb.DB
	sessions *session.Manager
	closers  []func() error // run by Close, last first
	csrf     *csrf.Protector
	guard    *authz.Guard
	hasher   *password.Hasher
	valid    *validate.Validator // JSON bodies of 10 KiB
	contactV *validate.Validator // the contact form: 5000 characters of any script
	upload   *input.Upload
	preview  *ssrf.Client
	avatars  *os.Root // the uploaded avatars, under DataDir

	// redis holds the rate-limit counters when RedisURL is set.
	redis *redisstore.Store
	// authLimit limits failed attempts on POST /api/login and
	// POST /api/register (the stack's login limiter).
	authLimit *ratelimit.Limiter
}

// Errors New returns for configurations it refuses.
var (
	ErrNoSecrets         = errors.New("production mode needs HARDEN_SECRETS (one or more comma-separated secrets of at least 32 bytes)")
	ErrWeakSecret        = errors.New("each secret in HARDEN_SECRETS must be at least 32 bytes carrying 256 bits of entropy (generate one with: openssl rand -base64 32)")
	ErrBadPublicURL      = errors.New("HARDEN_PUBLIC_URL must be an absolute http(s) URL with a host and no path, query or credentials")
	ErrPublicURLNotHTTPS = errors.New("in production HARDEN_PUBLIC_URL must be an https:// URL")
	ErrNoPublicURL       = errors.New("production mode needs HARDEN_PUBLIC_URL, the https:// URL clients use (HTTPS redirects go there and it is the allowed host)")
	ErrNoDataDir         = errors.New("HARDEN_DATA_DIR is required (the SQLite database and uploaded avatars live there)")
)

// healthPath is the health check: answered over plain HTTP and for any
// Host, so that load balancers and orchestrators probing the instance by
// address reach it.
const healthPath = "/healthz"

// cspReportPath receives the CSP violation reports of the app's pages.
const cspReportPath = "/csp-report"

// New validates cfg and builds the app: it opens the database (and Redis),
// so Close it.
func New(cfg Config) (a *App, err error) {
	a = &App{cfg: cfg, logger: cfg.Logger, mux: http.NewServeMux(), routes: http.NewServeMux(), methods: http.NewServeMux()}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	if a.ring, err = keyRing(cfg); err != nil {
		return nil, err
	}
	set, err := checkSettings(cfg)
	if err != nil {
		return nil, err
	}
	// From here on resources are opened: release them on failure.
	built := a
	defer func() {
		if err != nil {
			_ = built.Close()
		}
	}()
	// Both limiters share one store: one Redis for every instance, or each
	// its own memory. Their identifiers keep their counters apart.
	var store ratelimit.Store
	if cfg.RedisURL != "" {
		if store, err = a.openRedis(cfg.RedisURL); err != nil {
			return nil, err
		}
	}
	// Sessions live beside the users, or in Redis with the rate limits.
	sessionStore, err := a.openData(cfg)
	if err != nil {
		return nil, err
	}
	if err := a.layers(cfg); err != nil {
		return nil, err
	}
	stack, err := harden.New(a.stackConfig(set, store, sessionStore))
	if err != nil {
		return nil, err
	}
	a.stack = stack
	a.sec = stack.SecurityLog()
	a.sessions, a.csrf, a.authLimit = stack.Sessions(), stack.CSRF(), stack.LoginLimiter()
	if err := a.pages(); err != nil {
		return nil, err
	}
	a.route()
	a.muxHandler = a.mux
	if cfg.Metrics != nil {
		a.muxHandler = cfg.Metrics.Routes(a.mux) // records r.Pattern for the metrics
	}
	a.handler = stack.Handler(http.HandlerFunc(a.serve))
	return a, nil
}

// settings are the values New reads from a Config, checked before any
// resource is opened.
type settings struct {
	trusted   clientip.Config
	cors      cors.Config
	apiLimit  ratelimit.Spec
	authLimit ratelimit.Spec
}

// checkSettings checks the public URL, the trusted proxies, the allowed
// origins, the rate limits (defaulted) and the data directory of cfg, in
// that order, and returns what the stack is built from.
func checkSettings(cfg Config) (settings, error) {
	var set settings
	switch {
	case cfg.PublicURL != "":
		if err := checkPublicURL(cfg.PublicURL, cfg.Development); err != nil {
			return set, err
		}
	case !cfg.Development:
		return set, ErrNoPublicURL
	}
	var err error
	if set.trusted, err = clientip.ParseTrusted(cfg.TrustedProxies); err != nil {
		return set, fmt.Errorf("HARDEN_TRUSTED_PROXIES: %w", err)
	}
	set.cors = corsPolicy(cfg.AllowedOrigins)
	if _, err := cors.New(set.cors); err != nil {
		return set, fmt.Errorf("HARDEN_ALLOWED_ORIGINS: %w", err)
	}
	set.apiLimit, set.authLimit = cfg.APILimit, cfg.AuthLimit
	if set.apiLimit == (ratelimit.Spec{}) {
		set.apiLimit = DefaultAPILimit
	}
	if set.authLimit == (ratelimit.Spec{}) {
		set.authLimit = DefaultAuthLimit
	}
	if err := set.apiLimit.Validate(); err != nil {
		return set, fmt.Errorf("HARDEN_API_LIMIT: %w", err)
	}
	if err := set.authLimit.Validate(); err != nil {
		return set, fmt.Errorf("HARDEN_AUTH_LIMIT: %w", err)
	}
	if cfg.DataDir == "" {
		return set, ErrNoDataDir
	}
	return set, nil
}

// pageHeaders is the security header set of the app: Strict, with a CSP
// for its pages.
func pageHeaders(cfg Config) headers.Config {
	hcfg := headers.Strict()
	// Google's strict CSP with Trusted Types; the page creates no Trusted
	// Types policy, so none may be created. default-src 'none' and the
	// same-origin fetch directives are Strict's.
	hcfg.CSP = headers.CSP{Preset: "strict", TrustedTypes: []string{"'none'"}, Directives: map[string][]string{
		"default-src": {"'none'"}, "img-src": {"'self'"}, "font-src": {"'self'"}, "style-src": {"'self'"},
		"connect-src": {"'self'"}, "manifest-src": {"'self'"}, "frame-ancestors": {"'none'"},
	}}
	hcfg.CSP.ReportURL = cspReportPath // violations are recorded in the security log
	hcfg.HSTS.Preload = cfg.HSTSPreload
	hcfg.APISet = true // pages get the page set and a nonce; JSON answers the compact set, no nonce
	if cfg.Development && !cfg.TLS {
		// Over plain HTTP the upgrade would send same-origin loads to an
		// https:// origin that does not exist.
		hcfg.CSP.Remove = append(hcfg.CSP.Remove, "upgrade-insecure-requests")
	}
	return hcfg
}

// stackConfig is the configuration of the app's harden stack, with the
// checked settings set, the rate-limit store (nil: memory) and the
// session store.
func (a *App) stackConfig(set settings, store ratelimit.Store, sessionStore session.Store) harden.Config {
	cfg := a.cfg
	return harden.Config{
		Development: cfg.Development,
		PublicURL:   cfg.PublicURL,
		HealthPaths: []string{healthPath, readyPath},
		Headers:     pageHeaders(cfg),
		ClientIP:    set.trusted,
		CORS:        set.cors,
		HTTPS:       harden.HTTPSConfig{Served: cfg.TLS},
		RateLimit: harden.RateLimitConfig{
			Config: ratelimit.Config{Rate: set.apiLimit, Identifier: "api", Store: store, OnStoreError: storeErrors(cfg.Metrics)},
			Paths:  []string{"/api/"},
		},
		// The app layer: body limit (10 KiB, more for the contact form and
		// the avatar upload; JSON, forms and multipart only), parameter
		// pollution (last value wins; "$" and "." keys refused), the
		// session, CSRF (trusting the CORS origins, which still need a
		// token) and the login limiter, all signed by one ring.
		Keys:    a.ring,
		Session: session.Config{Store: sessionStore, StoreTimeout: sessionStoreTimeout, StoreObserver: sessionObserver(cfg.Metrics)},
		Body: input.BodyLimitConfig{Routes: map[string]int64{
			"POST /api/contact": contactMaxBytes,
			"POST /api/avatar":  a.upload.MaxTotalBytes(),
		}},
		// A urlencoded body as large as the contact form's: every other
		// route's body limit (10 KiB) bites first.
		Params: input.ParamsConfig{MaxBytes: contactMaxBytes},
		Login: harden.LoginConfig{
			Config: ratelimit.Config{
				Rate:       set.authLimit,
				Identifier: "auth",
				// Only failures count: 5 wrong passwords, not 5 logins. A
				// 503 (the hasher's queue full, a store down) checked no
				// password: it is refunded too, so a user turned away
				// during a login flood is not locked out for it.
				Succeeded:    func(_ *http.Request, status int) bool { return status < 400 || status == http.StatusServiceUnavailable },
				Store:        store,
				OnStoreError: storeErrors(cfg.Metrics),
			},
			Routes: []string{"POST /api/register", "POST /api/login"},
		},
		// Static assets, health checks and CSP reports read no body and
		// no session and change nothing; browsers post reports without a
		// token, and the report endpoint bounds its own body and rate.
		AppExempt:   []string{"GET /static/", "GET " + healthPath, "GET " + readyPath, "GET /favicon.ico", "POST " + cspReportPath},
		SecurityLog: cfg.SecurityLog,
		Logger:      a.logger,
		Observer:    requestObserver(cfg.Metrics),
	}
}

// pages parses the page templates, computes the assets' integrity values
// and builds the CSP report endpoint.
func (a *App) pages() (err error) {
	a.index, err = template.New("index").Parse(indexHTML)
	if err != nil {
		return fmt.Errorf("app: parsing page template: %w", err)
	}
	a.admin, err = template.New("admin").Parse(adminHTML)
	if err != nil {
		return fmt.Errorf("app: parsing admin template: %w", err)
	}
	if a.sri, err = integrity(assets, "assets"); err != nil {
		return err
	}
	if a.cspReports, err = cspreport.New(cspreport.Config{Log: a.sec}); err != nil {
		return err
	}
	return nil
}

// favicon serves the embedded icon, so that the browser's unprompted
// fetch of it is answered (and cached for a day) rather than refused.
func (a *App) favicon(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/favicon.ico")
	if err != nil { // cannot happen: the file is embedded
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusNotFound, Message: "Not found"})
		return
	}
	w.Header().Set("Content-Type", "image/x-icon")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}

// storeErrors is m's rate-limit store error counter, nil without metrics.
func storeErrors(m *metrics.Metrics) func(failOpen bool) {
	if m == nil {
		return nil
	}
	return m.StoreError
}

// requestObserver is m as the stack's observer, nil (not a nil
// *Metrics in an interface) without metrics.
func requestObserver(m *metrics.Metrics) harden.RequestObserver {
	if m == nil {
		return nil
	}
	return m
}

// Handler returns the app behind its security stack.
func (a *App) Handler() http.Handler { return a.handler }

// SecurityLog returns the app's security log.
func (a *App) SecurityLog() *seclog.Logger { return a.stack.SecurityLog() }

// Headers returns the app's security header set, for answers written
// outside the handler (the connection guard's refusals).
func (a *App) Headers() *headers.Headers { return a.stack.Headers() }

// EphemeralKeys reports whether the app signs with a ring of its own
// (development without HARDEN_SECRETS): sessions end when it stops and are
// not understood by other instances.
func (a *App) EphemeralKeys() bool { return a.ring.Ephemeral() }

// Close releases the app's resources: the session store, the database and
// the Redis connections.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	if a.redis != nil {
		errs = append(errs, a.redis.Close())
		a.redis = nil
	}
	return errors.Join(errs...)
}

// openRedis connects the rate-limit store and checks that Redis answers:
// a configured but unreachable Redis stops the start, rather than
// failing every limited request later.
func (a *App) openRedis(url string) (*redisstore.Store, error) {
	rs, err := redisstore.Open(url)
	if err != nil {
		return nil, fmt.Errorf("HARDEN_REDIS_URL: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), redisTimeout)
	defer cancel()
	if err := rs.Ping(ctx); err != nil {
		_ = rs.Close()
		return nil, fmt.Errorf("HARDEN_REDIS_URL: Redis does not answer: %w", err)
	}
	a.redis = rs
	a.AddReadyCheck("redis (rate limits)", rs.Ping)
	return rs, nil
}

// route registers the routes. The outer mux answers static assets, the
// health checks, the icon and CSP reports directly (the stack's AppExempt
// routes); everything else reaches a.routes through the app layer (body
// limit, parameter pollution, session, CSRF), so that a route added there
// is protected by every layer without asking: an unsafe request to any
// path, known or not, needs a CSRF token.
//
// Each route's pattern is registered on the outer mux too, to the same
// a.routes that its catch-all "/" leads to: the answer is the same, but
// an exact match costs the outer mux no allocations, where the catch-all
// costs five (it is never an exact match, so the mux also tries a
// trailing-slash redirect). None of these patterns ends in a slash, so
// they add no redirect.
//
// Every pattern goes to a.methods as well, which tells a wrong method on
// a route (405 with its Allow list) from a path no route has (404).
func (a *App) route() {
	outer := func(pattern string, h http.Handler) {
		a.mux.Handle(pattern, h)
		a.methods.Handle(pattern, noop)
	}
	sub, _ := fs.Sub(assets, "assets") // cannot fail: "assets" is a valid path
	outer("GET /static/", http.StripPrefix("/static", static.New(sub)))
	outer("GET "+healthPath, http.HandlerFunc(a.healthz))
	outer("GET "+readyPath, http.HandlerFunc(a.readyz))
	outer("GET /favicon.ico", http.HandlerFunc(a.favicon))
	outer("GET /robots.txt", http.HandlerFunc(a.robots))
	// Exempt from the app layer: browsers post reports without a CSRF
	// token or session; the endpoint bounds its own body size and rate.
	outer("POST "+cspReportPath, a.cspReports)
	chain := a.routes
	a.mux.Handle("/", chain)

	handle := func(pattern string, h http.Handler) {
		a.routes.Handle(pattern, h)
		outer(pattern, chain)
	}
	handle("GET /{$}", http.HandlerFunc(a.home))
	handle("GET /api/csrf-token", a.csrf.TokenHandler())
	handle("POST /api/contact", http.HandlerFunc(a.contact))
	handle("POST /api/register", http.HandlerFunc(a.register)) // login limiter: harden.Config.Login
	handle("POST /api/login", http.HandlerFunc(a.login))
	handle("POST /api/logout", a.guard.RequireAuth(http.HandlerFunc(a.logout)))
	handle("GET /api/me", a.guard.RequireAuth(http.HandlerFunc(a.me)))
	handle("GET /api/admin/messages", a.guard.RequireRole(appdb.RoleAdmin)(http.HandlerFunc(a.adminMessages)))
	handle("GET /admin", a.guard.RequireRole(appdb.RoleAdmin)(http.HandlerFunc(a.adminPage)))
	handle("POST /api/preview", a.guard.RequireAuth(http.HandlerFunc(a.previewURL)))
	handle("POST /api/avatar", a.guard.RequireAuth(http.HandlerFunc(a.avatar)))
	// Everything else is a JSON 405 or 404, with the security headers.
	// The catch-all keeps the metrics' route label "/" for all of them.
	a.routes.HandleFunc("/", a.noRoute)
}

// serve hands r to the mux, except a target that is not a path, such as
// "*" or CONNECT's authority form ("example.com:443"): the mux would
// answer it in plain text, and this server is no proxy. It gets the app's
// JSON 400 instead. CONNECT to a path is routed like any method: 405 on
// a route, 404 elsewhere.
func (a *App) serve(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/") {
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusBadRequest, Message: "Bad request"})
		return
	}
	a.muxHandler.ServeHTTP(w, r)
}

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// page is the data of the index template.
type page struct {
	Nonce     string
	ScriptSRI template.HTMLAttr // integrity="sha384-…", computed by the app
	StyleSRI  template.HTMLAttr
	CSRFField template.HTML
	Extra     template.HTML // tests only: markup injected after the page's script
}

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	// The field carries a masked token bound to the session, or to the
	// pre-session cookie that TemplateField sets now, before the response
	// starts.
	a.render(w, r, page{CSRFField: csrf.TemplateField(r)})
}

// sriAttr returns the integrity attribute of an embedded asset.
func (a *App) sriAttr(asset string) template.HTMLAttr {
	// The value is a base64 hash that integrity() computed from the app's own
	// embedded files: no request data reaches it.
	return template.HTMLAttr(`integrity="` + a.sri[asset] + `"`) // #nosec G203 -- hash of our own embedded asset, no input
}

func (a *App) render(w http.ResponseWriter, r *http.Request, p page) {
	p.Nonce = headers.Nonce(r)
	p.ScriptSRI = a.sriAttr("app.js")
	p.StyleSRI = a.sriAttr("style.css")
	var b strings.Builder
	if err := a.index.Execute(&b, p); err != nil {
		a.logger.ErrorContext(r.Context(), "rendering page", "err", err)
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusInternalServerError, Message: "Internal server error"})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // the page carries a per-request nonce
	_, _ = w.Write([]byte(b.String()))
}

// integrity computes the Subresource Integrity value of every asset.
func integrity(fsys fs.FS, dir string) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha512.Sum384(b)
		out[strings.TrimPrefix(p, dir+"/")] = "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("app: hashing assets: %w", err)
	}
	return out, nil
}

// corsPolicy is the app's CORS policy for the origins in list: pages there
// may call the JSON API with the user's cookies. Exact origins only:
// subdomain patterns are refused with credentials.
func corsPolicy(list string) cors.Config {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	return cors.Config{
		Origins:        origins,
		Credentials:    true,
		RequestHeaders: []string{"Content-Type", "X-CSRF-Token"}, // the CSRF token's header
		MaxAge:         600,
	}
}

// keyRing is the ring that signs sessions and CSRF tokens: HARDEN_SECRETS,
// or in development without it an ephemeral ring (sessions end at restart;
// harden serve warns).
func keyRing(cfg Config) (*keys.Ring, error) {
	if cfg.Secrets == "" {
		if cfg.Development {
			return keys.Ephemeral(), nil
		}
		return nil, ErrNoSecrets
	}
	ring, err := keys.Parse(cfg.Secrets)
	if err != nil {
		// The error names the secret's position and the rule, never the
		// secret.
		return nil, fmt.Errorf("%w: %w", ErrWeakSecret, err)
	}
	return ring, nil
}

// checkPublicURL checks s with the grammar the stack's layers read the same
// setting with (internal/httpsyntax), so that the app never accepts a public
// URL that a layer would read differently.
func checkPublicURL(s string, dev bool) error {
	o, err := httpsyntax.ParsePublicURL(s)
	switch {
	case err != nil:
		return ErrBadPublicURL
	case o.Scheme == "https", dev:
		return nil
	}
	return ErrPublicURLNotHTTPS
}
