package cors

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/httpsyntax"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

// Request errors: the reason a preflight is refused, which the security log
// records. Their text never contains request input.
var (
	errOriginNotAllowed  = errors.New("cors: origin not allowed")
	errMethodNotAllowed  = errors.New("cors: method not allowed")
	errHeadersNotAllowed = errors.New("cors: request headers not allowed")
)

// decision is what the policy concludes about a request.
type decision uint8

const (
	// notCORS: no Origin header; the request is passed on.
	notCORS decision = iota
	// allowed: an actual request from an allowed origin; it is passed on
	// with CORS headers.
	allowed
	// denied: an actual request from another origin; it is passed on
	// without CORS headers, so the browser withholds the answer.
	denied
	// preflightAllowed: answered here with 204 and the CORS headers.
	preflightAllowed
	// preflightDenied: answered here with 403.
	preflightDenied
)

const (
	hOrigin  = "Origin"
	hVary    = "Vary"
	hACAO    = "Access-Control-Allow-Origin"
	hACAC    = "Access-Control-Allow-Credentials"
	hACAM    = "Access-Control-Allow-Methods"
	hACAH    = "Access-Control-Allow-Headers"
	hACEH    = "Access-Control-Expose-Headers"
	hMaxAge  = "Access-Control-Max-Age"
	hACAPN   = "Access-Control-Allow-Private-Network"
	hACRM    = "Access-Control-Request-Method"
	hACRH    = "Access-Control-Request-Headers"
	hACRPN   = "Access-Control-Request-Private-Network"
	varyPre  = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	varyPNA  = varyPre + ", Access-Control-Request-Private-Network"
	maxNames = 64 // request header names a preflight may ask for
)

// pattern is a compiled subdomain pattern.
type pattern struct {
	prefix string // "https://"
	suffix string // ".example.com" or ".example.com:8443"
}

// Middleware applies a CORS policy. It is safe for concurrent use.
//
// The header values it sends are precomputed strings; each response gets
// its own slices of them, in one block allocated per response (see
// [Middleware.Handler]).
type Middleware struct {
	anyOrigin   bool
	exact       map[string]struct{} // normalised exact origins
	patterns    []pattern
	origins     []string // normalised exact origins, config order
	patternStrs []string
	credentials bool
	methods     map[string]struct{}
	allowMeth   string // Access-Control-Allow-Methods
	headers     map[string]struct{}
	allowHdrs   string // Access-Control-Allow-Headers
	maxACRH     int    // longest Access-Control-Request-Headers worth reading
	exposed     string
	maxAge      string
	pna         bool
	vary        string // Vary of preflights and their refusals
}

// New validates cfg and returns its Middleware. Errors are
// *harden.ConfigError values, joined with errors.Join so that all of them
// are reported at once.
func New(cfg Config) (*Middleware, error) {
	b := &policyBuild{cfg: &cfg, m: &Middleware{
		exact:       make(map[string]struct{}, len(cfg.Origins)),
		credentials: cfg.Credentials,
		pna:         cfg.PrivateNetworkAccess,
		methods:     map[string]struct{}{},
		headers:     map[string]struct{}{},
		vary:        varyPre,
	}}
	if b.m.pna {
		b.m.vary = varyPNA
	}
	for i, s := range cfg.Origins {
		b.origin(i, s)
	}
	b.allowMethods()
	b.allowRequestHeaders()
	b.exposeHeaders()
	b.maxAge()
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	return b.m, nil
}

// policyBuild is the state of [New]: the configuration, the Middleware
// compiled from it and the errors found so far.
type policyBuild struct {
	cfg  *Config
	m    *Middleware
	errs []error
}

// bad reports entry i of field (-1 for a single value), v, refused for err.
func (b *policyBuild) bad(field string, i int, v string, err error) {
	b.errs = append(b.errs, configerr.Entry("cors", field, i, v, err))
}

// origin compiles entry i of cfg.Origins, s: the wildcard, an exact
// origin or a subdomain pattern.
func (b *policyBuild) origin(i int, s string) {
	cfg := b.cfg
	if s == "*" {
		switch {
		case cfg.Credentials:
			b.bad("origins", i, s, errWildcardCredentials)
		case len(cfg.Origins) > 1:
			b.bad("origins", i, s, errWildcardNotAlone)
		default:
			b.m.anyOrigin = true
		}
		return
	}
	o, err := parseOrigin(s)
	if err != nil {
		b.bad("origins", i, s, err)
		return
	}
	if o.Scheme == "http" && !o.IsLoopback() && !cfg.DangerouslyAllowInsecureOrigins {
		b.bad("origins", i, s, errInsecureOrigin)
		return
	}
	if o.pattern {
		b.subdomainPattern(i, s, o)
		return
	}
	n := o.String()
	if _, dup := b.m.exact[n]; !dup {
		b.m.exact[n] = struct{}{}
		b.m.origins = append(b.m.origins, n)
	}
}

// subdomainPattern compiles entry i of cfg.Origins, s, parsed as the
// subdomain pattern o.
func (b *policyBuild) subdomainPattern(i int, s string, o origin) {
	if isPublicSuffix(o.Host) {
		b.bad("origins", i, s, errPublicSuffixPattern)
		return
	}
	if b.cfg.Credentials && !b.cfg.DangerouslyAllowSubdomainsWithCredentials {
		b.bad("origins", i, s, errPatternCredentials)
		return
	}
	p := pattern{prefix: o.Scheme + "://", suffix: "." + o.HostPort()}
	b.m.patterns = append(b.m.patterns, p)
	b.m.patternStrs = append(b.m.patternStrs, o.String())
}

// allowMethods compiles cfg.Methods into the allowed set and the
// Access-Control-Allow-Methods value.
func (b *policyBuild) allowMethods() {
	var meths []string
	for i, s := range b.cfg.Methods {
		if !httpguts.ValidHeaderFieldName(s) || s == "*" {
			b.bad("methods", i, s, errInvalidMethod)
			continue
		}
		// Fetch upper-cases these six and compares the others exactly.
		switch u := strings.ToUpper(s); u {
		case "DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT":
			s = u
		case "CONNECT", "TRACE", "TRACK":
			b.bad("methods", i, s, errForbiddenMethod)
			continue
		}
		if _, dup := b.m.methods[s]; !dup {
			b.m.methods[s] = struct{}{}
			meths = append(meths, s)
		}
	}
	b.m.allowMeth = strings.Join(meths, ", ")
}

// allowRequestHeaders compiles cfg.RequestHeaders into the allowed set,
// the Access-Control-Allow-Headers value and the longest
// Access-Control-Request-Headers worth reading.
func (b *policyBuild) allowRequestHeaders() {
	var hdrs []string
	for i, s := range b.cfg.RequestHeaders {
		name := strings.ToLower(s)
		switch {
		case !httpguts.ValidHeaderFieldName(s) || s == "*":
			b.bad("request_headers", i, s, errInvalidHeader)
			continue
		case forbiddenRequestHeader(name):
			b.bad("request_headers", i, s, errForbiddenHeader)
			continue
		}
		if _, dup := b.m.headers[name]; !dup {
			b.m.headers[name] = struct{}{}
			hdrs = append(hdrs, name)
			b.m.maxACRH += len(name) + 2 // ", "
		}
	}
	b.m.allowHdrs = strings.Join(hdrs, ", ")
}

// exposeHeaders compiles cfg.ExposedHeaders into the
// Access-Control-Expose-Headers value.
func (b *policyBuild) exposeHeaders() {
	var exp []string
	for i, s := range b.cfg.ExposedHeaders {
		switch name := strings.ToLower(s); {
		case s == "*" && (b.cfg.Credentials || len(b.cfg.ExposedHeaders) > 1):
			b.bad("exposed_headers", i, s, errWildcardExposeNotAlone)
		case s != "*" && !httpguts.ValidHeaderFieldName(s):
			b.bad("exposed_headers", i, s, errInvalidHeader)
		case name == "set-cookie" || name == "set-cookie2":
			b.bad("exposed_headers", i, s, errForbiddenHeader)
		default:
			exp = append(exp, s)
		}
	}
	b.m.exposed = strings.Join(exp, ", ")
}

// maxAge compiles cfg.MaxAge into the Access-Control-Max-Age value.
func (b *policyBuild) maxAge() {
	switch age := b.cfg.MaxAge; {
	case age == -1:
		b.m.maxAge = "0"
	case age > 0 && age <= 86400:
		b.m.maxAge = strconv.Itoa(age)
	case age != 0:
		b.bad("max_age", -1, strconv.Itoa(age), errMaxAge)
	}
}

// Origins returns the exact allowed origins, normalised ("*" is never
// included). The CSRF layer trusts them.
func (m *Middleware) Origins() []string { return append([]string(nil), m.origins...) }

// Patterns returns the allowed subdomain patterns, normalised
// ("https://*.example.com").
func (m *Middleware) Patterns() []string { return append([]string(nil), m.patternStrs...) }

// Trusts reports whether origin, as a browser sends it in the Origin header,
// is an exact allowed origin or matches a pattern. Unlike the CORS decision it
// is false for every origin under "*": a wildcard shares public data, it does
// not make every site trusted.
func (m *Middleware) Trusts(origin string) bool {
	if _, ok := m.exact[origin]; ok {
		return true
	}
	for i := range m.patterns {
		if m.patterns[i].match(origin) {
			return true
		}
	}
	return false
}

// allowOrigin reports whether origin is allowed, with its
// Access-Control-Allow-Origin value: "*" under a wildcard, else the origin
// itself (equal to the allowed one, byte for byte).
func (m *Middleware) allowOrigin(origin string) (acao string, ok bool) {
	if m.anyOrigin {
		return "*", true
	}
	if _, ok := m.exact[origin]; ok {
		return origin, true
	}
	for i := range m.patterns {
		if m.patterns[i].match(origin) {
			return origin, true
		}
	}
	return "", false
}

// match reports whether origin is prefix + one or more DNS labels + suffix.
// Only the browser's serialisation matches: lower case, no default port.
func (p *pattern) match(origin string) bool {
	if len(origin) <= len(p.prefix)+len(p.suffix) ||
		!strings.HasPrefix(origin, p.prefix) || !strings.HasSuffix(origin, p.suffix) {
		return false
	}
	host := origin[len(p.prefix):]
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if len(host) > httpsyntax.MaxNameLen {
		return false
	}
	sub := origin[len(p.prefix) : len(origin)-len(p.suffix)]
	// The labels in front of the suffix: no dots at the ends, no empty
	// label, nothing but lower-case letters, digits and inner hyphens, so
	// "/", "@", ":" and friends cannot smuggle another host in.
	return httpsyntax.IsLabels(sub)
}

// verdict is a decision with what answering it needs, so that the request
// headers are looked up once.
type verdict struct {
	d    decision
	err  error
	acao string // the Access-Control-Allow-Origin value, when allowed
	acrh bool   // the preflight names request headers
}

// decide is the decision for r, with the reason for a preflightDenied or
// denied decision.
func (m *Middleware) decide(r *http.Request) verdict {
	origins := r.Header[hOrigin]
	if len(origins) == 0 {
		return verdict{d: notCORS}
	}
	acrm := r.Header[hACRM]
	preflight := r.Method == http.MethodOptions && len(acrm) > 0
	var acao string
	ok := false
	if len(origins) == 1 {
		acao, ok = m.allowOrigin(origins[0])
	}
	if !ok {
		if preflight {
			return verdict{d: preflightDenied, err: errOriginNotAllowed}
		}
		return verdict{d: denied, err: errOriginNotAllowed}
	}
	if !preflight {
		return verdict{d: allowed, acao: acao}
	}
	acrh := r.Header[hACRH]
	if err := m.checkPreflight(acrm, acrh); err != nil {
		return verdict{d: preflightDenied, err: err}
	}
	return verdict{d: preflightAllowed, acao: acao, acrh: len(acrh) > 0}
}

func (m *Middleware) checkPreflight(acrm, acrh []string) error {
	if len(acrm) != 1 {
		return errMethodNotAllowed
	}
	switch meth := acrm[0]; meth {
	case http.MethodGet, http.MethodHead, http.MethodPost: // CORS-safelisted
	default:
		if _, ok := m.methods[meth]; !ok {
			return errMethodNotAllowed
		}
	}
	switch {
	case len(acrh) == 0:
		return nil
	case len(acrh) > 1:
		return errHeadersNotAllowed
	}
	return m.checkRequestHeaders(acrh[0])
}

// checkRequestHeaders checks a comma-separated list of header names against
// the allowed ones. Its cost is bounded: a value longer than the allowed names
// could produce (with a little white space) is refused unread.
func (m *Middleware) checkRequestHeaders(v string) error {
	if v == "" {
		return nil
	}
	if len(v) > m.maxACRH+16 {
		return errHeadersNotAllowed
	}
	n := 0
	for len(v) > 0 {
		name := v
		if i := strings.IndexByte(v, ','); i >= 0 {
			name, v = v[:i], v[i+1:]
			if v == "" {
				return errHeadersNotAllowed // trailing comma
			}
		} else {
			v = ""
		}
		name = httpsyntax.TrimOWS(name)
		if n++; n > maxNames {
			return errHeadersNotAllowed
		}
		if _, ok := m.headers[name]; !ok {
			// Browsers send lower-case names; anything else is looked up
			// once more, lowered.
			if lower := strings.ToLower(name); lower == name {
				return errHeadersNotAllowed
			} else if _, ok := m.headers[lower]; !ok {
				return errHeadersNotAllowed
			}
		}
	}
	return nil
}

// Handler answers preflights and adds CORS headers to the responses of next.
//
// Every response gets its own header values: the ones this layer sets are
// copied into one block allocated per response, each header a slice of it
// of capacity 1. A handler may write into the slices of its header map
// (w.Header()[k][0] = v); a slice shared across responses would carry that
// write into every later response and race with them, and an append into
// a slice with spare capacity would write into the next header's value.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := m.decide(r)
		switch v.d {
		case preflightAllowed:
			m.writePreflight(w, r, &v)
		case preflightDenied:
			vals := make(valueBlock, 0, 1)
			vals.addVary(w.Header(), m.vary)
			respond.Reject(w, r, &respond.Rejection{
				Status:  http.StatusForbidden,
				Message: "CORS request not allowed",
				Event:   secevent.CORSRejected,
				Err:     v.err,
			})
		case allowed:
			m.setAllowed(w.Header(), &v)
			next.ServeHTTP(w, r)
		default:
			vals := make(valueBlock, 0, 1)
			vals.addVary(w.Header(), hOrigin)
			next.ServeHTTP(w, r)
		}
	})
}

// SetHeaders writes into h the CORS headers of the answer to r, an actual
// (not preflight) request: always "Vary: Origin", and for an allowed origin
// Access-Control-Allow-Origin, -Credentials and -Expose-Headers.
func (m *Middleware) SetHeaders(r *http.Request, h http.Header) {
	if v := m.decide(r); v.d == allowed {
		m.setAllowed(h, &v)
		return
	}
	vals := make(valueBlock, 0, 1)
	vals.addVary(h, hOrigin)
}

func (m *Middleware) setAllowed(h http.Header, v *verdict) {
	n := 2
	if m.credentials {
		n++
	}
	if m.exposed != "" {
		n++
	}
	vals := make(valueBlock, 0, n)
	vals.addVary(h, hOrigin)
	vals.set(h, hACAO, v.acao)
	if m.credentials {
		vals.set(h, hACAC, "true")
	}
	if m.exposed != "" {
		vals.set(h, hACEH, m.exposed)
	}
}

func (m *Middleware) writePreflight(w http.ResponseWriter, r *http.Request, v *verdict) {
	h := w.Header()
	vals := make(valueBlock, 0, 7)
	vals.addVary(h, m.vary)
	vals.set(h, hACAO, v.acao)
	if m.credentials {
		vals.set(h, hACAC, "true")
	}
	if m.allowMeth != "" {
		vals.set(h, hACAM, m.allowMeth)
	}
	if m.allowHdrs != "" && v.acrh {
		vals.set(h, hACAH, m.allowHdrs)
	}
	if m.maxAge != "" {
		vals.set(h, hMaxAge, m.maxAge)
	}
	if m.pna {
		if pn := r.Header[hACRPN]; len(pn) == 1 && pn[0] == "true" {
			vals.set(h, hACAPN, "true")
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// valueBlock is the block of one response's header values: each value set
// takes the next element, handed to the header map as a slice of capacity
// 1, so that an append by a handler copies instead of writing into the
// next header's value. Its capacity is fixed when it is made.
type valueBlock []string

// set sets h[key] to the one value v, stored in the block.
func (b *valueBlock) set(h http.Header, key, v string) {
	i := len(*b)
	*b = append(*b, v)
	h[key] = (*b)[i : i+1 : i+1]
}

// addVary adds v to h's Vary values, as Header.Add does, storing it in the
// block when h has none.
func (b *valueBlock) addVary(h http.Header, v string) {
	if old := h[hVary]; len(old) > 0 {
		// Whoever set old may share its spare capacity: copy.
		h[hVary] = append(old[:len(old):len(old)], v)
		return
	}
	b.set(h, hVary, v)
}

// corsHeaders are the response headers an upstream's policy may set.
var corsHeaders = []string{hACAO, hACAC, hACAM, hACAH, hACEH, hMaxAge, hACAPN}

// ModifyResponse removes an upstream's own CORS headers from resp. Set it as
// an httputil.ReverseProxy's ModifyResponse and wrap the proxy with
// [Middleware.Handler], so that this policy is the only one the browser sees.
func (m *Middleware) ModifyResponse(resp *http.Response) error {
	for _, k := range corsHeaders {
		delete(resp.Header, k)
	}
	return nil
}
