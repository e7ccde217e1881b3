package framing

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/internal/requestid"
)

// Defaults of Config.
const (
	defaultMaxHeaderBytes   = http.DefaultMaxHeaderBytes // 1 MiB
	defaultHandshakeTimeout = 10 * time.Second
)

const (
	// refusalWriteTimeout bounds the write of a refusal to a client that
	// does not read.
	refusalWriteTimeout = 5 * time.Second
	// lingerTimeout and lingerBytes bound how long, and how much, unread
	// input is drained after a refusal, so that closing the socket does
	// not reset it before the client has read the answer.
	lingerTimeout = 500 * time.Millisecond
	lingerBytes   = 256 << 10
	// initialBuffer is a connection's first read buffer; it grows up to
	// the head limit only for large heads.
	initialBuffer = 4 << 10
)

// Config configures a Listener. The zero value is valid: plain TCP, a
// 1 MiB head limit, helmet's default security headers on refusals.
type Config struct {
	// MaxHeaderBytes bounds a request head (request line and header
	// fields); a larger one is refused with 431, or with 414 when the
	// request line alone does not fit. Set it to the server's
	// MaxHeaderBytes. Default 1 MiB (http.DefaultMaxHeaderBytes). It is
	// also the most a connection buffers.
	MaxHeaderBytes int

	// TLSConfig, when set, makes the listener terminate TLS. It needs a
	// certificate; NextProtos defaults to "h2" and "http/1.1" (HTTP/2
	// connections are not scanned: their framing is not ambiguous).
	// Default: nil, plain TCP.
	TLSConfig *tls.Config

	// HandshakeTimeout bounds a TLS handshake. Default 10 seconds.
	HandshakeTimeout time.Duration

	// Headers are the security headers of the refusal answers (HSTS only
	// over TLS). Default: the zero headers.Config's set (helmet's).
	Headers *headers.Headers

	// OnRefuse, when set, is called once for each refused connection with
	// the client's address, the request id of the refusal (also sent to
	// the client as X-Request-Id and "request_id") and the reason, for the
	// security log: an error whose text names the fault, [ErrHeadTooLarge]
	// when the answer was 431, [ErrURITooLong] when it was 414 (an
	// unsupported Expect is answered with 417, every other fault with 400). It must not block.
	OnRefuse func(remote net.Addr, requestID string, reason error)
}

// A Listener wraps a net.Listener so that every HTTP/1 request head is
// checked before net/http reads it. Serve a Listener with its Serve method,
// which installs the connection-state hook the scanning needs.
type Listener struct {
	inner            net.Listener
	maxHead          int
	tlsConfig        *tls.Config
	handshakeTimeout time.Duration
	onRefuse         func(net.Addr, string, error)
	// refusals are the fixed answers: [status][tls].
	refusal400, refusal414, refusal417, refusal431 [2][]byte

	startOnce, closeOnce sync.Once
	ready                chan net.Conn
	errs                 chan error
	done                 chan struct{}
}

// NewListener returns a Listener over inner.
func NewListener(inner net.Listener, cfg Config) (*Listener, error) {
	if cfg.MaxHeaderBytes < 0 {
		return nil, errors.New("framing: MaxHeaderBytes is negative")
	}
	if cfg.HandshakeTimeout < 0 {
		return nil, errors.New("framing: HandshakeTimeout is negative")
	}
	l := &Listener{
		inner:            inner,
		maxHead:          cfg.MaxHeaderBytes,
		handshakeTimeout: cfg.HandshakeTimeout,
		onRefuse:         cfg.OnRefuse,
		done:             make(chan struct{}),
	}
	if l.maxHead == 0 {
		l.maxHead = defaultMaxHeaderBytes
	}
	if l.handshakeTimeout == 0 {
		l.handshakeTimeout = defaultHandshakeTimeout
	}
	if cfg.TLSConfig != nil {
		if len(cfg.TLSConfig.Certificates) == 0 && cfg.TLSConfig.GetCertificate == nil && cfg.TLSConfig.GetConfigForClient == nil {
			return nil, errors.New("framing: TLSConfig has no certificate")
		}
		l.tlsConfig = cfg.TLSConfig.Clone()
		if len(l.tlsConfig.NextProtos) == 0 {
			l.tlsConfig.NextProtos = []string{"h2", "http/1.1"}
		}
		l.ready = make(chan net.Conn)
		l.errs = make(chan error)
	}
	h := cfg.Headers
	if h == nil {
		var err error
		if h, err = headers.New(headers.Config{}); err != nil {
			return nil, err
		}
	}
	for i, https := range []bool{false, true} {
		l.refusal400[i] = refusal(h, https, http.StatusBadRequest)
		l.refusal414[i] = refusal(h, https, http.StatusRequestURITooLong)
		l.refusal417[i] = refusal(h, https, http.StatusExpectationFailed)
		l.refusal431[i] = refusal(h, https, http.StatusRequestHeaderFieldsTooLarge)
	}
	return l, nil
}

// refusal builds the fixed part of an answer with the given status: the
// status line and the security headers, Content-Type, Cache-Control and
// Connection: close, without the blank line that ends the head. answer
// completes it with the request id.
func refusal(h *headers.Headers, https bool, status int) []byte {
	hdr := http.Header{}
	h.SetHeaders(hdr, https)
	hdr.Set("Content-Type", "application/json")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Connection", "close")
	b := fmt.Appendf(nil, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	w := &appendWriter{b}
	_ = hdr.Write(w) // sorted, one line per value; writing to memory cannot fail
	return w.b
}

// answer completes the fixed head of a refusal with the request id (as
// X-Request-Id and in the body, as package respond answers) and the JSON
// error body of package respond.
func answer(head []byte, status int, id string) []byte {
	body := `{"error":"` + http.StatusText(status) + `","request_id":"` + id + `"}` + "\n"
	b := make([]byte, 0, len(head)+len(body)+96)
	b = append(b, head...)
	b = append(b, "Content-Length: "...)
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, "\r\nX-Request-Id: "...)
	b = append(b, id...)
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }

// Serve serves srv on l: it sets srv.ConnState to l's hook (calling any hook
// set before) and, with TLS, srv.TLSConfig to l's, so that net/http serves
// HTTP/2 on the connections that negotiated it; then it calls srv.Serve(l).
// Call it once per server.
func (l *Listener) Serve(srv *http.Server) error {
	prev := srv.ConnState
	srv.ConnState = func(c net.Conn, s http.ConnState) {
		l.connState(c, s)
		if prev != nil {
			prev(c, s)
		}
	}
	if l.tlsConfig != nil {
		srv.TLSConfig = l.tlsConfig
	}
	return srv.Serve(l)
}

// connState follows what net/http does with a connection: a scanned
// connection reads the next head only once every request before it is
// answered (Idle), and stops scanning once hijacked (WebSocket, CONNECT).
func (l *Listener) connState(nc net.Conn, s http.ConnState) {
	var c *scanConn
	switch v := nc.(type) {
	case *scanConn:
		c = v
	case *tlsConn:
		c = v.scanConn
	default:
		return
	}
	switch s {
	case http.StateIdle:
		c.idle.Add(1)
		c.signal()
	case http.StateHijacked:
		c.hijacked.Store(true)
		c.signal()
	}
}

// Addr returns the address of the wrapped listener.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Close closes the wrapped listener; Accept returns net.ErrClosed.
func (l *Listener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.inner.Close()
	})
	return err
}

// Accept returns the next connection: a scanned connection, or with TLS a
// connection whose handshake is complete (a *tls.Conn when it negotiated
// HTTP/2, a scanned connection reporting its TLS state otherwise).
func (l *Listener) Accept() (net.Conn, error) {
	if l.tlsConfig == nil {
		c, err := l.inner.Accept()
		if err != nil {
			return nil, err
		}
		return l.newConn(c, false), nil
	}
	// Handshakes run concurrently, outside the accept loop, so that a
	// client that never completes one holds up nobody else.
	l.startOnce.Do(func() { go l.acceptLoop() })
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *Listener) acceptLoop() {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			// net/http retries temporary errors (too many open files)
			// and stops serving on the others.
			if te, ok := err.(interface{ Temporary() bool }); ok && te.Temporary() {
				continue
			}
			return
		}
		go l.handshake(c)
	}
}

func (l *Listener) handshake(raw net.Conn) {
	tc := tls.Server(raw, l.tlsConfig)
	ctx, cancel := context.WithTimeout(context.Background(), l.handshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		_ = raw.Close()
		return
	}
	var c net.Conn = tc
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		c = &tlsConn{l.newConn(tc, true)}
	}
	select {
	case l.ready <- c:
	case <-l.done:
		_ = c.Close()
	}
}

func (l *Listener) newConn(c net.Conn, overTLS bool) *scanConn {
	return &scanConn{Conn: c, l: l, tls: overTLS, f: framer{maxHead: l.maxHead}}
}

// mode is what a scanConn does with the bytes it reads.
type mode uint8

const (
	modeScan mode = iota // checking requests
	modeHold             // a message ended: wait until net/http answered it
	modePass             // hijacked: bytes are no longer HTTP/1
	modeDone             // refused or failed: every Read returns err
)

// A scanConn is a connection whose requests are checked before they are
// returned by Read. Only net/http's connection goroutine reads it.
type scanConn struct {
	net.Conn
	l   *Listener
	tls bool
	f   framer

	// buf holds the bytes read from the network: [r:a] are checked and not
	// yet returned, [a:w] are not checked yet.
	buf     []byte
	r, a, w int
	mode    mode
	err     error
	msgs    int64 // request heads returned to net/http

	// Set by the connection-state hook.
	idle     atomic.Int64 // requests net/http has answered
	hijacked atomic.Bool

	// For wait: the read deadline, and a channel closed (and replaced)
	// when it or the connection's state changes.
	mu           sync.Mutex
	readDeadline time.Time
	wake         chan struct{}
	closed       bool
}

// signal wakes a Read waiting in wait.
func (c *scanConn) signal() {
	c.mu.Lock()
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
	c.mu.Unlock()
}

// wait blocks until the connection's state changes, the read deadline
// passes (net/http ends its background read by setting one in the past)
// or the connection is closed.
func (c *scanConn) wait() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return net.ErrClosed
	}
	if c.wake == nil {
		c.wake = make(chan struct{})
	}
	wake, deadline := c.wake, c.readDeadline
	c.mu.Unlock()
	if c.hijacked.Load() || c.idle.Load() >= c.msgs {
		return nil
	}
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		d := time.Until(deadline)
		if d <= 0 {
			return os.ErrDeadlineExceeded
		}
		t := time.NewTimer(d)
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-wake:
		return nil
	case <-timeout:
		return os.ErrDeadlineExceeded
	}
}

// SetReadDeadline sets the read deadline of the connection.
func (c *scanConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline = t
	c.mu.Unlock()
	c.signal()
	return c.Conn.SetReadDeadline(t)
}

// SetDeadline sets the read and write deadlines of the connection.
func (c *scanConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.readDeadline = t
	c.mu.Unlock()
	c.signal()
	return c.Conn.SetDeadline(t)
}

// Close closes the connection; a Read waiting in wait returns.
func (c *scanConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.signal()
	return c.Conn.Close()
}

// Read returns the connection's bytes once checked: a request head only
// when it is complete and unambiguous, body bytes as they come.
func (c *scanConn) Read(p []byte) (int, error) {
	for {
		if c.r < c.a {
			n := copy(p, c.buf[c.r:c.a])
			c.r += n
			return n, nil
		}
		switch c.mode {
		case modeDone:
			return 0, c.err
		case modePass:
			if c.a < c.w {
				c.a = c.w
				continue
			}
			return c.Conn.Read(p)
		case modeHold:
			// The next head is checked only when net/http has answered
			// every request before it: a refusal is then written on a
			// quiet connection, and after a protocol switch (hijack) the
			// bytes are passed on unchecked. Meanwhile the only read is
			// net/http's background read, which ends by a deadline.
			switch {
			case c.hijacked.Load():
				c.mode = modePass
			case c.idle.Load() >= c.msgs:
				c.mode = modeScan
			default:
				// Reading detects a client that goes away (net/http then
				// cancels the request); once the head limit is buffered,
				// the rest waits in the network.
				if c.w-c.a >= c.l.maxHead {
					if err := c.wait(); err != nil {
						return 0, err
					}
				} else if err := c.fill(c.l.maxHead); err != nil {
					return 0, err
				}
			}
			continue
		}
		// Body bytes need no look: read them straight into p.
		if c.a == c.w && (c.f.phase == phaseBody || c.f.phase == phaseChunkData) && len(p) > 0 {
			q := p
			if int64(len(q)) > c.f.remain {
				q = q[:c.f.remain]
			}
			n, err := c.Conn.Read(q)
			if c.f.consumed(n) {
				c.mode = modeHold
			}
			return n, err
		}
		n, head, end, err := c.f.step(c.buf[c.a:c.w])
		if err != nil {
			return 0, c.refuse(err)
		}
		c.a += n
		if head {
			c.msgs++
		}
		if end {
			c.mode = modeHold
		}
		if n > 0 {
			continue
		}
		limit := c.l.maxHead
		switch c.f.phase {
		case phaseChunkLine:
			limit = maxChunkLine
		case phaseTrailer:
			limit = maxTrailer
		}
		if err := c.fill(limit); err != nil {
			return 0, err
		}
	}
}

// fill reads from the network after the unchecked bytes, keeping at most
// limit of them.
func (c *scanConn) fill(limit int) error {
	if c.w == len(c.buf) {
		if c.r > 0 {
			copy(c.buf, c.buf[c.r:c.w])
			c.a -= c.r
			c.w -= c.r
			c.r = 0
		}
		if c.w == len(c.buf) {
			size := max(2*len(c.buf), initialBuffer)
			size = min(size, limit+c.a-c.r)
			if size <= len(c.buf) {
				// The caller's check of limit runs before this.
				size = len(c.buf) + 1
			}
			c.buf = append(c.buf[:c.w], make([]byte, size-c.w)...)
		}
	}
	n, err := c.Conn.Read(c.buf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// fail makes every later Read return err.
func (c *scanConn) fail(err error) error {
	c.mode, c.err = modeDone, err
	return err
}

// refuse ends the connection for reason. A bad head gets the fixed answer
// (net/http has not seen it and is waiting for it, so the connection is
// quiet) and the connection is closed; a bad chunked body is found while
// net/http serves the request, so it only fails the reads: the handler
// sees an error and net/http reads no further request from the connection.
func (c *scanConn) refuse(reason error) error {
	// Each refusal gets its own request id, in the answer and in the
	// security log, so that a client's report can be found in the log.
	id := requestid.New()
	if c.l.onRefuse != nil {
		c.l.onRefuse(c.RemoteAddr(), id, reason)
	}
	if c.f.phase != phaseHead {
		return c.fail(reason)
	}
	i := 0
	if c.tls {
		i = 1
	}
	head, status := c.l.refusal400[i], http.StatusBadRequest
	switch {
	case errors.Is(reason, ErrHeadTooLarge):
		head, status = c.l.refusal431[i], http.StatusRequestHeaderFieldsTooLarge
	case errors.Is(reason, ErrURITooLong):
		head, status = c.l.refusal414[i], http.StatusRequestURITooLong
	case errors.Is(reason, errExpectation):
		head, status = c.l.refusal417[i], http.StatusExpectationFailed
	}
	_ = c.Conn.SetWriteDeadline(time.Now().Add(refusalWriteTimeout))
	if _, err := c.Conn.Write(answer(head, status, id)); err == nil {
		c.linger()
	}
	_ = c.Conn.Close()
	return c.fail(io.EOF)
}

// linger half-closes the connection and drains what the client still sends
// for a moment, as net/http does before closing a connection with unread
// input: closing a socket with unread data resets it, and the reset can
// destroy the answer before the client reads it.
func (c *scanConn) linger() {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = c.Conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	_, _ = io.CopyN(io.Discard, c.Conn, lingerBytes)
}

// tlsConn is a scanned connection over TLS. ConnectionState makes net/http
// set Request.TLS, as it does for a *tls.Conn.
type tlsConn struct{ *scanConn }

// ConnectionState returns the TLS state of the connection.
func (c *tlsConn) ConnectionState() tls.ConnectionState {
	return c.scanConn.Conn.(*tls.Conn).ConnectionState()
}

var (
	_ net.Listener = (*Listener)(nil)
	_ net.Conn     = (*scanConn)(nil)
)
