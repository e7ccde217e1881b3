package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httputil"
	"time"

	"github.com/harden-go/harden"
)

// Proxy is a hardening reverse proxy: the root stack and the proxy's
// request guards in front of one upstream. It is safe for concurrent use.
type Proxy struct {
	stack     *harden.Stack
	target    upstreamTarget
	transport *http.Transport // nil when Config.Transport was given
	rp        *httputil.ReverseProxy
	handler   http.Handler // the whole chain: stack, guards, rp
}

// New validates cfg and builds the proxy. Every problem found is reported,
// joined: the proxy's own as *ConfigError, the stack's as harden.New
// reports them; all wrap harden.ErrConfig.
func New(cfg Config) (*Proxy, error) {
	errs := cfg.validate()
	stack, err := harden.New(cfg.Config)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	target, _ := parseUpstream(cfg.Upstream) // validated above
	p := &Proxy{stack: stack, target: target}
	rt := cfg.Transport
	if rt == nil {
		p.transport = newTransport(target, cfg.Timeout)
		rt = p.transport
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite:   p.rewrite,
		Transport: rt,
	}
	p.handler = stack.Handler(p.rp)
	return p, nil
}

// ServeHTTP hardens r and forwards it to the upstream, or refuses it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.handler.ServeHTTP(w, r)
}

// Close closes the idle connections to the upstream.
func (p *Proxy) Close() error {
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
	return nil
}

// rewrite builds the outbound request.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.target.url)
	pr.Out.Host = pr.In.Host
}

// newTransport returns a transport tuned for one upstream.
func newTransport(target upstreamTarget, timeout time.Duration) *http.Transport {
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 nil, // never an environment proxy between us and the upstream
		DialContext:           d.DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   512,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		DisableCompression:    true, // encodings pass through untouched
		ForceAttemptHTTP2:     false,
	}
	if target.socket != "" {
		sock := target.socket
		t.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", sock)
		}
	}
	return t
}
