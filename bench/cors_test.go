package bench

import (
	"net/http"
	"testing"

	"github.com/rs/cors"

	hcors "github.com/harden-go/harden/cors"
)

// BenchmarkCORS: the same allowlist (two exact origins and a subdomain
// pattern, credentials, PUT/DELETE, two request headers) in harden's cors
// and rs/cors.
//
//	simple:    GET from an allowed origin: Access-Control-Allow-Origin set
//	pattern:   GET from an origin allowed by the subdomain pattern
//	denied:    GET from another origin: passed on without CORS headers
//	no-origin: same-origin GET (no Origin header): Vary only
//	preflight: OPTIONS from an allowed origin asking for PUT and two headers
func BenchmarkCORS(b *testing.B) {
	origins := []string{"https://app.example.com", "https://admin.example.com"}
	methods := []string{"PUT", "DELETE"}
	reqHeaders := []string{"Content-Type", "X-CSRF-Token"}
	hc := must(hcors.New(hcors.Config{
		Origins:     append(origins, "https://*.tenants.example.com"),
		Credentials: true, Methods: methods, RequestHeaders: reqHeaders,
		DangerouslyAllowSubdomainsWithCredentials: true,
	}))(b)
	rc := cors.New(cors.Options{
		AllowedOrigins:   append(origins, "https://*.tenants.example.com"),
		AllowCredentials: true,
		AllowedMethods:   append([]string{"GET", "HEAD", "POST"}, methods...),
		AllowedHeaders:   reqHeaders,
	})
	impls := []impl{{"harden", hc.Handler(nop)}, {"rs-cors", rc.Handler(nop)}}
	withOrigin := func(method, origin string) func() *http.Request {
		return func() *http.Request {
			r := get("/api/items")
			r.Method = method
			if origin != "" {
				r.Header.Set("Origin", origin)
			}
			if method == http.MethodOptions {
				r.Header.Set("Access-Control-Request-Method", "PUT")
				r.Header.Set("Access-Control-Request-Headers", "content-type,x-csrf-token")
			}
			return r
		}
	}
	b.Run("simple", func(b *testing.B) {
		serial(b, impls, withOrigin("GET", "https://app.example.com"), want{200, "Access-Control-Allow-Origin"})
	})
	b.Run("pattern", func(b *testing.B) {
		serial(b, impls, withOrigin("GET", "https://a.tenants.example.com"), want{200, "Access-Control-Allow-Origin"})
	})
	b.Run("denied", func(b *testing.B) {
		serial(b, impls, withOrigin("GET", "https://evil.example"), want{200, "Vary"})
	})
	b.Run("no-origin", func(b *testing.B) {
		serial(b, impls, withOrigin("GET", ""), want{200, "Vary"})
	})
	b.Run("preflight", func(b *testing.B) {
		serial(b, impls, withOrigin("OPTIONS", "https://app.example.com"), want{http.StatusNoContent, "Access-Control-Allow-Methods"})
	})
}
