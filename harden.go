package harden

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/harden-go/harden/allowedhosts"
	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/httpsredirect"
	"github.com/harden-go/harden/recovery"
	"github.com/harden-go/harden/respond"
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

	// Responder answers every refusal of every layer. Default:
	// respond.JSON{Development: Development}.
	Responder respond.Responder `json:"-" yaml:"-"`

	// Logger receives panics, layer errors and start-up warnings. Default:
	// slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
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
}

// Stack is a validated, composed set of defence layers. It is safe for
// concurrent use.
type Stack struct {
	resolver  *clientip.Resolver // nil: no proxy trusted, the connection speaks for itself
	responder respond.Responder  // nil: the default production responder
	headers   *headers.Headers
	cors      *cors.Middleware // nil: CORS is off
	logger    *slog.Logger

	// layers wrap the handler, outermost first. New appends them in the
	// order of the stack; see Handler.
	layers []func(http.Handler) http.Handler
}

// ErrConfig wraps every configuration error New returns, so a caller can
// tell a bad configuration from other start-up failures.
var ErrConfig = errors.New("harden: invalid configuration")

// Configuration errors of the stack as a whole. New wraps each with
// [ErrConfig] and the name of the field at fault; the layers' own errors
// keep their types (*clientip.ConfigError, *cors.ConfigError, ...).
var (
	ErrPublicURLRequired       = errors.New("production enforces HTTPS and needs public_url (or development mode)")
	ErrPublicURLNotHTTPS       = errors.New("production enforces HTTPS: public_url must be https://")
	ErrInvalidPublicURL        = errors.New("must be an absolute http(s) URL with a host and no userinfo, path, query or fragment")
	ErrHostsRequired           = errors.New("production without public_url needs hosts")
	ErrBroadRangesInProduction = errors.New("dangerously_trust_broad_ranges is refused in production")
	ErrInvalidPath             = errors.New("must be an absolute path starting with /")
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
	s := &Stack{logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	var errs configErrors
	prod := !cfg.Development

	h, err := headers.New(cfg.Headers)
	errs.add(err)
	s.headers = h
	switch {
	case cfg.Responder != nil:
		s.responder = cfg.Responder
	case cfg.Development:
		s.responder = respond.JSON{Development: true}
	}

	// Client IP. Without a trusted proxy the resolver would say what the
	// connection says, which every accessor already falls back to: it is
	// validated but not installed, and costs nothing per request.
	if prod && cfg.ClientIP.DangerouslyTrustBroadRanges {
		errs.field("client_ip", ErrBroadRangesInProduction)
	}
	res, err := clientip.New(cfg.ClientIP)
	errs.add(err)
	if res != nil && (cfg.ClientIP.TrustedHops > 0 || len(cfg.ClientIP.TrustedProxies) > 0) {
		s.resolver = res
	}

	// Public URL and HTTPS enforcement.
	health := checkPaths(&errs, "health_paths", cfg.HealthPaths)
	exempt := checkPaths(&errs, "https.exempt", cfg.HTTPS.Exempt)
	var public *url.URL
	if cfg.PublicURL != "" {
		if public = parsePublicURL(cfg.PublicURL); public == nil {
			errs.field("public_url", ErrInvalidPublicURL)
		}
	}
	var redirect *httpsredirect.Redirector
	enforce := prod && !cfg.HTTPS.DangerouslyAllowPlainHTTP
	switch {
	case !enforce:
	case cfg.PublicURL == "":
		errs.field("https", ErrPublicURLRequired)
	case public == nil:
		// Already reported as an invalid public_url.
	case public.Scheme != "https":
		errs.field("https", ErrPublicURLNotHTTPS)
	default:
		redirect, err = httpsredirect.New(httpsredirect.Config{
			PublicURL: cfg.PublicURL,
			Exempt:    append(exempt, health...),
		})
		errs.add(err)
	}

	// Allowed hosts: the configured ones (in development, the loopback
	// names when none are), plus PublicURL's host, which the service must
	// always answer for since redirects send clients there.
	hosts := cfg.Hosts
	hosts.Hosts = slices.Clone(hosts.Hosts)
	if len(hosts.Hosts) == 0 && cfg.Development {
		hosts.Hosts = slices.Clone(devHosts)
	}
	if public != nil {
		hc, err := allowedhosts.ForPublicURL(cfg.PublicURL)
		errs.add(err)
		hosts.Hosts = append(hosts.Hosts, hc.Hosts...)
	}
	if len(hosts.Hosts) == 0 && prod && !enforce && cfg.PublicURL == "" {
		// allowedhosts would fall back to the loopback names: a production
		// service that answers nobody else is a mistake to report now.
		errs.field("hosts", ErrHostsRequired)
	}
	checker, err := allowedhosts.New(hosts)
	errs.add(err)

	// CORS.
	m, err := cors.New(cfg.CORS)
	errs.add(err)
	if m != nil && len(cfg.CORS.Origins) > 0 {
		s.cors = m
	}

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if s.cors != nil && prod {
		for _, o := range append(s.cors.Origins(), s.cors.Patterns()...) {
			if strings.HasPrefix(o, "http://") {
				// cors accepts loopback http:// origins without an escape
				// hatch; in production they are most likely a development
				// setting left behind.
				s.logger.Warn("harden: CORS allows an http:// origin in production", "origin", o)
			}
		}
	}

	// The layers, outermost first. The context values (trusted client
	// address and scheme, responder) are set before all of them by Handler.
	s.layers = append(s.layers, s.headers.Handler, recovery.New(s.logger))
	if redirect != nil {
		s.layers = append(s.layers, redirect.Handler)
	}
	s.layers = append(s.layers, exemptPaths(health, checker.Handler))
	if s.cors != nil {
		s.layers = append(s.layers, s.cors.Handler)
	}
	return s, nil
}

// Handler returns next wrapped in every layer of the stack, outermost
// first: security headers, panic recovery, HTTPS enforcement, allowed hosts,
// CORS, then next.
//
// Before them, in one copy of the request, the stack puts the trusted
// client address, scheme and host ([clientip]) and the responder
// ([respond.WithResponder]) in the request context. Neither writes a
// response, so every response still passes through the headers layer; and
// the headers layer needs the trusted scheme to decide on HSTS behind a
// TLS-terminating proxy.
func (s *Stack) Handler(next http.Handler) http.Handler {
	h := next
	for i := len(s.layers) - 1; i >= 0; i-- {
		h = s.layers[i](h)
	}
	res, resp := s.resolver, s.responder
	switch {
	case res == nil && resp == nil:
		return h
	case res == nil:
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(respond.WithResponder(r.Context(), resp)))
		})
	case resp == nil:
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(clientip.NewContext(r.Context(), res.Resolve(r))))
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := respond.WithResponder(r.Context(), resp)
		h.ServeHTTP(w, r.WithContext(clientip.NewContext(ctx, res.Resolve(r))))
	})
}

// Headers returns the stack's header layer, for reverse proxies
// (Headers.SetHeaders) and documentation (Headers.Policy).
func (s *Stack) Headers() *headers.Headers { return s.headers }

// CORS returns the stack's CORS layer, or nil when no origin is allowed.
// Its allowlist (Origins, Patterns, Trusts) is what the CSRF layer trusts.
func (s *Stack) CORS() *cors.Middleware { return s.cors }

// parsePublicURL returns s parsed when it is an absolute http or https URL
// with a host and nothing but the host: a path, query or fragment would be
// silently dropped from redirects, and userinfo would be sent to clients.
func parsePublicURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Opaque != "" || u.Host == "" ||
		u.User != nil || u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || strings.Contains(s, "#") {
		return nil
	}
	return u
}

// checkPaths reports the entries of paths that are not absolute paths and
// returns the others.
func checkPaths(errs *configErrors, field string, paths []string) []string {
	ok := make([]string, 0, len(paths))
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			errs.field(field, fmt.Errorf("%q %w", p, ErrInvalidPath))
			continue
		}
		ok = append(ok, p)
	}
	return ok
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
