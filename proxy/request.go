package proxy

import (
	"bufio"
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
	"time"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/internal/requestid"
	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/respond"
)

// spoofable lists request headers that claim a client address, scheme or
// host. The client's copies never reach the upstream: frameworks read them
// (Rails X-Forwarded-Ssl and Client-IP, PHP X-Real-IP and Client-IP,
// Node's request-ip, Django's ipware, Express "trust proxy") and would
// believe a client that wrote them. ReverseProxy already drops the client's
// X-Forwarded-For, -Host and -Proto before Rewrite.
var spoofable = []string{
	"Forwarded", "X-Real-Ip", "X-Client-Ip", "True-Client-Ip", "Cf-Connecting-Ip",
	"X-Cluster-Client-Ip", "X-Forwarded", "Forwarded-For", "X-Original-Forwarded-For",
	"X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Ssl", "X-Forwarded-Scheme",
	"X-Forwarded-Prefix", "X-Url-Scheme", "Front-End-Https", "X-Original-Url", "X-Rewrite-Url",
	"Client-Ip", "Fastly-Client-Ip", "X-Appengine-User-Ip", "Cf-Pseudo-Ipv4", "X-Proxyuser-Ip",
	"X-Envoy-External-Address", "X-Arr-Ssl", "X-Forwarded-Protocol", "X-Original-Host", "X-Host",
	"X-Forwarded-Uri",
}

// methodOverrides lists the request headers with which frameworks let a
// request stand for another method (Express's method-override, Laravel,
// Symfony, Jersey, ASP.NET Core). They are dropped from requests of safe
// methods: the CSRF check let a GET through as safe, and an app that read
// "X-HTTP-Method-Override: DELETE" on it would run a state change that no
// check saw (a cross-site image could then delete an account).
var methodOverrides = []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}

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
	if safeMethod(pr.In.Method) {
		for _, name := range methodOverrides {
			delete(h, name)
		}
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
	if p.maskErrors {
		// A 4xx body is read for stack traces; brotli and zstd bodies
		// cannot be, so only the codings the proxy reads are offered.
		readableEncodings(h)
	}
	if p.placeholder != "" && strings.Contains(h.Get("Accept"), "text/html") {
		// The nonce placeholder can only be replaced in a body the proxy
		// can read: ask for it uncompressed.
		h["Accept-Encoding"] = []string{"identity"}
	}
}

var requestIDHeader = http.CanonicalHeaderKey(requestid.Header)

// readableEncodings keeps, of the client's Accept-Encoding, only the
// codings the proxy can read back (readableCoding); with none left, the
// upstream answers uncompressed.
func readableEncodings(h http.Header) {
	vs := h["Accept-Encoding"]
	if len(vs) == 0 {
		return
	}
	var kept []string
	for _, v := range vs {
		for c := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(c, ";")
			if name = strings.ToLower(strings.TrimSpace(name)); name != "" && readableCoding(name) {
				kept = append(kept, strings.TrimSpace(c))
			}
		}
	}
	if len(kept) == 0 {
		delete(h, "Accept-Encoding")
		return
	}
	h["Accept-Encoding"] = []string{strings.Join(kept, ", ")}
}

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
		mt, ok := bodyMediaType(r.Header)
		guarded := !rt.operators || rt.params
		if !ok && guarded {
			// An upstream parser may still read a Content-Type that Go's
			// cannot ("a=1; a=2" is one): the guards, choosing by Go's
			// reading, would pass that body unread.
			input.Reject(w, r, input.ErrUnsupportedMediaType)
			return
		}
		scanKeys := !rt.operators && jsonCandidate(mt.essence)
		sniff := !rt.operators && !scanKeys && mt.essence != "multipart/form-data" &&
			mt.essence != "application/x-www-form-urlencoded"
		form := rt.params && mt.essence == "application/x-www-form-urlencoded"
		compressed := encoded(r.Header)
		if (scanKeys || form) && (compressed || !mt.utf8) {
			// Upstream body parsers inflate compressed bodies and decode
			// charsets (Express's json() decodes UTF-7, where "+ACQ-ne"
			// is "$ne"); the guards read UTF-8 bytes, so anything else is
			// refused rather than passed unchecked.
			input.Reject(w, r, input.ErrUnsupportedMediaType)
			return
		}
		// Holds for chunked bodies too: reading past the limit fails with
		// *http.MaxBytesError, which errorHandler answers with 413.
		r.Body = http.MaxBytesReader(w, r.Body, rt.bodyLimit)
		setBodyDeadline(w, bodyTimeout(rt.bodyLimit))
		switch {
		case scanKeys:
			r, ok = checkJSON(w, r, isJSONType(mt.essence))
		case !rt.operators && mt.essence == "multipart/form-data":
			r, ok = checkMultipart(w, r, mt.boundary)
		case sniff && compressed:
			r, ok = sniffEncoded(w, r)
		case sniff:
			r, ok = sniffJSON(w, r, mt.utf8)
		default:
			ok = true
		}
		if ok {
			next.ServeHTTP(w, r)
		}
	})
}

// Bodies must arrive within bodyTimeoutBase plus the time the route's
// limit takes at bodyMinRate bytes a second: 61.6 s for the default 100
// KiB.
const (
	bodyTimeoutBase = 60 * time.Second
	bodyMinRate     = 64 << 10
)

// bodyTimeout is the time a body of up to limit bytes has to arrive.
func bodyTimeout(limit int64) time.Duration {
	return bodyTimeoutBase + time.Duration(limit/bodyMinRate)*time.Second
}

// setBodyDeadline sets a read deadline d from now on the connection, for
// the request's body. Without it a client that declares a body and
// sends it a byte a minute (slow POST, R.U.D.Y.) holds a connection and a
// goroutine forever: the server has no ReadTimeout, which would also cut
// streamed answers and WebSockets. net/http lifts the deadline when the
// body has been read to its end (its background read starts with none),
// so a long answer after the body is not cancelled.
func setBodyDeadline(w http.ResponseWriter, d time.Duration) {
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(d)) // a writer without deadlines: nothing to do
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

// mediaType is what the guards read of a request's Content-Type.
type mediaType struct {
	essence  string // "type/subtype" in lower case; "" without a Content-Type
	boundary string // the multipart boundary parameter
	utf8     bool   // no charset parameter, or UTF-8 or US-ASCII
}

// bodyMediaType parses h's Content-Type as Go does. ok is false when the
// header does not parse or is sent more than once: upstream parsers differ
// on which copy and which duplicate parameter they take.
func bodyMediaType(h http.Header) (mt mediaType, ok bool) {
	values := h["Content-Type"]
	switch len(values) {
	case 0:
		return mediaType{utf8: true}, true
	case 1:
	default:
		return mt, false
	}
	essence, params, err := mime.ParseMediaType(values[0])
	if err != nil {
		return mt, false
	}
	mt.essence, mt.boundary = essence, params["boundary"]
	switch strings.ToLower(params["charset"]) {
	case "", "utf-8", "utf8", "us-ascii":
		mt.utf8 = true
	}
	return mt, true
}

// jsonCandidate reports whether a body of this media type may be parsed
// as JSON by the upstream: a JSON type, or none or text/plain, which
// lenient body parsers (Express's json({type: "*/*"})) also read as JSON.
func jsonCandidate(essence string) bool {
	return essence == "" || essence == "text/plain" || isJSONType(essence)
}

// checkJSON buffers the body (the limit holds), refuses it when a key of
// any object, at any depth, is one the NoSQL-operator guard refuses, and
// returns r with the exact bytes to send on. A body declared as JSON must
// be valid JSON; one without a JSON type that is not JSON passes as it is.
func checkJSON(w http.ResponseWriter, r *http.Request, declared bool) (*http.Request, bool) {
	body, ok := readBody(w, r)
	if !ok {
		return r, false
	}
	if err := scanJSONKeys(body); err != nil {
		if declared || !errors.Is(err, errNotJSON) {
			input.Reject(w, r, err)
			return r, false
		}
	}
	return withBody(r, body), true
}

// sniffJSON checks a body of any other media type that starts like a JSON
// object or array (after JSON white space and a UTF-8 byte order mark) as
// checkJSON does: lenient parsers (Express's json({type: "*/*"}), PHP's
// json_decode of the raw input) read it as JSON whatever its type, so an
// attacker would otherwise only have to name another type. Such a body,
// or one starting with a UTF-16 or UTF-32 mark, in a declared charset
// other than UTF-8 is refused with 415, as for declared JSON. Other
// bodies stream on, unread beyond their first significant byte.
func sniffJSON(w http.ResponseWriter, r *http.Request, utf8 bool) (*http.Request, bool) {
	br := bufio.NewReaderSize(r.Body, sniffLen)
	first, found, err := firstSignificant(br)
	if err != nil {
		input.Reject(w, r, err) // *http.MaxBytesError: 413; else 400
		return r, false
	}
	// A body of white space only as far as the sniff looks is scanned
	// whole: padding must not hide the JSON behind it.
	looksJSON := found && (first == '{' || first == '[' || first == ' ')
	if !utf8 && (looksJSON || found && (first == 0 || first >= 0xfe)) {
		input.Reject(w, r, input.ErrUnsupportedMediaType) // UTF-7, UTF-16: "+ACQ-ne" is "$ne"
		return r, false
	}
	r2 := new(http.Request)
	*r2 = *r
	r2.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	if !looksJSON {
		return r2, true
	}
	body, ok := readBody(w, r2)
	if !ok {
		return r, false
	}
	if err := scanJSONKeys(bytes.TrimPrefix(body, utf8BOM)); err != nil && !errors.Is(err, errNotJSON) {
		input.Reject(w, r, err)
		return r, false
	}
	return withBody(r, body), true
}

// sniffEncoded looks into a compressed body of another type as sniffJSON
// looks into a plain one. Lenient parsers inflate before they read
// (body-parser inflates gzip and deflate whatever type its json() is told
// to take), and the key guard reads bodies only as sent: a body that
// starts like JSON once inflated (or is white space as far as the proxy
// inflates it) is refused with 415, as compressed JSON is, and so is a
// body in a coding the proxy cannot inflate, or that does not inflate.
// Other bodies go on as sent; the body is held in memory (within the
// route's limit) while it is looked into.
func sniffEncoded(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	enc, ok := readableEncoding(r.Header)
	if !ok {
		input.Reject(w, r, input.ErrUnsupportedMediaType) // br, zstd, "gzip, br": what the proxy cannot peel
		return r, false
	}
	body, ok := readBody(w, r)
	if !ok {
		return r, false
	}
	plain := decoded(enc, body) // at most maxTraceScan bytes: a compression bomb stops there
	first := bytes.TrimLeft(bytes.TrimPrefix(plain, utf8BOM), " \t\r\n")
	if len(body) > 0 && (len(plain) == 0 || len(first) == 0 || first[0] == '{' || first[0] == '[') {
		input.Reject(w, r, input.ErrUnsupportedMediaType)
		return r, false
	}
	return withBody(r, body), true
}

// sniffLen is how far sniffJSON looks for a body's first significant byte.
const sniffLen = 512

var utf8BOM = []byte("\xef\xbb\xbf")

// firstSignificant returns the first byte of br after JSON white space
// and a UTF-8 byte order mark, without consuming anything. It peeks a
// byte at a time, so a body that trickles in is not held back waiting
// for more. found is false for a body that ends first; a body of white
// space as far as sniffLen reports ' '.
func firstSignificant(br *bufio.Reader) (first byte, found bool, err error) {
	n := 0
	if b, _ := br.Peek(len(utf8BOM)); bytes.Equal(b, utf8BOM) {
		n = len(utf8BOM)
	}
	for n++; n <= sniffLen; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if err == io.EOF {
				return 0, false, nil
			}
			return 0, false, err
		}
		switch c := b[n-1]; c {
		case ' ', '\t', '\r', '\n':
		default:
			return c, true, nil
		}
	}
	return ' ', true, nil
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

// checkMultipart buffers a multipart/form-data body and refuses it when a
// field name, or a bracketed segment of one ("password[$ne]"), is a key
// the NoSQL-operator guard refuses: upload middleware (multer) builds
// nested objects from such names as query parsers do. The parts' contents
// are not read beyond finding the next part.
func checkMultipart(w http.ResponseWriter, r *http.Request, boundary string) (*http.Request, bool) {
	if boundary == "" {
		input.Reject(w, r, input.ErrMalformedMultipart)
		return r, false
	}
	body, ok := readBody(w, r)
	if !ok {
		return r, false
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
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

// isJSONType reports whether the media type essence declares JSON.
func isJSONType(essence string) bool {
	return essence == "application/json" || strings.HasPrefix(essence, "application/") && strings.HasSuffix(essence, "+json")
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
//
// Only WebSocket is tunnelled. Any other Upgrade (h2c above all) is
// removed, and the request goes on as a plain one: a tunnel is raw bytes
// that no layer reads, so an upstream that accepted "Upgrade: h2c" would
// take every later request of the connection past the guards, the CSRF
// check and the limits (h2c smuggling).
func (p *Proxy) checkUpgrade(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upgrade := r.Header["Upgrade"]
		if len(upgrade) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		if len(upgrade) != 1 || !strings.EqualFold(strings.TrimSpace(upgrade[0]), "websocket") {
			r.Header.Del("Upgrade")
			r.Header.Del("Http2-Settings")
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
