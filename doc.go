// Package harden makes a net/http service secure by default: one [Config]
// describes every defence layer, [New] validates it as a whole, and
// [Stack.Handler] composes the layers in the one order that works.
//
// Quick start:
//
//	stack, err := harden.New(harden.Config{PublicURL: "https://example.com"})
//	if err != nil {
//		log.Fatal(err) // an insecure or contradictory configuration
//	}
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /{$}", home)
//	log.Fatal(http.ListenAndServe(":3000", stack.Handler(mux)))
//
// The zero Config is the production configuration: helmet-parity security
// headers on every response (errors and panics included), panics answered
// with a safe 500, refusals answered as JSON {"error":"..."}, plain HTTP
// redirected to the public URL, requests for any other host refused with
// 421, no proxy trusted and no cross-origin access. Production needs the
// public URL, so New refuses the zero Config until it is set; development
// mode is opt-in and only relaxes what cannot work on a laptop (no HTTPS
// enforcement, the loopback names allowed as hosts, error details for 4xx).
//
// # What it refuses at start-up
//
// New reports every problem at once, each wrapped with [ErrConfig] and
// naming its layer; a layer's own error types stay reachable with
// errors.As. Besides each layer's rules: production without a public URL
// (or with an http:// one) while HTTPS is enforced, production without
// either a public URL or a host list, and
// clientip.Config.DangerouslyTrustBroadRanges in production.
//
// # Order of the layers
//
// Outermost first: the trusted client address, scheme and host and the
// error responder are put in the request context (they write nothing, and
// the headers layer needs the trusted scheme to decide on HSTS) → security
// headers (so every response carries them) → panic recovery → HTTPS
// enforcement → allowed hosts → CORS (which answers preflights before any
// later layer can refuse them) → routes. Later layers (rate limits, body
// limits, sessions, CSRF) slot in between CORS and the routes as
// docs/architecture.md describes.
//
// Each layer is also usable alone from its own package: headers, respond,
// recovery, clientip, httpsredirect, allowedhosts, cors, static.
package harden
