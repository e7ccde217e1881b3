package harden

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/harden-go/harden/allowedhosts"
	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/httpsredirect"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/internal/clientctx"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/httpsyntax"
	"github.com/harden-go/harden/internal/recovered"
	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/requestid"
	"github.com/harden-go/harden/internal/routepath"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/internal/statuswriter"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// Config describes the whole stack. Its zero value is the production
// configuration, which New refuses until PublicURL is set: production
// enforces HTTPS, and there is no safe default for where to send clients.
// Every field documents its own default.
type Config struct {
	// Development turns on development mode: refusals carry the internal
	// cause of 4xx errors as "detail" (never of 5xx), HTTPS is not enforced,
	// the loopback names are allowed hosts, and layers that need HTTPS or
	// secrets in production relax as their docs say. Default: false
	// (production).
	Development bool `json:"development" yaml:"development"`

	// PublicURL is the origin clients use, "https://example.com" or
	// "https://example.com:8443": HTTPS redirects go to it, and its host is
	// always an allowed host. It has no path, query, fragment or userinfo.
	// Required in production (unless HTTPS.DangerouslyAllowPlainHTTP and
	// Hosts are set); http:// only while HTTPS is not enforced. Default:
	// none.
	PublicURL string `json:"public_url,omitempty" yaml:"public_url,omitempty"`

	// HealthPaths lists request paths, matched exactly, of health checks
	// that load balancers and orchestrators call over plain HTTP with the
	// instance's own address as Host ("/healthz"). They are exempt from
	// HTTPS enforcement and from the allowed-hosts check, nothing else; keep
	// them free of data and links. Default: none.
	HealthPaths []string `json:"health_paths,omitempty" yaml:"health_paths,omitempty"`

	// Headers configures the security headers. Default: helmet 8's set.
	Headers headers.Config `json:"headers" yaml:"headers"`

	// ClientIP declares the trusted reverse proxies, whose forwarding
	// headers give the client's address, scheme and host to every layer.
	// DangerouslyTrustBroadRanges is refused in production. Default: no
	// proxy is trusted; the TCP peer is the client.
	ClientIP clientip.Config `json:"client_ip" yaml:"client_ip"`

	// HTTPS configures HTTPS enforcement. Default: on in production (plain
	// HTTP is redirected to PublicURL), off in development.
	HTTPS HTTPSConfig `json:"https" yaml:"https"`

	// Hosts lists the hosts the service answers for besides PublicURL's
	// host, which is always allowed; requests for others get 421 (DNS
	// rebinding, Host-header poisoning). Default: none, so in production
	// PublicURL's host only; in development also the loopback names
	// ("localhost", "*.localhost", "127.0.0.1", "[::1]") on any port.
	Hosts allowedhosts.Config `json:"hosts" yaml:"hosts"`

	// CORS lets the listed browser origins call the service cross-origin.
	// The layer is installed when CORS.Origins is not empty, and every
	// other field is validated either way. Default: no origin, no CORS
	// layer: browsers keep the same-origin policy.
	CORS cors.Config `json:"cors" yaml:"cors"`

	// RateLimit is the general rate limit: one quota per client for every
	// request under RateLimit.Paths, refused with 429 and Retry-After. It is
	// installed when RateLimit.Rate is set (for example "100/15m"); the other
	// fields default as package ratelimit documents (fixed window, keyed by
	// the trusted client address, draft-8 headers, in memory, fail closed),
	// and setting any of them without Rate is an error. Default: off — a
	// quota is a property of the service (what one page load costs, how
	// many users share a NAT), and a guessed one either locks users out or
	// stops nobody; per-route limiters (login) are installed by the routes.
	RateLimit RateLimitConfig `json:"rate_limit" yaml:"rate_limit"`

	// Keys is the key ring that signs and encrypts sessions and CSRF
	// tokens (keys.Parse of the comma-separated secrets, newest first).
	// Setting it turns the app layer on: body limit, parameter
	// pollution and CSRF, plus sessions with Session.Store. Production
	// with a session store and no ring is an error; development uses an
	// ephemeral ring (Stack.Keys().Ephemeral() reports it). Default: none.
	Keys *keys.Ring `json:"-" yaml:"-"`

	// Session configures sessions. They are installed when Session.Store
	// is set (session/sqlitestore, session/redisstore, session/pgstore, or
	// session.NewMemoryStore), which also turns the app layer on. Keys
	// and Development must stay unset: the ring is Config.Keys,
	// and the cookies drop their __Host- prefix and Secure only in
	// development over plain HTTP (see HTTPSConfig.Served). Handlers read
	// the session with session.From(r). Default: no sessions.
	Session session.Config `json:"session" yaml:"session"`

	// CSRF configures the CSRF layer (Fetch Metadata and Origin, then a
	// signed token bound to the session), installed with the app layer.
	// Keys and Development follow Config as for Session;
	// TrustedOrigins defaults to CORS.Origins. Handlers read the token
	// with csrf.Token(r) or csrf.TemplateField(r). Default: package csrf's.
	CSRF csrf.Config `json:"csrf" yaml:"csrf"`

	// Body bounds request bodies and their media types (package input's
	// BodyLimit). Installed with the app layer, or alone when set.
	// Default: 10 KiB; JSON, forms and multipart.
	Body input.BodyLimitConfig `json:"body" yaml:"body"`

	// Params guards query and form parameters against pollution (the last
	// value wins) and operator keys ("$ne", "a.b"; NoSQL injection).
	// Installed with the app layer, or alone when set. Default: package
	// input's Params.
	Params input.ParamsConfig `json:"params" yaml:"params"`

	// Login limits failed attempts on the routes that check credentials,
	// per client: installed when Login.Routes is set. Default rate: five
	// failed attempts per client in fifteen minutes.
	Login LoginConfig `json:"login" yaml:"login"`

	// AppExempt lists routes that skip the whole app layer (body limit,
	// parameters, session, CSRF, login limiter): ServeMux patterns of a
	// path, optionally after a method, such as "GET /static/" or
	// "GET /healthz". Only routes that read no body, no session and change
	// nothing belong here. Default: none.
	AppExempt []string `json:"app_exempt,omitempty" yaml:"app_exempt,omitempty"`

	// Responder answers every refusal of every layer; the stack wraps it so
	// that each refusal is recorded in SecurityLog first. Default:
	// respond.JSON{Development: Development}.
	Responder respond.Responder `json:"-" yaml:"-"`

	// SecurityLog records security events: every refusal of every layer
	// (401, 403, 421, 429, CSRF and CORS failures...), every 401/403/429 a
	// handler writes by itself, and every panic with its stack, each once,
	// with the client address, the request id and the status (see package
	// seclog). The stack resolves the client address before any layer
	// runs, so a logger with the default seclog.Config.ClientIP records
	// the trusted address. The caller owns the logger (Close, Reopen).
	// Default: a logger writing JSON lines to stderr.
	SecurityLog *seclog.Logger `json:"-" yaml:"-"`

	// Observer, when set, is told of every request the stack answered,
	// with its status and the time taken (metrics). Default: none, and
	// no clock is read.
	Observer RequestObserver `json:"-" yaml:"-"`

	// Logger receives operational records: layer errors (a rate-limit
	// store outage) and errors of the security log itself. Panics and
	// start-up warnings go to SecurityLog only, so that a deployment that
	// sends both logs to stderr sees each once. Default: slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
}

// A RequestObserver is told of each request a [Stack] answered, once the
// layers have returned: its final status (200 when nothing was written,
// 101 for a hijacked connection, 500 for a panic) and the time from the
// stack's first line to its last. ObserveRequest must be safe for
// concurrent use and quick; it must not keep r. r.Pattern is empty: the
// router sets the pattern on its own copy of the request (the metrics
// package's Routes records it for its observer).
type RequestObserver interface {
	ObserveRequest(r *http.Request, status int, elapsed time.Duration)
}

// RateLimitConfig configures the general rate limit. Its ratelimit.Config
// fields are inlined in JSON ({"rate":"100/15m","paths":["/api/"]}).
type RateLimitConfig struct {
	ratelimit.Config `yaml:",inline"`

	// Paths lists the path prefixes the limit applies to, each starting
	// with "/"; end one with "/" to cover a subtree ("/api/"). ASCII case
	// is ignored ("/API/login" is under "/api/"), since many routers ignore
	// it, and so are "//", "." and ".." segments and path parameters
	// ("/x/../api/login" and "/api;v=1/login" are under "/api/"), since
	// the application behind may resolve them. Requests for other paths
	// are neither counted nor given rate-limit headers.
	// Default: every path.
	Paths []string `json:"paths,omitempty" yaml:"paths,omitempty"`
}

// HTTPSConfig configures HTTPS enforcement: a request whose trusted scheme
// is http is redirected to PublicURL with its path and query (301 for GET
// and HEAD, 308 otherwise), never to its own Host header.
type HTTPSConfig struct {
	// Exempt lists request paths, matched exactly, served over plain HTTP
	// without a redirect. HealthPaths are exempt as well. Default: none.
	Exempt []string `json:"exempt,omitempty" yaml:"exempt,omitempty"`

	// DangerouslyAllowPlainHTTP turns HTTPS enforcement off in production,
	// for a service that only ever sits on a private network. Cookies,
	// sessions and credentials then cross the network in clear text.
	// Without PublicURL it needs Hosts. Default: false.
	DangerouslyAllowPlainHTTP bool `json:"dangerously_allow_plain_http,omitempty" yaml:"dangerously_allow_plain_http,omitempty"`

	// Served states that clients reach the service over HTTPS (TLS here
	// or at a trusted proxy) in development too, so that the session and
	// CSRF cookies keep their __Host- prefix and Secure. It is implied in
	// production and by an https:// PublicURL. Default: false, so
	// development without an https:// PublicURL uses plain-HTTP cookies.
	Served bool `json:"served,omitempty" yaml:"served,omitempty"`
}

// Stack is a validated, composed set of defence layers. It is safe for
// concurrent use.
type Stack struct {
	resolver  *clientip.Resolver // nil: no proxy trusted, the connection speaks for itself
	responder respond.Responder  // the configured responder wrapped by the security log
	headers   *headers.Headers
	cors      *cors.Middleware   // nil: CORS is off
	limiter   *ratelimit.Limiter // nil: no general rate limit
	log       *seclog.Logger
	logSink   reqctx.Sink // log, to which the edge attaches each request's record
	logger    *slog.Logger
	observer  RequestObserver // nil: no request is observed
	app       *appLayer       // nil: no app layer

	// layers wrap the handler, outermost first. New appends them in the
	// order of the stack; see Handler.
	layers []func(http.Handler) http.Handler
}

// ErrConfig wraps every configuration error New returns, so a caller can
// tell a bad configuration from other start-up failures.
var ErrConfig = errors.New("harden: invalid configuration")

// ConfigError is the type of every layer's configuration errors: one
// refused setting, named as the configuration file spells it (Field, and
// Index for an entry of a list setting, or -1), the value as configured
// (empty for a secret), and the reason. It wraps the reporting package's
// sentinel (ratelimit.ErrInvalidConfig, ...), so errors.Is tells which
// layer refused it; New wraps it once more with [ErrConfig].
//
//	var ce *harden.ConfigError
//	if errors.As(err, &ce) {
//		log.Printf("setting %s is wrong: %v", ce.Field, err)
//	}
type ConfigError = configerr.Error

// Configuration errors of the stack as a whole. New wraps each with
// [ErrConfig] and the name of the field at fault; the layers' own errors
// keep their type, [*ConfigError].
var (
	errPublicURLRequired       = errors.New("production enforces HTTPS and needs public_url (or development mode)")
	errPublicURLNotHTTPS       = errors.New("production enforces HTTPS: public_url must be https://")
	errInvalidPublicURL        = errors.New("must be an absolute http(s) URL with a host and no userinfo, path, query or fragment")
	errHostsRequired           = errors.New("production without public_url needs hosts")
	errBroadRangesInProduction = errors.New("dangerously_trust_broad_ranges is refused in production")
	errInvalidPath             = errors.New("must be an absolute path starting with /")
	errRateLimitRate           = errors.New("rate is required to turn the limiter on (for example \"100/15m\"); other fields are set")
)

// devHosts are the allowed hosts of development mode: the loopback names,
// any port (allowedhosts' own default, spelled out so that PublicURL's host
// can join them).
var devHosts = []string{"localhost:*", "*.localhost:*", "127.0.0.1:*", "[::1]:*"}

// configErrors collects every configuration problem, each wrapped with
// ErrConfig. A layer's joined errors are split so that each one is wrapped
// and can be matched on its own.
type configErrors []error

func (c *configErrors) add(err error) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			c.add(e)
		}
		return
	}
	*c = append(*c, fmt.Errorf("%w: %w", ErrConfig, err))
}

// field records a stack-level error about the named field.
func (c *configErrors) field(name string, err error) {
	*c = append(*c, fmt.Errorf("%w: %s: %w", ErrConfig, name, err))
}

// New validates cfg and builds the stack. Every problem found is reported,
// joined, each wrapped with [ErrConfig] and naming its layer.
func New(cfg Config) (*Stack, error) {
	s := &Stack{logger: cfg.Logger, observer: cfg.Observer}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	b := &stackBuild{cfg: &cfg, s: s, prod: !cfg.Development}

	h, err := headers.New(cfg.Headers)
	b.errs.add(err)
	s.headers = h
	s.responder = cfg.Responder
	if s.responder == nil {
		s.responder = respond.JSON{Development: cfg.Development}
	}
	b.clientIP()
	b.https()
	b.allowedHosts()

	// CORS.
	m, err := cors.New(cfg.CORS)
	b.errs.add(err)
	if m != nil && len(cfg.CORS.Origins) > 0 {
		s.cors = m
	}
	b.rateLimit()

	// The app layer: body limit, parameters, session, CSRF, login limiter.
	secureCookies := b.prod || cfg.HTTPS.Served || (b.public != nil && b.public.Scheme == "https")
	s.app = newAppLayer(&cfg, &b.errs, secureCookies, s.logger)

	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	if err := b.securityLog(); err != nil {
		return nil, err
	}
	b.stackLayers()
	return s, nil
}

// stackBuild is the state of one call of New: the configuration, the
// stack being built, what one step finds for the next, and every problem
// found so far.
type stackBuild struct {
	cfg  *Config
	s    *Stack
	errs configErrors
	prod bool

	public     *httpsyntax.Origin        // the parsed PublicURL; nil when unset or invalid
	health     []string                  // the valid HealthPaths
	enforce    bool                      // production enforces HTTPS
	redirect   *httpsredirect.Redirector // nil: no HTTPS redirect
	checker    *allowedhosts.Checker
	limitPaths []string // the valid rate_limit.paths
}

// clientIP validates the client IP settings and installs the resolver.
// Without a trusted proxy the resolver would say what the connection
// says, which every accessor already falls back to: it is validated but
// not installed, and costs nothing per request.
func (b *stackBuild) clientIP() {
	cfg := b.cfg
	if b.prod && cfg.ClientIP.DangerouslyTrustBroadRanges {
		b.errs.field("client_ip", errBroadRangesInProduction)
	}
	res, err := clientip.New(cfg.ClientIP)
	b.errs.add(err)
	if res != nil && (cfg.ClientIP.TrustedHops > 0 || len(cfg.ClientIP.TrustedProxies) > 0) {
		b.s.resolver = res
	}
}

// https validates the public URL and the health and exempt paths, and
// builds the HTTPS redirect that production enforces.
func (b *stackBuild) https() {
	cfg := b.cfg
	b.health = checkPaths(&b.errs, "health_paths", cfg.HealthPaths)
	exempt := checkPaths(&b.errs, "https.exempt", cfg.HTTPS.Exempt)
	if cfg.PublicURL != "" {
		if b.public = parsePublicURL(cfg.PublicURL); b.public == nil {
			b.errs.field("public_url", errInvalidPublicURL)
		}
	}
	b.enforce = b.prod && !cfg.HTTPS.DangerouslyAllowPlainHTTP
	switch {
	case !b.enforce:
	case cfg.PublicURL == "":
		b.errs.field("https", errPublicURLRequired)
	case b.public == nil:
		// Already reported as an invalid public_url.
	case b.public.Scheme != "https":
		b.errs.field("https", errPublicURLNotHTTPS)
	default:
		var err error
		b.redirect, err = httpsredirect.New(httpsredirect.Config{
			PublicURL: cfg.PublicURL,
			Exempt:    append(exempt, b.health...),
		})
		b.errs.add(err)
	}
}

// allowedHosts builds the host checker: the configured hosts (in
// development, the loopback names when none are), plus PublicURL's host,
// which the service must always answer for since redirects send clients
// there.
func (b *stackBuild) allowedHosts() {
	cfg := b.cfg
	hosts := cfg.Hosts
	hosts.Hosts = slices.Clone(hosts.Hosts)
	if len(hosts.Hosts) == 0 && cfg.Development {
		hosts.Hosts = slices.Clone(devHosts)
	}
	if b.public != nil {
		// HostPort elides the scheme's default port: an explicit default
		// port is the same as none, whatever the scheme of the request.
		hosts.Hosts = append(hosts.Hosts, b.public.HostPort())
	}
	if len(hosts.Hosts) == 0 && b.prod && !b.enforce && cfg.PublicURL == "" {
		// allowedhosts would fall back to the loopback names: a production
		// service that answers nobody else is a mistake to report now.
		b.errs.field("hosts", errHostsRequired)
	}
	var err error
	b.checker, err = allowedhosts.New(hosts)
	b.errs.add(err)
}

// rateLimit validates the general rate limit and builds its limiter when
// a rate is set.
func (b *stackBuild) rateLimit() {
	rl := b.cfg.RateLimit
	b.limitPaths = checkPaths(&b.errs, "rate_limit.paths", rl.Paths)
	switch {
	case rl.Rate != (ratelimit.Spec{}):
		if rl.Logger == nil {
			rl.Logger = b.s.logger
		}
		var err error
		b.s.limiter, err = ratelimit.New(rl.Config)
		b.errs.add(err)
	case !reflect.ValueOf(rl.Config).IsZero() || len(rl.Paths) > 0:
		// Paths or a store without a rate: the caller believes a limiter
		// is on. An empty list of paths, as a config file may write
		// ("paths: []"), says nothing and is accepted.
		b.errs.field("rate_limit", errRateLimitRate)
	}
}

// securityLog sets up the security log (the configured one, or JSON lines
// on stderr) and the responder that records every refusal in it, and
// records the configuration warnings.
func (b *stackBuild) securityLog() error {
	s := b.s
	s.log = b.cfg.SecurityLog
	if s.log == nil {
		var err error
		s.log, err = seclog.New(seclog.Config{ClientIP: s.clientAddr})
		if err != nil {
			return fmt.Errorf("harden: security log: %w", err)
		}
	}
	s.responder = seclog.Responder(s.responder, s.log)
	s.logSink = reqctx.SinkOf(s.responder)

	if s.cors != nil && b.prod {
		for _, o := range append(s.cors.Origins(), s.cors.Patterns()...) {
			if strings.HasPrefix(o, "http://") {
				// cors accepts loopback http:// origins without an escape
				// hatch; in production they are most likely a development
				// setting left behind.
				s.log.Log(context.Background(), seclog.Event{
					Name: secevent.ConfigWarning,
					Details: []slog.Attr{
						slog.String("message", "CORS allows an http:// origin in production"),
						slog.String("origin", o),
					},
				})
			}
		}
	}
	return nil
}

// stackLayers appends the layers, outermost first. The request context
// (trusted client address, responder, request id, the security log's
// record), panic recovery and denial recording are the edge of the stack,
// around all of them; see Handler.
func (b *stackBuild) stackLayers() {
	s := b.s
	s.layers = append(s.layers, s.headers.Handler)
	if b.redirect != nil {
		s.layers = append(s.layers, b.redirect.Handler)
	}
	s.layers = append(s.layers, exemptPaths(b.health, b.checker.Handler))
	if s.cors != nil {
		s.layers = append(s.layers, s.cors.Handler)
	}
	if s.limiter != nil {
		s.layers = append(s.layers, onlyPaths(b.limitPaths, s.limiter.Handler))
	}
	if s.app != nil {
		s.layers = append(s.layers, s.app.handler)
	}
}

// clientAddr is the client address the default security log records: the
// one the stack resolved for the request, or, for a request that did not
// pass through the stack, what the resolver says.
func (s *Stack) clientAddr(r *http.Request) netip.Addr {
	if info, ok := r.Context().Value(clientctx.Key{}).(clientip.Info); ok || s.resolver == nil {
		if ok {
			return info.Addr
		}
		return clientip.Get(r).Addr
	}
	return s.resolver.Resolve(r).Addr
}

// Handler returns next wrapped in every layer of the stack.
//
// The edge of the stack runs first and last. In one copy of the request it
// puts in the context the trusted client address, scheme and host
// ([clientip]), the responder ([respond.WithResponder]), the request id
// (an incoming well-formed X-Request-ID, else a new one; echoed in the
// response) and the security log's record of the request; it wraps the
// ResponseWriter once, to see the status. When the layers return, it
// records a 401, 403 or 429 that no refusal logged; when they panic, it
// answers 500 {"error":"Internal server error","request_id":"…"} through
// the responder, which logs the panic value and stack once to the security
// log — or, if the response had already started, logs the panic and
// aborts the connection.
//
// Inside it, outermost first: security headers (set before anything else
// writes, so refusals and the panic 500 carry them), HTTPS enforcement,
// allowed hosts, CORS, the general rate limit, then the app layer (body
// limit, parameter pollution, session, CSRF, the login limiter on its
// routes; Config.AppExempt skips it), then next.
func (s *Stack) Handler(next http.Handler) http.Handler {
	h := next
	for i := len(s.layers) - 1; i >= 0; i-- {
		h = s.layers[i](h)
	}
	return &stackEdge{s: s, next: h}
}

// requestIDHeader is the X-Request-ID header in canonical form, to index
// http.Header without allocating.
var requestIDHeader = http.CanonicalHeaderKey(requestid.Header)

// stackEdge is the outermost handler of a stack.
type stackEdge struct {
	s    *Stack
	next http.Handler
}

func (e *stackEdge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := e.s
	st := &edgeState{}
	st.rec.Reset(w, nil)
	// The request id: kept from the client only when well-formed (it is
	// echoed in headers, bodies and log lines).
	if vs := r.Header[requestIDHeader]; len(vs) == 1 && requestid.Valid(vs[0]) {
		st.id[0] = vs[0]
	} else {
		st.id[0] = requestid.New()
	}
	w.Header()[requestIDHeader] = st.id[:]
	parent := r.Context()
	if s.resolver != nil {
		parent = context.WithValue(parent, clientctx.Key{}, s.resolver.Resolve(r))
	}
	if s.observer != nil {
		st.start = time.Since(epoch)
	}
	st.track.Attach(s.logSink)
	st.ctx = reqctx.Context{Context: parent, Responder: s.responder, ID: st.id[0], Values: &st.track}
	r = r.WithContext(&st.ctx)
	defer s.finish(st, r)
	e.next.ServeHTTP(st.rec.ResponseWriter(), r)
}

// edgeState is everything the edge keeps about one request, in one
// allocation: the request's context (the module's one per-request context
// value, reqctx.Context, answering the responder, the request id and the
// security log's record), the security log's record, the ResponseWriter
// wrapper and the request id's header
// value. Three context.WithValue layers and a boxed id would cost four
// allocations more.
type edgeState struct {
	ctx   reqctx.Context
	track reqctx.Record
	rec   statuswriter.Writer
	id    [1]string     // this response's own X-Request-ID value
	start time.Duration // since epoch; read only with an Observer
}

// abortedDetails marks a panic that struck after the response had started.
var abortedDetails = []slog.Attr{slog.Bool("aborted", true)}

// finish recovers a panic of the layers or records a denial. It is the
// deferred function itself, so that recover works.
func (s *Stack) finish(st *edgeState, r *http.Request) {
	rec := &st.rec
	v := recover()
	if v == nil {
		st.track.Done(r, rec.Status())
		s.observe(st, r)
		return
	}
	defer s.observe(st, r)
	if v == http.ErrAbortHandler { //nolint:errorlint // net/http compares the same way
		panic(v) // a deliberate abort (a proxy whose client left): not an error
	}
	p := recovered.New(v)
	if rec.Started() {
		// Too late for a clean 500 (a status was sent, or the connection
		// hijacked): the responder never sees this panic, so it is logged
		// here; the abort tells the client the response is incomplete.
		s.log.Record(r, seclog.Event{Name: secevent.Panic, Status: rec.Status(), Err: p, Details: abortedDetails})
		panic(http.ErrAbortHandler)
	}
	recovered.Respond(rec.ResponseWriter(), r, p)
}

// epoch is the origin of the edge's request timings. time.Since(epoch)
// reads only the monotonic clock, where time.Now reads the wall clock too:
// one clock read less per request, which a virtual machine's clock makes
// worth saving.
var epoch = time.Now()

// observe reports the request to the Observer, if any.
func (s *Stack) observe(st *edgeState, r *http.Request) {
	if s.observer == nil {
		return
	}
	status := st.rec.Status()
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
		if st.rec.Hijacked() {
			status = http.StatusSwitchingProtocols
		}
	}
	s.observer.ObserveRequest(r, status, time.Since(epoch)-st.start)
}

// Headers returns the stack's header layer, for reverse proxies
// (Headers.SetHeaders) and documentation (Headers.Policy).
func (s *Stack) Headers() *headers.Headers { return s.headers }

// CORS returns the stack's CORS layer, or nil when no origin is allowed.
// Its allowlist (Origins, Patterns, Trusts) is what the CSRF layer trusts.
func (s *Stack) CORS() *cors.Middleware { return s.cors }

// RateLimiter returns the general rate limiter, or nil when it is off.
func (s *Stack) RateLimiter() *ratelimit.Limiter { return s.limiter }

// SecurityLog returns the security log, for the events the application
// records itself (login_success, login_failed, logout...).
func (s *Stack) SecurityLog() *seclog.Logger { return s.log }

// parsePublicURL returns s parsed when it is an http or https origin,
// optionally followed by "/": a path, query or fragment would be silently
// dropped from redirects, and userinfo would be sent to clients. The
// grammar is internal/httpsyntax's, the one httpsredirect and allowedhosts
// read the same setting with, so the three never disagree on it.
func parsePublicURL(s string) *httpsyntax.Origin {
	o, err := httpsyntax.ParsePublicURL(s)
	if err != nil {
		return nil
	}
	return &o
}

// checkPaths reports the entries of paths that are not absolute paths and
// returns the others.
func checkPaths(errs *configErrors, field string, paths []string) []string {
	ok := make([]string, 0, len(paths))
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			errs.field(field, fmt.Errorf("%q %w", p, errInvalidPath))
			continue
		}
		ok = append(ok, p)
	}
	return ok
}

// onlyPaths returns layer restricted to the requests whose path starts with
// one of prefixes, ASCII case ignored; the others go straight to the next
// handler. No prefixes: every request. Case is ignored because many
// routers (Express, ASP.NET, anything behind harden proxy) route /API/x
// as /api/x: a case-sensitive match would let /API/login escape a limit
// on /api/. Limiting a path that a case-sensitive router then answers
// with 404 costs nothing. For the same reason the path is matched as
// routers resolve it (routepath.Canonical): "//api/x", "/x/../api/x" and a
// servlet container's "/api;v=1/x" are under /api/, and a path with a dot
// segment hidden behind a parameter is under every prefix.
func onlyPaths(prefixes []string, layer func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	if len(prefixes) == 0 {
		return layer
	}
	return func(next http.Handler) http.Handler {
		checked := layer(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			path, hidden := routepath.Canonical(r.URL.Path)
			for _, p := range prefixes {
				if hidden || hasPrefixFold(path, p) {
					checked.ServeHTTP(w, r)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
}

// hasPrefixFold reports whether s starts with prefix, ASCII letters
// compared without case (no Unicode folding: "\u212a" is not "k").
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		a, b := s[i], prefix[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// exemptPaths returns layer with paths exempted: requests for them skip it
// and go straight to the next handler.
func exemptPaths(paths []string, layer func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	if len(paths) == 0 {
		return layer
	}
	set := make(map[string]struct{}, len(paths))
	for _, p := range paths {
		set[p] = struct{}{}
	}
	return func(next http.Handler) http.Handler {
		checked := layer(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := set[r.URL.Path]; ok {
				next.ServeHTTP(w, r)
				return
			}
			checked.ServeHTTP(w, r)
		})
	}
}
