// Package harden makes a net/http service secure by default: one [Config]
// describes every defence layer, [New] validates it as a whole, and
// [Stack.Handler] composes the layers in the one order that works.
//
// Quick start:
//
//	stack, err := harden.New(harden.Config{})
//	if err != nil {
//		log.Fatal(err) // an insecure or contradictory configuration
//	}
//	mux := http.NewServeMux()
//	mux.HandleFunc("GET /{$}", home)
//	log.Fatal(http.ListenAndServe(":3000", stack.Handler(mux)))
//
// The zero Config is the production configuration: helmet-parity security
// headers on every response (errors and panics included), panics answered
// with a safe 500, refusals answered as JSON {"error":"..."}. Development
// mode is opt-in and only relaxes what cannot work on a laptop.
//
// Order of the layers, outermost first: security headers (so every
// response carries them) → error responder → panic recovery → routes. Later
// layers (client address, HTTPS enforcement, CORS, rate limits, body limits,
// sessions, CSRF) slot in between recovery and the routes as
// docs/architecture.md describes.
//
// Each layer is also usable alone from its own package: headers, respond,
// recovery, static.
package harden
