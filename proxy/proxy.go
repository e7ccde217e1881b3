package proxy

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/internal/proxydefault"
	"github.com/harden-go/harden/internal/reqctx"
	"github.com/harden-go/harden/internal/routepath"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/respond"
)

// Proxy is a hardening reverse proxy: the root stack and the proxy's
// request guards in front of one upstream. It is safe for concurrent use.
type Proxy struct {
	stack     *harden.Stack
	logger    *slog.Logger
	target    upstreamTarget
	transport *leanTransport // nil when Config.Transport was given
	rp        *httputil.ReverseProxy
	handler   http.Handler // the whole chain: stack, dispatch, guards, rp

	publicOrigin *url.URL // nil without PublicURL
	forceSecure  bool     // add Secure to every cookie: production with HTTPS enforced
	maskErrors   bool
	placeholder  string
	cookies      cookiePolicy
	keep         []string // security headers whose upstream value wins
	replace      []string // security headers whose upstream value is dropped
	csrfCookie   string   // the pre-session cookie of token mode, never forwarded

	routes     []*route // longest prefix first; the last is the default "/"
	loginPaths []string
	tokenPath  string
	csrfToken  http.Handler // nil unless token mode
}

// csrfCookieName names the pre-session cookie of CSRF token mode, apart
// from any cookie the upstream may call "csrf".
const csrfCookieName = "__Host-harden-csrf"

// route is the compiled policy of one Route, with its two handler chains.
type route struct {
	prefix    string
	bodyLimit int64
	operators bool // the NoSQL-operator guard is off
	params    bool // the query and form guard is on
	handler   http.Handler
	login     http.Handler // handler behind the login limiter
}

// New validates cfg and builds the proxy. Every problem found is reported,
// joined: the proxy's own as *harden.ConfigError, the stack's as harden.New
// reports them; all wrap harden.ErrConfig.
func New(cfg Config) (*Proxy, error) {
	errs := cfg.validate()
	if cfg.RateLimit.Rate != (ratelimit.Spec{}) && cfg.RateLimit.Store == nil {
		cfg.RateLimit.Store = cfg.Store
	}
	stack, err := harden.New(cfg.Config)
	if err != nil {
		errs = append(errs, err)
	}
	if stack != nil && cfg.NoncePlaceholder != "" && !strings.Contains(stack.Headers().Policy("probe"), "'nonce-probe'") {
		errs = append(errs, configError("nonce_placeholder", errPlaceholderNoNonce))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	target, _ := parseUpstream(cfg.Upstream) // validated above
	p := &Proxy{
		stack:       stack,
		logger:      cmp.Or(cfg.Logger, slog.Default()),
		target:      target,
		forceSecure: !cfg.Development && !cfg.HTTPS.DangerouslyAllowPlainHTTP,
		maskErrors:  cmp.Or(cfg.ErrorPages, proxydefault.ErrorPages(cfg.Development)) == proxydefault.ErrorPagesMask,
		placeholder: cfg.NoncePlaceholder,
		cookies:     newCookiePolicy(cfg.Cookies),
		loginPaths:  cfg.Login.Paths,
	}
	if cfg.PublicURL != "" {
		p.publicOrigin, _ = url.Parse(cfg.PublicURL) // validated by harden.New
	}
	p.splitHeaderPolicy(cfg.HeaderPolicy)
	var rt http.RoundTripper = interimFilter{cfg.Transport}
	if cfg.Transport == nil {
		// The lean transport for plain HTTP/1.1 (it filters interim
		// answers itself); the tuned http.Transport for https://
		// upstreams and upgrades.
		p.transport = newLeanTransport(target, cfg.Timeout, interimFilter{newTransport(target, cfg.Timeout)})
		rt = p.transport
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:        p.rewrite,
		Transport:      rt,
		ModifyResponse: p.modifyResponse,
		ErrorHandler:   p.errorHandler,
		BufferPool:     bufferPool{},
		ErrorLog:       slog.NewLogLogger(p.logger.Handler(), slog.LevelWarn),
	}
	protector, err := p.newCSRF(cfg)
	if err != nil {
		return nil, err
	}
	if err := p.buildRoutes(cfg, protector); err != nil {
		return nil, err
	}
	p.handler = stack.Handler(http.HandlerFunc(p.dispatch))
	return p, nil
}

// newCSRF builds the CSRF protector: Fetch Metadata and Origin, trusting
// the CORS allowlist, and tokens when configured.
func (p *Proxy) newCSRF(cfg Config) (*csrf.Protector, error) {
	cc := csrf.Config{
		DangerouslyNoToken: !cfg.CSRF.Token,
		Development:        cfg.Development,
		SessionKey:         func(*http.Request) string { return "" }, // bound to the pre-session cookie
	}
	if m := p.stack.CORS(); m != nil {
		cc.TrustedOrigins = m.Origins()
		cc.DangerouslyAllowInsecureOrigins = cfg.Development
	}
	if cfg.CSRF.Token {
		cc.CookieName = csrfCookieName
		if len(cfg.Secrets) == 0 {
			// Development only (validate refuses it in production): an
			// ephemeral key, so tokens die with the process.
			cc.Keys = keys.Ephemeral()
		} else {
			secrets := make([][]byte, len(cfg.Secrets))
			for i, s := range cfg.Secrets {
				secrets[i] = []byte(s)
			}
			ring, err := keys.New(secrets)
			if err != nil {
				return nil, configError("secrets", err)
			}
			cc.Keys = ring
		}
	}
	protector, err := csrf.New(cc)
	if err != nil {
		return nil, fmt.Errorf("%w: proxy: csrf: %w", harden.ErrConfig, err)
	}
	if cfg.CSRF.Token {
		p.tokenPath = cmp.Or(cfg.CSRF.TokenPath, defaultTokenPath)
		p.csrfToken = protector.TokenHandler()
		p.csrfCookie = csrfCookieName
		if cfg.Development {
			p.csrfCookie = strings.TrimPrefix(csrfCookieName, "__Host-") // as package csrf names it over plain HTTP
		}
	}
	return protector, nil
}

// buildRoutes compiles the routes, longest prefix first, and the default
// route last, each with its handler chains.
func (p *Proxy) buildRoutes(cfg Config, protector *csrf.Protector) error {
	var login *ratelimit.Limiter
	if len(cfg.Login.Paths) > 0 {
		statuses := cfg.Login.Statuses
		if len(statuses) == 0 {
			statuses = []int{http.StatusUnauthorized, http.StatusForbidden}
		}
		var err error
		login, err = ratelimit.New(ratelimit.Config{
			Rate:                   cmp.Or(cfg.Login.Rate, proxydefault.LoginRate()),
			Identifier:             "login",
			SkipSuccessfulRequests: true,
			// Only the upstream's answers to attempts count: the proxy's
			// own 403 to a cross-site post, or the upstream's 401 to an
			// <img> of it, would let any page lock its visitors out.
			Succeeded: func(r *http.Request, status int) bool {
				x := exchangeOf(r.Context())
				if x == nil || !x.answered || crossSiteRead(r) {
					return true
				}
				return !slices.Contains(statuses, status) && !p.redirectedToLogin(r, status, x.hdr)
			},
			Store:    cmp.Or(cfg.LoginStore, cfg.Store),
			FailOpen: cfg.Login.FailOpen,
			Logger:   p.logger,
		})
		if err != nil {
			return configError("login", err)
		}
	}
	for i, rc := range append(slices.Clone(cfg.Routes), Route{Prefix: ""}) {
		rt, err := p.compileRoute(cfg, rc, i, protector, login)
		if err != nil {
			return err
		}
		p.routes = append(p.routes, rt)
	}
	// Longest prefix first, so the first match is the most specific; the
	// default route, "", last.
	slices.SortStableFunc(p.routes, func(a, b *route) int { return len(b.prefix) - len(a.prefix) })
	return nil
}

// compileRoute builds one route's chains: its own limiter, the login
// limiter (login chain only), the body limit, the JSON key guard, the
// query and form guards, CSRF, the WebSocket origin check, the upstream.
func (p *Proxy) compileRoute(cfg Config, rc Route, i int, protector *csrf.Protector, login *ratelimit.Limiter) (*route, error) {
	rt := &route{
		prefix:    rc.Prefix,
		bodyLimit: cmp.Or(rc.BodyLimit, cfg.BodyLimit, proxydefault.BodyLimit),
		operators: rc.AllowOperators,
	}
	var h http.Handler = p.rp
	h = p.checkUpgrade(h)
	if !rc.SkipCSRF {
		h = protector.Handler(h)
	}
	if !rc.AllowOperators || !rc.AllowPollution || len(rc.AllowDuplicates) > 0 {
		pc := input.ParamsConfig{
			DangerouslyAllowOperatorKeys: rc.AllowOperators,
			MaxBytes:                     rt.bodyLimit,
		}
		if rc.AllowPollution {
			pc.Default = input.ParamAll
		}
		for _, name := range rc.AllowDuplicates {
			if pc.Params == nil {
				pc.Params = make(map[string]input.ParamPolicy)
			}
			pc.Params[name] = input.ParamAll
		}
		params, err := input.NewParams(pc)
		if err != nil {
			return nil, configError(fmt.Sprintf("routes[%d]", i), err)
		}
		h = params.Handler(h)
		rt.params = true
	}
	h = p.guardBody(rt, h)
	rt.handler, rt.login = h, h
	if login != nil {
		rt.login = login.Handler(h)
	}
	if rc.Rate != (ratelimit.Spec{}) {
		l, err := ratelimit.New(ratelimit.Config{
			Rate:       rc.Rate,
			Identifier: routeIdentifier(rc.Prefix),
			Store:      cfg.Store,
			Logger:     p.logger,
		})
		if err != nil {
			return nil, configError(fmt.Sprintf("routes[%d].rate", i), err)
		}
		rt.handler, rt.login = l.Handler(rt.handler), l.Handler(rt.login)
	}
	return rt, nil
}

// routeIdentifier names a route's limiter, in the RateLimit-Policy header
// and in the store: "route-" and the prefix, or a hash of a prefix that is
// too long or not printable ASCII for an identifier.
func routeIdentifier(prefix string) string {
	const maxLen = 64
	id := "route-" + prefix
	ok := len(id) <= maxLen
	for i := 0; ok && i < len(id); i++ {
		ok = id[i] > ' ' && id[i] < 0x7f && id[i] != '"' && id[i] != '\\'
	}
	if ok {
		return id
	}
	sum := sha256.Sum256([]byte(prefix))
	return "route-" + hex.EncodeToString(sum[:12])
}

// ServeHTTP hardens r and forwards it to the upstream, or refuses it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Cleaned before any layer decides on the path (the general limit's
	// paths, routes, login paths), since the clean path is what is sent.
	p.handler.ServeHTTP(w, cleanPath(r))
}

// Close closes the idle connections to the upstream. The rate-limit
// stores given in Config belong to the caller, who closes them.
func (p *Proxy) Close() error {
	if p.transport != nil {
		p.transport.close()
	}
	return nil
}

// dispatch runs below the stack: it answers the CSRF token endpoint, and hands the request to its route's chain.
func (p *Proxy) dispatch(w http.ResponseWriter, r *http.Request) {
	if p.csrfToken != nil && r.URL.Path == p.tokenPath && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		p.csrfToken.ServeHTTP(w, r)
		return
	}
	if tunnelOrEcho(r.Method) {
		respond.Reject(w, r, &respond.Rejection{
			Status: http.StatusNotImplemented,
			Event:  secevent.RequestRejected,
			Err:    errMethod,
		})
		return
	}
	matched, hidden := routepath.Canonical(r.URL.Path) // "/api/login;x" is the login path to Tomcat
	if hidden {
		// "/static/..;/api/login" is "/api/login" to a servlet
		// container (and "/static\..\api/login" to IIS), past the
		// rules for both the prefix and the login.
		respond.Reject(w, r, &respond.Rejection{
			Status: http.StatusBadRequest,
			Event:  secevent.RequestRejected,
			Err:    errHiddenDotSegment,
		})
		return
	}
	rt := p.match(matched)
	reqctx.SetRoute(r.Context(), cmp.Or(rt.prefix, "/")) // a configured prefix: a bounded metrics label
	r = r.WithContext(&exchange{Context: r.Context(), p: p, hdr: w.Header()})
	if p.isLogin(matched) || matched != r.URL.Path && p.isLogin(r.URL.Path) {
		rt.login.ServeHTTP(w, r)
		return
	}
	rt.handler.ServeHTTP(w, r)
}

// match returns the route of path: the longest prefix that matches,
// ignoring case as most application routers do, so that "/API/" cannot
// dodge a rule written for "/api/".
func (p *Proxy) match(urlPath string) *route {
	for _, rt := range p.routes {
		if len(urlPath) >= len(rt.prefix) && strings.EqualFold(urlPath[:len(rt.prefix)], rt.prefix) {
			return rt
		}
	}
	return p.routes[len(p.routes)-1]
}

// redirectedToLogin reports an unsafe request that the upstream answered
// with a redirect back to a login path: how form logins say that the
// password was wrong (Spring Security's "/login?error", Laravel's back(),
// a PHP header("Location: login.php?failed")), where a 401 is what APIs
// send. A safe request is never counted this way: GET /login answered
// with a redirect to "/login/" is a router's, not a failed sign-in.
func (p *Proxy) redirectedToLogin(r *http.Request, status int, hdr http.Header) bool {
	if status < 300 || status > 399 || safeMethod(r.Method) {
		return false
	}
	raw := hdr.Get("Location")
	if raw == "" {
		return false
	}
	loc, err := url.Parse(raw)
	if err != nil || loc.Host != "" && !strings.EqualFold(loc.Host, r.Host) {
		return false
	}
	target, hidden := routepath.Canonical(r.URL.ResolveReference(loc).Path)
	return !hidden && p.isLogin(target)
}

// isLogin reports whether urlPath is a login path. Case, one trailing
// slash and a format suffix (".json") are ignored: routers such as Express
// match "/Login/" to "/login", Rails and Spring's suffix matching route
// "/login.json" to "/login", and a limiter that did not would be bypassed
// by the variant.
func (p *Proxy) isLogin(urlPath string) bool {
	if len(p.loginPaths) == 0 {
		return false
	}
	if len(urlPath) > 1 {
		urlPath = strings.TrimSuffix(urlPath, "/")
	}
	for _, lp := range p.loginPaths {
		if len(lp) > 1 {
			lp = strings.TrimSuffix(lp, "/")
		}
		if strings.EqualFold(urlPath, lp) {
			return true
		}
		// "/login.json": the login path, a dot, and no further segment.
		if len(urlPath) > len(lp) && urlPath[len(lp)] == '.' && lp != "/" &&
			strings.EqualFold(urlPath[:len(lp)], lp) && !strings.Contains(urlPath[len(lp):], "/") {
			return true
		}
	}
	return false
}

var errMethod = errors.New("proxy: CONNECT, TRACE and TRACK are not forwarded")

// tunnelOrEcho reports the methods the proxy answers itself with 501 and
// never forwards: CONNECT would ask the upstream for a tunnel (over
// HTTP/2, with :protocol, a WebSocket that the Origin check of Upgrade
// requests never sees), and TRACE and TRACK echo the request back, its
// cookies and Authorization included (cross-site tracing), as nginx
// refuses them.
func tunnelOrEcho(method string) bool {
	return method == http.MethodConnect || method == http.MethodTrace || method == "TRACK"
}

// safeMethod reports whether method is one that the CSRF check lets
// through as unable to change state (as http.CrossOriginProtection
// decides).
func safeMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// crossSiteRead reports a safe request without an Authorization header
// that a browser sent from another site (Sec-Fetch-Site cross-site or
// same-site): an <img> or a link on someone else's page, not a sign-in
// attempt of the client's own. A client that forges the header to dodge
// the count gains nothing on a login that takes its password in a POST
// body or an Authorization header.
func crossSiteRead(r *http.Request) bool {
	if !safeMethod(r.Method) {
		return false
	}
	if _, ok := r.Header["Authorization"]; ok {
		return false
	}
	site := r.Header.Get("Sec-Fetch-Site")
	return site == "cross-site" || site == "same-site"
}

var errHiddenDotSegment = errors.New("proxy: a dot segment hidden behind path parameters or backslashes")

// cleanPath returns r with its path cleaned of "//", "." and ".."
// segments, keeping a trailing slash: the guards decide on the path the
// upstream is sent, so an upstream that resolves "/x/../api/login" itself
// cannot be reached past a rule for "/api/login".
func cleanPath(r *http.Request) *http.Request {
	p := r.URL.Path
	if p == "*" {
		return r // OPTIONS *: about the server, no path
	}
	np := p
	if !strings.HasPrefix(np, "/") {
		np = "/" + np
	}
	np = path.Clean(np) // no allocation when already clean
	if p != "" && p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	if np == r.URL.Path {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath = np, ""
	r2.URL = &u
	return r2
}

// exchange is the request's context below dispatch: what ModifyResponse
// needs of the client side of the exchange, found from the outbound
// request, whose context it is.
type exchange struct {
	context.Context
	p   *Proxy
	hdr http.Header // the client response's header, holding the stack's headers

	// fwd backs the outbound request's X-Forwarded-For, -Host and
	// X-Request-ID values: one allocation for all of them. Each header
	// gets a one-element slice of capacity 1, so an Add copies.
	fwd [3]string

	// answered is set when the upstream's answer arrives (modifyResponse):
	// the login limiter counts the upstream's failures, not the proxy's
	// own refusals.
	answered bool
}

type exchangeKey struct{}

// Value returns the exchange itself for exchangeKey and defers to the
// parent otherwise.
func (x *exchange) Value(key any) any {
	if key == (exchangeKey{}) {
		return x
	}
	return x.Context.Value(key)
}

// exchangeOf returns the exchange of ctx, or nil.
func exchangeOf(ctx context.Context) *exchange {
	x, _ := ctx.Value(exchangeKey{}).(*exchange)
	return x
}
