package httpsredirect

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/httpsyntax"
)

// Config configures a Redirector. PublicURL is required: there is no safe
// default for where to send clients.
type Config struct {
	// PublicURL is the service's public origin, "https://example.com" or
	// "https://example.com:8443". Redirects go to its scheme and host.
	PublicURL string `json:"public_url"`
	// Exempt lists request paths, matched exactly, that are served over
	// plain HTTP without a redirect (for example "/healthz"). Default: none.
	Exempt []string `json:"exempt,omitempty"`
}

// Configuration errors. A *harden.ConfigError wraps one of them.
var (
	errNoPublicURL = errors.New("is required")
	errNotHTTPS    = errors.New("must be an absolute https:// URL")
	errNoHost      = errors.New("has no valid host")
	errUserinfo    = errors.New("must not contain userinfo")
	errPathOrQuery = errors.New("must not have a path, query or fragment")
	errExemptPath  = errors.New("must be an absolute path starting with /")
)

// Redirector sends plain-HTTP requests to the HTTPS public URL. It is safe
// for concurrent use.
type Redirector struct {
	base   string // "https://host[:port]", no trailing slash
	exempt map[string]struct{}
}

// New validates cfg and returns its Redirector. Errors are
// *harden.ConfigError values, joined with errors.Join when there are several.
func New(cfg Config) (*Redirector, error) {
	var errs []error
	base, err := parsePublicURL(cfg.PublicURL)
	if err != nil {
		errs = append(errs, configerr.Field("httpsredirect", "public_url", cfg.PublicURL, err))
	}
	rd := &Redirector{base: base, exempt: make(map[string]struct{}, len(cfg.Exempt))}
	for i, p := range cfg.Exempt {
		if !strings.HasPrefix(p, "/") {
			errs = append(errs, configerr.Entry("httpsredirect", "exempt", i, p, errExemptPath))
			continue
		}
		rd.exempt[p] = struct{}{}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rd, nil
}

// parsePublicURL returns the normalised "https://host[:port]" of s, parsed
// with the grammar of internal/httpsyntax, the one the root package and
// allowedhosts read the same setting with.
func parsePublicURL(s string) (string, error) {
	if s == "" {
		return "", errNoPublicURL
	}
	o, err := httpsyntax.ParsePublicURL(s)
	switch err {
	case nil:
	case httpsyntax.ErrUserinfo:
		return "", errUserinfo
	case httpsyntax.ErrPath:
		return "", errPathOrQuery
	case httpsyntax.ErrHost, httpsyntax.ErrPort, httpsyntax.ErrEmpty:
		return "", errNoHost
	default:
		return "", errNotHTTPS
	}
	if o.Scheme != "https" {
		return "", errNotHTTPS
	}
	return o.String(), nil
}

// publicOrigin returns the normalised origin redirects go to, such as
// "https://example.com".
func (rd *Redirector) publicOrigin() string { return rd.base }

// targetFor returns the HTTPS URL for r: the public origin, then r's path
// and query. r's Host header and forwarded host are never used, so a client
// cannot choose where it is sent.
func (rd *Redirector) targetFor(r *http.Request) string {
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, "/") {
		path = "/" // "*" and other non-path targets
	}
	if r.URL.RawQuery == "" {
		return rd.base + path
	}
	return rd.base + path + "?" + r.URL.RawQuery
}

// redirectStatus returns the redirect status for method: 301 for GET and
// HEAD, 308 (which keeps the method and body) for the others.
func redirectStatus(method string) int {
	if method == http.MethodGet || method == http.MethodHead {
		return http.StatusMovedPermanently
	}
	return http.StatusPermanentRedirect
}

// Check is the decision: it reports whether r must be redirected, and where
// to with which status. Requests that used HTTPS, per [clientip.IsHTTPS],
// and exempt paths are not redirected.
func (rd *Redirector) Check(r *http.Request) (target string, status int, redirect bool) {
	if clientip.IsHTTPS(r) {
		return "", 0, false
	}
	if _, ok := rd.exempt[r.URL.Path]; ok {
		return "", 0, false
	}
	return rd.targetFor(r), redirectStatus(r.Method), true
}

// Handler redirects plain-HTTP requests and passes the others to next.
func (rd *Redirector) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if target, status, ok := rd.Check(r); ok {
			writeRedirect(w, r, target, status)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RedirectOnly returns the handler of a plain-HTTP listener that serves
// nothing but redirects to publicURL, checked as [Config].PublicURL: that
// listener has no application behind it, so no path is exempt.
func RedirectOnly(publicURL string) (http.Handler, error) {
	rd, err := New(Config{PublicURL: publicURL})
	if err != nil {
		return nil, err
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeRedirect(w, r, rd.targetFor(r), redirectStatus(r.Method))
	}), nil
}

const body = "Redirecting to HTTPS.\n"

var bodyLen = strconv.Itoa(len(body))

func writeRedirect(w http.ResponseWriter, r *http.Request, target string, status int) {
	h := w.Header()
	h.Set("Location", target)
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", bodyLen)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}
