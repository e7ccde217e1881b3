package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/proxydefault"
	"github.com/harden-go/harden/ratelimit"
)

// Config configures a Proxy: the root stack's configuration (inlined, so a
// config file has the library's field names at its top level) and what the
// proxy adds in front of an upstream. The zero value with Upstream and
// PublicURL set is the strict production proxy.
type Config struct {
	harden.Config `yaml:",inline"`

	// Upstream is the application behind the proxy: "http://host:port",
	// "https://host:port" or "unix:/path/to.sock". A path is a prefix
	// prepended to every request path; userinfo, query and fragment are
	// refused. The upstream receives the client's Host header (checked
	// against the allowed hosts), as an application behind a proxy
	// expects. Required.
	Upstream string `json:"upstream" yaml:"upstream"`

	// BodyLimit is the largest request body forwarded, in bytes, whether it
	// is sent with Content-Length or chunked; a larger body is refused with
	// 413 before (or, for a chunked body, while) it is forwarded. Routes
	// override it per path prefix. Default 102400 (100 KiB). Negative is
	// refused.
	BodyLimit int64 `json:"body_limit,omitempty" yaml:"body_limit,omitempty"`

	// Login configures the login limiter, which counts the upstream's
	// failure answers on the login paths. Default: no login path, no
	// limiter.
	Login LoginConfig `json:"login" yaml:"login"`

	// Routes override the request guards per path prefix; the longest
	// matching Prefix wins. Default: none, every request gets the defaults.
	Routes []Route `json:"routes,omitempty" yaml:"routes,omitempty"`

	// CSRF configures cross-site request forgery protection of unsafe
	// methods. Default: Fetch Metadata and Origin, no tokens.
	CSRF CSRFConfig `json:"csrf" yaml:"csrf"`

	// Cookies configures how the upstream's Set-Cookie headers are
	// hardened. Default: Secure (production), HttpOnly, SameSite=Lax.
	Cookies CookieConfig `json:"cookies" yaml:"cookies"`

	// HeaderPolicy says, per response header name of the security header
	// set, what happens when the upstream sends that header too:
	// "replace" (the stack's value only), "keep" (the upstream's value
	// wins; the stack's is sent only when the upstream sent none) or "add"
	// (both; only for Content-Security-Policy and
	// Content-Security-Policy-Report-Only, where every policy is enforced).
	// Default: "replace" for every header, so each appears once.
	HeaderPolicy map[string]string `json:"header_policy,omitempty" yaml:"header_policy,omitempty"`

	// NoncePlaceholder, when set, is replaced by the request's CSP nonce in
	// the bodies of documents (HTML, XHTML, SVG, XML, and answers without a
	// Content-Type, which browsers sniff), so that the upstream's inline scripts
	// (<script nonce="PLACEHOLDER">) run under the nonce-based CSP. Treat it
	// as a secret: anyone who can put the placeholder into a page the
	// upstream serves (a stored comment) gets a valid nonce, so it must be
	// at least 16 bytes, unguessable, and never shown to users. Requests
	// that accept HTML are sent upstream with "Accept-Encoding: identity"
	// so the body can be rewritten; a compressed HTML answer is passed on
	// unmodified. Default: "" (off).
	NoncePlaceholder string `json:"nonce_placeholder,omitempty" yaml:"nonce_placeholder,omitempty"`

	// ErrorPages is what clients see of the upstream's 5xx answers, and of
	// its 4xx answers that carry a stack trace (a body of at most 64 KiB,
	// matched against the trace syntax of the major runtimes; see
	// docs/proxy.md): "mask" replaces the body with the stack's safe error
	// answer (JSON or HTML, as the client's Accept asks) carrying the
	// request id, keeps the status, and logs the upstream's status and
	// size; "pass" forwards the upstream's body. Other 4xx bodies always
	// pass. Default: "mask" in production, "pass" in development.
	ErrorPages string `json:"error_pages,omitempty" yaml:"error_pages,omitempty"`

	// Timeout bounds the wait for the upstream's response headers; when it
	// passes the client gets 504. Ignored when Transport is set, whose own
	// timeouts apply. Default 60 seconds.
	Timeout time.Duration `json:"-" yaml:"-"`

	// Secrets are the keys of CSRF token mode (the first signs, all
	// verify). Never printed. Default: none.
	Secrets []string `json:"-" yaml:"-"`

	// Store keeps the counters of the per-route limiters (and of the
	// general limit, when RateLimit.Store is unset). Default: in memory.
	Store ratelimit.Store `json:"-" yaml:"-"`
	// LoginStore keeps the login limiter's counters. Default: Store, or
	// in memory.
	LoginStore ratelimit.Store `json:"-" yaml:"-"`

	// Transport sends requests to the upstream. Default: a transport tuned
	// for one upstream (see New).
	Transport http.RoundTripper `json:"-" yaml:"-"`
}

// LoginConfig configures the login limiter: requests to Paths that the
// upstream answers with one of Statuses, or unsafe ones (a POST) that it
// redirects back to a login path (Spring Security's "/login?error",
// Laravel's back(): how form logins answer a wrong password), count
// against the client's quota, and once it is spent every request to Paths
// is refused with 429 before it is forwarded, right password or not,
// until the window ends. The proxy's own refusals (a cross-site post's
// 403) do not count, nor do safe requests without an Authorization header
// that a browser sends from another site (an <img> of the login path), so
// a page on another site cannot lock its visitors out. A login that takes
// its password in the query string of a GET is not protected by the
// limiter against a client that sends "Sec-Fetch-Site: cross-site" itself.
type LoginConfig struct {
	// Paths lists the login paths ("/api/login"), matched as whole paths
	// ignoring case, a trailing slash, a format suffix ("/api/login.json")
	// and path parameters ("/api/login;jsessionid=x"), the variants that
	// application routers take for the same route.
	// Default: none (no login limiter).
	Paths []string `json:"paths,omitempty" yaml:"paths,omitempty"`
	// Rate is the quota of failures per client address, "5/15m" in text.
	// Default 5 per 15 minutes.
	Rate ratelimit.Spec `json:"rate,omitzero" yaml:"rate,omitempty"`
	// Statuses are the upstream's answers that count as failures.
	// Default 401 and 403.
	Statuses []int `json:"statuses,omitempty" yaml:"statuses,omitempty"`
	// FailOpen admits login requests when LoginStore fails. Default false:
	// they are refused with 503.
	FailOpen bool `json:"fail_open,omitempty" yaml:"fail_open,omitempty"`
}

// Route overrides the request guards for the requests whose path starts
// with Prefix.
type Route struct {
	// Prefix is the path prefix, starting with "/"; end it with "/" to
	// cover a subtree. It is matched ignoring case against the cleaned
	// path, as most application routers match. Required.
	Prefix string `json:"prefix" yaml:"prefix"`
	// BodyLimit replaces Config.BodyLimit for the route (uploads). Default:
	// Config.BodyLimit. Negative is refused.
	BodyLimit int64 `json:"body_limit,omitempty" yaml:"body_limit,omitempty"`
	// Rate, when set, is a limit of the route's own, per client address,
	// on top of the general one ("10/m"). Default: none.
	Rate ratelimit.Spec `json:"rate,omitzero" yaml:"rate,omitempty"`
	// AllowOperators turns the NoSQL-operator guard off for the route:
	// keys beginning with "$" or containing "." pass in JSON bodies, query
	// strings and forms. Default false.
	AllowOperators bool `json:"allow_operators,omitempty" yaml:"allow_operators,omitempty"`
	// AllowDuplicates lists the query and form parameters that keep every
	// value; any other parameter sent more than once reaches the upstream
	// with its last value only. Default: none.
	AllowDuplicates []string `json:"allow_duplicates,omitempty" yaml:"allow_duplicates,omitempty"`
	// AllowPollution turns the duplicate-parameter rewriting off for the
	// route. Default false.
	AllowPollution bool `json:"allow_pollution,omitempty" yaml:"allow_pollution,omitempty"`
	// SkipCSRF exempts the route from CSRF protection: for webhooks that
	// authenticate their callers by their own signatures. Default false.
	SkipCSRF bool `json:"skip_csrf,omitempty" yaml:"skip_csrf,omitempty"`
}

// CSRFConfig configures CSRF protection. Unsafe methods (POST, PUT, PATCH,
// DELETE) are refused with 403 unless Fetch Metadata (Sec-Fetch-Site) or
// Origin show a same-origin request or one from the CORS allowlist.
// Requests with neither header (non-browser clients) pass that check.
type CSRFConfig struct {
	// Token adds signed tokens for JSON APIs: unsafe requests must also
	// carry a token from TokenPath in the X-CSRF-Token header (or the
	// "_csrf" form field). Needs Secrets in production. Default false.
	Token bool `json:"token,omitempty" yaml:"token,omitempty"`
	// TokenPath is where clients fetch a token with GET when Token is set:
	// {"token":"..."}. It is answered by the proxy, not forwarded.
	// Default "/.harden/csrf-token".
	TokenPath string `json:"token_path,omitempty" yaml:"token_path,omitempty"`
}

// CookieConfig configures the hardening of the upstream's Set-Cookie
// headers. Every cookie gets Secure (in production), HttpOnly (unless
// Readable) and SameSite=Lax (unless it says Strict, or SameSite says
// otherwise); other attributes are kept as the upstream wrote them.
type CookieConfig struct {
	// Readable lists the cookie names that scripts must read (a CSRF
	// cookie of a single-page app): the proxy adds no HttpOnly to them,
	// and keeps the upstream's own. Default: none.
	Readable []string `json:"readable,omitempty" yaml:"readable,omitempty"`
	// SameSite is the SameSite given to cookies that do not say Strict:
	// "lax", "strict" or "none" (which implies Secure). Default "lax".
	SameSite string `json:"same_site,omitempty" yaml:"same_site,omitempty"`
	// HostPrefix renames every cookie of the upstream "name" to
	// "__Host-name", with Secure, Path=/ and its Domain removed (the
	// prefix requires them: every cookie becomes host-only), and back on
	// requests: the upstream sees only the cookies that came with the
	// prefix, which no sibling subdomain and no network attacker can set,
	// plus the Readable ones, which are neither renamed nor filtered, since
	// scripts read them by name. Refused where clients may use plain HTTP
	// (development without a https public_url, or
	// https.dangerously_allow_plain_http). Default false.
	HostPrefix bool `json:"host_prefix,omitempty" yaml:"host_prefix,omitempty"`
}

// defaultTokenPath is CSRFConfig.TokenPath's default.
const defaultTokenPath = "/.harden/csrf-token" // #nosec G101 -- a URL path, not a credential

// The values of Config.HeaderPolicy.
const (
	policyReplace = "replace"
	policyKeep    = "keep"
	policyAdd     = "add"
)

// Configuration errors of the proxy. New wraps each in a
// *harden.ConfigError naming the field, which wraps harden.ErrConfig.
var (
	errUpstreamRequired    = errors.New("is required")
	errUpstreamScheme      = errors.New("must be an http://, https:// or unix: URL")
	errUpstreamParts       = errors.New("must not carry userinfo, a query or a fragment")
	errUpstreamHost        = errors.New("needs a host (or, for unix:, a socket path)")
	errNegative            = errors.New("must not be negative")
	errHeaderPolicy        = errors.New("must be \"replace\", \"keep\" or \"add\"")
	errHeaderPolicyAdd     = errors.New("\"add\" is only allowed for Content-Security-Policy and Content-Security-Policy-Report-Only")
	errHeaderName          = errors.New("is not a header of the security header set")
	errErrorPages          = errors.New("must be \"mask\" or \"pass\"")
	errSameSite            = errors.New("must be \"lax\", \"strict\" or \"none\"")
	errPlaceholder         = errors.New("must be at least 16 bytes of printable ASCII without spaces, quotes or angle brackets")
	errPlaceholderNoNonce  = errors.New("needs a Content-Security-Policy with a nonce (headers.csp)")
	errTokenNeedsSecrets   = errors.New("token mode needs secrets in production")
	errPrefix              = errors.New("must start with /")
	errDuplicatePrefix     = errors.New("is listed twice")
	errPathAbsolute        = errors.New("must be an absolute path starting with /")
	errStatus              = errors.New("must be a 4xx or 5xx status")
	errHostPrefixPlainHTTP = errors.New("__Host- cookies need HTTPS: refused with dangerously_allow_plain_http, and in development without a https public_url")
)

// configError is the error New reports for field, refused for err: a
// *harden.ConfigError whose Field is the configuration file's name of the
// field, dotted ("cookies.same_site"), wrapped in harden.ErrConfig as
// harden.New does the layers' errors.
func configError(field string, err error) error {
	return fmt.Errorf("%w: %w", harden.ErrConfig, configerr.Field("proxy", field, "", err))
}

// securityHeaders are the headers the stack's header layer may set, in
// canonical form: the names HeaderPolicy accepts.
var securityHeaders = []string{
	"Content-Security-Policy", "Content-Security-Policy-Report-Only",
	"Strict-Transport-Security", "Cross-Origin-Opener-Policy",
	"Cross-Origin-Resource-Policy", "Cross-Origin-Embedder-Policy",
	"Origin-Agent-Cluster", "Referrer-Policy", "X-Content-Type-Options",
	"X-Dns-Prefetch-Control", "X-Download-Options", "X-Frame-Options",
	"X-Permitted-Cross-Domain-Policies", "X-Xss-Protection", "Permissions-Policy",
	"Reporting-Endpoints",
}

// upstreamTarget is a parsed Upstream.
type upstreamTarget struct {
	url    *url.URL // scheme http or https; for unix: http://unix with the path prefix empty
	socket string   // the unix socket path, or ""
}

// parseUpstream validates s as Config.Upstream.
func parseUpstream(s string) (upstreamTarget, error) {
	if s == "" {
		return upstreamTarget{}, errUpstreamRequired
	}
	if path, ok := strings.CutPrefix(s, "unix:"); ok {
		path = strings.TrimPrefix(path, "//")
		if path == "" || strings.ContainsAny(path, "?#") {
			return upstreamTarget{}, errUpstreamHost
		}
		// The Host sent to a socket upstream is the client's (Rewrite keeps
		// it); the URL host only names the connection pool.
		return upstreamTarget{url: &url.URL{Scheme: "http", Host: "unix"}, socket: path}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "http" && u.Scheme != "https" || u.Opaque != "" {
		return upstreamTarget{}, errUpstreamScheme
	}
	// Userinfo would be sent to the upstream on every request as Basic
	// credentials nobody audits; a query or fragment has no meaning here.
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#") {
		return upstreamTarget{}, errUpstreamParts
	}
	if u.Host == "" {
		return upstreamTarget{}, errUpstreamHost
	}
	return upstreamTarget{url: u}, nil
}

// validate checks the proxy's own fields and returns their problems; the
// root stack's fields are harden.New's.
func (cfg *Config) validate() []error {
	var errs []error
	bad := func(field string, err error) { errs = append(errs, configError(field, err)) }
	if _, err := parseUpstream(cfg.Upstream); err != nil {
		bad("upstream", err)
	}
	if cfg.BodyLimit < 0 {
		bad("body_limit", errNegative)
	}
	if cfg.Timeout < 0 {
		bad("timeout", errNegative)
	}
	cfg.validateRequestSide(bad)
	cfg.validateResponseSide(bad)
	return errs
}

// validateRequestSide checks the login limiter, the routes and CSRF.
func (cfg *Config) validateRequestSide(bad func(string, error)) {
	for _, p := range cfg.Login.Paths {
		if !strings.HasPrefix(p, "/") {
			bad("login.paths", fmt.Errorf("%q %w", p, errPathAbsolute))
		}
	}
	if cfg.Login.Rate != (ratelimit.Spec{}) {
		if err := cfg.Login.Rate.Validate(); err != nil {
			bad("login.rate", err)
		}
	}
	for _, s := range cfg.Login.Statuses {
		if s < 400 || s > 599 {
			bad("login.statuses", fmt.Errorf("%d %w", s, errStatus))
		}
	}
	seen := make(map[string]bool, len(cfg.Routes))
	for i, rt := range cfg.Routes {
		field := fmt.Sprintf("routes[%d]", i)
		switch {
		case !strings.HasPrefix(rt.Prefix, "/"):
			bad(field+".prefix", fmt.Errorf("%q %w", rt.Prefix, errPrefix))
		case seen[strings.ToLower(rt.Prefix)]:
			bad(field+".prefix", fmt.Errorf("%q %w", rt.Prefix, errDuplicatePrefix))
		}
		seen[strings.ToLower(rt.Prefix)] = true
		if rt.BodyLimit < 0 {
			bad(field+".body_limit", errNegative)
		}
		if rt.Rate != (ratelimit.Spec{}) {
			if err := rt.Rate.Validate(); err != nil {
				bad(field+".rate", err)
			}
		}
	}
	if cfg.CSRF.TokenPath != "" && !strings.HasPrefix(cfg.CSRF.TokenPath, "/") {
		bad("csrf.token_path", errPathAbsolute)
	}
	if cfg.CSRF.Token && !cfg.Development && len(cfg.Secrets) == 0 {
		bad("csrf.token", errTokenNeedsSecrets)
	}
}

// validateResponseSide checks cookies, the header policy, the nonce
// placeholder and the error pages.
func (cfg *Config) validateResponseSide(bad func(string, error)) {
	switch strings.ToLower(cfg.Cookies.SameSite) {
	case "", "lax", "strict", "none":
	default:
		bad("cookies.same_site", errSameSite)
	}
	plainHTTP := cfg.HTTPS.DangerouslyAllowPlainHTTP || cfg.Development && !strings.HasPrefix(cfg.PublicURL, "https://")
	if cfg.Cookies.HostPrefix && plainHTTP {
		bad("cookies.host_prefix", errHostPrefixPlainHTTP)
	}
	for name, pol := range cfg.HeaderPolicy {
		canon := http.CanonicalHeaderKey(name)
		switch {
		case !slices.Contains(securityHeaders, canon):
			bad("header_policy", fmt.Errorf("%q %w", name, errHeaderName))
		case pol != policyReplace && pol != policyKeep && pol != policyAdd:
			bad("header_policy", fmt.Errorf("%q: %w", name, errHeaderPolicy))
		case pol == policyAdd && !strings.HasPrefix(canon, "Content-Security-Policy"):
			bad("header_policy", fmt.Errorf("%q: %w", name, errHeaderPolicyAdd))
		}
	}
	if p := cfg.NoncePlaceholder; p != "" && !validPlaceholder(p) {
		bad("nonce_placeholder", errPlaceholder)
	}
	switch cfg.ErrorPages {
	case "", proxydefault.ErrorPagesMask, proxydefault.ErrorPagesPass:
	default:
		bad("error_pages", errErrorPages)
	}
}

// validPlaceholder reports whether p can serve as a nonce placeholder: long
// enough to be a secret, and made of bytes that pass through HTML
// attributes unescaped, so the placeholder the upstream writes is the one
// the proxy looks for.
func validPlaceholder(p string) bool {
	if len(p) < 16 {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"'<>&`=", c) >= 0 {
			return false
		}
	}
	return true
}
