package routepath

import (
	"path"
	"strings"
)

// Canonical returns urlPath as routers resolve it: rooted, with "//", "."
// and ".." segments cleaned away and each segment's path parameters
// (";jsessionid=x", RFC 3986 section 3.3) removed, as Java servlet
// containers (Tomcat, Jetty, Spring Boot) remove them before routing; a
// trailing slash is kept ("/api/" stays under "/api/"). A backslash is a
// separator, as IIS and the WHATWG URL parser of browsers read it
// ("/api\login" is "/api/login" to IIS).
//
// hidden reports a "." or ".." segment that only the removal of parameters
// reveals ("/static/..;/api/login", "/a/.;x/b"), or a backslash separates
// ("/static\..\api/login"): such a path means one thing
// to a router that keeps parameters and another to one that drops them, so
// callers refuse it or apply every rule to it. The path "*" (OPTIONS *) is
// returned as it is.
func Canonical(urlPath string) (p string, hidden bool) {
	if urlPath == "*" {
		return urlPath, false
	}
	p = urlPath
	if strings.IndexByte(p, '\\') >= 0 {
		for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
			if bare, _, _ := strings.Cut(seg, ";"); bare == "." || bare == ".." {
				return "", true // the dot segment of an IIS router only
			}
		}
		p = strings.ReplaceAll(p, "\\", "/")
	}
	if strings.IndexByte(p, ';') >= 0 {
		segs := strings.Split(p, "/")
		for i, seg := range segs {
			bare, _, cut := strings.Cut(seg, ";")
			if cut && (bare == "." || bare == "..") {
				return "", true
			}
			segs[i] = bare
		}
		p = strings.Join(segs, "/")
	}
	slash := strings.HasSuffix(p, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	p = path.Clean(p) // no allocation when already clean
	if slash && p != "/" {
		p += "/"
	}
	return p, false
}
