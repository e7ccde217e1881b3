// Package metrics exports what harden refuses, and what it answers, as
// Prometheus metrics: refusals by layer, reason and route pattern, requests
// and latency by route pattern and status class, rate-limit store errors
// with the decision taken, session store latency and errors by operation,
// and security events lost to a failing log.
//
// # What it defends against
//
// A hardening layer that blocks real users unseen, and an attack that is
// seen only by grepping log lines. The refusals are counted where they are
// logged: [Metrics] is a [seclog.Observer], and every refusal of every
// layer passes the security log exactly once, so each one increments
// exactly one refusal counter.
//
// Requests are counted by the stack itself (harden.Config.Observer), in
// its one per-request value: metrics add no allocation to a request. A
// route's series are looked up once and kept, and a request's counter and
// latency histogram are one series of atomic bucket counts, exported as
// requests_total and request_duration_seconds.
//
// It also defends itself against label explosion (a scanner requesting
// millions of distinct paths would otherwise grow the exposition without
// bound): labels are the route pattern the request matched (r.Pattern, a
// registered constant), the status code or class, and names from a fixed
// set — never the raw path, the query or the client address. A request
// that matched no route is counted under the route "unmatched".
//
// # Defaults
//
// New with a zero Config registers the collectors in a registry of its
// own, exposed by [Metrics.Handler], with the namespace "harden" and the
// latency buckets from 0.5 ms to 10 s. The exposition listener is the
// caller's (harden serve and harden proxy open it only with
// --metrics-addr, on loopback unless told otherwise).
//
// # How it fails
//
// It never refuses a request and never writes to one. A collector name
// clash in a caller-supplied registry is an error from [New].
//
// Imports: the standard library, the Prometheus Go client and harden's
// seclog, session and internal/configerr. It is an edge package: core
// packages never import it; they report through seclog.Observer (and
// seclog.WriteErrorObserver), session.StoreObserver and
// ratelimit.Config.OnStoreError.
package metrics
