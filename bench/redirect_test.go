package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/unrolled/secure"

	"github.com/harden-go/harden/allowedhosts"
	"github.com/harden-go/harden/httpsredirect"
)

// BenchmarkHTTPSRedirect: a plain-HTTP GET answered with a redirect to the
// configured HTTPS host (never the Host header). harden answers 308 for
// unsafe methods and 301 for GET, as unrolled/secure does by default.
func BenchmarkHTTPSRedirect(b *testing.B) {
	rd := must(httpsredirect.New(httpsredirect.Config{PublicURL: "https://example.com"}))(b)
	sec := secure.New(secure.Options{SSLRedirect: true, SSLHost: "example.com"})
	req := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/login?next=/account", nil)
		r.Host = "example.com"
		return r
	}
	serial(b, []impl{
		{"harden", rd.Handler(nop)},
		{"unrolled-secure", sec.Handler(nop)},
	}, req, want{http.StatusMovedPermanently, "Location"})
}

// BenchmarkAllowedHosts: a request for an allowed host passes; one for
// another host is refused (harden 421 JSON, unrolled/secure 500 text).
func BenchmarkAllowedHosts(b *testing.B) {
	hosts := []string{"example.com", "www.example.com", "api.example.com"}
	ah := must(allowedhosts.New(allowedhosts.Config{Hosts: hosts}))(b)
	sec := secure.New(secure.Options{AllowedHosts: hosts})
	for _, sc := range []struct {
		name       string
		host       string
		hardenWant int
		peerWant   int
	}{
		{"allowed", "api.example.com", http.StatusOK, http.StatusOK},
		{"refused", "evil.example", http.StatusMisdirectedRequest, http.StatusInternalServerError},
	} {
		b.Run(sc.name, func(b *testing.B) {
			req := func() *http.Request {
				r := get("/")
				r.Host = sc.host
				return r
			}
			serial(b, []impl{{"harden", ah.Handler(nop)}}, req, want{sc.hardenWant, ""})
			serial(b, []impl{{"unrolled-secure", sec.Handler(nop)}}, req, want{sc.peerWant, ""})
		})
	}
}
