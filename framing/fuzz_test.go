package framing

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"
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
			if !bytes.HasPrefix(cc.written.Bytes(), []byte("HTTP/1.1 4")) {
				t.Fatalf("refused head not answered: %q", cc.written.Bytes())
			}
		}
	})
}
