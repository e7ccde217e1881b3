package scan

import (
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/harden-go/harden/scan/internal/js"
)

// Cookie is one cookie a site set, as a cookie jar keeps it.
type Cookie struct {
	Name     string `json:"name"`
	Domain   string `json:"domain"`
	Path     string `json:"path"`
	HostOnly bool   `json:"host_only"`
	Secure   bool   `json:"secure"`
	HttpOnly bool   `json:"httponly"`
	// SameSite is "strict", "lax", "none", or "" when absent or invalid.
	SameSite string `json:"samesite,omitempty"`
	// Raw is the Set-Cookie value that set it.
	Raw string `json:"raw"`
}

// parseSetCookie parses a Set-Cookie value with the strict rules of the
// Observatory's cookie jar: a cookie needs a non-empty name, no control
// characters, and the last of each attribute wins.
func parseSetCookie(raw string) (*Cookie, bool) {
	str := js.Trim(raw)
	if str == "" {
		return nil, false
	}
	pair, attrs, hasAttrs := strings.Cut(str, ";")
	for _, t := range []string{"\n", "\r", "\x00"} {
		if i := strings.Index(pair, t); i >= 0 {
			pair = pair[:i]
		}
	}
	eq := strings.IndexByte(pair, '=')
	if eq <= 0 {
		return nil, false
	}
	name, value := js.Trim(pair[:eq]), js.Trim(pair[eq+1:])
	if hasControl(name) || hasControl(value) {
		return nil, false
	}
	c := &Cookie{Name: name, Raw: raw}
	if hasAttrs {
		for _, av := range strings.Split(js.Trim(attrs), ";") {
			av = js.Trim(av)
			if av == "" {
				continue
			}
			key, val, hasVal := strings.Cut(av, "=")
			key = strings.ToLower(js.Trim(key))
			if hasVal {
				val = js.Trim(val)
			}
			switch key {
			case "domain":
				if d := strings.TrimPrefix(js.Trim(val), "."); d != "" {
					c.Domain = strings.ToLower(d)
				}
			case "path":
				if val != "" && val[0] == '/' {
					c.Path = val
				} else {
					c.Path = ""
				}
			case "secure":
				c.Secure = true
			case "httponly":
				c.HttpOnly = true
			case "samesite":
				switch strings.ToLower(val) {
				case "strict", "lax", "none":
					c.SameSite = strings.ToLower(val)
				default:
					c.SameSite = ""
				}
			}
		}
	}
	return c, true
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// cookieJar keeps cookies by domain, path and name in the order they were
// first set, as the Observatory's jar does. Expired cookies are kept: the
// Observatory grades every cookie a site sent, deletions included.
type cookieJar struct {
	cookies []*Cookie
}

// set stores the cookies of one response to requestURL, refusing what the
// jar refuses: a Domain that does not cover the host or is a public suffix
// or an IP address, and __Secure-/__Host- cookies that break their prefix
// rules.
func (j *cookieJar) set(requestURL string, setCookies []string) {
	u, err := url.Parse(requestURL)
	if err != nil {
		return
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	for _, raw := range setCookies {
		c, ok := parseSetCookie(raw)
		if !ok {
			continue
		}
		if c.Domain != "" {
			if !cookieDomainAllowed(c.Domain) || !domainMatch(host, c.Domain) {
				continue
			}
			c.HostOnly = false
		} else {
			c.HostOnly = true
			c.Domain = host
		}
		if c.Path == "" {
			c.Path = defaultCookiePath(u)
		}
		if strings.HasPrefix(c.Name, "__Secure-") && !c.Secure {
			continue
		}
		if strings.HasPrefix(c.Name, "__Host-") && !(c.Secure && c.HostOnly && c.Path == "/") {
			continue
		}
		replaced := false
		for i, old := range j.cookies {
			if old.Domain == c.Domain && old.Path == c.Path && old.Name == c.Name {
				j.cookies[i] = c
				replaced = true
				break
			}
		}
		if !replaced {
			j.cookies = append(j.cookies, c)
		}
	}
}

// specialUseDomains are top-level names the jar accepts as cookie domains.
var specialUseDomains = map[string]bool{"local": true, "example": true, "invalid": true, "localhost": true, "test": true}

// cookieDomainAllowed reports whether a Domain attribute names a registrable
// domain (or a special-use name), not a public suffix or an IP address.
func cookieDomainAllowed(domain string) bool {
	labels := strings.Split(domain, ".")
	top := labels[len(labels)-1]
	if specialUseDomains[top] && (len(labels) > 1 || top == "localhost" || top == "invalid") {
		return true
	}
	if strings.Contains(domain, ":") {
		return true // an IPv6 literal passes the jar's check
	}
	return registrableDomain(domain, true) != ""
}

func domainMatch(host, domain string) bool {
	if host == domain {
		return true
	}
	if net.ParseIP(host) != nil {
		return false
	}
	return strings.HasSuffix(host, "."+domain)
}

// defaultCookiePath is RFC 6265's default-path of the request path, which
// the Observatory's jar computes with the query escaped into the path.
func defaultCookiePath(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "%3F" + u.RawQuery
	}
	if p == "" || p[0] != '/' {
		return "/"
	}
	i := strings.LastIndexByte(p, '/')
	if i == 0 {
		return "/"
	}
	return p[:i]
}

// registrableDomain is the registrable domain (eTLD+1) of host, or "" for an
// IP address, a single label, or a public suffix itself. With private false,
// only the ICANN section of the public suffix list counts, as in the
// Observatory's subresource check; the cookie jar uses both sections.
func registrableDomain(host string, private bool) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" || net.ParseIP(strings.Trim(host, "[]")) != nil || !strings.Contains(host, ".") {
		return ""
	}
	suffix, icann := publicsuffix.PublicSuffix(host)
	for !private && !icann && strings.Contains(suffix, ".") {
		suffix, icann = publicsuffix.PublicSuffix(suffix[strings.IndexByte(suffix, '.')+1:])
	}
	if len(host) <= len(suffix) {
		return ""
	}
	rest := host[:len(host)-len(suffix)-1]
	return rest[strings.LastIndexByte(rest, '.')+1:] + "." + suffix
}

// hostDomain is the registrable domain of "host[:port]" as given to the
// scanner.
func hostDomain(hostport string) string {
	h := hostport
	if strings.HasPrefix(h, "[") {
		if i := strings.IndexByte(h, ']'); i > 0 {
			return registrableDomain(h[1:i], false)
		}
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.Count(h, ":") == 1 {
		h = h[:i]
	}
	return registrableDomain(h, false)
}
