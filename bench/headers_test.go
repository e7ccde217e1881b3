package bench

import (
	"net/http"
	"testing"

	"github.com/unrolled/secure"

	"github.com/harden-go/harden/bench/chain"
	"github.com/harden-go/harden/headers"
)

// BenchmarkHeaders: the security headers on a 200 over HTTPS, harden's
// headers layer against unrolled/secure sending the same values.
//
//	default: helmet's set, no nonce
//	nonce:   helmet's set with a per-request CSP nonce
//	strict:  headers.Strict() (the reference app's set, nonce included)
func BenchmarkHeaders(b *testing.B) {
	nonce := headers.Config{CSP: headers.CSP{Nonce: true}}
	for _, sc := range []struct {
		name string
		cfg  headers.Config
	}{
		{"default", headers.Config{}},
		{"nonce", nonce},
		{"strict", headers.Strict()},
	} {
		b.Run(sc.name, func(b *testing.B) {
			h := must(headers.New(sc.cfg))(b)
			so := must(chain.SecureOptions(sc.cfg))(b)
			serial(b, []impl{
				{"harden", h.Handler(nop)},
				{"unrolled-secure", secure.New(so).Handler(nop)},
			}, func() *http.Request { return get("/") }, want{200, "Strict-Transport-Security"})
		})
	}
}
