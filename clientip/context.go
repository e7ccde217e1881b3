package clientip

import (
	"context"
	"net"
	"net/http"
	"net/netip"

	"github.com/harden-go/harden/internal/clientctx"
)

// Info is what the trust model says about a request: the client's address and
// the scheme and host the client used, taken from forwarding headers only
// when they were written by trusted proxies.
type Info struct {
	// Addr is the client's address (IPv4-mapped IPv6 addresses are
	// unmapped); the zero netip.Addr when the connection's address does not
	// parse.
	Addr netip.Addr
	// Scheme is "https" or "http".
	Scheme string
	// Host is the host (and port, if any) the client asked for.
	Host string
}

// fromContext returns the Info stored by a resolver, if any.
func fromContext(ctx context.Context) (Info, bool) {
	info, ok := ctx.Value(clientctx.Key{}).(Info)
	return info, ok
}

// Get returns the resolved Info for r. Without a resolver in the chain it
// falls back to what the connection itself says: the TCP peer, r.TLS and
// r.Host. It never reads a forwarding header.
func Get(r *http.Request) Info {
	if info, ok := fromContext(r.Context()); ok {
		return info
	}
	return direct(r)
}

// IsHTTPS reports whether the client reached the service over HTTPS,
// according to the trust model (see [Get]).
func IsHTTPS(r *http.Request) bool {
	if info, ok := fromContext(r.Context()); ok {
		return info.Scheme == "https"
	}
	return r.TLS != nil
}

// direct describes r from its connection alone.
func direct(r *http.Request) Info {
	info := Info{Addr: peerAddr(r.RemoteAddr), Scheme: "http", Host: r.Host}
	if r.TLS != nil {
		info.Scheme = "https"
	}
	return info
}

// peerAddr parses a RemoteAddr ("ip:port", or a bare ip).
func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
