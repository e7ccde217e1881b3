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
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a fake upstream on a loopback socket that answers with
// bytes written by hand; serve runs once per accepted connection.
type rawServer struct {
	ln    net.Listener
	dials atomic.Int64
	wg    sync.WaitGroup

	mu    sync.Mutex
	conns []net.Conn
}

func newRawServer(t *testing.T, serve func(c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.dials.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	t.Cleanup(s.close)
	return s
}

// close stops the server and waits for its goroutines.
func (s *rawServer) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// answering serves every request of a connection with resp; closeAfter
// closes the connection after the first answer.
func answering(resp string, closeAfter bool, got chan<- *http.Request) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			body, _ := io.ReadAll(req.Body)
			req.Body = io.NopCloser(strings.NewReader(string(body)))
			if got != nil {
				got <- req
			}
			if _, err := io.WriteString(c, resp); err != nil || closeAfter {
				return
			}
		}
	}
}

// countingRT is a fallback that answers 200 and counts its calls.
type countingRT struct{ n atomic.Int64 }

func (c *countingRT) RoundTrip(*http.Request) (*http.Response, error) {
	c.n.Add(1)
	return &http.Response{StatusCode: 200, Body: http.NoBody, Header: http.Header{}}, nil
}

func newLean(t *testing.T, s *rawServer, timeout time.Duration) (*leanTransport, *countingRT) {
	t.Helper()
	u, err := url.Parse("http://" + s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fb := &countingRT{}
	tr := newLeanTransport(upstreamTarget{url: u}, timeout, fb)
	t.Cleanup(tr.close)
	return tr, fb
}

func newReq(t *testing.T, ctx context.Context, method string, s *rawServer, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.ln.Addr().String()+"/x", body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// roundTrip sends req and reads the whole answer.
func roundTrip(t *testing.T, tr http.RoundTripper, req *http.Request) (*http.Response, string, error) {
	t.Helper()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func TestLeanFraming(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		resp       string
		closeAfter bool
		wantStatus int
		wantBody   string
		wantTrail  string // X-Sum trailer
		want1xx    []int
		wantReuse  bool
	}{
		{name: "content-length", resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
			wantStatus: 200, wantBody: "hello", wantReuse: true},
		{name: "chunked with trailer", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n",
			wantStatus: 200, wantBody: "hello", wantTrail: "42", wantReuse: true},
		{name: "close-delimited", resp: "HTTP/1.1 200 OK\r\n\r\nhello", closeAfter: true,
			wantStatus: 200, wantBody: "hello", wantReuse: false},
		{name: "head", method: "HEAD", resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
			wantStatus: 200, wantBody: "", wantReuse: true},
		{name: "204", resp: "HTTP/1.1 204 No Content\r\n\r\n", wantStatus: 204, wantReuse: true},
		{name: "304", resp: "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", wantStatus: 304, wantReuse: true},
		{name: "100 continue", resp: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			wantStatus: 200, wantBody: "ok", want1xx: []int{100}, wantReuse: true},
		{name: "103 early hints", resp: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
			wantStatus: 200, wantBody: "ok", want1xx: []int{103}, wantReuse: true},
		{name: "connection close", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
			wantStatus: 200, wantBody: "ok", wantReuse: false},
		{name: "http/1.0", resp: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
			wantStatus: 200, wantBody: "ok", wantReuse: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRawServer(t, answering(tt.resp, tt.closeAfter, nil))
			tr, _ := newLean(t, s, 0)
			for i := range 2 {
				var got1xx []int
				ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
					Got1xxResponse: func(code int, _ textproto.MIMEHeader) error { got1xx = append(got1xx, code); return nil },
				})
				method := tt.method
				if method == "" {
					method = "GET"
				}
				resp, body, err := roundTrip(t, tr, newReq(t, ctx, method, s, nil))
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if resp.StatusCode != tt.wantStatus || body != tt.wantBody {
					t.Errorf("request %d: got %d %q, want %d %q", i, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
				}
				if got := resp.Trailer.Get("X-Sum"); got != tt.wantTrail {
					t.Errorf("trailer X-Sum %q, want %q", got, tt.wantTrail)
				}
				if len(got1xx) != len(tt.want1xx) || len(got1xx) > 0 && got1xx[0] != tt.want1xx[0] {
					t.Errorf("1xx %v, want %v", got1xx, tt.want1xx)
				}
			}
			wantDials := int64(2)
			if tt.wantReuse {
				wantDials = 1
			}
			if got := s.dials.Load(); got != wantDials {
				t.Errorf("dials %d for 2 requests, want %d", got, wantDials)
			}
		})
	}
}

func TestLeanRequestBodies(t *testing.T) {
	got := make(chan *http.Request, 1)
	s := newRawServer(t, answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, got))
	tr, _ := newLean(t, s, 0)

	t.Run("content-length, client framing headers ignored", func(t *testing.T) {
		req := newReq(t, context.Background(), "POST", s, strings.NewReader("abc"))
		// A smuggling attempt: framing headers that disagree with the body.
		req.Header["Content-Length"] = []string{"99"}
		req.Header["Transfer-Encoding"] = []string{"chunked"}
		if _, _, err := roundTrip(t, tr, req); err != nil {
			t.Fatal(err)
		}
		up := <-got
		body, _ := io.ReadAll(up.Body)
		if up.ContentLength != 3 || len(up.TransferEncoding) != 0 || string(body) != "abc" {
			t.Errorf("upstream got CL %d TE %v body %q, want CL 3, no TE, %q", up.ContentLength, up.TransferEncoding, body, "abc")
		}
	})
	t.Run("chunked", func(t *testing.T) {
		req := newReq(t, context.Background(), "POST", s, io.NopCloser(strings.NewReader("hello world")))
		req.ContentLength = -1
		if _, _, err := roundTrip(t, tr, req); err != nil {
			t.Fatal(err)
		}
		up := <-got
		body, _ := io.ReadAll(up.Body)
		if up.ContentLength != -1 || len(up.TransferEncoding) != 1 || string(body) != "hello world" {
			t.Errorf("upstream got CL %d TE %v body %q, want chunked %q", up.ContentLength, up.TransferEncoding, body, "hello world")
		}
	})
	if got := s.dials.Load(); got != 1 {
		t.Errorf("dials %d, want 1", got)
	}
}

func TestLeanStreamsRequestBody(t *testing.T) {
	first := make(chan string, 1)
	s := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(req.Body, buf); err != nil {
			return
		}
		first <- string(buf)
		io.Copy(io.Discard, req.Body)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	})
	tr, _ := newLean(t, s, 0)
	pr, pw := io.Pipe()
	req := newReq(t, context.Background(), "POST", s, pr)
	req.ContentLength = -1
	done := make(chan error, 1)
	go func() {
		_, _, err := roundTrip(t, tr, req)
		done <- err
	}()
	if _, err := pw.Write([]byte("part1")); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-first:
		if got != "part1" {
			t.Errorf("upstream got %q first, want part1", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the first part of the body did not reach the upstream before the rest was written: buffered")
	}
	pw.Write([]byte("part2"))
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLeanPoolReuse(t *testing.T) {
	s := newRawServer(t, answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, nil))
	tr, _ := newLean(t, s, 0)
	const n = 20
	for i := range n {
		if _, body, err := roundTrip(t, tr, newReq(t, context.Background(), "GET", s, nil)); err != nil || body != "ok" {
			t.Fatalf("request %d: %q, %v", i, body, err)
		}
	}
	if got := s.dials.Load(); got != 1 {
		t.Errorf("dials %d for %d sequential requests, want 1", got, n)
	}
	// A body closed before its end costs its connection.
	resp, err := tr.RoundTrip(newReq(t, context.Background(), "GET", s, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	roundTrip(t, tr, newReq(t, context.Background(), "GET", s, nil))
	if got := s.dials.Load(); got != 2 {
		t.Errorf("dials %d after an early Close, want 2", got)
	}
}

// Idle connections past idleConnTimeout at the bottom of the pool are
// closed when another connection is returned.
func TestLeanExpiredIdleClosed(t *testing.T) {
	s := newRawServer(t, answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false, nil))
	tr, _ := newLean(t, s, 0)
	// Two connections at once, both pooled.
	r1, err := tr.RoundTrip(newReq(t, context.Background(), "GET", s, nil))
	if err != nil {
		t.Fatal(err)
	}
	r2, err := tr.RoundTrip(newReq(t, context.Background(), "GET", s, nil))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(r1.Body)
	r1.Body.Close()
	tr.mu.Lock()
	if len(tr.idle) != 1 {
		t.Fatalf("%d idle, want 1", len(tr.idle))
	}
	tr.idle[0].idleAt = time.Now().Add(-idleConnTimeout - time.Second)
	tr.mu.Unlock()
	io.ReadAll(r2.Body)
	r2.Body.Close()
	tr.mu.Lock()
	n := len(tr.idle)
	tr.mu.Unlock()
	if n != 1 || s.dials.Load() != 2 {
		t.Errorf("%d idle of %d dialed, want 1 of 2: the expired one closed", n, s.dials.Load())
	}
}

func TestLeanStaleRetry(t *testing.T) {
	tests := []struct {
		method, body string
		wantErr      bool
		wantDials    int64
		wantRequests int64
	}{
		{"GET", "", false, 2, 2},
		{"HEAD", "", false, 2, 2},
		{"POST", "x", true, 1, 1}, // never replayed: a double charge
		{"POST", "", true, 1, 1},
		{"PUT", "x", true, 1, 1}, // idempotent, but a streamed body cannot be sent twice
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.body, func(t *testing.T) {
			var requests atomic.Int64
			closed := make(chan struct{}, 4)
			// Keeps the connection alive in words, closes it in deeds.
			s := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				requests.Add(1)
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				c.Close()
				closed <- struct{}{}
			})
			tr, _ := newLean(t, s, 0)
			if _, _, err := roundTrip(t, tr, newReq(t, context.Background(), "GET", s, nil)); err != nil {
				t.Fatal(err)
			}
			<-closed
			time.Sleep(20 * time.Millisecond) // the FIN reaches the proxy's side
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			_, _, err := roundTrip(t, tr, newReq(t, context.Background(), tt.method, s, body))
			if (err != nil) != tt.wantErr {
				t.Errorf("error %v, want error %v", err, tt.wantErr)
			}
			if got := s.dials.Load(); got != tt.wantDials {
				t.Errorf("dials %d, want %d", got, tt.wantDials)
			}
			if got := requests.Load(); got != tt.wantRequests {
				t.Errorf("upstream received %d requests, want %d", got, tt.wantRequests)
			}
		})
	}
}

// A connection the upstream closed while idle (Node's keep-alive timeout)
// is found before reuse, so even a POST, never retried, gets through.
func TestLeanIdleCloseDetected(t *testing.T) {
	closed := make(chan struct{}, 4)
	s := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		c.Close()
		closed <- struct{}{}
	})
	tr, _ := newLean(t, s, 0)
	if _, _, err := roundTrip(t, tr, newReq(t, context.Background(), "GET", s, nil)); err != nil {
		t.Fatal(err)
	}
	<-closed
	time.Sleep(staleCheckAfter + 100*time.Millisecond)
	if _, body, err := roundTrip(t, tr, newReq(t, context.Background(), "POST", s, strings.NewReader("x"))); err != nil || body != "ok" {
		t.Fatalf("POST after the idle close: %q, %v; want ok", body, err)
	}
	if got := s.dials.Load(); got != 2 {
		t.Errorf("dials %d, want 2", got)
	}
}

func TestLeanHostileUpstream(t *testing.T) {
	huge := "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 1000)+"\r\n", 2100) + "Content-Length: 0\r\n\r\n"
	tests := []struct {
		name       string
		resp       string
		wantHeader bool // RoundTrip succeeds, the body fails
		wantErr    error
	}{
		{name: "huge headers", resp: huge, wantErr: errHeaderTooLarge},
		{name: "bad status line", resp: "HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n"},
		{name: "not http", resp: "SSH-2.0-OpenSSH\r\n\r\n"},
		{name: "unasked 101", resp: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", wantErr: errUnexpected101},
		{name: "too many 1xx", resp: strings.Repeat("HTTP/1.1 103 Early Hints\r\n\r\n", 6) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", wantErr: errTooMany1xx},
		{name: "two content-lengths", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"},
		{name: "bad chunking", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", wantHeader: true},
		{name: "close mid-body", resp: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", wantHeader: true},
		{name: "nothing", resp: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				io.WriteString(c, tt.resp)
			}) // closes the connection after its answer
			tr, _ := newLean(t, s, 0)
			resp, _, err := roundTrip(t, tr, newReq(t, context.Background(), "GET", s, nil))
			if err == nil {
				t.Fatalf("got %d and a whole body, want an error", resp.StatusCode)
			}
			if tt.wantHeader != (resp != nil) {
				t.Errorf("response %v, want one: %v (error %v)", resp != nil, tt.wantHeader, err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			tr.mu.Lock()
			idle := len(tr.idle)
			tr.mu.Unlock()
			if idle != 0 {
				t.Errorf("%d idle connections after a failed answer, want 0: the connection must be discarded", idle)
			}
		})
	}
}

// Through the whole proxy, an answer that fails before its header is
// complete is the safe 502, with nothing of the upstream's bytes.
func TestLeanHostileUpstreamSafe502(t *testing.T) {
	for _, resp := range []string{
		"HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Leak: secret-"+strings.Repeat("a", 1000)+"\r\n", 2100) + "\r\n",
		"HTTP/1.1 2OO OK secret\r\n\r\n",
		"",
	} {
		s := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
			if _, err := http.ReadRequest(br); err != nil {
				return
			}
			io.WriteString(c, resp)
		})
		_, srv := start(t, prodConfig("http://"+s.ln.Addr().String()))
		res := send(t, srv, "GET", "/x", "", map[string]string{"Accept": "application/json"})
		if res.status != 502 || !strings.Contains(res.body, `"error":"Bad Gateway"`) || strings.Contains(res.body, "secret") {
			t.Errorf("got %d %q, want 502 with the safe JSON body", res.status, res.body)
		}
	}
}

func TestLeanCancellation(t *testing.T) {
	before := settledGoroutines()
	func() {
		gotReq := make(chan struct{}, 2)
		closed := make(chan struct{}, 2)
		s := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if req.URL.Path == "/body" {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
			}
			gotReq <- struct{}{}
			io.Copy(io.Discard, br) // until the proxy closes the connection
			closed <- struct{}{}
		})
		tr, _ := newLean(t, s, 0)

		// The client leaves while the upstream thinks.
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := tr.RoundTrip(newReq(t, ctx, "GET", s, nil))
			done <- err
		}()
		<-gotReq
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("RoundTrip did not return after the cancellation")
		}
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("the upstream connection stayed open after the cancellation")
		}

		// The client leaves in the middle of the body.
		ctx, cancel = context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+s.ln.Addr().String()+"/body", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		<-gotReq
		buf := make([]byte, 10)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			t.Fatal(err)
		}
		cancel()
		if _, err := resp.Body.Read(buf); err == nil {
			t.Error("body read after the cancellation succeeded, want an error")
		}
		resp.Body.Close()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("the upstream connection stayed open after the cancellation mid-body")
		}
		tr.close()
		s.close()
	}()
	if after := settledGoroutines(); after > before {
		t.Errorf("goroutines %d after, %d before: a goroutine leaked", after, before)
	}
}

func TestLeanResponseHeaderTimeout(t *testing.T) {
	s := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		io.Copy(io.Discard, br) // never answers
	})
	tr, _ := newLean(t, s, 100*time.Millisecond)
	start := time.Now()
	_, err := tr.RoundTrip(newReq(t, context.Background(), "GET", s, nil))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("error %v, want a timeout (504 for the client)", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v, want about 100ms", d)
	}
}

func TestLeanFallback(t *testing.T) {
	s := newRawServer(t, answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, nil))
	tr, fb := newLean(t, s, 0)
	req := newReq(t, context.Background(), "GET", s, nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	if _, _, err := roundTrip(t, tr, req); err != nil {
		t.Fatal(err)
	}
	req = newReq(t, context.Background(), "GET", s, nil)
	req.URL.Scheme = "https"
	if _, _, err := roundTrip(t, tr, req); err != nil {
		t.Fatal(err)
	}
	if fb.n.Load() != 2 || s.dials.Load() != 0 {
		t.Errorf("fallback calls %d, lean dials %d; want 2 and 0", fb.n.Load(), s.dials.Load())
	}
}

// FuzzLeanResponse feeds arbitrary upstream answers to the lean transport:
// it must neither panic nor hang, and a response it accepts is a final one.
func FuzzLeanResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X\r\n\r\n5\r\nhello\r\n0\r\nX: 1\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nclose-delimited",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nffffffffffffffff\r\n",
		"HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		u, _ := url.Parse("http://upstream.test")
		tr := newLeanTransport(upstreamTarget{url: u}, time.Second, &countingRT{})
		var wg sync.WaitGroup
		defer wg.Wait()
		tr.dial = func(context.Context) (net.Conn, error) {
			client, server := net.Pipe()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer server.Close()
				if _, err := http.ReadRequest(bufio.NewReader(server)); err != nil {
					return
				}
				server.Write(data)
			}()
			return client, nil
		}
		defer tr.close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://upstream.test/", nil)
		resp, err := tr.RoundTrip(req)
		if err != nil {
			return
		}
		if resp.StatusCode < 200 || resp.StatusCode > 999 {
			t.Errorf("accepted status %d, want a final status", resp.StatusCode)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	})
}
