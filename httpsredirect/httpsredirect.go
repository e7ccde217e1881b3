package httpsredirect

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/harden-go/harden/clientip"
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

// Configuration errors. A *ConfigError wraps one of them.
var (
	ErrNoPublicURL = errors.New("is required")
	ErrNotHTTPS    = errors.New("must be an absolute https:// URL")
	ErrNoHost      = errors.New("has no valid host")
	ErrUserinfo    = errors.New("must not contain userinfo")
	ErrPathOrQuery = errors.New("must not have a path, query or fragment")
	ErrExemptPath  = errors.New("must be an absolute path starting with /")
	ErrInvalidURL  = errors.New("is not a valid URL")
)

// ConfigError describes one invalid Config field.
type ConfigError struct {
	Field string // the JSON name of the field
	Value string // the offending value, as configured
	Err   error  // one of the Err... sentinels
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("httpsredirect: %s %q %v", e.Field, e.Value, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Redirector sends plain-HTTP requests to the HTTPS public URL. It is safe
// for concurrent use.
type Redirector struct {
	base   string // "https://host[:port]", no trailing slash
	exempt map[string]struct{}
}

// New validates cfg and returns its Redirector. Errors are *ConfigError
// values, joined with errors.Join when there are several.
func New(cfg Config) (*Redirector, error) {
	var errs []error
	base, err := parsePublicURL(cfg.PublicURL)
	if err != nil {
		errs = append(errs, &ConfigError{Field: "public_url", Value: cfg.PublicURL, Err: err})
	}
	rd := &Redirector{base: base, exempt: make(map[string]struct{}, len(cfg.Exempt))}
	for _, p := range cfg.Exempt {
		if !strings.HasPrefix(p, "/") {
			errs = append(errs, &ConfigError{Field: "exempt", Value: p, Err: ErrExemptPath})
			continue
		}
		rd.exempt[p] = struct{}{}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return rd, nil
}

// parsePublicURL returns the normalised "https://host[:port]" of s.
func parsePublicURL(s string) (string, error) {
	if s == "" {
		return "", ErrNoPublicURL
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", ErrInvalidURL
	}
	switch {
	case u.Scheme != "https" || u.Opaque != "":
		return "", ErrNotHTTPS
	case u.User != nil:
		return "", ErrUserinfo
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "", strings.Contains(s, "#"):
		return "", ErrPathOrQuery
	}
	host, port := u.Hostname(), u.Port()
	if !validHostname(host) {
		return "", ErrNoHost
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", ErrNoHost
		}
		if n != 443 {
			host += ":" + strconv.Itoa(n)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", ErrNoHost
	}
	return "https://" + host, nil
}

// validHostname accepts an ASCII DNS name (letters, digits, '-', '.', '_',
// optional final dot) or an IP address without a zone.
func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	if strings.Contains(h, ":") {
		a, err := netip.ParseAddr(h)
		return err == nil && a.Zone() == ""
	}
	for _, label := range strings.Split(strings.TrimSuffix(h, "."), ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// PublicOrigin returns the normalised origin redirects go to, such as
// "https://example.com".
func (rd *Redirector) PublicOrigin() string { return rd.base }

// Target returns the HTTPS URL for r: the public origin, then r's path and
// query. r's Host header and forwarded host are never used, so a client
// cannot choose where it is sent.
func (rd *Redirector) Target(r *http.Request) string {
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, "/") {
		path = "/" // "*" and other non-path targets
	}
	if r.URL.RawQuery == "" {
		return rd.base + path
	}
	return rd.base + path + "?" + r.URL.RawQuery
}

// Status returns the redirect status for method: 301 for GET and HEAD, 308
// (which keeps the method and body) for the others.
func Status(method string) int {
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
	return rd.Target(r), Status(r.Method), true
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

// RedirectAll returns the handler of a plain-HTTP listener that serves
// nothing but redirects to the public URL (exempt paths included: that
// listener has no application behind it).
func (rd *Redirector) RedirectAll() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeRedirect(w, r, rd.Target(r), Status(r.Method))
	})
}

// RedirectOnly is New(Config{PublicURL: publicURL}) followed by RedirectAll.
func RedirectOnly(publicURL string) (http.Handler, error) {
	rd, err := New(Config{PublicURL: publicURL})
	if err != nil {
		return nil, err
	}
	return rd.RedirectAll(), nil
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
