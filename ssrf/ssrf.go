package ssrf

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/httpsyntax"
)

// Config configures a [Client]. The zero value is the safe default: http
// and https to ports 80 and 443 of any public address, 5 redirects, 1 MiB
// bodies, 10 s per exchange.
type Config struct {
	// AllowedSchemes lists the URL schemes allowed. Only "http" and "https"
	// may appear. Default: both.
	AllowedSchemes []string `json:"allowed_schemes,omitempty" yaml:"allowed_schemes,omitempty"`
	// AllowedPorts lists the destination ports allowed. Default: 80, 443.
	AllowedPorts []uint16 `json:"allowed_ports,omitempty" yaml:"allowed_ports,omitempty"`
	// AllowedHosts, when not empty, is the only hosts that may be fetched:
	// exact names ("api.example.com"), wildcards for the names strictly
	// below a domain ("*.example.com"), or IP literals. Entries are ASCII
	// (punycode for internationalised names). An allowed host is still
	// refused if it resolves to an internal address. Default: any host.
	AllowedHosts []string `json:"allowed_hosts,omitempty" yaml:"allowed_hosts,omitempty"`
	// MaxRedirects is the number of redirects followed, each one checked
	// like the first request. Default 5; negative: redirects are not
	// followed (the 3xx response is returned).
	MaxRedirects int `json:"max_redirects,omitempty" yaml:"max_redirects,omitempty"`
	// MaxResponseBytes caps the response body; reading past it fails with
	// ErrResponseTooLarge. Default 1 MiB.
	MaxResponseBytes int64 `json:"max_response_bytes,omitempty" yaml:"max_response_bytes,omitempty"`
	// Timeout bounds a whole exchange, redirects and body included.
	// Default 10 s.
	Timeout time.Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// DialTimeout bounds each connection attempt. Default 5 s.
	DialTimeout time.Duration `json:"dial_timeout,omitempty" yaml:"dial_timeout,omitempty"`
	// TLSHandshakeTimeout bounds the TLS handshake. Default 5 s.
	TLSHandshakeTimeout time.Duration `json:"tls_handshake_timeout,omitempty" yaml:"tls_handshake_timeout,omitempty"`
	// MaxResponseHeaderBytes caps the response header. Default 64 KiB.
	MaxResponseHeaderBytes int64 `json:"max_response_header_bytes,omitempty" yaml:"max_response_header_bytes,omitempty"`

	// TLSClientConfig is the TLS configuration (root CAs for a test server,
	// client certificates). Default: Go's.
	TLSClientConfig *tls.Config `json:"-" yaml:"-"`
	// LookupNetIP resolves host names. Default:
	// net.DefaultResolver.LookupNetIP(ctx, "ip", host). Every address it
	// returns is checked; tests inject a fake here so they never use DNS.
	LookupNetIP func(ctx context.Context, host string) ([]netip.Addr, error) `json:"-" yaml:"-"`

	// DangerouslyAllowAddrs lets the client reach these exact address and
	// port pairs even though they are internal (and their ports are not in
	// AllowedPorts). It exists for tests that fetch an httptest server on
	// 127.0.0.1; never put a production address here.
	DangerouslyAllowAddrs []netip.AddrPort `json:"-" yaml:"-"`
	// DangerouslyDialContext replaces the final connection step, AFTER the
	// address has been checked: it receives "ip:port" of an allowed
	// address. It replaces the connect-time re-check too, so it is for
	// tests only: a test dialer that fails the test for any address but its
	// loopback server proves that no request leaves the machine even if the
	// guard were broken.
	DangerouslyDialContext func(ctx context.Context, network, address string) (net.Conn, error) `json:"-" yaml:"-"`
}

// Client is an http.Client that only reaches public destinations. Every
// request and every redirect is checked (scheme, port, host), and every
// connection is checked at connect time against the address actually
// dialed, so neither a redirect nor DNS rebinding reaches an internal
// address. Do not replace its Transport or CheckRedirect.
//
// Its Transport is the checking http.RoundTripper, which can be used alone
// (for example by a reverse proxy or a crawler with its own redirect
// policy): redirects are then the caller's, each one checked when it is
// sent. Its CloseIdleConnections method closes the idle connections of its
// pool, as http.Client.CloseIdleConnections expects.
type Client struct {
	*http.Client
	guard *guard
}

// transport is the checking http.RoundTripper under [Client].
type transport struct {
	guard *guard
	base  *http.Transport
}

// guard holds the validated policy.
type guard struct {
	schemes     map[string]bool
	ports       map[uint16]bool
	hosts       []hostPattern
	dangerous   map[netip.AddrPort]bool
	dangerPorts map[uint16]bool
	maxRedirect int
	maxBody     int64
	lookup      func(ctx context.Context, host string) ([]netip.Addr, error)
	dial        func(ctx context.Context, network, address string) (net.Conn, error)
}

// New validates cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	t, err := newTransport(cfg)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	g := t.guard
	hc := &http.Client{
		Transport: t,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if g.maxRedirect < 0 {
				return http.ErrUseLastResponse
			}
			if len(via) > g.maxRedirect {
				return errTooManyRedirects
			}
			return g.checkURL(req.URL)
		},
	}
	return &Client{Client: hc, guard: g}, nil
}

// newTransport validates cfg and builds its transport.
func newTransport(cfg Config) (*transport, error) {
	g, err := newGuard(cfg)
	if err != nil {
		return nil, err
	}
	dialTimeout := cfg.DialTimeout
	if dialTimeout == 0 {
		dialTimeout = 5 * time.Second
	}
	tlsTimeout := cfg.TLSHandshakeTimeout
	if tlsTimeout == 0 {
		tlsTimeout = 5 * time.Second
	}
	hdr := cfg.MaxResponseHeaderBytes
	if hdr == 0 {
		hdr = 64 << 10
	}
	if g.dial == nil {
		d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second, Control: g.control}
		g.dial = d.DialContext
	}
	base := &http.Transport{
		Proxy:                  nil, // a proxy would dial for us, unchecked
		DialContext:            g.dialContext,
		ForceAttemptHTTP2:      true,
		TLSClientConfig:        cfg.TLSClientConfig,
		TLSHandshakeTimeout:    tlsTimeout,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: hdr,
	}
	return &transport{guard: g, base: base}, nil
}

func newGuard(cfg Config) (*guard, error) {
	var errs []error
	bad := func(field string, index int, value, reason string) {
		errs = append(errs, &configerr.Error{Pkg: "ssrf", Field: field, Index: index, Value: value, Reason: reason, Err: ErrInvalidConfig})
	}
	g := &guard{
		schemes:     map[string]bool{},
		ports:       map[uint16]bool{},
		dangerous:   map[netip.AddrPort]bool{},
		dangerPorts: map[uint16]bool{},
		maxRedirect: cfg.MaxRedirects,
		maxBody:     cfg.MaxResponseBytes,
		lookup:      cfg.LookupNetIP,
		dial:        cfg.DangerouslyDialContext,
	}
	g.allowlists(cfg, bad)
	if g.maxRedirect == 0 {
		g.maxRedirect = 5
	}
	switch {
	case g.maxBody < 0:
		bad("max_response_bytes", -1, strconv.FormatInt(g.maxBody, 10), "is negative")
	case g.maxBody == 0:
		g.maxBody = 1 << 20
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"timeout", cfg.Timeout}, {"dial_timeout", cfg.DialTimeout}, {"tls_handshake_timeout", cfg.TLSHandshakeTimeout}} {
		if d.v < 0 {
			bad(d.field, -1, d.v.String(), "is negative")
		}
	}
	if cfg.MaxResponseHeaderBytes < 0 {
		bad("max_response_header_bytes", -1, strconv.FormatInt(cfg.MaxResponseHeaderBytes, 10), "is negative")
	}
	if g.lookup == nil {
		g.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return g, nil
}

// allowlists fills g's schemes, ports, hosts and dangerous addresses from
// cfg, calling bad for every entry it refuses.
func (g *guard) allowlists(cfg Config, bad func(field string, index int, value, reason string)) {
	schemes := cfg.AllowedSchemes
	if len(schemes) == 0 {
		schemes = []string{"http", "https"}
	}
	for i, s := range schemes {
		switch ls := strings.ToLower(s); ls {
		case "http", "https":
			g.schemes[ls] = true
		default:
			bad("allowed_schemes", i, s, "is not http or https")
		}
	}
	ports := cfg.AllowedPorts
	if len(ports) == 0 {
		ports = []uint16{80, 443}
	}
	for i, p := range ports {
		if p == 0 {
			bad("allowed_ports", i, "0", "port 0 cannot be connected to")
		}
		g.ports[p] = true
	}
	for i, h := range cfg.AllowedHosts {
		p, err := parseHostPattern(h)
		if err != nil {
			bad("allowed_hosts", i, h, err.Error())
			continue
		}
		g.hosts = append(g.hosts, p)
	}
	for i, ap := range cfg.DangerouslyAllowAddrs {
		if !ap.IsValid() || ap.Port() == 0 || ap.Addr().Zone() != "" {
			// Settable from code only (json:"-"): named as the Go field.
			bad("DangerouslyAllowAddrs", i, ap.String(), "is not a valid address and port")
			continue
		}
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		g.dangerous[ap] = true
		g.dangerPorts[ap.Port()] = true
	}
}

func parseHostPattern(s string) (hostPattern, error) {
	if a, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		if a.Zone() != "" {
			return hostPattern{}, errors.New("zoned address")
		}
		return hostPattern{addr: a.Unmap()}, nil
	}
	wildcard := strings.HasPrefix(s, "*.")
	name := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(s, "*."), "."))
	if !httpsyntax.IsName(name) {
		return hostPattern{}, errors.New("not an ASCII host name, *.domain or IP address")
	}
	return hostPattern{name: name, wildcard: wildcard}, nil
}

// Check reports whether rawURL may be requested, without resolving it:
// the scheme, port and host rules, and the address rules when the host is
// an IP literal. A nil error does not promise that the host resolves to a
// public address; that is checked when connecting.
func (c *Client) Check(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return &blockedError{Kind: errInvalidURL, Reason: reasonMalformedURL}
	}
	return c.guard.checkURL(u)
}

// checkURL applies the URL rules: scheme, credentials, host, port.
func (g *guard) checkURL(u *url.URL) error {
	if u == nil {
		return &blockedError{Kind: errInvalidURL, Reason: reasonMalformedURL}
	}
	scheme := strings.ToLower(u.Scheme)
	if !g.schemes[scheme] {
		return &blockedError{Kind: errSchemeNotAllowed, Reason: reasonSchemeNotAllowed}
	}
	if u.User != nil {
		return &blockedError{Kind: errHostNotAllowed, Reason: reasonCredentialsInURL}
	}
	host := u.Hostname()
	var port uint16
	if ps := u.Port(); ps != "" {
		n, err := strconv.ParseUint(ps, 10, 16)
		if err != nil || n == 0 {
			return &blockedError{Kind: errPortNotAllowed, Reason: reasonPortNotAllowed, Host: host}
		}
		port = uint16(n)
	} else if scheme == "https" {
		port = 443
	} else {
		port = 80
	}
	ph, berr := parseHost(host)
	if berr != nil {
		berr.Port = port
		return berr
	}
	return g.checkParsed(ph, host, port)
}

// checkParsed applies the host allowlist, the port rules and (for IP
// literals) the address rules.
func (g *guard) checkParsed(ph parsedHost, host string, port uint16) error {
	if ph.addr.IsValid() {
		if err := g.checkAddrPort(ph.addr, port); err != nil {
			err.Host = host
			return err
		}
		if len(g.hosts) > 0 && !g.dangerous[netip.AddrPortFrom(ph.addr.Unmap(), port)] {
			for _, p := range g.hosts {
				if p.addr == ph.addr.Unmap() {
					return nil
				}
			}
			return &blockedError{Kind: errHostNotAllowed, Reason: reasonHostNotAllowed, Host: host, Port: port}
		}
		return nil
	}
	if !g.ports[port] && !g.dangerPorts[port] {
		return &blockedError{Kind: errPortNotAllowed, Reason: reasonPortNotAllowed, Host: host, Port: port}
	}
	if len(g.hosts) > 0 {
		if !ph.ascii {
			return &blockedError{Kind: errHostNotAllowed, Reason: reasonHostNotAllowed, Host: host, Port: port}
		}
		for _, p := range g.hosts {
			if p.matchName(ph.name) {
				return nil
			}
		}
		return &blockedError{Kind: errHostNotAllowed, Reason: reasonHostNotAllowed, Host: host, Port: port}
	}
	return nil
}

// checkAddrPort is the connect-time rule: an address passes if it is one
// of DangerouslyAllowAddrs, or if it is public and its port allowed.
func (g *guard) checkAddrPort(a netip.Addr, port uint16) *blockedError {
	if len(g.dangerous) > 0 && a.Zone() == "" && g.dangerous[netip.AddrPortFrom(a.Unmap(), port)] {
		return nil
	}
	if reason := addrReason(a); reason != "" {
		return &blockedError{Kind: errAddressNotAllowed, Reason: reason, Addr: a, Port: port}
	}
	if !g.ports[port] {
		return &blockedError{Kind: errPortNotAllowed, Reason: reasonPortNotAllowed, Addr: a, Port: port}
	}
	return nil
}

// control is the net.Dialer Control hook: the last check, on the address
// the socket is about to connect to.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return &blockedError{Kind: ErrDestinationNotAllowed, Reason: reasonNetworkNotAllowed}
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &blockedError{Kind: errAddressNotAllowed, Reason: reasonMalformedIP}
	}
	if berr := g.checkAddrPort(ap.Addr(), ap.Port()); berr != nil {
		return berr
	}
	return nil
}

// dialContext is the Transport's dialer: it parses and checks the host,
// resolves it, refuses the whole destination if any resolved address is
// refused, then connects to the checked addresses in order — by IP, so no
// second resolution can swap the answer.
func (g *guard) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, &blockedError{Kind: ErrDestinationNotAllowed, Reason: reasonNetworkNotAllowed}
	}
	host, ps, err := net.SplitHostPort(address)
	if err != nil {
		return nil, &blockedError{Kind: errHostNotAllowed, Reason: reasonBadHostname}
	}
	n, err := strconv.ParseUint(ps, 10, 16)
	if err != nil || n == 0 {
		return nil, &blockedError{Kind: errPortNotAllowed, Reason: reasonPortNotAllowed, Host: host}
	}
	port := uint16(n)
	ph, berr := parseHost(host)
	if berr != nil {
		berr.Port = port
		return nil, berr
	}
	if !ph.addr.IsValid() && !ph.ascii {
		// net/http hands over the IDNA (ASCII) form; anything else is not
		// a host name we can judge.
		return nil, &blockedError{Kind: errHostNotAllowed, Reason: reasonBadHostname, Host: host, Port: port}
	}
	if err := g.checkParsed(ph, host, port); err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if ph.addr.IsValid() {
		addrs = []netip.Addr{ph.addr}
	} else {
		addrs, err = g.lookup(ctx, ph.name)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, &blockedError{Kind: errHostNotAllowed, Reason: reasonNoAddress, Host: host, Port: port}
		}
	}
	for _, a := range addrs {
		if berr := g.checkAddrPort(a, port); berr != nil {
			berr.Host = host
			return nil, berr
		}
	}
	var first error
	for _, a := range addrs {
		a = a.Unmap()
		if (network == "tcp4" && !a.Is4()) || (network == "tcp6" && !a.Is6()) {
			continue
		}
		conn, err := g.dial(ctx, network, netip.AddrPortFrom(a, port).String())
		if err == nil {
			return conn, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if first == nil {
		first = &blockedError{Kind: errHostNotAllowed, Reason: reasonNoAddress, Host: host, Port: port}
	}
	return nil, first
}

// RoundTrip checks req's URL, sends it, and caps the response body.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.guard.checkURL(req.URL); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if req.Method != http.MethodHead && resp.ContentLength > t.guard.maxBody {
		_ = resp.Body.Close()
		return nil, ErrResponseTooLarge
	}
	resp.Body = &limitedBody{rc: resp.Body, left: t.guard.maxBody}
	return resp, nil
}

// CloseIdleConnections closes the idle connections of the pool.
func (t *transport) CloseIdleConnections() { t.base.CloseIdleConnections() }

// limitedBody fails with ErrResponseTooLarge once more than its limit has
// been read (unlike io.LimitReader, which would end silently and pass a
// truncated body off as complete).
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrResponseTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
