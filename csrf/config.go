package csrf

import (
	"errors"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/harden-go/harden/internal/httpsyntax"
	"github.com/harden-go/harden/keys"
)

// Defaults of the fields of [Config].
const (
	defaultHeaderName   = "X-CSRF-Token"
	defaultFieldName    = "_csrf"
	defaultCookieName   = "__Host-csrf"
	defaultMaxFormBytes = 64 << 10
)

// Config configures a [Protector]. Every field but Keys has a secure default,
// stated in its comment; the zero Config with Keys set is the strict
// configuration: both layers on, no trusted origin, no exemption, a
// __Host- cookie.
type Config struct {
	// Keys signs the tokens. The Protector derives its own subkey
	// (Derive("csrf")), so the application's ring can be shared with other
	// layers; rotation follows the ring (tokens made with any of its keys
	// verify). Required unless DangerouslyNoToken is set.
	Keys *keys.Ring `json:"-" yaml:"-"`

	// TrustedOrigins lists origins ("https://app.example.com",
	// "https://app.example.com:8443") whose cross-origin requests pass the
	// Fetch Metadata/Origin layer; they still need a valid token. Give it the
	// CORS allowlist (cors.Middleware.Origins). Only full origins are
	// accepted: no pattern, no "*", no "null", no path. They are normalised
	// like the Origin header (lower case, default port dropped, one trailing
	// "/" tolerated). Default: none.
	TrustedOrigins []string `json:"trusted_origins,omitempty" yaml:"trusted_origins,omitempty"`
	// DangerouslyAllowInsecureOrigins accepts http:// trusted origins other
	// than loopback ones (localhost, 127.0.0.0/8, [::1]), whose pages anyone
	// on the network path can rewrite. Default: false.
	DangerouslyAllowInsecureOrigins bool `json:"dangerously_allow_insecure_origins,omitempty" yaml:"dangerously_allow_insecure_origins,omitempty"`

	// HeaderName is the request header carrying the token. Default
	// "X-CSRF-Token".
	HeaderName string `json:"header_name,omitempty" yaml:"header_name,omitempty"`
	// FieldName is the form field carrying the token, read from
	// application/x-www-form-urlencoded and multipart/form-data bodies
	// (never from the query string, which leaks into logs and Referer).
	// Default "_csrf".
	FieldName string `json:"field_name,omitempty" yaml:"field_name,omitempty"`
	// CookieName names the cookie holding the pre-session id that binds the
	// tokens of visitors without a session. Default "__Host-csrf" (with
	// Development: "csrf"). The cookie is HttpOnly,
	// SameSite=Strict, Path=/, without Domain or Max-Age, and Secure.
	CookieName string `json:"cookie_name,omitempty" yaml:"cookie_name,omitempty"`
	// MaxFormBytes bounds the body read when looking for the token in a
	// form field (the header is always tried first). A larger form is
	// refused with 413. Default 64 KiB; send the header for larger uploads.
	MaxFormBytes int64 `json:"max_form_bytes,omitempty" yaml:"max_form_bytes,omitempty"`

	// SessionKey returns a value that identifies the request's session,
	// stays the same while the session does, changes when it is regenerated
	// (login, privilege change) and is "" without a session. Tokens are bound
	// to it; without a session they are bound to the pre-session cookie.
	// Default: the Key of harden's session.From(r).
	SessionKey func(r *http.Request) string `json:"-" yaml:"-"`

	// DangerouslyExemptRoutes lists routes that skip both layers: webhooks that
	// authenticate their callers with their own signatures. Each entry is an
	// exact path, optionally preceded by a method ("POST /hooks/payments"),
	// matched with http.ServeMux rules like
	// http.CrossOriginProtection.AddInsecureBypassPattern: a request that
	// ServeMux would redirect to the path (unclean path, "//") is not
	// exempt. Wildcards, trailing slashes (subtrees) and host names are
	// refused. Default: none.
	DangerouslyExemptRoutes []string `json:"dangerously_exempt_routes,omitempty" yaml:"dangerously_exempt_routes,omitempty"`
	// DangerouslyNoToken turns the token layer off and keeps only the Fetch
	// Metadata/Origin layer. Requests with neither Sec-Fetch-Site nor Origin
	// (browsers older than 2020, and every non-browser client) then pass.
	// Default: false.
	DangerouslyNoToken bool `json:"dangerously_no_token,omitempty" yaml:"dangerously_no_token,omitempty"`
	// DangerouslyNoOriginCheck turns the Fetch Metadata/Origin layer off and
	// keeps only the token layer. Default: false.
	DangerouslyNoOriginCheck bool `json:"dangerously_no_origin_check,omitempty" yaml:"dangerously_no_origin_check,omitempty"`
	// Development relaxes the pre-session cookie for development over plain
	// http://, and nothing else: it drops the cookie's __Host- prefix and,
	// for requests that did not arrive over HTTPS (clientip.IsHTTPS), its
	// Secure attribute. Any subdomain can then overwrite the cookie. Both
	// layers still check every request. It has the meaning and the name of
	// harden.Config.Development. Never set it in production. Default: false.
	Development bool `json:"development,omitempty" yaml:"development,omitempty"`
}

// Causes of configuration errors: a *harden.ConfigError wraps one of them, and
// its message ends with the cause's text.
var (
	errNoKeys         = errors.New("is required unless DangerouslyNoToken is set")
	errBothLayersOff  = errors.New("DangerouslyNoToken and DangerouslyNoOriginCheck together turn CSRF protection off")
	errInvalidOrigin  = errors.New("is not an origin (scheme://host[:port]); patterns, \"*\" and \"null\" are not accepted")
	errInsecureOrigin = errors.New("http:// origin other than loopback needs DangerouslyAllowInsecureOrigins")
	errInvalidRoute   = errors.New("is not an exact route (\"[METHOD ]/path\" without wildcards, trailing slash, host, or unclean segments)")
	errDuplicateRoute = errors.New("is listed twice")
	errInvalidName    = errors.New("is not a valid header, field or cookie name")
	errHostPrefix     = errors.New("a __Host- or __Secure- cookie needs HTTPS; Development drops the prefix")
	errMaxFormBytes   = errors.New("must not be negative")
)

// normalizeOrigin returns o as browsers serialise it in the Origin header,
// or an error. The grammar is internal/httpsyntax's, the one cors parses
// the same list with, so an origin is trusted by both layers or by neither.
func normalizeOrigin(o string, allowInsecure bool) (string, error) {
	p, err := httpsyntax.ParseOrigin(o)
	if err != nil {
		return "", errInvalidOrigin
	}
	// Anyone on the network path can rewrite an http:// page and post from
	// it; loopback pages are the developer's own.
	if p.Scheme == "http" && !allowInsecure && !p.IsLoopback() {
		return "", errInsecureOrigin
	}
	return p.String(), nil
}

// validRoute reports whether route is "[METHOD ]/exact/path".
func validRoute(route string) bool {
	path := route
	if i := strings.IndexByte(route, ' '); i >= 0 {
		method := route[:i]
		if !httpguts.ValidHeaderFieldName(method) {
			return false
		}
		path = route[i+1:]
	}
	if len(path) < 2 || path[0] != '/' || path[len(path)-1] == '/' {
		return false
	}
	if strings.ContainsAny(path, "{}%?# \t") || strings.Contains(path, "//") {
		return false
	}
	for seg := range strings.SplitSeq(path[1:], "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	for i := 0; i < len(path); i++ {
		if path[i] < 0x21 || path[i] > 0x7e {
			return false
		}
	}
	return true
}

// isFieldName reports whether s is a form field name that needs no escaping
// in HTML or URL encoding.
func isFieldName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
