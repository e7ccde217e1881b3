// Package input is harden's input layer: request body limits, strict JSON
// decoding into typed values, the NoSQL-operator and prototype key guard,
// HTTP parameter pollution and multipart upload limits. Normalisation and
// validation with struct tags live in input/validate and the HTML
// sanitizer policies in input/sanitize (they carry the third-party
// dependencies; this package imports only the standard library and
// package respond).
//
// # What it defends against
//
//   - Unbounded bodies: [BodyLimit] (stack-wide) and every reader here cap
//     the body, from Content-Length before reading and with
//     http.MaxBytesReader while reading: 413. Default 10 KiB; per-route
//     caps by ServeMux pattern.
//   - Bodies of unexpected types (text/plain, the CSRF-friendly "simple"
//     type): 415.
//   - 500s and silent surprises from JSON: [Decoder] refuses malformed JSON,
//     trailing data, unknown fields, wrong types, out-of-range numbers,
//     nesting deeper than 32 and duplicate keys with a 400 that names the
//     field path and never shows Go error text.
//   - Text silently rewritten: a string or key of a JSON or form body
//     that is not UTF-8 (RFC 8259 §8.1), or a JSON \u escape of a lone
//     surrogate, is refused with a 400 naming the field ("must be valid
//     UTF-8") instead of reaching the handler with U+FFFD in its place.
//   - Operator injection: keys beginning with "$" or containing "." (and
//     "__proto__", "constructor") at any depth of a JSON body, and in query
//     and form parameter names, are refused (or stripped, by option) before
//     a handler can pass them to a document database ([CheckKey],
//     [CheckKeys], [JSONConfig].Keys, [ParamsConfig].Keys).
//   - Forms bound loosely: with [JSONConfig].Forms a [Decoder] binds
//     application/x-www-form-urlencoded and multipart/form-data bodies to
//     the same structs as JSON, by the fields' json tag names, through the
//     same scanner: the same unknown-field, type and range refusals and
//     messages, the same body limit, the key guard on field names and
//     their bracketed segments ("password[$ne]"), and a repeated name
//     refused for any field but a slice ("must not be repeated") unless a
//     [Params] layer resolved it first. Empty numbers and booleans are
//     left unset (as null in JSON), "on" is true, files are refused, and
//     "_csrf" is skipped. Off by default: a cross-site form needs no CORS
//     preflight, so it belongs behind CSRF protection.
//   - Parameter pollution: [Params] resolves repeated query and form
//     parameters to one value (the last, by default) before handlers read
//     them, with a per-parameter policy (first, last, reject, all).
//   - Upload abuse: [Upload] bounds file size, file count and total size,
//     accepts types by sniffing the content (never the client's
//     Content-Type or file name) and names files itself.
//
// # How it fails
//
// Every refusal is an [*Error] with a status, a security-log event
// (validation_failed, body_too_large, unsupported_media_type) and a fixed
// message or a list of field errors in the shape
//
//	{"errors":[{"type":"field","location":"body","path":"email","msg":"must be a valid email address"}]}
//
// answered through package respond ([Reject]), so the stack's responder
// and security headers apply. Messages never contain a submitted value;
// paths name the offending key and are cut at 200 bytes. A query or form
// name that is not name-like (over 100 bytes, or a character other than
// letters, digits and "_-$.[]") is shown as "(name withheld)": it is a value
// in a name's place, such as a JSON body, password included, posted as
// application/x-www-form-urlencoded.
//
// # Whole-request refusals
//
//	status  body
//	413     {"error":"Request body too large"}
//	415     {"error":"Unsupported media type"}
//	400     {"error":"Request body is empty"}
//	400     {"error":"Malformed JSON"}
//	400     {"error":"Request body must contain a single JSON value"}
//	400     {"error":"Malformed query string"} / {"error":"Malformed form body"}
//	400     {"error":"Too many parameters"}
//	413     {"error":"File too large"} / {"error":"Too many files"} / {"error":"Too many form fields"}
//	415     {"error":"Unsupported file type"}
//	400     {"error":"Unexpected file field"} / {"error":"Malformed multipart body"}
//
// Field refusals (400, {"errors":[...]}) have the messages "must be a
// string", "must be an integer", "must be a number", "must be a boolean",
// "must be an object", "must be an array", "is out of range", "is not an
// allowed field", "appears more than once", "is nested too deeply",
// `must not start with "$"`, `must not contain "."`, "is a reserved name",
// "must not be repeated", "must be valid UTF-8". A key that is not text
// is named with U+FFFD in place of what is not.
package input
