package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/respond"
)

// fingerprints are response headers that name the upstream's software and
// version, which tells an attacker which known vulnerabilities to try.
var fingerprints = []string{
	"Server", "X-Powered-By", "X-Aspnet-Version", "X-Aspnetmvc-Version", "X-Runtime",
	"X-Generator", "X-Drupal-Cache", "X-Drupal-Dynamic-Cache", "X-Backend-Server",
	"X-Turbo-Charged-By", "X-Powered-Cms", "X-Pingback", "X-Litespeed-Cache",
	"X-Sourcemap", "Sourcemap",
	// Debugging tools and banners: Symfony's profiler token and its URL,
	// WordPress, Plesk, PageSpeed, Envoy.
	"X-Debug-Token", "X-Debug-Token-Link", "X-Redirect-By", "X-Powered-By-Plesk",
	"X-Mod-Pagespeed", "X-Page-Speed", "X-Envoy-Upstream-Service-Time",
}

// corsHeaders are the upstream's CORS response headers. The proxy's CORS
// layer alone answers for cross-origin access: an upstream that reflects
// any Origin with credentials would otherwise open the service to every
// site.
var corsHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Headers", "Access-Control-Allow-Methods",
	"Access-Control-Expose-Headers", "Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
}

// rateLimitHeaders are the rate-limit headers the stack's limiters send.
// When a limiter of the proxy sent them, the upstream's own (about its own
// limits) are dropped, so the client reads one policy.
var rateLimitHeaders = []string{
	"Ratelimit", "Ratelimit-Policy", "Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset",
	"X-Ratelimit-Limit", "X-Ratelimit-Remaining", "X-Ratelimit-Reset",
}

// splitHeaderPolicy sorts the security headers by policy. "add" needs no
// work: ReverseProxy adds the upstream's values to the stack's. The
// rate-limit headers are always replaced.
func (p *Proxy) splitHeaderPolicy(policy map[string]string) {
	p.replace = append(p.replace, rateLimitHeaders...)
	canon := make(map[string]string, len(policy))
	for name, pol := range policy {
		canon[http.CanonicalHeaderKey(name)] = pol
	}
	for _, name := range securityHeaders {
		switch canon[name] {
		case policyKeep:
			p.keep = append(p.keep, name)
		case policyAdd:
		default:
			p.replace = append(p.replace, name)
		}
	}
}

// modifyResponse hardens the upstream's answer before ReverseProxy copies
// its headers (with Header.Add) onto the client's response, which already
// holds the stack's security and CORS headers.
func (p *Proxy) modifyResponse(resp *http.Response) error {
	x := exchangeOf(resp.Request.Context())
	h := resp.Header
	for _, name := range fingerprints {
		delete(h, name)
	}
	for _, name := range corsHeaders {
		delete(h, name)
	}
	delete(h, requestIDHeader) // the edge has set ours; one copy only
	if x == nil {
		return errNoExchange
	}
	x.answered = true
	if _, ok := x.hdr[requestIDHeader]; !ok {
		p.restoreHeaders(x.hdr, resp.Request)
	}
	// Each security header once: the stack's unless the policy keeps the
	// upstream's. A header the stack does not send (listed in
	// headers.omit) is the upstream's to send.
	for _, name := range p.replace {
		if _, ours := x.hdr[name]; ours {
			delete(h, name)
		}
	}
	for _, name := range p.keep {
		if _, ok := h[name]; ok {
			delete(x.hdr, name)
		}
	}
	if cookies := h["Set-Cookie"]; len(cookies) > 0 {
		p.hardenSetCookies(h, cookies, p.forceSecure || clientip.IsHTTPS(resp.Request))
	}
	p.rewriteLocations(h)
	if resp.StatusCode >= 500 && p.maskErrors {
		p.mask(resp, "status")
		return nil
	}
	// A 4xx body is the upstream's to send, unless it carries a stack
	// trace (a body parser's SyntaxError page): file paths, dependency
	// versions and code layout for an attacker to map.
	if resp.StatusCode >= 400 && resp.StatusCode < 500 && p.maskErrors && tracedBody(resp) {
		p.mask(resp, "stack trace")
		return nil
	}
	if p.placeholder != "" && resp.StatusCode != http.StatusSwitchingProtocols {
		p.substituteNonce(resp)
	}
	return nil
}

// interimHeader is what the client receives of the header of an
// upstream's interim (1xx) answer: the Link header of a 103 Early Hints,
// which browsers act on, and nothing else. ReverseProxy relays interim
// answers as they come, before ModifyResponse, so the rest would reach
// the client unhardened: fingerprints (X-Powered-By, Server), a
// Set-Cookie without Secure or HttpOnly, the upstream's own CORS grant.
func interimHeader(code int, h textproto.MIMEHeader) textproto.MIMEHeader {
	if link := h["Link"]; code == http.StatusEarlyHints && len(link) > 0 {
		return textproto.MIMEHeader{"Link": link}
	}
	return textproto.MIMEHeader{}
}

// interimFilter is a RoundTripper that passes only interimHeader of
// each interim answer to the request's trace hook, through which
// ReverseProxy relays it: for the transports that read interim answers
// themselves (the tuned http.Transport, Config.Transport).
type interimFilter struct{ rt http.RoundTripper }

// RoundTrip filters the interim answers of req, then sends it.
func (f interimFilter) RoundTrip(req *http.Request) (*http.Response, error) {
	// ReverseProxy installs a trace of its own per request: changing
	// its hook in place affects that request only.
	if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.Got1xxResponse != nil {
		relay := trace.Got1xxResponse
		trace.Got1xxResponse = func(code int, h textproto.MIMEHeader) error {
			return relay(code, interimHeader(code, h))
		}
	}
	return f.rt.RoundTrip(req)
}

// errNoExchange is a request that did not pass through dispatch: a bug,
// answered 502.
var errNoExchange = errors.New("proxy: response to a request without its exchange")

// restoreHeaders sets the stack's headers on hdr again. ReverseProxy
// clears the client response's header map after relaying a 1xx answer
// (103 Early Hints), which would otherwise send the final answer without
// its security headers, CORS headers and request id; the request id,
// which the edge sets on every response, tells it happened.
func (p *Proxy) restoreHeaders(hdr http.Header, r *http.Request) {
	p.stack.Headers().SetHeaders(hdr, clientip.IsHTTPS(r))
	if nonce := headers.Nonce(r); nonce != "" {
		for _, name := range []string{"Content-Security-Policy", "Content-Security-Policy-Report-Only"} {
			if _, ok := hdr[name]; ok {
				hdr[name] = []string{p.stack.Headers().Policy(nonce)}
			}
		}
	}
	if m := p.stack.CORS(); m != nil {
		m.SetHeaders(r, hdr)
	}
	if id := respond.RequestID(r); id != "" {
		hdr[requestIDHeader] = []string{id}
	}
}

// mask replaces the body of an upstream 5xx answer, which may carry a
// stack trace, file paths or SQL, or of a 4xx answer found to carry a
// stack trace, by the safe answer, and logs what the upstream said
// (status, size and why it was masked, not the body).
func (p *Proxy) mask(resp *http.Response, reason string) {
	const drain = 64 << 10
	n, _ := io.CopyN(io.Discard, resp.Body, drain) // lets the connection be reused
	_ = resp.Body.Close()
	r := resp.Request
	size := resp.ContentLength
	if size < 0 {
		size = n
	}
	p.logger.LogAttrs(r.Context(), slog.LevelWarn, "proxy: upstream error answer masked",
		slog.Int("status", resp.StatusCode), slog.Int64("size", size),
		slog.String("reason", reason),
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("request_id", respond.RequestID(r)))
	body, ctype := safeBody(r, resp.StatusCode)
	h := resp.Header
	for _, name := range []string{"Content-Encoding", "Etag", "Last-Modified", "Content-Disposition",
		"Content-Language", "Content-Location", "Content-Range", "Accept-Ranges", "Trailer", "Link", "Refresh", "Location"} {
		delete(h, name)
	}
	h["Content-Type"] = []string{ctype}
	h["Cache-Control"] = []string{"no-store"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	resp.ContentLength = int64(len(body))
	resp.TransferEncoding = nil
	resp.Trailer = nil
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
}

// tracedBody reports whether resp's body, of at most maxTraceScan bytes,
// carries a stack trace (see hasStackTrace). The bytes it reads are put
// back, so an answer found clean goes on byte for byte. A body declared
// larger, or found larger, or with a Content-Encoding other than gzip or
// deflate, is not inspected and passes as it comes; a body without
// Content-Length is read up to the limit before anything is sent.
func tracedBody(resp *http.Response) bool {
	if resp.Body == nil || resp.Body == http.NoBody || resp.ContentLength == 0 || resp.ContentLength > maxTraceScan {
		return false
	}
	enc, ok := readableEncoding(resp.Header)
	if !ok {
		return false // br, zstd, stacked codings: not read (see docs/proxy.md)
	}
	orig := resp.Body
	buf, err := io.ReadAll(io.LimitReader(orig, maxTraceScan+1))
	if err != nil || len(buf) > maxTraceScan {
		// What was read goes first, then the rest (or the error) as it
		// comes.
		resp.Body = readCloser{io.MultiReader(bytes.NewReader(buf), orig), orig}
		return false
	}
	resp.Body = readCloser{bytes.NewReader(buf), orig}
	return hasStackTrace(decoded(enc, buf))
}

// readableCoding reports whether decoded reads a body of content coding
// enc (lower case; "" is none): what tracedBody inspects, and so all that
// readableEncodings offers the upstream.
func readableCoding(enc string) bool {
	switch enc {
	case "", "identity", "gzip", "x-gzip", "deflate":
		return true
	}
	return false
}

// readableEncoding returns the content coding of a body with header h, in
// lower case ("" for none), and whether decoded reads it: a single coding
// that readableCoding names. Two Content-Encoding fields, or a list
// ("gzip, br"), are layers it does not peel.
func readableEncoding(h http.Header) (enc string, ok bool) {
	codings := h["Content-Encoding"]
	if len(codings) > 1 {
		return "", false
	}
	if len(codings) == 1 {
		enc = strings.ToLower(strings.TrimSpace(codings[0]))
	}
	return enc, readableCoding(enc)
}

// decoded returns body decoded from Content-Encoding enc, at most
// maxTraceScan bytes of it (a compression bomb stops there), or as much as
// decoded before an error.
func decoded(enc string, body []byte) []byte {
	var zr io.Reader
	var err error
	switch enc {
	case "gzip", "x-gzip":
		zr, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		// RFC 9110's deflate is zlib; some servers send raw DEFLATE.
		if zr, err = zlib.NewReader(bytes.NewReader(body)); err != nil {
			zr, err = flate.NewReader(bytes.NewReader(body)), nil
		}
	default:
		return body
	}
	if err != nil {
		return nil
	}
	out, _ := io.ReadAll(io.LimitReader(zr, maxTraceScan))
	return out
}

// readCloser is a body read from Reader and closed by Closer.
type readCloser struct {
	io.Reader
	io.Closer
}

// errorHandler answers a request the upstream did not: 413 for a chunked
// body past the limit, 504 when the upstream timed out, 502 otherwise. The
// Go error goes to the log, never to the client.
func (p *Proxy) errorHandler(w http.ResponseWriter, r *http.Request, err error) {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		input.Reject(w, r, mbe)
		return
	}
	status := http.StatusBadGateway
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		status = http.StatusGatewayTimeout
	}
	level := slog.LevelError
	if r.Context().Err() != nil {
		level = slog.LevelDebug // the client left; nothing is wrong upstream
	}
	p.logger.LogAttrs(r.Context(), level, "proxy: upstream unavailable",
		slog.Int("status", status), slog.String("error", err.Error()),
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.String("request_id", respond.RequestID(r)))
	writeSafe(w, r, status)
}

// writeSafe writes the safe answer for status.
func writeSafe(w http.ResponseWriter, r *http.Request, status int) {
	body, ctype := safeBody(r, status)
	h := w.Header()
	delete(h, "Content-Encoding")
	h["Content-Type"] = []string{ctype}
	h["Cache-Control"] = []string{"no-store"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // #nosec G705 -- a fixed safe error body built by the proxy (JSON or escaped HTML), never the upstream's
	}
}

// safeBody is the answer to a request whose upstream failed with status:
// HTML for a client that asks for it (a browser navigating), else the
// stack's JSON refusal shape, {"error":"Bad Gateway","request_id":"..."}.
// Neither says anything of the upstream.
func safeBody(r *http.Request, status int) (body []byte, contentType string) {
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	id := respond.RequestID(r)
	if wantsHTML(r) {
		var b strings.Builder
		b.WriteString("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
		b.WriteString(strconv.Itoa(status) + " " + text)
		b.WriteString("</title></head>\n<body><h1>" + text + "</h1>\n<p>The request could not be completed.")
		if id != "" {
			// The id may come from the client (a well-formed X-Request-ID):
			// escaped all the same.
			b.WriteString(" Request ID: <code>" + html.EscapeString(id) + "</code>")
		}
		b.WriteString("</p></body></html>\n")
		return []byte(b.String()), "text/html; charset=utf-8"
	}
	out, _ := json.Marshal(struct {
		Error     string `json:"error"`
		RequestID string `json:"request_id,omitempty"`
	}{text, id})
	return append(out, '\n'), "application/json; charset=utf-8"
}

// documentType reports whether a body of Content-Type ct is one a browser
// may run scripts in: HTML, XHTML, SVG, XML, or no type at all (sniffed).
// The placeholder is replaced in all of them: one sent as it is would tell
// an attacker what to write in an injected script for the proxy to bless
// with the nonce.
func documentType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	switch strings.ToLower(strings.TrimSpace(mt)) {
	case "", "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml":
		return true
	}
	return false
}

// wantsHTML reports whether r's Accept names text/html before any JSON
// type: browsers navigating do, fetch() and API clients do not.
func wantsHTML(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	h := strings.Index(accept, "text/html")
	if h < 0 {
		return false
	}
	j := strings.Index(accept, "json")
	return j < 0 || h < j
}

// substituteNonce replaces the nonce placeholder in an uncompressed body
// that a browser may run scripts in, as it streams.
func (p *Proxy) substituteNonce(resp *http.Response) {
	if !documentType(resp.Header.Get("Content-Type")) {
		return
	}
	if ce := resp.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return // compressed: passed on unmodified (see Config.NoncePlaceholder)
	}
	nonce := headers.Nonce(resp.Request)
	if nonce == "" {
		return
	}
	resp.Body = newNonceReader(resp.Body, p.placeholder, nonce)
	if len(nonce) != len(p.placeholder) {
		// The length changes with each replacement: the body is sent
		// chunked, never with a Content-Length that would cut it short.
		delete(resp.Header, "Content-Length")
		resp.ContentLength = -1
	}
}
