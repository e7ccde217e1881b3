package clientip

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/harden-go/harden/internal/clientctx"
	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/httpsyntax"
)

// The header names a Config can read.
const (
	headerXForwardedFor = "X-Forwarded-For"
	headerForwarded     = "Forwarded"
)

// maxTrustedHops is the largest TrustedHops a Config accepts.
const maxTrustedHops = 16

// Config declares which proxies are trusted. The zero value trusts none: the
// TCP peer is the client.
type Config struct {
	// TrustedProxies lists the addresses ("192.168.1.7", "2001:db8::1") and
	// CIDR ranges ("10.0.0.0/8") of trusted proxies. Default: none.
	TrustedProxies []string `json:"trusted_proxies,omitempty" yaml:"trusted_proxies,omitempty"`
	// TrustedHops is the number of trusted proxies in front of the service,
	// the TCP peer included: 0 to 16. It cannot be combined with
	// TrustedProxies. Default: 0.
	TrustedHops int `json:"trusted_hops,omitempty" yaml:"trusted_hops,omitempty"`
	// Header is the forwarding header the proxies write: "X-Forwarded-For"
	// (the default) or "Forwarded" (RFC 7239).
	Header string `json:"header,omitempty" yaml:"header,omitempty"`
	// DangerouslyTrustBroadRanges accepts TrustedProxies ranges broader than
	// /8 (IPv4) or /7 (IPv6), 0.0.0.0/0 and ::/0 included, which let most or
	// all of the Internet forge its address. The harden stack refuses it in
	// production. Default: false.
	DangerouslyTrustBroadRanges bool `json:"dangerously_trust_broad_ranges,omitempty" yaml:"dangerously_trust_broad_ranges,omitempty"`
}

// Configuration errors. A *harden.ConfigError wraps one of them.
var (
	errHopsAndProxies = errors.New("trusted_hops and trusted_proxies cannot both be set")
	errBadHops        = errors.New("trusted_hops must be between 0 and " + strconv.Itoa(maxTrustedHops))
	errBadProxy       = errors.New("not an IP address or CIDR range")
	errBroadRange     = errors.New("range trusts most of the Internet (needs DangerouslyTrustBroadRanges)")
	errBadHeader      = errors.New(`header must be "X-Forwarded-For" or "Forwarded"`)
)

// Resolver applies a Config to requests. It is safe for concurrent use.
type Resolver struct {
	prefixes  []netip.Prefix
	hops      int
	forwarded bool // read Forwarded instead of X-Forwarded-*
}

// New validates cfg and returns its Resolver. Errors are
// *harden.ConfigError values, joined with errors.Join when there are
// several.
func New(cfg Config) (*Resolver, error) {
	var errs []error
	res := &Resolver{hops: cfg.TrustedHops}
	switch {
	case cfg.Header == "" || strings.EqualFold(cfg.Header, headerXForwardedFor):
	case strings.EqualFold(cfg.Header, headerForwarded):
		res.forwarded = true
	default:
		errs = append(errs, configerr.Field("clientip", "header", cfg.Header, errBadHeader))
	}
	if cfg.TrustedHops < 0 || cfg.TrustedHops > maxTrustedHops {
		errs = append(errs, configerr.Field("clientip", "trusted_hops", strconv.Itoa(cfg.TrustedHops), errBadHops))
	}
	if cfg.TrustedHops != 0 && len(cfg.TrustedProxies) != 0 {
		errs = append(errs, configerr.Field("clientip", "trusted_proxies", "", errHopsAndProxies))
	}
	for i, s := range cfg.TrustedProxies {
		p, err := parseProxy(s)
		if err != nil {
			errs = append(errs, configerr.Entry("clientip", "trusted_proxies", i, s, err))
			continue
		}
		if !cfg.DangerouslyTrustBroadRanges && (p.Addr().Is4() && p.Bits() < 8 || p.Addr().Is6() && p.Bits() < 7) {
			errs = append(errs, configerr.Entry("clientip", "trusted_proxies", i, s, errBroadRange))
			continue
		}
		res.prefixes = append(res.prefixes, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return res, nil
}

// parseProxy parses one TrustedProxies entry into a masked prefix.
func parseProxy(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return p, errBadProxy
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return p, errBadProxy
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	// Addresses are unmapped before matching, so an IPv4-mapped range is
	// turned into the IPv4 range it means.
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return p, errBadProxy
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// ParseTrusted parses the HARDEN_TRUSTED_PROXIES syntax: empty (no proxy is
// trusted), a hop count ("2"), or a comma-separated list of addresses and CIDR
// ranges ("10.0.0.0/8,192.168.1.7"). The result is validated as by New.
func ParseTrusted(s string) (Config, error) {
	s = strings.TrimSpace(s)
	var cfg Config
	if s == "" {
		return cfg, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		cfg.TrustedHops = n
	} else {
		for _, item := range strings.Split(s, ",") {
			cfg.TrustedProxies = append(cfg.TrustedProxies, strings.TrimSpace(item))
		}
	}
	if _, err := New(cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Handler stores the resolved [Info] in the request context, where [Get]
// and [IsHTTPS] find it, and calls next.
func (res *Resolver) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientctx.Key{}, res.Resolve(r))))
	})
}

// trusted reports whether the hop at position pos (0 = the TCP peer) whose
// address is a is a trusted proxy.
func (res *Resolver) trusted(a netip.Addr, pos int) bool {
	if res.hops > 0 {
		return pos < res.hops
	}
	for _, p := range res.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Resolve describes r under the trust model. It reads r only.
func (res *Resolver) Resolve(r *http.Request) Info {
	info := direct(r)
	if !res.trusted(info.Addr, 0) {
		return info
	}
	if res.forwarded {
		res.walkForwarded(r.Header[headerForwarded], &info)
		return info
	}
	info.Addr = res.walkXFF(r.Header[headerXForwardedFor], info.Addr)
	if v, ok := lastListValue(r.Header["X-Forwarded-Proto"]); ok {
		if s, ok := parseScheme(v); ok {
			info.Scheme = s
		}
	}
	if v, ok := lastListValue(r.Header["X-Forwarded-Host"]); ok && validHost(v) {
		info.Host = v
	}
	return info
}

// walkXFF walks X-Forwarded-For lines from the right, starting from the
// trusted peer addr, and returns the client's address.
func (res *Resolver) walkXFF(lines []string, addr netip.Addr) netip.Addr {
	pos := 0
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for {
			item := line
			j := strings.LastIndexByte(line, ',')
			if j >= 0 {
				item, line = line[j+1:], line[:j]
			}
			a, ok := parseXFFItem(item)
			if !ok {
				return addr // fail closed: the last trusted address
			}
			addr, pos = a, pos+1
			if !res.trusted(addr, pos) {
				return addr
			}
			if j < 0 {
				break
			}
		}
	}
	return addr
}

// walkForwarded walks Forwarded lines from the right and fills info from the
// element that names the client.
func (res *Resolver) walkForwarded(lines []string, info *Info) {
	var buf [8]fwdElement
	pos := 0
	proto, host := "", ""
	addr := info.Addr
	defer func() {
		info.Addr = addr
		if s, ok := parseScheme(proto); ok {
			info.Scheme = s
		}
		if host != "" && validHost(host) {
			info.Host = host
		}
	}()
	for i := len(lines) - 1; i >= 0; i-- {
		elems, ok := parseForwarded(lines[i], buf[:0])
		if !ok {
			return // fail closed: a broken line ends the walk
		}
		for k := len(elems) - 1; k >= 0; k-- {
			e := &elems[k]
			// This element was written by a trusted proxy: its proto and
			// host describe the connection that proxy received.
			if e.proto != "" {
				proto = e.proto
			}
			if e.host != "" {
				host = e.host
			}
			a, ok := parseNode(e.forNode)
			if !ok {
				return
			}
			addr, pos = a, pos+1
			if !res.trusted(addr, pos) {
				return
			}
		}
	}
}

// lastListValue returns the right-most item of a comma-separated header that
// may span several lines, trimmed of spaces.
func lastListValue(lines []string) (string, bool) {
	if len(lines) == 0 {
		return "", false
	}
	v := lines[len(lines)-1]
	if j := strings.LastIndexByte(v, ','); j >= 0 {
		v = v[j+1:]
	}
	v = httpsyntax.TrimOWS(v)
	return v, v != ""
}

// parseScheme accepts "http" and "https" in any case.
func parseScheme(v string) (string, bool) {
	switch {
	case strings.EqualFold(v, "https"):
		return "https", true
	case strings.EqualFold(v, "http"):
		return "http", true
	}
	return "", false
}

// validHost reports whether v is a Host header value in harden's one host
// grammar (internal/httpsyntax): a name, IPv4 or bracketed IPv6 address
// with an optional port. It stops values that would split a URL (/, @, ?,
// #, \, spaces, controls) and spellings that another layer would read as
// a different host.
func validHost(v string) bool {
	_, _, err := httpsyntax.ParseRequestHost(v)
	return err == nil
}
