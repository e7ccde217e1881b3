package proxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/internal/requestid"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

// spoofable lists request headers that claim a client address, scheme or
// host. The client's copies never reach the upstream: frameworks read them
// (Rails X-Forwarded-Ssl, PHP X-Real-IP, Express "trust proxy") and would
// believe a client that wrote them. ReverseProxy already drops the client's
// X-Forwarded-For, -Host and -Proto before Rewrite.
var spoofable = []string{
	"Forwarded", "X-Real-Ip", "X-Client-Ip", "True-Client-Ip", "Cf-Connecting-Ip",
	"X-Cluster-Client-Ip", "X-Forwarded", "Forwarded-For", "X-Original-Forwarded-For",
	"X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Ssl", "X-Forwarded-Scheme",
	"X-Forwarded-Prefix", "X-Url-Scheme", "Front-End-Https", "X-Original-Url", "X-Rewrite-Url",
}

// rewrite builds the outbound request: the upstream's URL, the client's
// Host, forwarding headers from the trusted resolution, the request id,
// and the cookies (HostPrefix).
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(p.target.url)
	pr.Out.Host = pr.In.Host
	h := pr.Out.Header
	for _, name := range spoofable {
		delete(h, name)
	}
	// Written from the trusted resolution only: what a client wrote in
	// these headers was removed above or by ReverseProxy.
	x := exchangeOf(pr.In.Context())
	if x == nil {
		x = &exchange{}
	}
	info := clientip.Get(pr.In)
	if info.Addr.IsValid() {
		x.fwd[0] = info.Addr.String()
		h["X-Forwarded-For"] = x.fwd[0:1:1]
	}
	x.fwd[1] = info.Host
	h["X-Forwarded-Host"] = x.fwd[1:2:2]
	if info.Scheme == "https" {
		h["X-Forwarded-Proto"] = protoHTTPS
	} else {
		h["X-Forwarded-Proto"] = protoHTTP
	}
	if x.fwd[2] = respond.RequestID(pr.In); x.fwd[2] != "" {
		h[requestIDHeader] = x.fwd[2:3:3]
	}
	if p.cookies.hostPrefix || p.csrfCookie != "" {
		p.rewriteRequestCookies(h)
	}
	if p.placeholder != "" && strings.Contains(h.Get("Accept"), "text/html") {
		// The nonce placeholder can only be replaced in a body the proxy
		// can read: ask for it uncompressed.
		h["Accept-Encoding"] = []string{"identity"}
	}
}

var requestIDHeader = http.CanonicalHeaderKey(requestid.Header)

// Shared read-only values of X-Forwarded-Proto: capacity 1, so an Add
// further on copies instead of writing into them.
var (
	protoHTTPS = []string{"https"}
	protoHTTP  = []string{"http"}
)

// guardBody enforces the route's body limit and, unless the route allows
// operators, the key guard on JSON and multipart bodies (query strings and
// urlencoded forms are input.Params'). A compressed body that a guard
// would have to read is refused with 415.
func (p *Proxy) guardBody(rt *route, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > rt.bodyLimit {
			// Refused before a byte is forwarded.
			input.Reject(w, r, input.ErrBodyTooLarge)
			return
		}
		ctype := r.Header.Get("Content-Type")
		scanKeys := !rt.operators && jsonCandidate(ctype)
		if (scanKeys || rt.params && isForm(ctype)) && encoded(r.Header) {
			// Upstream body parsers (Express's) inflate compressed
			// bodies; the guards cannot read them, so they are refused
			// rather than passed unchecked.
			input.Reject(w, r, input.ErrUnsupportedMediaType)
			return
		}
		// Holds for chunked bodies too: reading past the limit fails with
		// *http.MaxBytesError, which errorHandler answers with 413.
		r.Body = http.MaxBytesReader(w, r.Body, rt.bodyLimit)
		var ok bool
		switch {
		case scanKeys:
			r, ok = checkJSON(w, r)
		case !rt.operators && isMultipart(ctype):
			r, ok = checkMultipart(w, r, ctype)
		default:
			ok = true
		}
		if ok {
			next.ServeHTTP(w, r)
		}
	})
}

// encoded reports whether the request body has a Content-Encoding.
func encoded(h http.Header) bool {
	for _, ce := range h.Values("Content-Encoding") {
		if ce = strings.TrimSpace(ce); ce != "" && !strings.EqualFold(ce, "identity") {
			return true
		}
	}
	return false
}

// isForm reports whether contentType is a urlencoded form, which the
// parameter guard reads.
func isForm(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/x-www-form-urlencoded"
}

// jsonCandidate reports whether a body of this Content-Type may be parsed
// as JSON by the upstream: a JSON type, or none or text/plain, which
// lenient body parsers (Express's json({type: "*/*"})) also read as JSON.
func jsonCandidate(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return true // unparseable: an upstream may still sniff it
	}
	return mt == "application/json" || mt == "text/plain" ||
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// checkJSON buffers the body (the limit holds), refuses it when a key of
// any object, at any depth, is one the NoSQL-operator guard refuses, and
// returns r with the exact bytes to send on. A body declared as JSON must
// be valid JSON; one without a JSON type that is not JSON passes as it is.
func checkJSON(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	body, ok := readBody(w, r)
	if !ok {
		return r, false
	}
	declared := isJSONType(r.Header.Get("Content-Type"))
	if err := scanJSONKeys(body); err != nil {
		if declared || !errors.Is(err, errNotJSON) {
			input.Reject(w, r, err)
			return r, false
		}
	}
	return withBody(r, body), true
}

// readBody reads r's body, within the limit guardBody set; a refusal is
// answered.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		input.Reject(w, r, err) // *http.MaxBytesError: 413; else 400
		return nil, false
	}
	return body, true
}

// isMultipart reports whether contentType is multipart/form-data.
func isMultipart(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "multipart/form-data"
}

// checkMultipart buffers a multipart/form-data body and refuses it when a
// field name, or a bracketed segment of one ("password[$ne]"), is a key
// the NoSQL-operator guard refuses: upload middleware (multer) builds
// nested objects from such names as query parsers do. The parts' contents
// are not read beyond finding the next part.
func checkMultipart(w http.ResponseWriter, r *http.Request, contentType string) (*http.Request, bool) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		input.Reject(w, r, input.ErrMalformedMultipart)
		return r, false
	}
	body, ok := readBody(w, r)
	if !ok {
		return r, false
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			input.Reject(w, r, input.ErrMalformedMultipart)
			return r, false
		}
		if err := input.CheckParamName("body", part.FormName()); err != nil {
			input.Reject(w, r, err)
			return r, false
		}
	}
	return withBody(r, body), true
}

// withBody returns a shallow copy of r that sends body, with its length.
func withBody(r *http.Request, body []byte) *http.Request {
	r2 := new(http.Request)
	*r2 = *r
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	r2.TransferEncoding = nil
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return r2
}

// isJSONType reports whether contentType declares JSON.
func isJSONType(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// errNotJSON marks a body that is not one JSON value.
var errNotJSON = errors.New("proxy: not JSON")

// maxJSONDepth bounds the nesting of a JSON body the key scan walks, the
// default of package input's decoder: a deeper body is refused as
// malformed, so nesting cannot be used to exhaust the scan or the
// upstream's parser.
const maxJSONDepth = 32

// scanJSONKeys walks every token of body with encoding/json, so escaped
// keys ("\u0024ne") are seen decoded, and checks every key, duplicates
// included: parsers disagree on which duplicate wins, and a guard that saw
// only the last one would pass {"a":{"$ne":1},"a":1} to a first-wins
// parser. It returns a 400 *input.Error naming the refused key, an error
// wrapping errNotJSON, or nil. An empty body is not checked.
func scanJSONKeys(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var objects []bool // per open container: whether it is an object
	wantKey := false   // the next string is an object key
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			if len(objects) > 0 {
				return malformed
			}
			return nil
		}
		if err != nil {
			return malformed
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				objects = append(objects, t == '{')
				if len(objects) > maxJSONDepth {
					return malformed
				}
				wantKey = t == '{'
			} else {
				objects = objects[:len(objects)-1]
				wantKey = len(objects) > 0 && objects[len(objects)-1]
			}
		case string:
			if wantKey {
				if input.CheckKey(t) != "" {
					return input.CheckKeys(map[string]any{t: nil})
				}
				wantKey = false
				continue
			}
			wantKey = len(objects) > 0 && objects[len(objects)-1]
		default:
			wantKey = len(objects) > 0 && objects[len(objects)-1]
		}
		if len(objects) == 0 && dec.More() {
			return trailing
		}
	}
}

// The JSON guard's refusals: malformed and trailing data are answered as
// input answers them, and wrap errNotJSON.
var (
	malformed = notJSON{input.ErrMalformedJSON}
	trailing  = notJSON{input.ErrTrailingData}
)

// notJSON is a refusal that also says the body is not one JSON value.
type notJSON struct{ err error }

func (e notJSON) Error() string   { return e.err.Error() }
func (e notJSON) Unwrap() []error { return []error{e.err, errNotJSON} }

// checkUpgrade refuses a protocol upgrade (WebSocket) whose Origin is
// neither the request's own origin (by the trusted scheme and host), the
// public URL's, nor one the CORS allowlist trusts: browsers send cookies
// with cross-site WebSocket handshakes, and no CORS check applies to them
// (cross-site WebSocket hijacking). A request without Origin passes: it is
// not from a browser, which always sends one, so it carries no victim's
// ambient credentials.
func (p *Proxy) checkUpgrade(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		origin := r.Header.Get("Origin")
		if origin == "" || p.originAllowed(origin, r) {
			next.ServeHTTP(w, r)
			return
		}
		respond.Reject(w, r, &respond.Rejection{
			Status:  http.StatusForbidden,
			Message: "Cross-origin WebSocket request refused",
			Event:   secevent.CSRFFailure,
			Err:     errUpgradeOrigin,
		})
	})
}

var errUpgradeOrigin = errors.New("proxy: upgrade request from an origin that is not allowed")

// originAllowed reports whether origin is r's own origin, the public
// URL's, or trusted by the CORS allowlist.
func (p *Proxy) originAllowed(origin string, r *http.Request) bool {
	if m := p.stack.CORS(); m != nil && m.Trusts(origin) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil || u.RawQuery != "" {
		return false
	}
	info := clientip.Get(r)
	return sameOrigin(u, info.Scheme, info.Host) ||
		p.publicOrigin != nil && sameOrigin(u, p.publicOrigin.Scheme, p.publicOrigin.Host)
}

// sameOrigin compares an origin with a scheme and host, ignoring case and
// the scheme's default port.
func sameOrigin(u *url.URL, scheme, host string) bool {
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(stripDefaultPort(u.Host, u.Scheme), stripDefaultPort(host, scheme))
}

func stripDefaultPort(host, scheme string) string {
	switch {
	case strings.EqualFold(scheme, "https"):
		return strings.TrimSuffix(host, ":443")
	case strings.EqualFold(scheme, "http"):
		return strings.TrimSuffix(host, ":80")
	}
	return host
}
