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
// with a safe 500, refusals answered as JSON {"error":"...","request_id":"..."},
// every refusal and panic recorded once in a JSON security log (stderr
// unless Config.SecurityLog says otherwise), plain HTTP redirected to the
// public URL, requests for any other host refused with 421, no proxy
// trusted and no cross-origin access. Production needs the public URL, so
// New refuses the zero Config until it is set; development mode is opt-in
// and only relaxes what cannot work on a laptop (no HTTPS enforcement, the
// loopback names allowed as hosts, error details for 4xx). The general rate
// limit is opt-in: it is installed when Config.RateLimit.Rate is set, on
// the path prefixes Config.RateLimit.Paths.
//
// # What it refuses at start-up
//
// New reports every problem at once, each wrapped with [ErrConfig] and
// naming its layer; a layer's own error types stay reachable with
// errors.As. Besides each layer's rules: production without a public URL
// (or with an http:// one) while HTTPS is enforced, production without
// either a public URL or a host list,
// clientip.Config.DangerouslyTrustBroadRanges in production, rate-limit
// settings without a rate, and the app layer's misuses: sessions or CSRF
// without Keys in production (never an ephemeral fallback there), a
// layer's own key ring or development switch, settings of a layer that is
// not installed, and malformed login or exempt routes.
//
// # Order of the layers
//
// The edge of the stack comes first and last: in one copy of the request
// it puts the trusted client address, scheme and host, the responder
// (wrapped by the security log), the request id and the security log's
// record in the context, and it wraps the ResponseWriter once; when the
// layers return it records any 401/403/429 that no refusal logged, and
// when they panic it answers the 500. Inside it, outermost first: security
// headers (set before anything writes, so every response carries them) →
// HTTPS enforcement → allowed hosts → CORS (which answers preflights before
// any later layer can refuse them) → the general rate limit → the app
// layer: body limit → parameter pollution and operator keys → session →
// CSRF → the login limiter on its routes → routes.
//
// # The app layer
//
// Keys, Session, CSRF, Body, Params and Login configure what a web app
// with users needs, sharing one key ring (Keys; ephemeral in development
// without it) and the one Development switch. Sessions are installed
// when Session.Store is set, CSRF with sessions or Keys, the body limit
// and parameter guards with CSRF or when set, the login limiter when
// Login.Routes is set; AppExempt lists routes that skip all of them.
// Handlers read the session with session.From, the CSRF token with
// csrf.Token or csrf.TemplateField, and the CSP nonce with headers.Nonce.
//
// # Logs
//
// Config.SecurityLog receives security events; Config.Logger receives
// operational ones (a rate-limit store outage). Panics and start-up
// warnings go to the security log only, so that a deployment sending both
// to stderr sees each once.
//
// Each layer is also usable alone from its own package: headers, respond,
// recovery, seclog, clientip, httpsredirect, allowedhosts, cors, ratelimit,
// static.
package harden
