package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync"
	"time"

	"github.com/harden-go/harden/internal/proxydefault"
)

// Limits of the lean upstream transport.
const (
	// maxIdleConns bounds the idle keep-alive connections kept to the
	// upstream; more concurrent requests dial more, and the surplus is
	// closed when they finish.
	maxIdleConns = 512
	// idleConnTimeout is how long an idle connection may wait for reuse.
	idleConnTimeout = 90 * time.Second
	// maxResponseHeaderBytes bounds what is read of the upstream's status
	// line, headers and interim (1xx) answers together.
	maxResponseHeaderBytes = 1 << 20
	// max1xxResponses bounds the interim answers before the final one.
	max1xxResponses = 5
	// staleCheckAfter is the idle time after which a pooled connection
	// is checked for a close by the upstream before reuse.
	staleCheckAfter = time.Second
	// dialTimeout bounds the connection setup to the upstream.
	dialTimeout = 10 * time.Second
)

// Errors of the lean transport; each becomes a 502 for the client.
var (
	errHeaderTooLarge = errors.New("proxy: upstream response header larger than 1 MiB")
	errTooMany1xx     = errors.New("proxy: upstream sent too many 1xx responses")
	errUnexpected101  = errors.New("proxy: upstream switched protocols without an upgrade request")
)

// leanTransport is the RoundTripper to a plain HTTP/1.1 upstream (http://
// or a unix socket): a bounded pool of persistent connections that the
// calling goroutine uses itself. The request is written through the
// connection's bufio.Writer and the response read through its
// bufio.Reader with http.ReadResponse, with no goroutine per connection
// and no channel handoff. Upgrades (WebSockets) and anything not http://
// go to fallback, the tuned http.Transport.
//
// The request is framed by net/http's Request.Write from its ContentLength
// and TransferEncoding fields: the client's own Content-Length and
// Transfer-Encoding headers are never copied, so a body the proxy forwards
// cannot be read by the upstream as a second request.
type leanTransport struct {
	network, addr string
	dialer        net.Dialer
	timeout       time.Duration // response header timeout
	fallback      http.RoundTripper
	dial          func(ctx context.Context) (net.Conn, error) // nil: dialer to network, addr

	mu     sync.Mutex
	idle   []*upConn // LIFO: the most recently used first, least likely stale
	closed bool
}

// newLeanTransport returns the lean transport to target, falling back to
// fallback for what it does not handle.
func newLeanTransport(target upstreamTarget, timeout time.Duration, fallback http.RoundTripper) *leanTransport {
	if timeout == 0 {
		timeout = proxydefault.Timeout
	}
	t := &leanTransport{
		network:  "tcp",
		addr:     target.url.Host,
		dialer:   net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second},
		timeout:  timeout,
		fallback: fallback,
	}
	if target.socket != "" {
		t.network, t.addr = "unix", target.socket
	} else if target.url.Port() == "" {
		t.addr = net.JoinHostPort(target.url.Hostname(), "80")
	}
	return t
}

// RoundTrip sends req on a pooled connection and returns the response; its
// body hands the connection back to the pool when read to the end.
func (t *leanTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.Header.Get("Upgrade") != "" {
		return t.fallback.RoundTrip(req)
	}
	ctx := req.Context()
	hasBody := req.Body != nil && req.Body != http.NoBody
	fresh := false
	for {
		c, err := t.get(ctx, fresh)
		if err != nil {
			return nil, err
		}
		resp, err := t.exchange(ctx, c, req)
		if err == nil {
			return resp, nil
		}
		// A reused connection that fails before the first byte of an
		// answer was most likely closed by the upstream while it sat
		// idle. The request is sent again once, on a new connection,
		// only when it is idempotent and has no body: a replayed POST
		// may be a double charge if the upstream did act on the first
		// copy, and a streamed body cannot be read twice.
		if c.reused && c.got == 0 && !fresh && !hasBody && isIdempotent(req.Method) && ctx.Err() == nil {
			fresh = true
			continue
		}
		return nil, err
	}
}

// isIdempotent reports whether method may be sent twice with the effect of
// once (RFC 9110, 9.2.2).
func isIdempotent(method string) bool {
	switch method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return false
}

// exchange writes req on c and reads the response header. On error c is
// closed; on success the response body owns c.
func (t *leanTransport) exchange(ctx context.Context, c *upConn, req *http.Request) (*http.Response, error) {
	c.got = 0
	// The client leaving (or the request's deadline) closes the
	// connection, which fails whatever read or write is under way.
	stop := context.AfterFunc(ctx, c.abort)
	fail := func(err error) (*http.Response, error) {
		stop()
		c.close()
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		return nil, err
	}
	if bodyErr, err := c.writeRequest(req); err != nil {
		if bodyErr != nil {
			return fail(bodyErr)
		}
		if resp := c.readEarlyAnswer(req); resp != nil {
			return t.wrap(c, resp, stop, false), nil
		}
		return fail(err)
	}
	resp, err := t.readResponse(ctx, c, req)
	if err != nil {
		return fail(err)
	}
	// A body that ends only when the connection does cannot be followed
	// by another response.
	keep := !resp.Close && (resp.ContentLength >= 0 || len(resp.TransferEncoding) > 0 || resp.Body == http.NoBody)
	return t.wrap(c, resp, stop, keep), nil
}

// writeRequest writes req on c and flushes it. When the writing fails, err
// is the failure and bodyErr the error of req's own body, if that is what
// failed.
func (c *upConn) writeRequest(req *http.Request) (bodyErr, err error) {
	out, body := req, (*bodyReader)(nil)
	if req.Body != nil && req.Body != http.NoBody {
		// Copy to record the body's own error apart from the
		// connection's: a body over the limit is the client's fault
		// (413), not the upstream's.
		body = &bodyReader{r: req.Body}
		r2 := *req
		r2.Body = body
		out = &r2
	}
	err = out.Write(c.bw)
	if err == nil {
		err = c.bw.Flush() // Write leaves a *bufio.Writer unflushed
	}
	if err != nil && body != nil {
		bodyErr = body.err
	}
	return bodyErr, err
}

// readEarlyAnswer reads the final answer of an upstream that failed the
// writing of req before anything of an answer was read, or returns nil
// when none comes within a second (an upstream refusing a body it will
// not take may answer and close before reading it all).
func (c *upConn) readEarlyAnswer(req *http.Request) *http.Response {
	if c.got != 0 || c.br.Buffered() != 0 {
		return nil
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(time.Second))
	c.limit = maxResponseHeaderBytes
	resp, err := http.ReadResponse(c.br, req)
	if err != nil || resp.StatusCode < 200 {
		return nil
	}
	_ = c.conn.SetReadDeadline(time.Time{})
	c.limit = -1
	return resp
}

// readResponse reads the final response header to req from c, within the
// response header timeout and maxResponseHeaderBytes. Interim answers are
// passed to ctx's trace hook, at most max1xxResponses of them; a 101 is an
// error, as upgrades go to the fallback.
func (t *leanTransport) readResponse(ctx context.Context, c *upConn, req *http.Request) (*http.Response, error) {
	if err := c.conn.SetReadDeadline(time.Now().Add(t.timeout)); err != nil {
		return nil, err
	}
	c.limit = maxResponseHeaderBytes
	var resp *http.Response
	for n := 0; ; n++ {
		var err error
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			if errors.Is(err, errHeaderTooLarge) {
				err = errHeaderTooLarge
			}
			return nil, err
		}
		code := resp.StatusCode
		if code == http.StatusSwitchingProtocols {
			return nil, errUnexpected101 // upgrades go to the fallback
		}
		if code >= 200 {
			break
		}
		if n+1 >= max1xxResponses {
			return nil, errTooMany1xx
		}
		// An interim answer (100 Continue, 103 Early Hints): passed to
		// the client by ReverseProxy's trace hook, then read on.
		if trace := httptrace.ContextClientTrace(ctx); trace != nil && trace.Got1xxResponse != nil {
			if err := trace.Got1xxResponse(code, interimHeader(code, textproto.MIMEHeader(resp.Header))); err != nil {
				return nil, err
			}
		}
	}
	c.limit = -1
	if err := c.conn.SetReadDeadline(time.Time{}); err != nil {
		return nil, err
	}
	return resp, nil
}

// wrap makes resp's body the owner of c.
func (t *leanTransport) wrap(c *upConn, resp *http.Response, stop func() bool, keep bool) *http.Response {
	b := &upBody{rc: resp.Body, c: c, t: t, stop: stop, keep: keep}
	if resp.Body == http.NoBody {
		b.finish(true)
		return resp
	}
	resp.Body = b
	return resp
}

// get returns an idle connection, or a new one when there is none or
// fresh is set.
func (t *leanTransport) get(ctx context.Context, fresh bool) (*upConn, error) {
	if !fresh {
		now := time.Now()
		t.mu.Lock()
		for len(t.idle) > 0 {
			c := t.idle[len(t.idle)-1]
			t.idle[len(t.idle)-1] = nil
			t.idle = t.idle[:len(t.idle)-1]
			idle := now.Sub(c.idleAt)
			if idle > idleConnTimeout {
				t.mu.Unlock()
				c.close()
				t.mu.Lock()
				continue
			}
			t.mu.Unlock()
			// Upstreams close idle keep-alive connections on their own
			// clock (Node after 5 s, gunicorn after 2 s) without a word;
			// one that sat idle a while is checked before a request is
			// written into it, as a POST on a dead one could not be
			// retried. A busy connection is reused without the syscall.
			if idle > staleCheckAfter && connBroken(c.conn) {
				c.close()
				t.mu.Lock()
				continue
			}
			c.reused = true
			return c, nil
		}
		t.mu.Unlock()
	}
	var conn net.Conn
	var err error
	if t.dial != nil {
		conn, err = t.dial(ctx)
	} else {
		conn, err = t.dialer.DialContext(ctx, t.network, t.addr)
	}
	if err != nil {
		return nil, err
	}
	c := &upConn{conn: conn, limit: -1}
	c.br = readers.Get().(*bufio.Reader)
	c.br.Reset(c)
	c.bw = writers.Get().(*bufio.Writer)
	c.bw.Reset(conn)
	return c, nil
}

// put returns c to the idle pool, or closes it when the pool is full or
// the transport closed.
func (t *leanTransport) put(c *upConn) {
	c.idleAt = time.Now()
	var expired []*upConn
	t.mu.Lock()
	// The oldest idle connections, at the bottom of the stack, are
	// closed once past idleConnTimeout, so that a burst's surplus does
	// not hold sockets (closed by the upstream long ago) for good.
	for len(t.idle) > 0 && c.idleAt.Sub(t.idle[0].idleAt) > idleConnTimeout {
		expired = append(expired, t.idle[0])
		t.idle[0] = nil
		t.idle = t.idle[1:]
	}
	if t.closed || len(t.idle) >= maxIdleConns {
		t.mu.Unlock()
		c.close()
	} else {
		t.idle = append(t.idle, c)
		t.mu.Unlock()
	}
	for _, e := range expired {
		e.close()
	}
}

// CloseIdleConnections closes the idle connections, the fallback's too.
func (t *leanTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, c := range idle {
		c.close()
	}
	if ci, ok := t.fallback.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}

// close closes the idle connections and keeps connections in use from
// returning to the pool.
func (t *leanTransport) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
	t.CloseIdleConnections()
}

// Buffers of the upstream connections, lent while a connection lives.
var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 8<<10) }}
)

// upConn is one connection to the upstream. Its Read is the source of br:
// it counts the bytes of the current answer and enforces the header limit.
type upConn struct {
	conn   net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	limit  int64 // bytes that may still be read; negative: no limit
	got    int64 // bytes read of the current exchange's answer
	reused bool
	idleAt time.Time

	closeOnce sync.Once
}

// Read reads from the connection within the limit. A hostile upstream
// sending endless headers stops here instead of filling memory.
func (c *upConn) Read(p []byte) (int, error) {
	if c.limit == 0 {
		return 0, errHeaderTooLarge
	}
	if c.limit > 0 && int64(len(p)) > c.limit {
		p = p[:c.limit]
	}
	n, err := c.conn.Read(p)
	c.got += int64(n)
	if c.limit > 0 {
		c.limit -= int64(n)
	}
	return n, err
}

// abort closes the connection under a read or write in progress.
func (c *upConn) abort() { _ = c.conn.Close() }

// close closes the connection and returns its buffers.
func (c *upConn) close() {
	c.closeOnce.Do(func() {
		_ = c.conn.Close()
		c.br.Reset(nil)
		readers.Put(c.br)
		c.bw.Reset(nil)
		writers.Put(c.bw)
	})
}

// upBody is a response body on a pooled connection: read to its end, it
// returns the connection to the pool; closed early or failed, it closes
// the connection, whose state is unknown.
type upBody struct {
	rc   io.ReadCloser
	c    *upConn
	t    *leanTransport
	stop func() bool
	keep bool

	mu   sync.Mutex
	done bool
	err  error
}

// errBodyClosed is returned by Read after Close.
var errBodyClosed = errors.New("proxy: read on closed response body")

// Read reads the body; at its end the connection goes back to the pool.
func (b *upBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		b.finish(false)
		b.err = err
	}
	return n, err
}

// Close ends the body; a body not read to its end costs its connection.
// A Close concurrent with a Read waits for it (the request's context,
// when canceled, ends a Read blocked on the connection).
func (b *upBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.finish(false)
		b.err = errBodyClosed
	}
	return nil
}

// finish releases the connection: to the pool when the body ended cleanly
// on a reusable connection with nothing unread after it, else closed.
func (b *upBody) finish(ok bool) {
	b.done = true
	// stop reports false when the context already closed the connection.
	if b.stop() && ok && b.keep && b.c.br.Buffered() == 0 {
		b.t.put(b.c)
		return
	}
	b.c.close()
}

// bodyReader is the request body as the transport reads it, keeping its
// own error apart from the connection's.
type bodyReader struct {
	r   io.ReadCloser
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.r.Close() }
