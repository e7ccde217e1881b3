// Package framing refuses HTTP/1 requests whose framing is ambiguous,
// before net/http reads them: the defence against request smuggling.
//
// Request smuggling needs two parsers that disagree on where a request
// ends: a front end (load balancer, CDN) that takes Content-Length and a
// back end that takes Transfer-Encoding (CL.TE, TE.CL), or one of them
// tolerating an obfuscated field ("Transfer-Encoding: xchunked",
// "chunked, identity", "Transfer-Encoding : chunked", a folded line, a bare
// LF). The bytes one of them calls a body become the next request for the
// other, which then runs with another user's connection or bypasses the
// front end's rules. A [Listener] scans each request head on the
// connection and refuses, with a fixed 400 carrying the security headers
// and "Connection: close", and then closes the connection:
//   - Content-Length together with Transfer-Encoding;
//   - more than one Content-Length field, even with equal values, or one
//     that is not a decimal number;
//   - Transfer-Encoding other than exactly "chunked" (ASCII case
//     ignored), sent more than once, or on an HTTP/1.0 request;
//   - obsolete line folding (a field line starting with a space or tab);
//   - a line not ended by CRLF, a CR not followed by LF, control bytes in
//     a field, a space before a field's colon, a malformed request line;
//   - a version other than HTTP/1.0 and HTTP/1.1 ("HTTP/2.0" included,
//     which net/http answers with a bare 505);
//   - a head larger than Config.MaxHeaderBytes (431), or a request line
//     alone larger than it (414 URI Too Long).
//
// It also refuses, with the same fixed answer, the heads net/http itself
// would refuse with a bare answer carrying no security headers: an
// HTTP/1.1 request without Host (CONNECT excepted), more than one Host
// field, a Host with a byte not valid in a host and port, a request target
// that url.ParseRequestURI refuses (a bad percent escape, a relative
// path), and, answered with 417 Expectation Failed, an Expect field other
// than 100-continue.
//
// This cannot be done in a handler: by the time a handler runs, net/http
// has already framed the request, and it deletes Content-Length when
// Transfer-Encoding is chunked and merges equal duplicate Content-Length
// fields, so the evidence is gone.
//
// The scan follows message boundaries on keep-alive connections: it counts
// Content-Length bodies and parses chunked bodies (sizes, extensions,
// trailers) as they pass, so every request on a connection is checked.
// It never buffers more than the head limit, and body bytes are not copied.
// The next head is checked once net/http has answered the requests before
// it (the connection-state hook that [Listener.Serve] installs tells it),
// so a refusal never interleaves with an answer, and a connection that a
// handler hijacked (WebSocket, CONNECT) is passed through unscanned. A
// malformed chunked body is found while the request is being served: the
// reads of the body fail, net/http answers as for a broken body, and the
// connection is closed without reading another request.
//
// TLS: a scanner wrapped around a *tls.Conn would hide the TLS state from
// net/http (no Request.TLS, no HTTP/2). With Config.TLSConfig the listener
// terminates TLS itself, with handshakes running concurrently and bounded
// by Config.HandshakeTimeout: connections that negotiated HTTP/2, whose
// binary framing is not ambiguous, are returned as the *tls.Conn for
// net/http's HTTP/2 server; HTTP/1.1 connections are scanned and report
// their TLS state through a ConnectionState method, from which net/http
// sets Request.TLS. Unencrypted HTTP/2 is not supported on a Listener
// ("PRI * HTTP/2.0" is refused). What this leaves to net/http's HTTP/2
// server: it answers a header list larger than the server's MaxHeaderBytes
// with a bare HTML 431, a connection-specific field (Connection, TE other
// than "trailers") with a plain-text 400, and a single field larger than
// the limit by closing the connection; those answers carry no security
// headers, and neither a listener nor a handler can reach them. (harden
// serve and harden proxy give net/http twice their head limit and refuse
// an HTTP/2 request over the limit themselves, so that a client keeping
// to the advertised SETTINGS_MAX_HEADER_LIST_SIZE gets their answer.)
//
// Defaults: a 1 MiB head limit (http.DefaultMaxHeaderBytes), helmet's
// default security headers on refusals (HSTS over TLS only), a 10-second
// TLS handshake timeout. Chunk-size lines and trailers are limited to
// 4 KiB, as in net/http.
//
// Failure: every doubt is a refusal (fail closed). Bytes a client sends
// while a request is being served are buffered up to the head limit (so
// that a client that goes away is noticed) and beyond it wait in the
// network until the answer is sent.
//
// Imports: the standard library, golang.org/x/net/http/httpguts (the Host
// bytes net/http accepts), package headers and internal/requestid.
package framing
