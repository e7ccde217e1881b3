package harden

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// LoginConfig configures the login limiter: a rate limit on the routes
// that check credentials (login, registration, password reset) that
// counts failed attempts only, per client.
type LoginConfig struct {
	// Config is the limiter's configuration. Rate defaults to five
	// failed attempts per client in fifteen minutes ("5/15m") and
	// Identifier to "login"; SkipSuccessfulRequests is
	// always on (only failures count) and SkipFailedRequests is refused
	// (the limiter would count nothing). Succeeded decides what a failure
	// is, as package ratelimit documents.
	ratelimit.Config `yaml:",inline"`

	// Routes lists the limited routes as ServeMux patterns with a method
	// and an exact path ("POST /login"). The limiter is installed when
	// Routes is not empty; setting any other field without Routes is an
	// error. Default: none.
	Routes []string `json:"routes,omitempty" yaml:"routes,omitempty"`
}

// defaultLoginRate is the login limiter's default: five failed attempts per
// client in fifteen minutes.
var defaultLoginRate = ratelimit.Spec{Limit: 5, Window: 15 * time.Minute}

// errKeysRequired is the error of a production configuration with sessions
// or CSRF and no Keys: the stack never falls back to an ephemeral key ring
// there. New wraps it with ErrConfig and the field name, keys.
var errKeysRequired = errors.New("production needs a key ring to sign sessions and CSRF tokens (keys.Parse of one or more secrets of at least 32 bytes; development uses an ephemeral ring)")

// Configuration errors of the app layer. New wraps each with [ErrConfig]
// and the name of the field at fault.
var (
	errAppLayerOff        = errors.New("is set but the app layer is off: set keys or session.store")
	errSharedKeys         = errors.New("must be empty: the stack signs with Config.Keys, one ring for sessions and CSRF")
	errDevelopmentSwitch  = errors.New("must be false: cookies follow Config.Development (and https.served)")
	errSessionStore       = errors.New("store is required to turn sessions on; other fields are set")
	errLoginRoutes        = errors.New("routes is required to turn the login limiter on; other fields are set")
	errLoginSkipFailed    = errors.New("skip_failed_requests would make a login limiter that counts nothing")
	errInvalidRoute       = errors.New("must be a method and an exact path, as \"POST /login\"")
	errInvalidExemptRoute = errors.New("must be a path, optionally after a method, as \"GET /static/\" (a trailing / covers the subtree)")
)

// appLayer is the stack's app layer: body limit, parameter pollution,
// session, the user id for the security log, CSRF and the login limiter,
// in that order, skipped by the routes of Config.AppExempt.
type appLayer struct {
	ring         *keys.Ring
	body         *input.BodyLimit   // nil: not installed
	params       *input.Params      // nil: not installed
	sessions     *session.Manager   // nil: no session store
	csrf         *csrf.Protector    // nil: no key ring and no sessions
	login        *ratelimit.Limiter // nil: no login routes
	loginMux     *http.ServeMux     // the login routes, lower case, each to loginMark
	loginMethods map[string]bool    // the methods of the login routes
	exempt       []exemptRoute      // routes that skip the app layer
}

// routeMark marks the handler registered for a login route in the
// matching mux: a request matches when the mux answers it with the mark,
// and not with a redirect or its 404.
type routeMark struct{}

func (*routeMark) ServeHTTP(http.ResponseWriter, *http.Request) {}

var loginMark = &routeMark{}

// exemptRoute is an entry of Config.AppExempt.
type exemptRoute struct {
	method  string // "" for any
	path    string
	subtree bool // path ends in "/": every path under it
}

// isExempt reports whether r is for an exempt route, as http.ServeMux
// would match it, without its allocations: the method ("GET" covers HEAD),
// then the exact path or, for a subtree, its prefix. A path that is not
// clean ("/static/../api/x", "//x") is never exempt: ServeMux would
// redirect it, but a router that cleans paths silently would route it
// elsewhere than its spelling says, past CSRF.
func (a *appLayer) isExempt(r *http.Request) bool {
	p := r.URL.Path
	if c := path.Clean(p); c != p && c+"/" != p {
		return false
	}
	for _, e := range a.exempt {
		if e.method != "" && e.method != r.Method && (e.method != http.MethodGet || r.Method != http.MethodHead) {
			continue
		}
		if p == e.path || e.subtree && strings.HasPrefix(p, e.path) {
			return true
		}
	}
	return false
}

// newAppLayer validates the app layer's part of cfg and builds it; it
// returns nil when no layer of it is installed. secureCookies is false in
// development over plain HTTP.
func newAppLayer(cfg *Config, errs *configErrors, secureCookies bool, logger *slog.Logger) *appLayer {
	sessionOn := cfg.Session.Store != nil
	b := &appBuild{
		a: &appLayer{}, cfg: cfg, errs: errs, secureCookies: secureCookies, logger: logger,
		sessionOn: sessionOn, csrfOn: cfg.Keys != nil || sessionOn,
	}
	b.checkShared()
	b.keyRing()
	b.inputLayers()
	b.sessionAndCSRF()
	b.loginLimiter()
	b.exemptRoutes()
	a := b.a
	if a.body == nil && a.params == nil && a.csrf == nil && a.login == nil {
		if len(cfg.AppExempt) > 0 {
			errs.field("app_exempt", errAppLayerOff)
		}
		return nil
	}
	return a
}

// appBuild is the state of one call of newAppLayer.
type appBuild struct {
	a             *appLayer
	cfg           *Config
	errs          *configErrors
	secureCookies bool
	logger        *slog.Logger
	sessionOn     bool // a session store is set
	csrfOn        bool // a key ring or sessions: CSRF is on
}

// checkShared refuses the layers' own copies of what the stack sets for
// all of them, and the settings of a session or CSRF layer that is off.
func (b *appBuild) checkShared() {
	cfg, errs := b.cfg, b.errs
	// One ring, one development switch: a layer's own copy of either is a
	// second place to forget when rotating keys or going to production.
	if cfg.Session.Keys != nil {
		errs.field("session.keys", errSharedKeys)
	}
	if cfg.CSRF.Keys != nil {
		errs.field("csrf.keys", errSharedKeys)
	}
	if cfg.Session.Development {
		errs.field("session.development", errDevelopmentSwitch)
	}
	if cfg.CSRF.Development {
		errs.field("csrf.development", errDevelopmentSwitch)
	}
	if !b.sessionOn && !reflect.ValueOf(cfg.Session).IsZero() {
		errs.field("session", errSessionStore)
	}
	if !b.csrfOn && !reflect.ValueOf(cfg.CSRF).IsZero() {
		errs.field("csrf", errAppLayerOff)
	}
}

// keyRing picks the ring that signs sessions and CSRF tokens.
func (b *appBuild) keyRing() {
	b.a.ring = b.cfg.Keys
	if b.csrfOn && b.a.ring == nil {
		// Sessions without a ring: an ephemeral one in development; in
		// production an error, never a fallback (every restart would sign
		// everyone out, and instances would reject each other's cookies).
		if b.cfg.Development {
			b.a.ring = keys.Ephemeral()
		} else {
			b.errs.field("keys", errKeysRequired)
		}
	}
}

// inputLayers builds the body limit and the parameter pollution guard,
// which are on with CSRF or when configured.
func (b *appBuild) inputLayers() {
	var err error
	if b.csrfOn || !reflect.ValueOf(b.cfg.Body).IsZero() {
		b.a.body, err = input.NewBodyLimit(b.cfg.Body)
		b.errs.add(prefixed("body", err))
	}
	if b.csrfOn || !reflect.ValueOf(b.cfg.Params).IsZero() {
		b.a.params, err = input.NewParams(b.cfg.Params)
		b.errs.add(prefixed("params", err))
	}
}

// sessionAndCSRF builds the session manager and the CSRF protector, both
// signed by the ring, with cookies that follow secureCookies.
func (b *appBuild) sessionAndCSRF() {
	cfg, a := b.cfg, b.a
	var err error
	if b.sessionOn && a.ring != nil {
		sc := cfg.Session
		sc.Keys = a.ring
		sc.Development = !b.secureCookies
		if sc.Logger == nil {
			sc.Logger = b.logger
		}
		a.sessions, err = session.New(sc)
		b.errs.add(prefixed("session", err))
	}
	if b.csrfOn && a.ring != nil {
		cc := cfg.CSRF
		cc.Keys = a.ring
		cc.Development = !b.secureCookies
		if cc.TrustedOrigins == nil {
			// CSRF trusts exactly the origins CORS allows (they still need
			// a token).
			cc.TrustedOrigins = cfg.CORS.Origins
		}
		a.csrf, err = csrf.New(cc)
		b.errs.add(prefixed("csrf", err))
	}
}

// loginLimiter builds the login limiter on the login routes, counting
// failures only.
func (b *appBuild) loginLimiter() {
	lc := b.cfg.Login
	if len(lc.Routes) == 0 {
		if !reflect.ValueOf(lc).IsZero() {
			b.errs.field("login", errLoginRoutes)
		}
		return
	}
	b.loginRoutes(lc.Routes)
	if lc.SkipFailedRequests {
		b.errs.field("login", errLoginSkipFailed)
	}
	rc := lc.Config
	if rc.Rate == (ratelimit.Spec{}) {
		rc.Rate = defaultLoginRate
	}
	if rc.Identifier == "" {
		rc.Identifier = "login"
	}
	rc.SkipSuccessfulRequests = true // only failures count
	if rc.Logger == nil {
		rc.Logger = b.logger
	}
	if !lc.SkipFailedRequests {
		var err error
		b.a.login, err = ratelimit.New(rc)
		b.errs.add(prefixed("login", err))
	}
}

// loginRoutes validates the login routes and registers each, lower case,
// in the login matching mux.
func (b *appBuild) loginRoutes(routes []string) {
	a := b.a
	a.loginMux, a.loginMethods = http.NewServeMux(), map[string]bool{}
	for _, p := range routes {
		if !validRoute(p, true) {
			b.errs.field("login.routes", fmt.Errorf("%q %w", p, errInvalidRoute))
			continue
		}
		method, route, _ := strings.Cut(p, " ")
		a.loginMethods[method] = true
		a.loginMux.Handle(method+" "+strings.ToLower(route), loginMark)
	}
}

// exemptRoutes validates the routes exempt from the app layer.
func (b *appBuild) exemptRoutes() {
	for _, p := range b.cfg.AppExempt {
		if !validRoute(p, false) {
			b.errs.field("app_exempt", fmt.Errorf("%q %w", p, errInvalidExemptRoute))
			continue
		}
		method, route, found := strings.Cut(p, " ")
		if !found {
			method, route = "", p
		}
		b.a.exempt = append(b.a.exempt, exemptRoute{method: method, path: route, subtree: strings.HasSuffix(route, "/")})
	}
}

// validRoute reports whether p is "[METHOD ]/path" with no host and no
// wildcard; with exact, a method is required and the path may not end in
// "/" (a subtree).
func validRoute(p string, exact bool) (ok bool) {
	method, path, found := strings.Cut(p, " ")
	if !found {
		method, path = "", p
	}
	if (exact && method == "") || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, "{} \t") {
		return false
	}
	if exact && len(path) > 1 && strings.HasSuffix(path, "/") {
		return false
	}
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	defer func() {
		// ServeMux panics on a pattern it cannot parse.
		if recover() != nil {
			ok = false
		}
	}()
	http.NewServeMux().Handle(p, loginMark)
	return true
}

// prefixed names the layer of a constructor's error, keeping its type.
func prefixed(layer string, err error) error {
	if err == nil {
		return nil
	}
	return &layerError{layer: layer, err: err}
}

// layerError is a layer's configuration error with the field of
// harden.Config that holds the layer's configuration.
type layerError struct {
	layer string
	err   error
}

func (e *layerError) Error() string { return e.layer + ": " + e.err.Error() }
func (e *layerError) Unwrap() error { return e.err }

// handler wraps next in the app layer, outermost first: body limit,
// parameter pollution, session, the user id for the security log, CSRF,
// the login limiter on its routes.
func (a *appLayer) handler(next http.Handler) http.Handler {
	h := next
	if a.login != nil {
		limited := a.login.Handler(next)
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if a.isLogin(r) {
				limited.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	if a.csrf != nil {
		protected, inner := a.csrf.Handler(h), h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// No page can send CONNECT (the Fetch standard forbids the
			// method, and forms send GET or POST), so it cannot be a
			// forgery; the handler answers it (405, or a tunnel).
			if r.Method == http.MethodConnect {
				inner.ServeHTTP(w, r)
				return
			}
			protected.ServeHTTP(w, r)
		})
	}
	if a.sessions != nil {
		h = a.sessions.Handler(withUserID(h))
	}
	if a.params != nil {
		h = a.params.Handler(h)
	}
	if a.body != nil {
		h = a.body.Handler(h)
	}
	if len(a.exempt) == 0 {
		return h
	}
	checked := h
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.isExempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		checked.ServeHTTP(w, r)
	})
}

// isLogin reports whether r is for a login route. The path is cleaned and
// its ASCII letters lowered first: a router that ignores case or collapses
// "//" (many do) would otherwise run the login handler for "/LOGIN" or
// "//login" without the limiter, a free pass at guessing passwords.
// Counting a request the router then answers with 404 costs nothing.
func (a *appLayer) isLogin(r *http.Request) bool {
	if !a.loginMethods[r.Method] {
		return false
	}
	p := strings.ToLower(path.Clean("/" + r.URL.Path))
	h, _ := a.loginMux.Handler(&http.Request{Method: r.Method, URL: &url.URL{Path: p}})
	return h == loginMark
}

// withUserID records the signed-in user of the request in the security
// log's record, so that every event about it (a CSRF failure, a 403, a
// rate limit) names the user.
func withUserID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := session.From(r); s != nil {
			if id := s.UserID(); id != "" {
				seclog.SetUserID(r.Context(), id)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Keys returns the key ring that signs sessions and CSRF tokens: Config.Keys,
// an ephemeral ring in development without it (Ring.Ephemeral reports it),
// or nil when the app layer has neither sessions nor CSRF.
func (s *Stack) Keys() *keys.Ring {
	if s.app == nil {
		return nil
	}
	return s.app.ring
}

// Sessions returns the session manager, or nil without Session.Store.
// Handlers use session.From(r), session.Login and session.Logout.
func (s *Stack) Sessions() *session.Manager {
	if s.app == nil {
		return nil
	}
	return s.app.sessions
}

// CSRF returns the CSRF layer, or nil when it is off. Handlers use
// csrf.Token(r) and csrf.TemplateField(r); its TokenHandler serves tokens to
// scripts.
func (s *Stack) CSRF() *csrf.Protector {
	if s.app == nil {
		return nil
	}
	return s.app.csrf
}

// LoginLimiter returns the login limiter, or nil without Login.Routes.
func (s *Stack) LoginLimiter() *ratelimit.Limiter {
	if s.app == nil {
		return nil
	}
	return s.app.login
}
