package cors

import (
	"errors"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/harden-go/harden/internal/httpsyntax"
)

// Config declares a CORS policy. The zero value allows no origin: every
// response gets "Vary: Origin" and every preflight is refused.
type Config struct {
	// Origins lists allowed origins: exact ones ("https://app.example.com",
	// "https://app.example.com:8443") and subdomain patterns
	// ("https://*.example.com", any depth, not the apex). "*" alone allows
	// every origin without credentials. Default: none.
	Origins []string `json:"origins,omitempty" yaml:"origins,omitempty"`
	// Credentials lets browsers send cookies and HTTP authentication and read
	// the answer (Access-Control-Allow-Credentials: true). Default: false.
	Credentials bool `json:"credentials,omitempty" yaml:"credentials,omitempty"`
	// Methods lists the methods preflights may ask for, beyond GET, HEAD and
	// POST which are always allowed ("PUT", "PATCH", "DELETE"). Default: none.
	Methods []string `json:"methods,omitempty" yaml:"methods,omitempty"`
	// RequestHeaders lists the request headers preflights may ask for
	// ("Content-Type", "Authorization", "X-CSRF-Token"). Default: none.
	RequestHeaders []string `json:"request_headers,omitempty" yaml:"request_headers,omitempty"`
	// ExposedHeaders lists response headers that scripts may read beyond the
	// safelisted ones. "*" (alone, without credentials) exposes all.
	// Default: none.
	ExposedHeaders []string `json:"exposed_headers,omitempty" yaml:"exposed_headers,omitempty"`
	// MaxAge is how many seconds browsers may cache a preflight answer, at
	// most 86400; -1 forbids caching. Default (0): no header, which browsers
	// take as 5 seconds.
	MaxAge int `json:"max_age,omitempty" yaml:"max_age,omitempty"`
	// PrivateNetworkAccess answers Private Network Access preflights with
	// Access-Control-Allow-Private-Network: true, letting public sites reach
	// this service on a private network. Default: false.
	PrivateNetworkAccess bool `json:"private_network_access,omitempty" yaml:"private_network_access,omitempty"`
	// DangerouslyAllowInsecureOrigins accepts http:// origins other than
	// loopback ones. Default: false.
	DangerouslyAllowInsecureOrigins bool `json:"dangerously_allow_insecure_origins,omitempty" yaml:"dangerously_allow_insecure_origins,omitempty"`
	// DangerouslyAllowSubdomainsWithCredentials accepts subdomain patterns
	// together with Credentials. Default: false.
	DangerouslyAllowSubdomainsWithCredentials bool `json:"dangerously_allow_subdomains_with_credentials,omitempty" yaml:"dangerously_allow_subdomains_with_credentials,omitempty"`
}

// Configuration errors. A *harden.ConfigError wraps one of them.
var (
	errInvalidOrigin          = errors.New("is not an origin (scheme://host[:port]) or a pattern (https://*.example.com)")
	errOpaqueOrigin           = errors.New("null and file:// origins are sent by sandboxed and local documents of any site")
	errInsecureOrigin         = errors.New("http:// origin needs DangerouslyAllowInsecureOrigins")
	errWildcardCredentials    = errors.New(`"*" cannot be combined with credentials`)
	errWildcardNotAlone       = errors.New(`"*" must be the only origin`)
	errPatternCredentials     = errors.New("subdomain pattern with credentials needs DangerouslyAllowSubdomainsWithCredentials")
	errPublicSuffixPattern    = errors.New("pattern must be below a registrable domain, not a public suffix")
	errInvalidMethod          = errors.New("is not a method name")
	errForbiddenMethod        = errors.New("is a forbidden method (CONNECT, TRACE, TRACK)")
	errInvalidHeader          = errors.New("is not a header name")
	errForbiddenHeader        = errors.New("is a header browsers never let scripts set or read")
	errWildcardExposeNotAlone = errors.New(`"*" must be the only exposed header and needs credentials off`)
	errMaxAge                 = errors.New("must be -1, 0 or 1..86400")
)

// origin is a parsed Config origin.
type origin struct {
	httpsyntax.Origin
	pattern bool // "scheme://*.host[:port]"
}

// String is the normalised serialisation, as browsers send it.
func (o origin) String() string {
	if o.pattern {
		return o.Scheme + "://*." + o.HostPort()
	}
	return o.Origin.String()
}

// parseOrigin parses and normalises one configured origin or pattern with
// the grammar of internal/httpsyntax, the one csrf uses for the same list.
// It checks syntax only; policy (insecure, credentials) is New's.
func parseOrigin(s string) (origin, error) {
	var o origin
	if i := strings.Index(s, "://*."); i >= 0 {
		o.pattern = true
		s = s[:i+3] + s[i+5:]
	}
	p, err := httpsyntax.ParseOrigin(s)
	switch {
	case err == httpsyntax.ErrOpaque:
		return o, errOpaqueOrigin
	case err != nil:
		return o, errInvalidOrigin
	}
	if _, ip := p.Addr(); ip && o.pattern {
		// "*.1.2.3.4" names no host: an IP address has no subdomains.
		return o, errInvalidOrigin
	}
	o.Origin = p
	return o, nil
}

// isPublicSuffix reports whether name is a public suffix (or a single label),
// under which anyone can register a subdomain.
func isPublicSuffix(name string) bool {
	if !strings.Contains(name, ".") {
		return name != "localhost"
	}
	ps, _ := publicsuffix.PublicSuffix(name)
	return ps == name
}

// forbiddenRequestHeader reports whether browsers refuse to let scripts set
// the (lower-case) header name, per the Fetch standard.
func forbiddenRequestHeader(name string) bool {
	switch name {
	case "accept-charset", "accept-encoding", "access-control-request-headers",
		"access-control-request-method", "access-control-request-private-network",
		"connection", "content-length", "cookie", "cookie2", "date", "dnt", "expect",
		"host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
		"transfer-encoding", "upgrade", "via":
		return true
	}
	return strings.HasPrefix(name, "proxy-") || strings.HasPrefix(name, "sec-")
}
