package cookie

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/cookieprefix"
)

// The SameSite values [Config] accepts.
const (
	sameSiteLax    = "Lax"
	sameSiteStrict = "Strict"
	sameSiteNone   = "None"
)

// Config describes a cookie. The zero value of every field but Name is the
// secure default.
type Config struct {
	// Name is the cookie name; required. A name starting with "__Host-"
	// requires Secure, Path "/" and no Domain; one starting with
	// "__Secure-" requires Secure. Both are checked by [New].
	Name string `json:"name" yaml:"name"`
	// Path is the cookie path. Default "/".
	Path string `json:"path,omitempty" yaml:"path,omitempty"`
	// Domain widens the cookie to a domain and its subdomains. Default
	// empty: host-only, which is safer (a sibling subdomain cannot read it).
	Domain string `json:"domain,omitempty" yaml:"domain,omitempty"`
	// MaxAge is the cookie's lifetime. Default 0: no Max-Age attribute, the
	// browser deletes the cookie when it closes.
	MaxAge time.Duration `json:"max_age,omitempty" yaml:"max_age,omitempty"`
	// SameSite is "Lax" (default), "Strict" or "None". "None" requires
	// Secure and so is refused together with DangerouslyAllowInsecure.
	SameSite string `json:"same_site,omitempty" yaml:"same_site,omitempty"`
	// DangerouslyAllowScriptAccess drops HttpOnly, letting page scripts (and
	// any XSS) read the cookie. Default false.
	DangerouslyAllowScriptAccess bool `json:"dangerously_allow_script_access,omitempty" yaml:"dangerously_allow_script_access,omitempty"`
	// DangerouslyAllowInsecure drops Secure for requests that did not arrive
	// over HTTPS (clientip.IsHTTPS), so the cookie works on
	// http://localhost during development. It travels in clear text on any
	// network. Refused with the __Host- and __Secure- prefixes and with
	// SameSite=None. Default false: Secure always.
	DangerouslyAllowInsecure bool `json:"dangerously_allow_insecure,omitempty" yaml:"dangerously_allow_insecure,omitempty"`
}

// ErrInvalidConfig is wrapped by every configuration error of [New]: a
// *harden.ConfigError naming the setting as the configuration file spells
// it ("same_site"), its value and the reason, which says how to fix it.
var ErrInvalidConfig = errors.New("cookie: invalid config")

// Spec is a validated cookie configuration. It is immutable and safe for
// concurrent use.
type Spec struct {
	name     string
	path     string
	domain   string
	maxAge   int
	sameSite http.SameSite
	httpOnly bool
	insecure bool
}

// New validates cfg and returns the cookie it describes.
func New(cfg Config) (*Spec, error) {
	s := &Spec{
		name:     cfg.Name,
		path:     cfg.Path,
		domain:   cfg.Domain,
		httpOnly: !cfg.DangerouslyAllowScriptAccess,
		insecure: cfg.DangerouslyAllowInsecure,
	}
	errs := configerr.List{Pkg: "cookie", Sentinel: ErrInvalidConfig}
	if !validName(cfg.Name) {
		errs.AddReason("name", -1, cfg.Name, "empty or not a valid cookie name (an RFC 6265 token)")
	}
	if s.path == "" {
		s.path = "/"
	}
	if s.path[0] != '/' || !validAttr(s.path) {
		errs.AddReason("path", -1, cfg.Path, "must start with / and contain no control characters or ;")
	}
	if s.domain != "" && (!validAttr(s.domain) || strings.ContainsAny(s.domain, " /")) {
		errs.AddReason("domain", -1, cfg.Domain, "not a valid domain")
	}
	if cfg.MaxAge < 0 {
		errs.AddReason("max_age", -1, cfg.MaxAge.String(), "must not be negative; 0 means no Max-Age (the browser forgets the cookie when it closes)")
	}
	if cfg.MaxAge > 0 {
		s.maxAge = max(1, int(cfg.MaxAge/time.Second))
	}
	switch cfg.SameSite {
	case "", sameSiteLax:
		s.sameSite = http.SameSiteLaxMode
	case sameSiteStrict:
		s.sameSite = http.SameSiteStrictMode
	case sameSiteNone:
		// Browsers drop a SameSite=None cookie without Secure.
		if cfg.DangerouslyAllowInsecure {
			errs.AddReason("same_site", -1, cfg.SameSite, "None requires Secure; it cannot be combined with dangerously_allow_insecure")
		}
		s.sameSite = http.SameSiteNoneMode
	default:
		errs.AddReason("same_site", -1, cfg.SameSite, `must be "Lax", "Strict" or "None"`)
	}
	switch {
	case cookieprefix.IsHost(cfg.Name):
		if cfg.DangerouslyAllowInsecure {
			errs.AddReason("dangerously_allow_insecure", -1, "true", "a __Host- cookie must be Secure; drop the prefix for development over plain HTTP")
		}
		if s.domain != "" {
			errs.AddReason("domain", -1, cfg.Domain, "a __Host- cookie must not have a Domain")
		}
		if s.path != "/" {
			errs.AddReason("path", -1, cfg.Path, `a __Host- cookie must have Path "/"`)
		}
	case cookieprefix.IsSecure(cfg.Name):
		if cfg.DangerouslyAllowInsecure {
			errs.AddReason("dangerously_allow_insecure", -1, "true", "a __Secure- cookie must be Secure; drop the prefix for development over plain HTTP")
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Name returns the cookie name.
func (s *Spec) Name() string { return s.name }

// secure reports whether a cookie sent in answer to r carries Secure: always,
// unless DangerouslyAllowInsecure is set and r did not arrive over HTTPS.
func (s *Spec) secure(r *http.Request) bool {
	return !s.insecure || clientip.IsHTTPS(r)
}

// Cookie returns the cookie with value, for the response to r.
func (s *Spec) Cookie(r *http.Request, value string) *http.Cookie {
	return &http.Cookie{ // #nosec G124 -- Secure, HttpOnly and SameSite come from the Spec New validated: strict unless a Dangerously… field relaxes them
		Name:     s.name,
		Value:    value,
		Path:     s.path,
		Domain:   s.domain,
		MaxAge:   s.maxAge,
		Secure:   s.secure(r),
		HttpOnly: s.httpOnly,
		SameSite: s.sameSite,
	}
}

// Set adds the cookie with value to w's headers. value must consist of
// cookie-safe bytes (base64url, for example).
func (s *Spec) Set(w http.ResponseWriter, r *http.Request, value string) {
	w.Header().Add("Set-Cookie", s.Cookie(r, value).String())
}

// Expire adds to w's headers a cookie that makes the browser delete this one.
func (s *Spec) Expire(w http.ResponseWriter, r *http.Request) {
	c := s.Cookie(r, "") // #nosec G124 -- the Spec's validated attributes (see Cookie); only MaxAge changes, to delete
	c.MaxAge = -1
	w.Header().Add("Set-Cookie", c.String())
}

// maxCandidates bounds how many same-named cookies are examined.
const maxCandidates = 8

// Values returns the values of the cookies named s.Name() in r, in the
// order the browser sent them (at most 8). Without a prefix, a sibling
// subdomain can add cookies of the same name ("cookie tossing"): callers
// must authenticate values (sign them with a keys.Ring) and use the
// first valid one.
func (s *Spec) Values(r *http.Request) []string {
	cs := r.CookiesNamed(s.name)
	if len(cs) > maxCandidates {
		cs = cs[:maxCandidates]
	}
	vs := make([]string, len(cs))
	for i, c := range cs {
		vs[i] = c.Value
	}
	return vs
}

// validName reports whether name is a non-empty RFC 6265 token.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for i := range len(name) {
		c := name[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validAttr reports whether v can be an attribute value: printable ASCII
// without ';'.
func validAttr(v string) bool {
	for i := range len(v) {
		if c := v[i]; c < ' ' || c >= 0x7f || c == ';' {
			return false
		}
	}
	return true
}
