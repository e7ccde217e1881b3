package proxy

import (
	"net/http"
	"slices"
	"strings"

	"github.com/harden-go/harden/internal/cookieprefix"
)

// hostPrefix is the cookie name prefix browsers accept only on cookies that
// are Secure, Path=/ and host-only, so no sibling subdomain can set them.
const hostPrefix = cookieprefix.Host

// sameSite strengths, weakest first.
const (
	sameSiteUnset = iota
	sameSiteNone
	sameSiteLax
	sameSiteStrict
)

// cookiePolicy is a compiled CookieConfig.
type cookiePolicy struct {
	readable   []string
	sameSite   int // the configured floor
	hostPrefix bool
}

func newCookiePolicy(cfg CookieConfig) cookiePolicy {
	c := cookiePolicy{readable: cfg.Readable, hostPrefix: cfg.HostPrefix, sameSite: sameSiteLax}
	switch strings.ToLower(cfg.SameSite) {
	case "strict":
		c.sameSite = sameSiteStrict
	case "none":
		c.sameSite = sameSiteNone
	}
	return c
}

// hardenSetCookies rewrites every Set-Cookie value of h in place; values
// that cannot be made acceptable are dropped.
func (p *Proxy) hardenSetCookies(h http.Header, cookies []string, secure bool) {
	out := make([]string, 0, len(cookies))
	for _, c := range cookies {
		if v, ok := p.cookies.rewrite(c, secure); ok {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		delete(h, "Set-Cookie")
		return
	}
	h["Set-Cookie"] = out
}

// rewrite hardens one Set-Cookie value: Secure when secure (and always for
// SameSite=None, Partitioned and the prefixes, which browsers refuse
// without it),
// HttpOnly unless the name is readable (a readable cookie keeps the
// upstream's own HttpOnly: the proxy never makes a cookie weaker than the
// upstream set it), SameSite no weaker than the
// configured floor, and with hostPrefix the name prefixed with __Host-,
// Path=/ and no Domain. Other attributes are kept as written. It reports
// false for a value whose name is empty or not a token, or that holds a
// control character: no browser would store it as the upstream meant.
func (c *cookiePolicy) rewrite(setCookie string, secure bool) (string, bool) {
	if hasCTL(setCookie) {
		return "", false // browsers ignore the whole line (RFC 6265bis 5.7)
	}
	pair, attrs, _ := strings.Cut(setCookie, ";")
	name, value, ok := strings.Cut(pair, "=")
	name = strings.TrimSpace(name)
	if !ok || !isToken(name) {
		return "", false
	}
	value = strings.TrimSpace(value)
	readable := slices.Contains(c.readable, name)
	if c.hostPrefix && !readable {
		name = hostPrefix + name
	}
	host := cookieprefix.IsHost(name) // in any case, as browsers enforce it
	var b strings.Builder
	b.Grow(len(setCookie) + 48)
	b.WriteString(name)
	b.WriteByte('=')
	b.WriteString(value)
	same := sameSiteUnset
	hasSecure, httpOnly, partitioned := false, false, false
	for attrs != "" {
		var a string
		a, attrs, _ = strings.Cut(attrs, ";")
		a = strings.TrimSpace(a)
		key, val, _ := strings.Cut(a, "=")
		key = strings.TrimSpace(key)
		switch {
		case a == "":
			continue
		case strings.EqualFold(key, "Secure"):
			hasSecure = true
			continue
		case strings.EqualFold(key, "HttpOnly"):
			httpOnly = true // written once below
			continue
		case strings.EqualFold(key, "SameSite"):
			same = max(same, parseSameSite(val))
			continue
		case host && (strings.EqualFold(key, "Domain") || strings.EqualFold(key, "Path")):
			continue // __Host- requires host-only, Path=/
		case strings.EqualFold(key, "Partitioned"):
			partitioned = true // kept; browsers require Secure with it
		}
		b.WriteString("; ")
		b.WriteString(a)
	}
	if host {
		b.WriteString("; Path=/")
	}
	same = max(same, c.sameSite)
	if same == sameSiteNone || host || partitioned || cookieprefix.IsSecure(name) || secure || hasSecure {
		b.WriteString("; Secure")
	}
	if !readable || httpOnly {
		b.WriteString("; HttpOnly")
	}
	switch same {
	case sameSiteNone:
		b.WriteString("; SameSite=None")
	case sameSiteLax:
		b.WriteString("; SameSite=Lax")
	case sameSiteStrict:
		b.WriteString("; SameSite=Strict")
	}
	return b.String(), true
}

// parseSameSite reads a SameSite attribute value; an unknown one counts as
// unset, as browsers treat it (Lax by default).
func parseSameSite(v string) int {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "strict":
		return sameSiteStrict
	case "lax":
		return sameSiteLax
	case "none":
		return sameSiteNone
	}
	return sameSiteUnset
}

// hasCTL reports whether s holds a control character other than tab.
func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return true
		}
	}
	return false
}

// isToken reports whether s is a non-empty RFC 9110 token, the grammar of
// cookie names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// rewriteRequestCookies rewrites the Cookie header sent upstream: the
// proxy's own CSRF cookie is removed, and with HostPrefix "__Host-name"
// goes as "name" while unprefixed cookies other than the readable ones are
// dropped: anyone on a sibling subdomain, or on the network path over
// plain HTTP, can set those, which is how a session is fixated. Only the
// exact "__Host-" spelling is unwrapped: browsers older than RFC 6265bis
// let anyone set "__host-name", so that spelling is dropped like a bare
// name.
func (p *Proxy) rewriteRequestCookies(h http.Header) {
	lines := h["Cookie"]
	if len(lines) == 0 {
		return
	}
	var b strings.Builder
	for _, line := range lines {
		for line != "" {
			var pair string
			pair, line, _ = strings.Cut(line, ";")
			pair = strings.TrimSpace(pair)
			name, value, _ := strings.Cut(pair, "=")
			if pair == "" || name == p.csrfCookie {
				continue
			}
			if p.cookies.hostPrefix {
				bare, ok := strings.CutPrefix(name, hostPrefix)
				readable := slices.Contains(p.cookies.readable, bare)
				switch {
				case ok && !readable && bare != p.csrfCookie:
					name = bare
				case !ok && slices.Contains(p.cookies.readable, name):
				default:
					continue
				}
			}
			if b.Len() > 0 {
				b.WriteString("; ")
			}
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(value)
		}
	}
	if b.Len() == 0 {
		delete(h, "Cookie")
		return
	}
	h["Cookie"] = []string{b.String()}
}
