package csrf

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/cookie"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/cookieprefix"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/session"
)

// Errors returned by [Protector.Check]. Their text never contains request
// input (no Origin, Host or token is echoed). A refusal that is neither
// ErrCrossOrigin nor ErrFormTooLarge is the token layer's: its text says
// whether the token was missing, invalid, or had nothing to be bound to.
var (
	// ErrCrossOrigin: Sec-Fetch-Site, or the Origin header, says the request
	// came from another origin that is not trusted.
	ErrCrossOrigin = errors.New("csrf: cross-origin request")
	// ErrFormTooLarge: the token had to be looked for in a form body larger
	// than Config.MaxFormBytes.
	ErrFormTooLarge = errors.New("csrf: form body too large")
)

// The token layer's refusals.
var (
	// errMissingToken: no token in the header nor in the form field.
	errMissingToken = errors.New("csrf: missing token")
	// errMissingCookie: a token was sent, but the request has neither a
	// session nor the pre-session cookie the token could be bound to.
	errMissingCookie = errors.New("csrf: missing session or pre-session cookie")
	// errInvalidToken: the token is malformed, forged, or bound to another
	// session or pre-session cookie.
	errInvalidToken = errors.New("csrf: invalid token")
)

// errOriginMismatch is the cause of ErrCrossOrigin when Sec-Fetch-Site is
// absent and Origin differs from the request's trusted scheme and host.
var errOriginMismatch = errors.New("Sec-Fetch-Site is missing and Origin does not match the request's scheme and host")

// Client-facing messages: fixed strings.
const (
	msgCrossOrigin   = "Cross-origin request refused"
	msgMissingToken  = "CSRF token missing" // #nosec G101 -- a client-facing message, not a credential
	msgMissingCookie = "CSRF cookie missing"
	msgInvalidToken  = "CSRF token invalid" // #nosec G101 -- a client-facing message, not a credential
	msgFormTooLarge  = "Request body too large"
)

// A Protector refuses cross-site request forgeries. It is safe for
// concurrent use.
type Protector struct {
	cop        *http.CrossOriginProtection // nil with DangerouslyNoOriginCheck
	ring       *keys.Ring                  // nil with DangerouslyNoToken
	exempt     *http.ServeMux              // nil without exemptions
	cookie     *cookie.Spec
	header     string
	field      string
	maxForm    int64
	sessionKey func(*http.Request) string
}

// New validates cfg and returns its Protector. Every invalid entry is
// reported: the error is a *harden.ConfigError or several joined with errors.Join.
func New(cfg Config) (*Protector, error) {
	errs := configerr.List{Pkg: "csrf"}
	p := &Protector{
		header:     orDefault(cfg.HeaderName, defaultHeaderName),
		field:      orDefault(cfg.FieldName, defaultFieldName),
		maxForm:    cfg.MaxFormBytes,
		sessionKey: cfg.SessionKey,
	}
	if cfg.DangerouslyNoToken && cfg.DangerouslyNoOriginCheck {
		errs.Add("dangerously_no_token", -1, "true", errBothLayersOff)
	}
	if !cfg.DangerouslyNoToken {
		if cfg.Keys == nil {
			errs.Add("keys", -1, "", errNoKeys)
		} else {
			p.ring = cfg.Keys.Derive("csrf")
		}
	}
	p.configureRequestFields(&errs)
	p.configureCookie(cfg, &errs)
	if !cfg.DangerouslyNoOriginCheck {
		p.configureOrigins(cfg, &errs)
	}
	p.configureExemptRoutes(cfg.DangerouslyExemptRoutes, &errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// configureRequestFields checks the names the token is read under and the
// bound on a form body, records those refused, and applies the defaults of
// the bound and of the session key.
func (p *Protector) configureRequestFields(errs *configerr.List) {
	if !httpguts.ValidHeaderFieldName(p.header) {
		errs.Add("header_name", -1, p.header, errInvalidName)
	}
	if !isFieldName(p.field) {
		errs.Add("field_name", -1, p.field, errInvalidName)
	}
	if p.maxForm < 0 {
		errs.Add("max_form_bytes", -1, "", errMaxFormBytes)
	} else if p.maxForm == 0 {
		p.maxForm = defaultMaxFormBytes
	}
	if p.sessionKey == nil {
		p.sessionKey = sessionKey
	}
}

// configureCookie makes the spec of the pre-session cookie, or records
// its name as refused.
func (p *Protector) configureCookie(cfg Config, errs *configerr.List) {
	name := orDefault(cfg.CookieName, defaultCookieName)
	if cfg.Development {
		// Browsers refuse prefixed cookies without Secure.
		name = cookieprefix.Strip(name)
	}
	if !httpguts.ValidHeaderFieldName(name) {
		errs.Add("cookie_name", -1, name, errInvalidName)
		return
	}
	spec, err := cookie.New(cookie.Config{
		Name: name,
		// Strict: the pre-session cookie, hence an anonymous token, is
		// never usable from another site, even by top-level navigation.
		SameSite:                 "Strict",
		DangerouslyAllowInsecure: cfg.Development,
	})
	if err != nil {
		errs.Add("cookie_name", -1, name, errHostPrefix)
	}
	p.cookie = spec
}

// configureOrigins sets up the Fetch Metadata/Origin layer with cfg's
// trusted origins and records those refused.
func (p *Protector) configureOrigins(cfg Config, errs *configerr.List) {
	p.cop = http.NewCrossOriginProtection()
	for i, o := range cfg.TrustedOrigins {
		norm, err := normalizeOrigin(o, cfg.DangerouslyAllowInsecureOrigins)
		if err != nil {
			errs.Add("trusted_origins", i, o, err)
			continue
		}
		if err := p.cop.AddTrustedOrigin(norm); err != nil {
			errs.Add("trusted_origins", i, o, errInvalidOrigin)
		}
	}
}

// configureExemptRoutes registers the routes exempt from both layers and
// records those refused.
func (p *Protector) configureExemptRoutes(routes []string, errs *configerr.List) {
	seen := make(map[string]bool, len(routes))
	for i, route := range routes {
		switch {
		case !validRoute(route):
			errs.Add("dangerously_exempt_routes", i, route, errInvalidRoute)
		case seen[route]:
			errs.Add("dangerously_exempt_routes", i, route, errDuplicateRoute)
		default:
			seen[route] = true
			if p.exempt == nil {
				p.exempt = http.NewServeMux()
			}
			if err := register(p.exempt, route); err != nil {
				errs.Add("dangerously_exempt_routes", i, route, errInvalidRoute)
			}
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// sessionKey is the default Config.SessionKey: harden's session.
func sessionKey(r *http.Request) string {
	if s := session.From(r); s != nil {
		return s.Key()
	}
	return ""
}

// exemptHandler marks exempt routes in the Protector's ServeMux.
type exemptHandler struct{}

func (*exemptHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

var exemptSentinel http.Handler = &exemptHandler{}

// register adds route to mux, turning ServeMux's panic on a conflicting
// pattern ("POST /a" beside "/a" is fine; two equal ones are caught before)
// into an error.
func register(mux *http.ServeMux, route string) (err error) {
	defer func() {
		if recover() != nil {
			err = errInvalidRoute
		}
	}()
	mux.Handle(route, exemptSentinel)
	return nil
}

// isExempt reports whether r matches an exempt route exactly. ServeMux
// answers a redirect handler (not the sentinel) for requests it would
// redirect, so an unclean path never matches.
func (p *Protector) isExempt(r *http.Request) bool {
	if p.exempt == nil {
		return false
	}
	h, _ := p.exempt.Handler(r)
	return h == exemptSentinel
}

// isSafe reports whether method cannot change state, as
// http.CrossOriginProtection decides.
func isSafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// Check decides whether r may proceed: nil for safe methods (GET, HEAD,
// OPTIONS) and exempt routes; otherwise the Fetch Metadata/Origin layer
// must find r same-origin (or from a trusted origin), and the token layer
// must find a valid token bound to r's session or pre-session cookie. It
// returns one of the Err... sentinels (ErrCrossOrigin possibly wrapping the
// cause).
//
// When the token is not in the header, Check parses a urlencoded or
// multipart body of at most Config.MaxFormBytes; the values stay in
// r.PostForm (and r.MultipartForm) for the handler.
func (p *Protector) Check(r *http.Request) error {
	if isSafe(r.Method) || p.isExempt(r) {
		return nil
	}
	if p.cop != nil {
		if err := p.checkOrigin(r); err != nil {
			return err
		}
	}
	if p.ring != nil {
		return p.checkToken(r)
	}
	return nil
}

// checkOrigin is the Fetch Metadata/Origin layer: http.CrossOriginProtection
// with the scheme and host of the trust model.
//
// The standard library compares Origin with r.Host when Sec-Fetch-Site is
// absent. Behind a proxy that rewrites Host, r.Host is the backend's name and
// every same-origin request from such a browser would be refused; and Host
// carries no scheme, so http://site posting to https://site would pass. So
// when Sec-Fetch-Site is absent and Origin present, the comparison is done
// here against clientip's trusted scheme and host (exact scheme, host and
// port). A same-origin request passes; any other is handed to the standard
// library marked "Sec-Fetch-Site: cross-site", so that its trusted origins
// decide exactly as they do for modern browsers. With Sec-Fetch-Site present
// the standard library decides alone: it never reads Host then.
func (p *Protector) checkOrigin(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "" {
		origin := r.Header.Get("Origin")
		if origin == "" {
			// Neither header: an old browser or a non-browser client.
			// The token decides.
			return nil
		}
		if sameOrigin(origin, clientip.Get(r)) {
			return nil
		}
		r2 := r.Clone(r.Context())
		r2.Header.Set("Sec-Fetch-Site", "cross-site")
		if p.cop.Check(r2) != nil {
			return errors.Join(ErrCrossOrigin, errOriginMismatch)
		}
		return nil
	}
	if err := p.cop.Check(r); err != nil {
		return errors.Join(ErrCrossOrigin, err)
	}
	return nil
}

// sameOrigin reports whether origin is exactly info's scheme://host[:port],
// the default port omitted as browsers do. Hosts compare case-insensitively.
func sameOrigin(origin string, info clientip.Info) bool {
	host := info.Host
	switch info.Scheme {
	case "https":
		host = strings.TrimSuffix(host, ":443")
	case "http":
		host = strings.TrimSuffix(host, ":80")
	default:
		return false
	}
	if host == "" {
		return false
	}
	rest, ok := strings.CutPrefix(origin, info.Scheme)
	if !ok {
		return false
	}
	rest, ok = strings.CutPrefix(rest, "://")
	return ok && strings.EqualFold(rest, host)
}

// Handler refuses requests that fail [Protector.Check] with 403 (413 for
// ErrFormTooLarge) through the shared responder, event "csrf_failure", and
// gives the others' handlers [Token] and [TemplateField].
func (p *Protector) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.Check(r); err != nil {
			reject(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, &requestState{p: p, w: w})))
	})
}

// reject answers r for the error err of [Protector.Check] through the shared
// responder: 403 with a fixed message per sentinel (413 for
// ErrFormTooLarge), event "csrf_failure", err as the logged cause.
func reject(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusForbidden, msgInvalidToken
	switch {
	case errors.Is(err, ErrCrossOrigin):
		msg = msgCrossOrigin
	case errors.Is(err, errMissingToken):
		msg = msgMissingToken
	case errors.Is(err, errMissingCookie):
		msg = msgMissingCookie
	case errors.Is(err, ErrFormTooLarge):
		status, msg = http.StatusRequestEntityTooLarge, msgFormTooLarge
	}
	respond.Reject(w, r, &respond.Rejection{
		Status:  status,
		Event:   secevent.CSRFFailure,
		Message: msg,
		Err:     err,
	})
}
