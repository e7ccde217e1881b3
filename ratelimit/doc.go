// Package ratelimit limits how often a client may call a service, and
// slows down brute-force attempts on login and registration.
//
// What it defends against: request floods from one client (scraping, API
// abuse) and password guessing. A [Limiter] keeps a quota per key — by
// default the client address that the trust model resolves
// ([clientip.Get]), IPv4 as /32 and IPv6 grouped by a /56 prefix so that a
// client cannot rotate through the addresses of its own network — and
// answers 429 once the quota is spent.
//
// The core is a decision function, [Limiter.Allow] (key, cost → allowed,
// limit, remaining, reset, retry-after), and [Limiter.Handler] is a thin
// middleware around it that adds the headers of the selected revision of
// the IETF RateLimit draft (06, 07, 08 or 11) and optionally the legacy
// X-RateLimit-* headers, refuses through the shared responder
// ([respond.Reject], event "rate_limited") with Retry-After, and can refund
// a request once its outcome is known (SkipSuccessfulRequests for "5 failed
// logins per 15 minutes"; SkipFailedRequests). The outcome is what the
// handler reports with [Failed] or [Succeeded], else the status written
// through the limiter's ResponseWriter; frameworks that answer through a
// writer of their own (echo's returned errors, gin's c.Writer) must report
// it, or a login limiter never limits.
//
// Defaults (the zero [Config]): 100 requests per 15 minutes per client
// address, fixed window (express-rate-limit's model), draft-8 headers, an
// in-memory store bounded to 100,000 counters, fail closed. [GCRA] is the
// smooth alternative without the burst a fixed window allows around its
// boundary.
//
// Stores: [NewMemoryStore] keeps counters in this process; it is sharded,
// allocates nothing per request in steady state, reclaims expired counters
// and never holds more than MaxKeys of them (a flood of distinct keys
// evicts, it does not grow memory). The redisstore subpackage shares
// counters between instances through Redis, one atomic round trip per
// request, on Redis's own clock.
//
// How it fails: [New] refuses a contradictory or unsafe [Config] at
// start-up with one *harden.ConfigError per bad field (its name as the
// configuration file spells it, its value and the fix), joined: among
// them a rate without a window, a refusal status below 400, and
// SkipSuccessfulRequests with SkipFailedRequests, which would refund every
// request and never limit. When the store fails (Redis unreachable, a timeout), a
// limiter that fails closed (the default) answers 503 and one that fails
// open (FailOpen) lets the request through without rate-limit headers;
// either way the error is logged through Config.Logger at most once per
// ErrorLogInterval, with the number of errors in between, and the recovery
// is logged once. A request whose client address is unknown shares one
// quota with every other such request ("ip:unknown") instead of escaping
// the limit.
//
// Imports: the standard library only (and clientip, respond,
// internal/configerr, internal/secevent, internal/statuswriter and
// internal/storeguard).
package ratelimit
