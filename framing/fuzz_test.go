package framing

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http/httpguts"
)

// frame runs a framer over the whole stream b handed over in pieces of at
// most piece bytes (0: all at once), as a connection would receive it, and
// returns the offsets where the messages it passes end, and the error that
// stopped it, if any.
func frame(b []byte, piece, maxHead int) (ends []int, err error) {
	f := framer{maxHead: maxHead}
	pos, avail := 0, len(b)
	if piece > 0 {
		avail = min(piece, len(b))
	}
	for {
		n, _, end, err := f.step(b[pos:avail])
		if err != nil {
			return ends, err
		}
		pos += n
		if end {
			ends = append(ends, pos)
		}
		if n == 0 {
			if avail == len(b) {
				return ends, nil // incomplete at the end of the stream
			}
			avail = min(avail+max(piece, 1), len(b))
		}
	}
}

// netHTTPEnds reads the messages of b with net/http's parser and returns
// where each ends, stopping at the first one it refuses or cannot finish.
func netHTTPEnds(b []byte) []int {
	src := bytes.NewReader(b)
	br := bufio.NewReaderSize(src, 4096)
	var ends []int
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return ends
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return ends
		}
		ends = append(ends, len(b)-src.Len()-br.Buffered())
	}
}

// netHTTPServe reads the messages of b as net/http's server does, with its
// parser and the checks its connection loop adds (Host, header bytes,
// Expect), and returns where each message it serves ends and the status of
// its bare answer to the next one: 0 when that one is incomplete or its
// body broken (no answer).
func netHTTPServe(b []byte) (ends []int, status int) {
	src := bytes.NewReader(b)
	br := bufio.NewReaderSize(src, 4096)
	for {
		start := len(b) - src.Len() - br.Buffered()
		req, err := http.ReadRequest(br)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			return ends, 0
		case err != nil && strings.Contains(err.Error(), "unsupported transfer encoding"):
			return ends, http.StatusNotImplemented
		case err != nil:
			return ends, http.StatusBadRequest
		}
		if status := serverChecks(req, b[start:]); status != 0 {
			return ends, status
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return ends, 0
		}
		ends = append(ends, len(b)-src.Len()-br.Buffered())
	}
}

// serverChecks mirrors what net/http's server checks after reading the
// request whose head starts msg, and returns the status of its bare answer
// or 0. ReadRequest deletes the Host fields, so the head is read again.
func serverChecks(req *http.Request, msg []byte) int {
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(msg)))
	if _, err := tp.ReadLine(); err != nil {
		return http.StatusBadRequest
	}
	hdr, err := tp.ReadMIMEHeader()
	if err != nil {
		return http.StatusBadRequest
	}
	hosts := hdr["Host"]
	switch {
	case req.ProtoMajor != 1:
		return http.StatusHTTPVersionNotSupported
	case req.ProtoAtLeast(1, 1) && len(hosts) == 0 && req.Method != "CONNECT":
		return http.StatusBadRequest
	case len(hosts) == 1 && !httpguts.ValidHostHeader(hosts[0]):
		return http.StatusBadRequest
	}
	for k, vv := range req.Header {
		if !httpguts.ValidHeaderFieldName(k) {
			return http.StatusBadRequest
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return http.StatusBadRequest
			}
		}
	}
	if e := req.Header.Get("Expect"); e != "" && !stdHasToken(e, "100-continue") {
		return http.StatusExpectationFailed
	}
	return 0
}

// stdHasToken is net/http's hasToken, which decides whether a request
// expects 100-continue.
func stdHasToken(v, token string) bool {
	if len(token) > len(v) || token == "" {
		return false
	}
	if v == token {
		return true
	}
	for sp := 0; sp <= len(v)-len(token); sp++ {
		if b := v[sp]; b != token[0] && b|0x20 != token[0] {
			continue
		}
		if sp > 0 && !strings.ContainsRune(" ,\t", rune(v[sp-1])) {
			continue
		}
		if end := sp + len(token); end != len(v) && !strings.ContainsRune(" ,\t", rune(v[end])) {
			continue
		}
		if asciiEqualFold(v[sp:sp+len(token)], token) {
			return true
		}
	}
	return false
}

func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range len(s) {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// mirrored are the reasons for refusing what net/http itself refuses with
// a bare answer, with the status of that answer.
var mirrored = map[error]int{
	errTarget:      http.StatusBadRequest,
	errNoHost:      http.StatusBadRequest,
	errManyHosts:   http.StatusBadRequest,
	errHost:        http.StatusBadRequest,
	errExpectation: http.StatusExpectationFailed,
}

// FuzzFraming checks that the framer never panics, frames the same way
// whatever the reads' sizes, and never passes a message that net/http
// frames differently: for every message the framer passes, net/http either
// refuses it (closing the connection) or ends it at the same byte.
func FuzzFraming(f *testing.F) {
	for _, s := range []string{
		get,
		"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		// CL.TE and TE.CL
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n",
		// TE.TE obfuscations
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nX: y\r\n\tTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-encoding: CHUNKED\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n",
		"POST / HTTP/1.1\nHost: x\nContent-Length: 1\n\nx",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n",
		"GET / HTTP/2.0\r\n\r\n",
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
		// What net/http refuses with a bare answer, and what it serves
		// near it.
		"GET / HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nHost: x\r\nHost: x\r\n\r\n",
		"CONNECT x:443 HTTP/1.1\r\n\r\nCONNECT /rpc HTTP/1.1\r\n\r\nCONNECT [::1 HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost:\r\n\r\nGET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\nGET / HTTP/1.1\r\nHost: a b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: \xc3\xa9\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx" +
			"GET / HTTP/1.1\r\nHost: x\r\nExpect: foo, 100-Continue\r\n\r\n" +
			"GET / HTTP/1.1\r\nHost: x\r\nExpect:\r\nExpect: foo\r\n\r\n" +
			"GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continues\r\n\r\n",
		"GET / HTTP/1.0\r\nExpect: foo\r\n\r\n",
		"GET /%41%2f?%zz HTTP/1.1\r\nHost: x\r\n\r\nGET /a?b?%zz HTTP/1.1\r\nHost: x\r\n\r\nGET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a%4?b HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /a#%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET x:y HTTP/1.1\r\nHost: x\r\n\r\nGET //x HTTP/1.1\r\nHost: x\r\n\r\nGET a/b HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET http://x/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET :80 HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(7))
	}
	f.Fuzz(func(t *testing.T, b []byte, piece uint8) {
		const maxHead = 4096
		ends, err := frame(b, 0, maxHead)
		ends2, err2 := frame(b, int(piece), maxHead)
		if !slices.Equal(ends, ends2) || !errors.Is(err2, err) && !(err == nil && err2 == nil) {
			t.Fatalf("framing depends on read sizes: whole %v %v, pieces of %d %v %v", ends, err, piece, ends2, err2)
		}
		checkMirrored(t, b, ends, err)
		if len(ends) == 0 {
			return
		}
		passed := b[:ends[len(ends)-1]]
		std := netHTTPEnds(passed)
		for i, e := range std {
			if e != ends[i] {
				t.Fatalf("message %d: framer ends it at %d, net/http at %d\nframer %v\nnet/http %v", i+1, ends[i], e, ends, std)
			}
		}
	})
}

// checkMirrored checks the framer against net/http's server on the stream
// b: net/http serves every message the framer passes, and the message the
// framer refuses for a reason net/http refuses too, net/http answers with
// the same status.
func checkMirrored(t *testing.T, b []byte, ends []int, err error) {
	t.Helper()
	served, status := netHTTPServe(b)
	if len(served) < len(ends) {
		t.Fatalf("net/http serves %d messages (ends %v, then %d), the framer passes %d (ends %v)", len(served), served, status, len(ends), ends)
	}
	want, ok := mirrored[err]
	if !ok {
		return
	}
	if status == 0 && want == http.StatusBadRequest {
		// The framer refused a field line before the head's end, which
		// net/http reads first: end the head there.
		_, status = netHTTPServe(append(b[:len(b):len(b)], "\r\n\r\n"...))
	}
	if status == http.StatusNotImplemented {
		// An unknown Transfer-Encoding, which net/http answers with 501
		// and the framer, by design, with 400.
		status = http.StatusBadRequest
	}
	if len(served) != len(ends) || status != want {
		t.Fatalf("framer refuses message %d (%v, %d); net/http serves %d messages, then answers %d", len(ends)+1, err, want, len(served), status)
	}
}

// chunkConn is a net.Conn whose reads return the stream in pieces of a
// given size.
type chunkConn struct {
	net.Conn // nil: only Read, Write, Close and deadlines are used
	data     []byte
	piece    int
	written  bytes.Buffer
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.piece)], c.data)
	c.data = c.data[n:]
	return n, nil
}
func (c *chunkConn) Write(p []byte) (int, error)      { return c.written.Write(p) }
func (c *chunkConn) Close() error                     { return nil }
func (c *chunkConn) SetDeadline(time.Time) error      { return nil }
func (c *chunkConn) SetReadDeadline(time.Time) error  { return nil }
func (c *chunkConn) SetWriteDeadline(time.Time) error { return nil }
func (c *chunkConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }

// FuzzConn reads a stream through a scanConn with reads and network pieces of
// fuzzed sizes, as if net/http answered every request at once, and checks
// that what it returns is a prefix of the stream that holds every message
// the framer passes, never the head of a refused message, and that a
// refused head is answered.
func FuzzConn(f *testing.F) {
	f.Add([]byte("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n"), uint8(3), uint16(7))
	f.Add([]byte("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n"), uint8(1), uint16(1))
	f.Add([]byte("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx"), uint8(200), uint16(4096))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\r\n"), uint8(3), uint16(7))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n"), uint8(5), uint16(11))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"), uint8(2), uint16(3))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a b\r\nX: "+strings.Repeat("y", 2000)+"\r\n\r\n"), uint8(64), uint16(100))
	f.Fuzz(func(t *testing.T, b []byte, piece uint8, readSize uint16) {
		const maxHead = 1024
		l, err := NewListener(nil, Config{MaxHeaderBytes: maxHead})
		if err != nil {
			t.Fatal(err)
		}
		cc := &chunkConn{data: b, piece: int(piece) + 1}
		c := l.newConn(cc, false)
		c.idle.Store(1 << 40) // net/http answers at once: no holding
		var out []byte
		p := make([]byte, int(readSize)%8192+1)
		for range 1 << 20 {
			n, err := c.Read(p)
			out = append(out, p[:n]...)
			if err != nil {
				break
			}
		}
		if !bytes.HasPrefix(b, out) {
			t.Fatalf("returned bytes are not a prefix of the stream")
		}
		ends, ferr := frame(b, 0, maxHead)
		last := 0
		if len(ends) > 0 {
			last = ends[len(ends)-1]
		}
		if len(out) < last {
			t.Fatalf("returned %d bytes, want at least the %d of the passed messages", len(out), last)
		}
		if ferr != nil && c.f.phase == phaseHead {
			if len(out) != last {
				t.Fatalf("returned %d bytes, want exactly %d: bytes of a refused head passed", len(out), last)
			}
			want := "HTTP/1.1 4"
			if errors.Is(ferr, errExpectation) {
				want = "HTTP/1.1 417 "
			}
			if !bytes.HasPrefix(cc.written.Bytes(), []byte(want)) {
				t.Fatalf("refused head (%v) not answered with %q: %q", ferr, want, cc.written.Bytes())
			}
		}
	})
}

// FuzzValidTarget checks validTarget against url.ParseRequestURI, called
// as net/http calls it, on every target the request line lets through.
func FuzzValidTarget(f *testing.F) {
	for _, s := range []string{"/", "/a%41?%zz", "/%zz", "/a%4?b", "/a%", "/a#%zz", "/%41?", "//x", "*", "*x",
		"http://x/%zz", "x:y", ":80", "a/b", "x:443", "[::1", "[::1]:443", "x:1%zz", "/\xc3\xa9%c3%A9"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, target []byte, connect bool) {
		if len(target) == 0 || bytes.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return // refused with the request line
		}
		raw := string(target)
		if connect && raw[0] != '/' {
			raw = "http://" + raw
		}
		_, err := url.ParseRequestURI(raw)
		if got := validTarget(target, connect); got != (err == nil) {
			t.Fatalf("validTarget(%q, %t) = %t, ParseRequestURI: %v", target, connect, got, err)
		}
	})
}
