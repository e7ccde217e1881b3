// Package proxy is a hardening reverse proxy: it puts harden's whole
// defence stack in front of an application written in any language, with no
// change to its code.
//
//	p, err := proxy.New(proxy.Config{Upstream: "http://127.0.0.1:3000", ...})
//	http.ListenAndServeTLS(":443", cert, key, p)
//
// # What it defends against
//
// Request side, in order. The root stack (harden.New with Config.Config):
// spoofed client addresses, schemes and hosts (only trusted proxies'
// forwarding headers count); plain HTTP (redirected to the public URL);
// Host-header poisoning and DNS rebinding (allowed hosts); cross-origin
// calls outside the CORS allowlist, answered at the edge; floods (the
// general rate limit). Then the proxy's own layers, per route (the longest
// Route.Prefix matching the path): the route's own rate limit; password
// guessing (the login limiter counts the upstream's own 401 and 403
// answers on Login.Paths, and its redirects of a post back to a login
// path, as form logins answer a wrong password; and once a client's quota is spent refuses with
// 429 before forwarding, even with the right password, until the window
// ends); oversized bodies, with Content-Length (413 before forwarding) or
// chunked (413 when the limit is crossed, if the upstream has not answered
// yet); NoSQL operator injection: keys beginning with "$" or holding "."
// and "__proto__"/"constructor", in JSON bodies (every key of the token
// stream, after decoding, so "\u0024ne" and duplicate keys are caught; a
// body of any other Content-Type, or none, that starts like a JSON object
// or array is checked as well, since lenient parsers read it whatever its
// type), in query strings, urlencoded and
// multipart forms, bracketed ("password[$ne]"); a compressed body that
// one of these guards would have to read is refused (415), since the
// upstream's parser would inflate it unchecked; HTTP parameter pollution
// (a parameter sent twice in the query string or an urlencoded form
// reaches the upstream with its last value, unless allowlisted; multipart
// fields are passed as sent); cross-site request forgery on unsafe
// methods (Fetch Metadata and Origin against the trusted scheme and host,
// the CORS allowlist trusted; tokens as an option); cross-site WebSocket
// hijacking (see below).
//
// Paths are cleaned ("//", "." and ".." segments resolved, a trailing
// slash kept) before any layer looks at them, and the cleaned path is the
// one forwarded, so "/x/../api/login" cannot slip past a rule for
// "/api/login". Route prefixes and login paths are matched ignoring case,
// and login paths ignoring a trailing slash and a format suffix
// ("/api/login.json"), as application routers (Express, Rails, Spring)
// match them. They are also matched with each segment's path
// parameters removed (";jsessionid=x"), as Java servlet containers route
// them, and with backslashes read as slashes, as IIS routes them, so
// "/api/login;x" and "/api\login" are the login path; a path whose "." or
// ".." segment shows only then ("/static/..;/api/login",
// "/static\..\api/login") is refused with 400. The path is forwarded as sent.
//
// The upstream receives X-Forwarded-For (the client's address),
// X-Forwarded-Proto and X-Forwarded-Host written from the trusted
// resolution, the request's X-Request-ID, and the client's Host. The
// client's own forwarding headers (Forwarded, X-Real-IP, True-Client-IP,
// Client-IP, Fastly-Client-IP, X-Forwarded-Ssl, X-Original-URL...) are
// removed, and so are the method-override headers (X-HTTP-Method-Override,
// X-HTTP-Method, X-Method-Override) of GET, HEAD and OPTIONS requests, which
// the CSRF check let through as safe. CONNECT, TRACE and TRACK requests
// are answered with 501 and never forwarded.
//
// Response side: the upstream's CORS headers are dropped and the proxy's
// policy applied; fingerprint headers (Server, X-Powered-By,
// X-AspNet-Version, X-Runtime, X-Generator...) are removed; the security
// headers are merged with the upstream's per Config.HeaderPolicy, each
// sent once; every Set-Cookie is hardened (Secure, HttpOnly but for
// Cookies.Readable, SameSite=Lax or stricter, __Host- with
// Cookies.HostPrefix; a line no browser would accept is dropped); in
// production the upstream's 5xx bodies, which often carry stack traces,
// and its 4xx bodies of up to 64 KiB found to carry one (V8, Python, JVM,
// .NET, PHP, Ruby or Go frames, or a JSON "stack" string), are replaced by
// the safe error answer (JSON, or HTML for a browser) with the request id
// and the upstream's status, and the upstream's status and size are
// logged; an unreachable upstream is 502 and a slow one 504, with the
// same safe body. A Location, Content-Location or Refresh URL on the
// upstream's own origin is rewritten to the public URL's (without one, to
// a path-absolute reference), so the internal address never reaches the
// client.
// Of an interim answer (103 Early Hints) only the Link header is relayed:
// interim answers are sent on before the final one is read, so nothing
// else of theirs could be hardened.
// Streaming (server-sent events, chunked answers) is flushed as it comes;
// WebSocket and other upgrades are spliced through.
//
// # Upstream connections
//
// A plain http:// or unix: upstream is reached over a bounded pool of
// keep-alive HTTP/1.1 connections (512 idle at most, 90 s each) that the
// request's own goroutine writes and reads, with no goroutine per
// connection. The request is framed by the proxy from the length it
// checked, never from the client's Content-Length or Transfer-Encoding;
// the upstream's status line and headers are bounded to 1 MiB (502
// beyond). A connection is discarded after any error, an answer that ends
// with the connection, or a body its client abandoned; one the upstream
// closed while idle is found before reuse when it sat idle over a second,
// and otherwise only an idempotent request without a body is sent again,
// once, on a new connection. https:// upstreams and upgrades go through a
// tuned http.Transport. Config.Transport replaces both.
//
// # WebSocket origins
//
// Browsers send cookies with cross-site WebSocket handshakes and apply no
// CORS check to them, so an upgrade request's Origin must be the
// request's own origin (by the trusted scheme and host), the public URL's,
// or trusted by the CORS allowlist; others get 403. A handshake without
// Origin passes: browsers always send one, so it comes from a program,
// which holds no victim's cookies.
//
// # The nonce placeholder
//
// With a nonce'd CSP (headers.CSP.Nonce) and Config.NoncePlaceholder set,
// the placeholder is replaced by the request's nonce in text/html bodies,
// as they stream (Content-Length is dropped when the length changes).
// Requests that accept HTML are sent upstream with "Accept-Encoding:
// identity"; an HTML answer compressed all the same is passed on
// unmodified, and its inline scripts stay blocked. The placeholder is a
// secret: whoever can place it in a page gets a valid nonce.
//
// # Defaults
//
// The zero Config with Upstream and PublicURL set is the strict
// production proxy: helmet's header set, HTTPS enforced, a 100 KiB body
// limit, the NoSQL and pollution guards on every path, CSRF by Fetch
// Metadata and Origin, no login limiter until Login.Paths is set (then 5
// failures per 15 minutes), masked 5xx bodies, a 60 s wait for the
// upstream's headers. Each field documents its default.
//
// # How it fails
//
// New refuses a dangerous or malformed configuration, reporting every
// problem, each wrapping harden.ErrConfig (the proxy's own as
// *harden.ConfigError, found with errors.As). At request time every
// refusal goes through the stack's responder ({"error": "..."} with the
// security headers and the request id) and is logged once in the security
// log; upstream failures go to Config.Logger, and their Go error text
// never to the client. The
// rate-limit stores fail closed (503) unless configured to fail open.
//
// # Imports
//
// Only the standard library, golang.org/x and harden's own core packages;
// stores with drivers (ratelimit/redisstore) are given by the caller
// through Config.Store and Config.LoginStore.
package proxy
