// Package storeguard is what every store of harden (the rate-limit and
// session stores on Redis, PostgreSQL and SQLite) shares about failure:
// how long a call may take, and how its errors are logged.
//
// # What it defends against
//
//   - A hung store holding requests: [Bound] limits a call by the store's
//     timeout on top of the request's own deadline, and [Call] returns at
//     that limit even when the client under it does not honour its context
//     (a go-redis client without ContextTimeoutEnabled keeps reading for
//     its own ReadTimeout, seconds, whatever the context says).
//   - A store outage flooding the logs (one error per request at
//     thousands of requests per second): a [Reporter] logs the first error,
//     then at most one record per interval counting the errors in between,
//     then one recovery record with the count since the last record.
//
// # Defaults
//
// A zero timeout means no bound of the store's own (the request's
// deadline still holds). A Reporter's default interval is one minute.
//
// # How it fails
//
// A call cut short returns context.DeadlineExceeded (wrapped by the store);
// its goroutine ends when the client gives up on its own, so at most the
// client's pool size of them linger during an outage. A Reporter never
// fails: a nil Logger discards.
//
// Imports: the standard library only. It is internal: users configure the
// stores, not this package.
package storeguard
