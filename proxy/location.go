package proxy

import (
	"net/http"
	"net/url"
	"strings"
)

// rewriteLocations rewrites the URLs of Location, Content-Location and
// Refresh that point at the upstream's own origin (an app that builds its
// redirects from its configured base URL or its listening address), so
// that the client follows them to the proxy: the internal address never
// reaches the client, and the redirect works. Relative URLs and other
// origins pass unchanged. A unix-socket upstream has no origin of its own
// and nothing is rewritten.
func (p *Proxy) rewriteLocations(h http.Header) {
	if p.target.socket != "" {
		return
	}
	for _, name := range []string{"Location", "Content-Location"} {
		for i, v := range h[name] {
			if out, ok := p.publicLocation(v); ok {
				h[name][i] = out
			}
		}
	}
	for i, v := range h["Refresh"] {
		if out, ok := p.publicRefresh(v); ok {
			h["Refresh"][i] = out
		}
	}
}

// publicLocation returns loc rewritten when it is an absolute URL whose
// scheme, host and port are the upstream's: the upstream URL's path prefix
// is removed from its path, and the public URL's origin put in place of
// the upstream's, the rest (path, query, fragment) kept as written.
// Without a public URL it becomes a path-absolute reference, which the
// client resolves against the URL it asked for: the proxy's own origin,
// taken from nothing the client could forge.
func (p *Proxy) publicLocation(loc string) (string, bool) {
	t := p.target.url
	n := len(t.Scheme)
	if len(loc) < n+3 || !strings.EqualFold(loc[:n], t.Scheme) || loc[n:n+3] != "://" {
		return "", false // relative, or another scheme
	}
	u, err := url.Parse(loc)
	if err != nil || !sameOrigin(u, t.Scheme, t.Host) {
		return "", false // a third party's, or not a URL
	}
	// The rest after the authority, where url.Parse ends it.
	rest := loc[n+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[i:]
	} else {
		rest = ""
	}
	if prefix := strings.TrimSuffix(t.EscapedPath(), "/"); prefix != "" && strings.HasPrefix(rest, prefix) &&
		(len(rest) == len(prefix) || strings.IndexByte("/?#", rest[len(prefix)]) >= 0) {
		rest = rest[len(prefix):]
	}
	if p.publicOrigin != nil {
		return p.publicOrigin.Scheme + "://" + p.publicOrigin.Host + rest, true
	}
	if rest == "" || rest[0] != '/' {
		rest = "/" + rest
	}
	if strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, `/\`) {
		// "//evil.example/x" would be read as another host (browsers
		// read "/\" as "//"): an open redirect. "/.//evil.example/x" is
		// the same path on this origin.
		rest = "/." + rest
	}
	return rest, true
}

// publicRefresh rewrites the URL of a Refresh header, "5; url=URL" (the
// "url=" and quotes around the URL optional), as publicLocation does.
func (p *Proxy) publicRefresh(v string) (string, bool) {
	i := strings.IndexAny(v, ";,")
	if i < 0 {
		return "", false
	}
	i = skipSpace(v, i+1)
	if len(v)-i >= 3 && strings.EqualFold(v[i:i+3], "url") {
		if j := skipSpace(v, i+3); j < len(v) && v[j] == '=' {
			i = skipSpace(v, j+1)
		}
	}
	end := len(v)
	if i < len(v) && (v[i] == '"' || v[i] == '\'') {
		if j := strings.IndexByte(v[i+1:], v[i]); j >= 0 {
			end = i + 1 + j
		}
		i++
	}
	out, ok := p.publicLocation(v[i:end])
	if !ok {
		return "", false
	}
	return v[:i] + out + v[end:], true
}

// skipSpace returns the index of the first byte of s at or after i that is
// not a space or tab.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}
