// Package proxy is a hardening reverse proxy: it puts harden's whole
// defence stack in front of an application written in any language, with no
// change to its code.
//
// # What it defends against
//
// On the request side, in order: spoofed client addresses, schemes and
// hosts (only trusted proxies' forwarding headers count, and the upstream
// receives X-Forwarded-For, -Proto and -Host written from that resolution,
// never the client's copies, and no Forwarded or X-Real-IP); plain HTTP
// (redirected to the public URL); Host-header poisoning and DNS rebinding
// (allowed hosts); cross-origin calls outside the CORS allowlist, answered
// at the edge; floods (the general rate limit, per-route limits) and
// password guessing (the login limiter, which counts the upstream's own 401
// and 403 answers on the login paths and refuses with 429 before
// forwarding once a client's quota is spent, even with the right
// password); oversized bodies, with Content-Length or chunked (413);
// NoSQL operator injection ("$ne", "user[$ne]", "a.b" keys, in JSON bodies
// after decoding, so "\u0024ne" is caught, in query strings and in forms);
// HTTP parameter pollution (a duplicated parameter reaches the upstream
// with its last value); cross-site request forgery (Fetch Metadata and
// Origin, optionally tokens); cross-site WebSocket hijacking (an Upgrade
// request's Origin must be the public origin or in the CORS allowlist).
//
// On the response side: the upstream's own CORS headers are dropped and
// the proxy's policy applied; fingerprint headers (X-Powered-By, Server,
// X-AspNet-Version...) are removed; the security headers are merged with
// the upstream's per Config.HeaderPolicy, each sent once; every Set-Cookie
// is hardened (Secure, HttpOnly, SameSite, optionally __Host-); in
// production the upstream's 5xx bodies, which often carry stack traces,
// are replaced by the safe error answer with the request id; an
// unreachable upstream is 502 and a slow one 504, with the same safe body.
//
// # Defaults
//
// The zero Config with Upstream and PublicURL set is the strict
// production proxy: helmet's header set, HTTPS enforced, a 100 KiB body
// limit, the NoSQL and pollution guards on every path, CSRF by Fetch
// Metadata and Origin, masked 5xx bodies. Each field documents its default.
//
// # How it fails
//
// New refuses a dangerous or malformed configuration with errors wrapping
// harden.ErrConfig. At request time every refusal goes through the stack's
// responder ({"error": "..."} with the security headers) and is logged
// once in the security log; an upstream failure is a 502 or 504 and never
// shows the Go error text. The rate-limit stores fail closed (503) unless
// configured to fail open.
//
// # Imports
//
// Only the standard library, golang.org/x and harden's own core packages;
// stores with drivers (ratelimit/redisstore) are given by the caller
// through Config.Store and Config.LoginStore.
package proxy
