package seclog

import (
	"net/http"
	"strings"
)

// routineNotFound reports whether a 404 answered to r is a browser's or a
// crawler's routine asset fetch — GET or HEAD of /favicon.ico,
// /robots.txt, /apple-touch-icon*.png, /sitemap.xml,
// /browserconfig.xml, /site.webmanifest, /manifest.json — rather than a
// security event. Every browser asks for some of them unprompted; logging
// each as request_rejected buries the real refusals. Only these exact
// root paths qualify: a 404 for anything else is still logged.
func routineNotFound(r *http.Request) bool {
	if r == nil || r.URL == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	switch p := r.URL.Path; p {
	case "/favicon.ico", "/robots.txt", "/sitemap.xml", "/browserconfig.xml",
		"/site.webmanifest", "/manifest.json":
		return true
	default:
		// apple-touch-icon.png, -precomposed.png, -120x120.png,
		// -152x152-precomposed.png: the names iOS tries.
		name, ok := strings.CutPrefix(p, "/apple-touch-icon")
		if !ok || !strings.HasSuffix(name, ".png") {
			return false
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, ".png"), "-precomposed")
		if name == "" {
			return true
		}
		size, ok := strings.CutPrefix(name, "-")
		w, h, ok2 := strings.Cut(size, "x")
		return ok && ok2 && isDigits(w) && isDigits(h) && len(w) <= 4 && len(h) <= 4
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
