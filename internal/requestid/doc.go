// Package requestid makes and checks the request ids that tie a refusal's
// answer to its security-log line: the id travels in the X-Request-ID
// header, the refusal body and every event of the request.
//
// An incoming id is kept only when [Valid] accepts it, so an id is safe in
// a header, a JSON body and a log line; otherwise [New] makes one.
//
// Imports: the standard library only.
package requestid
