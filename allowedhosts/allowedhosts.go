package allowedhosts

import (
	"errors"
	"net/http"
	"strings"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/httpsyntax"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

// Config lists the hosts the service answers for.
type Config struct {
	// Hosts are host names or IP addresses with an optional port:
	// "example.com", "example.com:8443", "[2001:db8::1]", "*.example.com"
	// (any subdomain), "example.com:*" (any port). Default (empty): the
	// loopback names "localhost", "*.localhost", "127.0.0.1" and "[::1]" on
	// any port.
	Hosts []string `json:"hosts,omitempty" yaml:"hosts,omitempty"`
}

// Request errors, the internal cause of a refusal. Their text never
// contains the request's host.
var (
	errHostNotAllowed = errors.New("allowedhosts: host not allowed")
	errBadHost        = errors.New("allowedhosts: malformed or missing host")
)

// Configuration errors. A *harden.ConfigError wraps one of them.
var (
	errInvalidEntry  = errors.New("is not a host name or IP address with an optional port")
	errBroadWildcard = errors.New("wildcard must stand for subdomains of a name with at least two labels")
)

// rejectStatus is the status of a refusal: 421 Misdirected Request.
const rejectStatus = http.StatusMisdirectedRequest

const anyPort = -1

// entry is one allowed host. port 0 means the scheme's default port.
type entry struct {
	suffix string // for wildcards: ".example.com"
	port   int
}

// Checker decides whether a request's host is allowed. It is safe for
// concurrent use.
type Checker struct {
	exact     map[string][]int // name -> allowed ports
	wildcards []entry
}

// New validates cfg and returns its Checker. Errors are
// *harden.ConfigError values, joined with errors.Join when there are
// several.
func New(cfg Config) (*Checker, error) {
	hosts := cfg.Hosts
	if len(hosts) == 0 {
		hosts = []string{"localhost:*", "*.localhost:*", "127.0.0.1:*", "[::1]:*"}
	}
	c := &Checker{exact: make(map[string][]int, len(hosts))}
	var errs []error
	for i, h := range hosts {
		wild := strings.HasPrefix(h, "*.")
		s := h
		if wild {
			s = h[2:]
		}
		portAny := strings.HasSuffix(s, ":*")
		if portAny {
			s = strings.TrimSuffix(s, ":*")
		}
		// Entries have the grammar of internal/httpsyntax, the one the
		// public URL and CORS origins are parsed with: one spelling per
		// host (no trailing dot, no leading zero in the port).
		name, port, err := httpsyntax.ParseHostPort(s)
		if err != nil || wild && !httpsyntax.IsName(name) {
			errs = append(errs, configerr.Entry("allowedhosts", "hosts", i, h, errInvalidEntry))
			continue
		}
		if portAny {
			if port != 0 {
				errs = append(errs, configerr.Entry("allowedhosts", "hosts", i, h, errInvalidEntry))
				continue
			}
			port = anyPort
		}
		if wild {
			if !strings.Contains(name, ".") && name != "localhost" {
				errs = append(errs, configerr.Entry("allowedhosts", "hosts", i, h, errBroadWildcard))
				continue
			}
			c.wildcards = append(c.wildcards, entry{suffix: "." + name, port: port})
			continue
		}
		c.exact[name] = append(c.exact[name], port)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// checkRequest is the decision: nil when r's host, per [clientip.Get], is
// allowed, else errBadHost or errHostNotAllowed.
func (c *Checker) checkRequest(r *http.Request) error {
	info := clientip.Get(r)
	return c.check(info.Host, info.Scheme == "https")
}

// Allowed reports whether host (a Host header value) is allowed for a request
// made over https or plain http.
func (c *Checker) Allowed(host string, https bool) bool {
	return c.check(host, https) == nil
}

func (c *Checker) check(host string, https bool) error {
	// A trailing dot is the same DNS name and is dropped; anything that
	// is not exactly a host and port (a path, "@", white space) is refused
	// before any comparison.
	name, port, err := httpsyntax.ParseRequestHost(host)
	if err != nil {
		return errBadHost
	}
	def := 80
	if https {
		def = 443
	}
	if port == 0 {
		port = def
	}
	if ports, ok := c.exact[name]; ok && portIn(port, ports, def) {
		return nil
	}
	for _, w := range c.wildcards {
		if len(name) > len(w.suffix) && strings.HasSuffix(name, w.suffix) && portIn(port, []int{w.port}, def) {
			return nil
		}
	}
	return errHostNotAllowed
}

func portIn(port int, ports []int, def int) bool {
	for _, p := range ports {
		if p == anyPort || p == port || p == 0 && port == def {
			return true
		}
	}
	return false
}

// Handler refuses requests whose host is not allowed with 421 through the
// shared responder, and passes the others to next.
func (c *Checker) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := c.checkRequest(r); err != nil {
			respond.Reject(w, r, &respond.Rejection{
				Status:  rejectStatus,
				Message: "Misdirected request",
				Event:   secevent.HostRejected,
				Err:     err,
			})
			return
		}
		next.ServeHTTP(w, r)
	})
}
