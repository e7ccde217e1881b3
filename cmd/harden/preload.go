package main

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// hstsPreloadSetup is what the HSTS preload opt-in of harden serve is
// checked against at start-up.
type hstsPreloadSetup struct {
	dev, tls                                bool
	trustedProxies, publicURL, redirectAddr string
}

// missing lists what the HSTS preload list requires and the setup lacks,
// in the list's order: HTTPS on a domain name, and a redirect from plain
// HTTP on the same host. The header itself (max-age of at least a year,
// includeSubDomains) is package headers' to check, and the app's default
// meets it.
func (s hstsPreloadSetup) missing() []string {
	var out []string
	if s.dev {
		// Development serves no Strict-Transport-Security at all.
		out = append(out, "production mode (--env production)")
	}
	if !s.tls && s.trustedProxies == "" {
		out = append(out, "HTTPS (--tls-cert and --tls-key, or --trusted-proxies naming the TLS-terminating proxy)")
	}
	u, err := url.Parse(s.publicURL)
	switch {
	case s.publicURL == "" || err != nil || u.Scheme != "https" || u.Hostname() == "":
		out = append(out, "an https:// --public-url")
	case net.ParseIP(u.Hostname()) != nil || !strings.Contains(u.Hostname(), ".") || strings.HasSuffix(u.Hostname(), ".localhost"):
		// The list holds registrable domain names; browsers never look up
		// an address or a local name in it.
		out = append(out, "a domain name in --public-url, not "+u.Hostname())
	case u.Port() != "" && u.Port() != "443":
		out = append(out, "HTTPS on port 443 (--public-url names port "+u.Port()+")")
	}
	if s.tls && s.redirectAddr == "" {
		// Behind a trusted proxy the app itself redirects plain-HTTP
		// requests to --public-url; serving TLS directly, only the
		// redirect listener answers http://.
		out = append(out, "a redirect from http:// on the same host (--redirect-addr)")
	}
	return out
}

// check refuses a preload opt-in the list would reject, naming every
// requirement that is not met.
func (s hstsPreloadSetup) check() error {
	m := s.missing()
	if len(m) == 0 {
		return nil
	}
	return errors.New("--hsts-preload: the HSTS preload list requires " + strings.Join(m, "; "))
}
