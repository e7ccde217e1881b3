// Package drain stops HTTP servers without losing requests: on shutdown
// the servers first go on serving while they drain, then close.
//
// What it defends against: requests lost at a restart or a scale-down.
// http.Server.Shutdown closes idle keep-alive connections at once; a
// client whose next request is already on the wire of such a connection
// sees it closed without an answer, and a load balancer that still sends
// traffic to the instance sees its new connections refused. Draining
// first fails readiness (through [State.Draining], read by a readiness
// handler), then answers every HTTP/1 response with "Connection: close"
// so each busy connection ends after its current answer, and only after
// the delay closes the listeners and the connections that stayed idle
// through it; requests in flight then run to their end.
//
// Defaults: a zero [Config] drains for one second ([DefaultDelay]) and
// gives requests in flight ten seconds ([DefaultTimeout]). The delay ends
// early once no connection is open.
//
// How it fails: a request in flight past the timeout is cut (its
// connection closed) and [Shutdown] returns context.DeadlineExceeded; a
// client that sends on a connection idle through the whole delay can
// still meet its close, as with any HTTP/1.1 server, and must retry.
// Hijacked connections (WebSocket) are not waited for. HTTP/2 clients are
// told to go away by net/http's own GOAWAY.
//
// Imports: the standard library and internal/statuswriter only.
package drain
