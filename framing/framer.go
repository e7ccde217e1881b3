package framing

import (
	"bytes"
	"errors"
	"net/url"

	"golang.org/x/net/http/httpguts"
)

// ErrHeadTooLarge is the reason given to [Config].OnRefuse for a request
// head larger than the limit, which is answered with 431.
var ErrHeadTooLarge = errors.New("framing: request head too large")

// ErrURITooLong is the reason given to [Config].OnRefuse for a request line
// that does not fit in the head limit: its target is too long, which is
// answered with 414 (RFC 9110, section 15.5.15) rather than 431.
var ErrURITooLong = errors.New("framing: request target too long")

// The other reasons a connection is refused. Their texts, like
// ErrHeadTooLarge's and ErrURITooLong's, never reflect the request.
var (
	// errRequestLine: the request line is not METHOD SP TARGET SP VERSION
	// with one space between the parts and valid bytes in each.
	errRequestLine = errors.New("framing: malformed request line")
	// errVersion: the version is not HTTP/1.0 or HTTP/1.1 (HTTP/2.0 on an
	// HTTP/1 connection is one).
	errVersion = errors.New("framing: unsupported HTTP version")
	// errLineEnding: a line ends with a bare LF, or a CR is not followed by
	// LF.
	errLineEnding = errors.New("framing: line not ended by CRLF")
	// errObsFold: a header line starts with a space or tab (obsolete line
	// folding), which parsers join to the previous field or not.
	errObsFold = errors.New("framing: obsolete line folding")
	// errHeaderField: a header name is empty or holds a byte that is not a
	// token character (a space before the colon is one), or a value holds
	// a control character.
	errHeaderField = errors.New("framing: malformed header field")
	// errContentLength: Content-Length is not one decimal number.
	errContentLength = errors.New("framing: invalid Content-Length")
	// errDuplicateLength: more than one Content-Length field, even with
	// equal values.
	errDuplicateLength = errors.New("framing: more than one Content-Length")
	// errTransferEncoding: Transfer-Encoding is sent more than once or is
	// anything but "chunked".
	errTransferEncoding = errors.New("framing: Transfer-Encoding other than chunked")
	// errLengthAndEncoding: Content-Length together with Transfer-Encoding.
	errLengthAndEncoding = errors.New("framing: Content-Length with Transfer-Encoding")
	// errEncodingHTTP10: Transfer-Encoding on an HTTP/1.0 request, which
	// HTTP/1.0 recipients ignore.
	errEncodingHTTP10 = errors.New("framing: Transfer-Encoding on HTTP/1.0")
	// errTarget: the request target is one net/http's url.ParseRequestURI
	// refuses (a bad percent escape, a relative path), which net/http
	// answers with a bare 400 without the security headers.
	errTarget = errors.New("framing: malformed request target")
	// errNoHost: an HTTP/1.1 request other than CONNECT without a Host
	// field, which net/http answers with a bare 400.
	errNoHost = errors.New("framing: HTTP/1.1 request without Host")
	// errManyHosts: more than one Host field: parsers that take the first
	// and the last route the request to different hosts.
	errManyHosts = errors.New("framing: more than one Host")
	// errHost: a Host value with a byte that is not valid in a host name
	// and port, which net/http answers with a bare 400.
	errHost = errors.New("framing: malformed Host")
	// errExpectation: an Expect field other than 100-continue, which
	// net/http answers with a bare 417. It is the one reason answered with
	// 417 Expectation Failed.
	errExpectation = errors.New("framing: unsupported expectation")
	// errChunked: the chunked body is malformed. It is found after the head
	// went to the server, so the connection is failed without an answer.
	errChunked = errors.New("framing: malformed chunked body")
)

const (
	// maxChunkLine bounds a chunk-size line, as net/http does.
	maxChunkLine = 4096
	// maxTrailer bounds the trailer section; net/http accepts only what
	// fits its 4 KiB read buffer.
	maxTrailer = 4096
	// maxChunkDigits keeps a chunk size below 2^60.
	maxChunkDigits = 15
	// maxLengthDigits keeps a Content-Length below 10^18 < 2^63.
	maxLengthDigits = 18
)

type phase uint8

const (
	phaseHead      phase = iota // request line and header fields
	phaseBody                   // remain bytes of a Content-Length body
	phaseChunkLine              // a chunk-size line
	phaseChunkData              // remain bytes of chunk data
	phaseChunkEnd               // the CRLF after chunk data
	phaseTrailer                // trailer fields after the last chunk
)

// framer follows the framing of a stream of HTTP/1.x requests. It is a pure
// state machine over bytes: step checks the next element and says how many
// bytes may go to the server.
type framer struct {
	phase   phase
	remain  int64 // bytes left of a body or a chunk
	maxHead int

	// State of the head or trailer being checked. Its bytes stay in the
	// caller's buffer until the whole head is checked, so off is an offset
	// into the b that step receives.
	off     int
	line    int // lines of the head seen, the request line included
	lengths int // Content-Length fields
	length  int64
	chunked int  // Transfer-Encoding fields
	http10  bool // HTTP/1.0 request
	connect bool // CONNECT request, which may omit Host
	hosts   int  // Host fields
	expects int  // Expect fields; net/http reads only the first
	// badExpect: the first Expect field is neither empty nor 100-continue.
	badExpect bool
}

// step checks the start of b, which begins at the first byte of the current
// element (a head, a chunk-size line, a trailer) or of body data. It returns
// n, the number of bytes checked and ready for the server; head reports that
// those bytes complete a request head, end that they complete a message.
// n == 0 with no error means b holds an incomplete element: more bytes are
// needed.
func (f *framer) step(b []byte) (n int, head, end bool, err error) {
	switch f.phase {
	case phaseHead:
		return f.stepHead(b)
	case phaseBody, phaseChunkData:
		n := len(b)
		if int64(n) > f.remain {
			n = int(f.remain)
		}
		end = f.consumed(n)
		return n, false, end, nil
	case phaseChunkLine:
		n, err := f.stepChunkLine(b)
		return n, false, false, err
	case phaseChunkEnd:
		switch {
		case len(b) >= 2 && b[0] == '\r' && b[1] == '\n':
			f.phase = phaseChunkLine
			return 2, false, false, nil
		case len(b) == 0 || len(b) == 1 && b[0] == '\r':
			return 0, false, false, nil
		}
		return 0, false, false, errChunked
	case phaseTrailer:
		n, err := f.stepTrailer(b)
		return n, false, n > 0, err
	}
	panic("framing: unknown phase")
}

// consumed records n body or chunk bytes passed to the server and reports
// whether the message ended.
func (f *framer) consumed(n int) bool {
	f.remain -= int64(n)
	if f.remain > 0 {
		return false
	}
	if f.phase == phaseChunkData {
		f.phase = phaseChunkEnd
		return false
	}
	f.phase = phaseHead
	return true
}

// nextLine returns the line of b starting at f.off, without its CRLF, and
// the offset after it; ok is false when the line is not complete yet.
func (f *framer) nextLine(b []byte) (line []byte, next int, ok bool, err error) {
	rest := b[f.off:]
	i := bytes.IndexByte(rest, '\n')
	if i < 0 {
		// A CR followed by anything but LF can be refused now.
		if j := bytes.IndexByte(rest, '\r'); j >= 0 && j+1 < len(rest) {
			return nil, 0, false, errLineEnding
		}
		return nil, 0, false, nil
	}
	// A bare LF ends a line for some parsers and not for others.
	if i == 0 || rest[i-1] != '\r' {
		return nil, 0, false, errLineEnding
	}
	line = rest[:i-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, 0, false, errLineEnding
	}
	return line, f.off + i + 1, true, nil
}

func (f *framer) stepHead(b []byte) (int, bool, bool, error) {
	for {
		line, next, ok, err := f.nextLine(b)
		if err != nil {
			return 0, false, false, err
		}
		if !ok {
			if len(b) >= f.maxHead {
				return 0, false, false, f.tooLarge()
			}
			return 0, false, false, nil
		}
		if next > f.maxHead {
			return 0, false, false, f.tooLarge()
		}
		f.off = next
		f.line++
		switch {
		case f.line == 1:
			err = f.requestLine(line)
		case len(line) == 0:
			end, err := f.endHead()
			return next, true, end, err
		default:
			err = f.field(line, true)
		}
		if err != nil {
			return 0, false, false, err
		}
	}
}

// tooLarge is the error of a head over the limit: ErrURITooLong while the
// request line is not complete (its target is what is long), else
// ErrHeadTooLarge.
func (f *framer) tooLarge() error {
	if f.line == 0 {
		return ErrURITooLong
	}
	return ErrHeadTooLarge
}

// requestLine checks METHOD SP request-target SP HTTP-version.
func (f *framer) requestLine(line []byte) error {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isToken(line[:sp]) {
		return errRequestLine
	}
	method, rest := line[:sp], line[sp+1:]
	sp = bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return errRequestLine
	}
	target := rest[:sp]
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return errRequestLine
		}
	}
	switch string(rest[sp+1:]) {
	case "HTTP/1.1":
	case "HTTP/1.0":
		f.http10 = true
	default:
		// "HTTP/2.0" included: net/http answers it with a bare 505, and a
		// front end that speaks HTTP/2 may frame it otherwise.
		return errVersion
	}
	f.connect = string(method) == "CONNECT"
	// net/http answers a target it cannot parse with a bare 400.
	if !validTarget(target, f.connect) {
		return errTarget
	}
	return nil
}

// field checks one header (or trailer) field line; in a head it also
// records the fields that decide the framing.
func (f *framer) field(line []byte, inHead bool) error {
	if line[0] == ' ' || line[0] == '\t' {
		// obs-fold: joined to the previous field by some parsers, a new
		// field name for others ("X: a\r\n Transfer-Encoding: chunked").
		return errObsFold
	}
	colon := bytes.IndexByte(line, ':')
	// "Transfer-Encoding : chunked" has a space in its name: one parser
	// trims it and frames by chunks, another ignores the field.
	if colon <= 0 || !isToken(line[:colon]) {
		return errHeaderField
	}
	name := line[:colon]
	value := trimOWS(line[colon+1:])
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return errHeaderField
		}
	}
	if !inHead {
		return nil
	}
	switch {
	case equalFold(name, "content-length"):
		f.lengths++
		if f.lengths > 1 {
			// Even equal values: a front end that takes the first and a
			// back end that takes the last must never be in doubt.
			return errDuplicateLength
		}
		if len(value) == 0 || len(value) > maxLengthDigits {
			return errContentLength
		}
		var n int64
		for _, c := range value {
			if c < '0' || c > '9' {
				return errContentLength
			}
			n = n*10 + int64(c-'0')
		}
		f.length = n
	case equalFold(name, "transfer-encoding"):
		f.chunked++
		// "chunked, identity", "xchunked", "chunked;q=1" or a second
		// field: each is framed by chunks by some parsers and not others.
		if f.chunked > 1 || !equalFold(value, "chunked") {
			return errTransferEncoding
		}
	default:
		return f.routingField(name, value)
	}
	return nil
}

// routingField checks the Host and Expect fields of a head as net/http
// does, so that what it would refuse gets the answer with the security
// headers instead of its bare one.
func (f *framer) routingField(name, value []byte) error {
	switch {
	case equalFold(name, "host"):
		f.hosts++
		if f.hosts > 1 {
			// Two Hosts: a front end that routes by the first and an
			// application that reads the last disagree on the tenant.
			return errManyHosts
		}
		for _, c := range value {
			if !validHostByte[c] {
				return errHost
			}
		}
	case equalFold(name, "expect"):
		f.expects++
		if f.expects == 1 {
			// net/http reads the first value only (Header.Get).
			f.badExpect = len(value) > 0 && !hasToken(value, "100-continue")
		}
	}
	return nil
}

// endHead decides the framing of the body once the head is complete and
// reports whether the message ends with the head.
func (f *framer) endHead() (bool, error) {
	chunked, lengths, length, http10 := f.chunked > 0, f.lengths > 0, f.length, f.http10
	noHost, badExpect := f.hosts == 0 && !http10 && !f.connect, f.badExpect
	f.off, f.line, f.lengths, f.length, f.chunked, f.http10 = 0, 0, 0, 0, 0, false
	f.connect, f.hosts, f.expects, f.badExpect = false, 0, 0, false
	switch {
	case chunked && lengths:
		// CL.TE and TE.CL: net/http drops Content-Length and reads chunks;
		// a front end or back end that does the opposite sees a different
		// request boundary.
		return false, errLengthAndEncoding
	case chunked && http10:
		return false, errEncodingHTTP10
	case noHost:
		return false, errNoHost
	case badExpect:
		// Last: net/http answers 417 only to a request it would serve.
		return false, errExpectation
	case chunked:
		f.phase = phaseChunkLine
		return false, nil
	case length > 0:
		f.phase, f.remain = phaseBody, length
		return false, nil
	}
	return true, nil
}

// stepChunkLine checks chunk-size [ chunk-ext ] CRLF.
func (f *framer) stepChunkLine(b []byte) (int, error) {
	line, next, ok, err := f.nextLine(b)
	if err != nil {
		return 0, errChunked
	}
	if !ok {
		if len(b) >= maxChunkLine {
			return 0, errChunked
		}
		return 0, nil
	}
	if next > maxChunkLine {
		return 0, errChunked
	}
	var size int64
	i := 0
	for ; i < len(line) && i <= maxChunkDigits; i++ {
		d, ok := hexDigit(line[i])
		if !ok {
			break
		}
		size = size<<4 | int64(d)
	}
	if i == 0 || i > maxChunkDigits {
		return 0, errChunked
	}
	if ext := line[i:]; len(ext) > 0 {
		ext = trimOWS(ext)
		if len(ext) == 0 || ext[0] != ';' {
			return 0, errChunked
		}
		for _, c := range ext {
			if c < ' ' && c != '\t' || c == 0x7f {
				return 0, errChunked
			}
		}
	}
	f.off = 0
	if size == 0 {
		f.phase = phaseTrailer
	} else {
		f.phase, f.remain = phaseChunkData, size
	}
	return next, nil
}

// stepTrailer checks the trailer fields and the final CRLF, returning their
// length once complete.
func (f *framer) stepTrailer(b []byte) (int, error) {
	for {
		line, next, ok, err := f.nextLine(b)
		if err != nil {
			return 0, errChunked
		}
		if !ok {
			if len(b) >= maxTrailer {
				return 0, errChunked
			}
			return 0, nil
		}
		if next > maxTrailer {
			return 0, errChunked
		}
		f.off = next
		if len(line) == 0 {
			f.off, f.phase = 0, phaseHead
			return next, nil
		}
		if f.field(line, false) != nil {
			return 0, errChunked
		}
	}
}

// validTarget reports whether url.ParseRequestURI accepts the request
// target as net/http passes it: an authority-form CONNECT target prefixed
// with "http://". An origin-form target, the common one, is checked without
// allocating: ParseRequestURI refuses only a percent sign not followed by
// two hex digits in its path, before the first "?" (control bytes and
// spaces are refused with the request line).
func validTarget(target []byte, connect bool) bool {
	if target[0] != '/' {
		s := string(target)
		if connect {
			s = "http://" + s
		}
		_, err := url.ParseRequestURI(s)
		return err == nil
	}
	if q := bytes.IndexByte(target, '?'); q >= 0 {
		target = target[:q]
	}
	for i := 0; i < len(target); i++ {
		if target[i] != '%' {
			continue
		}
		if i+2 >= len(target) || !isHex(target[i+1]) || !isHex(target[i+2]) {
			return false
		}
		i += 2
	}
	return true
}

// validHostByte marks the bytes httpguts.ValidHostHeader, which net/http
// applies to the Host field, accepts; it checks each byte on its own.
var validHostByte = func() (t [256]bool) {
	for c := range t {
		t[c] = httpguts.ValidHostHeader(string([]byte{byte(c)}))
	}
	return t
}()

// hasToken reports whether the comma- or space-separated list v holds
// token (lower case), ASCII case ignored, as net/http's hasToken does for
// the Expect field.
func hasToken(v []byte, token string) bool {
	for sp := 0; sp+len(token) <= len(v); sp++ {
		if sp > 0 && !isTokenBoundary(v[sp-1]) {
			continue
		}
		if end := sp + len(token); end != len(v) && !isTokenBoundary(v[end]) {
			continue
		}
		if equalFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func isTokenBoundary(c byte) bool { return c == ' ' || c == ',' || c == '\t' }

// tokenChars marks the bytes of an RFC 9110 token.
var tokenChars = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isToken(b []byte) bool {
	for _, c := range b {
		if !tokenChars[c] {
			return false
		}
	}
	return len(b) > 0
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b equals the lower-case ASCII s, ignoring case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { _, ok := hexDigit(c); return ok }

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
