package framing

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// server is a guarded http.Server on a loopback port.
type server struct {
	addr    string
	calls   atomic.Int64 // handler calls
	mu      sync.Mutex
	refused []error
	ids     []string // the request id of each refusal
	bodies  []string // bodies the handler read, in order
}

// echo answers with the method, path and body it read.
func (s *server) echo(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "body: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.bodies = append(s.bodies, string(b))
	s.mu.Unlock()
	tlsState := "plain"
	if r.TLS != nil {
		tlsState = "tls"
	}
	fmt.Fprintf(w, "%s %s %s %s body=%q", r.Proto, tlsState, r.Method, r.URL.Path, b)
}

func startServer(t *testing.T, cfg Config, h http.Handler) *server {
	t.Helper()
	s := &server{}
	if h == nil {
		h = http.HandlerFunc(s.echo)
	}
	cfg.OnRefuse = func(_ net.Addr, id string, err error) {
		s.mu.Lock()
		s.refused = append(s.refused, err)
		s.ids = append(s.ids, id)
		s.mu.Unlock()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl, err := NewListener(ln, cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = fl.Serve(srv) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	s.addr = ln.Addr().String()
	return s
}

func (s *server) refusals() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.refused...)
}

// lastID is the request id of the latest refusal.
func (s *server) lastID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) == 0 {
		return ""
	}
	return s.ids[len(s.ids)-1]
}

// exchange writes raw to a new connection and returns the responses read
// until the server closes it.
func exchange(t *testing.T, addr, raw string) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	// Written while answers are read, so that large requests and answers
	// cannot block each other.
	go func() { _, _ = io.WriteString(c, raw) }()
	return readAll(t, c)
}

func readAll(t *testing.T, c net.Conn) []*http.Response {
	t.Helper()
	br := bufio.NewReader(c)
	var out []*http.Response
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return out
			}
			if testing.Verbose() {
				t.Logf("after %d responses: %v", len(out), err)
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open after %d responses", len(out))
			}
			t.Fatalf("reading response %d: %v", len(out)+1, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reading body %d: %v", len(out)+1, err)
		}
		resp.Body = io.NopCloser(strings.NewReader(string(b)))
		out = append(out, resp)
	}
}

func body(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	return string(b)
}

const get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

func TestRefusals(t *testing.T) {
	big := "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2048) + "\r\n\r\n"
	tests := []struct {
		name   string
		raw    string
		status int
		reason error
	}{
		{"CL.TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG", 400, errLengthAndEncoding},
		{"TE.CL", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n", 400, errLengthAndEncoding},
		{"duplicate CL equal", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, errDuplicateLength},
		{"duplicate CL differ", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\ncontent-length: 5\r\n\r\nabcde", 400, errDuplicateLength},
		{"CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", 400, errContentLength},
		{"CL plus sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400, errContentLength},
		{"CL negative", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400, errContentLength},
		{"CL empty", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400, errContentLength},
		{"CL overflow", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, errContentLength},
		{"TE xchunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n", 400, errTransferEncoding},
		{"TE chunked identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400, errTransferEncoding},
		{"TE identity chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n", 400, errTransferEncoding},
		{"TE identity", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", 400, errTransferEncoding},
		{"TE twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, errTransferEncoding},
		{"TE vertical tab", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", 400, errHeaderField},
		{"TE space before colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400, errHeaderField},
		{"TE tab before colon", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding\t: chunked\r\n\r\n0\r\n\r\n", 400, errHeaderField},
		{"TE on HTTP/1.0", "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, errEncodingHTTP10},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n Transfer-Encoding: chunked\r\n\r\n", 400, errObsFold},
		{"obs-fold tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n", 400, errObsFold},
		{"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400, errLineEnding},
		{"bare LF in header", "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", 400, errLineEnding},
		{"bare CR", "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400, errLineEnding},
		{"NUL in value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400, errHeaderField},
		{"empty name", "GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n", 400, errHeaderField},
		{"no colon", "GET / HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n", 400, errHeaderField},
		{"HTTP/2.0 on HTTP/1", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 400, errVersion},
		{"h2c preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, errVersion},
		{"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 400, errVersion},
		{"lower-case version", "GET / http/1.1\r\nHost: x\r\n\r\n", 400, errVersion},
		{"double space", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, errRequestLine},
		{"no version", "GET /\r\nHost: x\r\n\r\n", 400, errRequestLine},
		{"leading empty line", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 400, errRequestLine},
		{"control in target", "GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 400, errRequestLine},
		{"head too large", big, 431, ErrHeadTooLarge},
		// A request line that does not fit is a target too long (RFC 9110),
		// whether its end is in the buffer or not yet.
		{"target too long", "GET /" + strings.Repeat("a", 2048) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, ErrURITooLong},
		{"target too long, line unfinished", "GET /" + strings.Repeat("a", 2048), 414, ErrURITooLong},
		{"query too long", "GET /?q=" + strings.Repeat("a", 1010) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, ErrURITooLong},
		{"fields too large after a short line", "GET /" + strings.Repeat("a", 1000) + " HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 100) + "\r\n\r\n", 431, ErrHeadTooLarge},
		// What net/http refuses itself with a bare answer.
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, errNoHost},
		{"no Host absolute-form", "GET http://x/ HTTP/1.1\r\n\r\n", 400, errNoHost},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 400, errManyHosts},
		{"two equal Hosts HTTP/1.0", "GET / HTTP/1.0\r\nHost: x\r\nhost: x\r\n\r\n", 400, errManyHosts},
		{"Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, errHost},
		{"Host with slash", "GET / HTTP/1.1\r\nHost: x/y\r\n\r\n", 400, errHost},
		{"Host non-ASCII", "GET / HTTP/1.1\r\nHost: \xc3\xa9\r\n\r\n", 400, errHost},
		{"Host malformed HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\"b\r\n\r\n", 400, errHost},
		{"Expect other", "POST / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 1\r\n\r\nx", 417, errExpectation},
		{"Expect near 100-continue", "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continues\r\n\r\n", 417, errExpectation},
		{"Expect other HTTP/1.0", "GET / HTTP/1.0\r\nExpect: 200-ok\r\n\r\n", 417, errExpectation},
		{"Expect first other", "GET / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nExpect: 100-continue\r\n\r\n", 417, errExpectation},
		{"Expect with no Host", "GET / HTTP/1.1\r\nExpect: foo\r\n\r\n", 400, errNoHost},
		{"bad escape", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"short escape before query", "GET /a%4?b HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"percent at end", "GET /a% HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"bad escape after hash", "GET /a#%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"bad escape absolute-form", "GET http://x/%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"relative target", "GET a/b HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"asterisk prefix", "OPTIONS *x HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"missing scheme", "GET :80 HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
		{"CONNECT bad authority", "CONNECT [::1 HTTP/1.1\r\nHost: x\r\n\r\n", 400, errTarget},
	}
	s := startServer(t, Config{MaxHeaderBytes: 1024}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(s.refusals())
			resps := exchange(t, s.addr, tt.raw)
			if len(resps) != 1 {
				t.Fatalf("got %d responses, want 1 (then the connection closed)", len(resps))
			}
			r := resps[0]
			if r.StatusCode != tt.status {
				t.Errorf("status: got %d, want %d", r.StatusCode, tt.status)
			}
			id := s.lastID()
			if len(id) != 32 || r.Header.Get("X-Request-Id") != id {
				t.Errorf("request id: header %q, logged %q: want the same 32 hex digits", r.Header.Get("X-Request-Id"), id)
			}
			wantBody := `{"error":"` + http.StatusText(tt.status) + `","request_id":"` + id + `"}` + "\n"
			if got := body(r); got != wantBody {
				t.Errorf("body: got %q, want %q", got, wantBody)
			}
			if !r.Close {
				t.Errorf("Connection: close missing")
			}
			if r.Header.Get("Content-Security-Policy") == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", r.Header)
			}
			refused := s.refusals()
			if len(refused) != before+1 || !errors.Is(refused[len(refused)-1], tt.reason) {
				t.Errorf("refusals: got %v, want one more: %v", refused[before:], tt.reason)
			}
		})
	}
	if n := s.calls.Load(); n != 0 {
		t.Errorf("handler calls: got %d, want 0: a refused request reached the server", n)
	}
}

// TestRefusalHeaders asserts the whole fixed answer: the security headers
// of the default set, no HSTS over plain HTTP, and the JSON error.
func TestRefusalHeaders(t *testing.T) {
	s := startServer(t, Config{}, nil)
	resps := exchange(t, s.addr, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
	if len(resps) != 1 {
		t.Fatalf("got %d responses, want 1", len(resps))
	}
	want := map[string]string{
		"Content-Security-Policy":           "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
		"Cross-Origin-Opener-Policy":        "same-origin",
		"Cross-Origin-Resource-Policy":      "same-origin",
		"Origin-Agent-Cluster":              "?1",
		"Referrer-Policy":                   "no-referrer",
		"X-Content-Type-Options":            "nosniff",
		"X-Dns-Prefetch-Control":            "off",
		"X-Download-Options":                "noopen",
		"X-Frame-Options":                   "SAMEORIGIN",
		"X-Permitted-Cross-Domain-Policies": "none",
		"X-Xss-Protection":                  "0",
		"Content-Type":                      "application/json",
		"Cache-Control":                     "no-store",
		"Content-Length":                    "72",
		"Strict-Transport-Security":         "",
	}
	for name, v := range want {
		if got := resps[0].Header.Get(name); got != v {
			t.Errorf("%s: got %q, want %q", name, got, v)
		}
	}
	if !resps[0].Close {
		t.Errorf("Connection: close missing")
	}
	for name, vs := range resps[0].Header {
		if len(vs) != 1 {
			t.Errorf("%s sent %d times, want once", name, len(vs))
		}
	}
}

func TestKeepAlive(t *testing.T) {
	s := startServer(t, Config{}, nil)
	raw := "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n" +
		"POST /c HTTP/1.1\r\nHost: x\r\ntransfer-encoding: Chunked\r\n\r\n5\r\nGET /\r\n0\r\n\r\n" +
		"GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	resps := exchange(t, s.addr, raw)
	want := []string{
		`HTTP/1.1 plain POST /a body="hello"`,
		`HTTP/1.1 plain POST /b body="abcde"`,
		`HTTP/1.1 plain POST /c body="GET /"`,
		`HTTP/1.1 plain GET /d body=""`,
	}
	if len(resps) != len(want) {
		t.Fatalf("got %d responses, want %d", len(resps), len(want))
	}
	for i, r := range resps {
		if got := body(r); r.StatusCode != 200 || got != want[i] {
			t.Errorf("response %d: got %d %q, want 200 %q", i+1, r.StatusCode, got, want[i])
		}
	}
	if r := s.refusals(); len(r) != 0 {
		t.Errorf("refusals: got %v, want none", r)
	}
}

// TestSmuggledSecondRequest sends a valid request and then an ambiguous
// one on the same connection, in one write: the first is answered, the
// second refused after it, and nothing else runs.
func TestSmuggledSecondRequest(t *testing.T) {
	s := startServer(t, Config{}, nil)
	raw := "POST /ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n" +
		"POST /smuggle HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
		"GET /admin HTTP/1.1\r\nHost: x\r\n\r\n"
	resps := exchange(t, s.addr, raw)
	if len(resps) != 2 {
		t.Fatalf("got %d responses, want 2", len(resps))
	}
	if got := body(resps[0]); resps[0].StatusCode != 200 || got != `HTTP/1.1 plain POST /ok body="a"` {
		t.Errorf("first: got %d %q", resps[0].StatusCode, got)
	}
	if resps[1].StatusCode != 400 {
		t.Errorf("second: got %d, want 400", resps[1].StatusCode)
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("handler calls: got %d, want 1", n)
	}
}

// TestSlowRequest sends a request one byte at a time.
func TestSlowRequest(t *testing.T) {
	s := startServer(t, Config{}, nil)
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	raw := "POST /slow HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nhi\r\n0\r\n\r\n"
	for i := range len(raw) {
		if _, err := c.Write([]byte{raw[i]}); err != nil {
			t.Fatal(err)
		}
	}
	resps := readAll(t, c)
	if len(resps) != 1 || body(resps[0]) != `HTTP/1.1 plain POST /slow body="hi"` {
		t.Fatalf("got %d responses, want the echo of /slow", len(resps))
	}
}

func TestMalformedChunkedBody(t *testing.T) {
	tests := []struct{ name, chunks string }{
		{"size not hex", "zz\r\nab\r\n0\r\n\r\n"},
		{"no CRLF after data", "2\r\nabX\r\n0\r\n\r\n"},
		{"bare LF size line", "2\nab\r\n0\r\n\r\n"},
		{"size too large", "1000000000000000\r\n"},
		{"obs-fold trailer", "0\r\nX: a\r\n b\r\n\r\n"},
		{"space in size", "2 \r\nab\r\n0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Config{}, nil)
			raw := "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + tt.chunks +
				"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
			resps := exchange(t, s.addr, raw)
			if len(resps) > 1 {
				t.Errorf("got %d responses, want at most 1: the request after a broken body was served", len(resps))
			}
			if len(resps) == 1 && resps[0].StatusCode == 200 {
				t.Errorf("status: got 200 for a broken body")
			}
			if r := s.refusals(); len(r) != 1 || !errors.Is(r[0], errChunked) {
				t.Errorf("refusals: got %v, want [%v]", r, errChunked)
			}
		})
	}
}

// TestHijackPassThrough: after a handler takes over the connection
// (WebSocket), the bytes are no longer HTTP/1 and pass unchecked.
func TestHijackPassThrough(t *testing.T) {
	var served atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		if r.Header.Get("Upgrade") != "echo" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		_ = brw.Flush()
		line, err := brw.ReadString('\n')
		if err != nil {
			t.Error(err)
			return
		}
		_, _ = brw.WriteString("echo:" + line)
		_ = brw.Flush()
	})
	s := startServer(t, Config{}, h)
	// A request refused on HTTP/1 (obs-fold, HTTP/2.0) is data here.
	raw := "GET / HTTP/1.1\r\nHost: x\r\n\r\n" +
		"GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n" +
		"GET / HTTP/2.0\r\n"
	c, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for _, want := range []int{204, 101} {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want {
			t.Fatalf("status: got %d, want %d", resp.StatusCode, want)
		}
		if want == 204 {
			_ = resp.Body.Close()
		}
	}
	line, err := br.ReadString('\n')
	if err != nil || line != "echo:GET / HTTP/2.0\r\n" {
		t.Errorf("after the switch: got %q, %v; want the echo", line, err)
	}
	if r := s.refusals(); len(r) != 0 {
		t.Errorf("refusals: got %v, want none", r)
	}
}

// TestUpgradeDeclined: an Upgrade request answered normally keeps the
// connection in HTTP/1, where the next head is checked again.
func TestUpgradeDeclined(t *testing.T) {
	s := startServer(t, Config{}, nil)
	raw := "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" +
		"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n"
	resps := exchange(t, s.addr, raw)
	if len(resps) != 2 || resps[0].StatusCode != 200 || resps[1].StatusCode != 400 {
		t.Fatalf("got %d responses, want 200 then 400", len(resps))
	}
}

func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestTLS(t *testing.T) {
	cert, pool := testCert(t)
	s := startServer(t, Config{TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}}, nil)
	url := "https://" + s.addr + "/p"

	t.Run("h2", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Post(url, "text/plain", strings.NewReader("two"))
		if err != nil {
			t.Fatal(err)
		}
		if got := body(resp); got != `HTTP/2.0 tls POST /p body="two"` {
			t.Errorf("got %q, want the HTTP/2 echo with TLS state", got)
		}
	})
	t.Run("http/1.1", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
		defer tr.CloseIdleConnections()
		for range 2 { // the second request reuses the connection
			resp, err := (&http.Client{Transport: tr}).Post(url, "text/plain", strings.NewReader("one"))
			if err != nil {
				t.Fatal(err)
			}
			if got := body(resp); got != `HTTP/1.1 tls POST /p body="one"` {
				t.Errorf("got %q, want the HTTP/1.1 echo with TLS state", got)
			}
		}
	})
	t.Run("smuggling over TLS", func(t *testing.T) {
		c, err := tls.Dial("tcp", s.addr, &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
		resps := readAll(t, c)
		if len(resps) != 1 || resps[0].StatusCode != 400 {
			t.Fatalf("got %d responses, want one 400", len(resps))
		}
		if got := resps[0].Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
			t.Errorf("HSTS over TLS: got %q", got)
		}
	})
	t.Run("failed handshake", func(t *testing.T) {
		// A client that is not speaking TLS is dropped, and others go on.
		resps := exchange(t, s.addr, get)
		if len(resps) != 0 {
			t.Errorf("got %d responses to plain HTTP on the TLS port, want 0", len(resps))
		}
	})
}

func TestNewListenerErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, cfg := range []Config{
		{MaxHeaderBytes: -1},
		{HandshakeTimeout: -1},
		{TLSConfig: &tls.Config{}},
	} {
		if _, err := NewListener(ln, cfg); err == nil {
			t.Errorf("NewListener(%+v): got nil error, want one", cfg)
		}
	}
}

// TestLargeBodies sends bodies larger than the read buffer, by length and
// by chunks, so that body bytes go straight to the server.
func TestLargeBodies(t *testing.T) {
	s := startServer(t, Config{}, nil)
	big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	var chunked strings.Builder
	for i := 0; i < len(big); i += 300 << 10 {
		part := big[i:min(i+300<<10, len(big))]
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", len(part), part)
	}
	raw := fmt.Sprintf("POST /cl HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(big), big) +
		"POST /te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunked.String() + "0\r\n\r\n"
	resps := exchange(t, s.addr, raw)
	if len(resps) != 2 || resps[0].StatusCode != 200 || resps[1].StatusCode != 200 {
		t.Fatalf("got %d responses, want two 200; refusals %v", len(resps), s.refusals())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) != 2 || s.bodies[0] != big || s.bodies[1] != big {
		t.Errorf("bodies: got %d, want both 1 MiB bodies intact", len(s.bodies))
	}
}

// slowHandler answers after a pause, so that the client's next bytes come
// while the request is being served.
func slowHandler(s **server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
		(*s).echo(w, r)
	})
}

// TestPipelinedWhileServing: a request that arrives while the one before
// it is served is held, then checked and served (or refused) in turn.
func TestPipelinedWhileServing(t *testing.T) {
	for _, tt := range []struct {
		name, second string
		wantStatus   int
	}{
		{"valid", "GET /2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"smuggled", "GET /2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s *server
			s = startServer(t, Config{}, slowHandler(&s))
			c, err := net.Dial("tcp", s.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.WriteString(c, "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
			time.Sleep(100 * time.Millisecond) // /1 is being served
			_, _ = io.WriteString(c, tt.second)
			resps := readAll(t, c)
			if len(resps) != 2 || resps[0].StatusCode != 200 || resps[1].StatusCode != tt.wantStatus {
				t.Fatalf("got %d responses, want 200 then %d", len(resps), tt.wantStatus)
			}
			if got := body(resps[0]); got != `HTTP/1.1 plain GET /1 body=""` {
				t.Errorf("first answer: got %q", got)
			}
		})
	}
}

// TestPipelinedBeyondLimit: a request pipelined while another is served
// and larger than the head limit waits in the network, then is served.
func TestPipelinedBeyondLimit(t *testing.T) {
	var s *server
	s = startServer(t, Config{MaxHeaderBytes: 1024}, slowHandler(&s))
	payload := strings.Repeat("x", 8192)
	raw := "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" +
		fmt.Sprintf("POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(payload), payload)
	resps := exchange(t, s.addr, raw)
	if len(resps) != 2 || resps[0].StatusCode != 200 || resps[1].StatusCode != 200 {
		t.Fatalf("got %d responses, want two 200; refusals %v", len(resps), s.refusals())
	}
	if got := body(resps[1]); !strings.HasPrefix(got, "HTTP/1.1 plain POST /2 body=\"xxx") {
		t.Errorf("second answer: got %.40q", got)
	}
}

// TestMirrorsNetHTTP sends the heads near what net/http refuses itself to
// a guarded server and to a plain one: each gets the same status from
// both, so that the guard refuses exactly what net/http would have
// answered with its bare answer, and serves the rest.
func TestMirrorsNetHTTP(t *testing.T) {
	tests := []struct {
		name, raw string
		status    int
	}{
		{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 200},
		{"CONNECT without Host", "CONNECT x:443 HTTP/1.1\r\nConnection: close\r\n\r\n", 200},
		{"CONNECT path without Host", "CONNECT /rpc HTTP/1.1\r\nConnection: close\r\n\r\n", 200},
		{"empty Host", "GET / HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n", 200},
		{"IPv6 Host", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n", 200},
		{"Expect 100-continue", "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 200},
		{"Expect in a list", "GET / HTTP/1.1\r\nHost: x\r\nExpect: foo, 100-continue\r\nConnection: close\r\n\r\n", 200},
		{"Expect empty then other", "GET / HTTP/1.1\r\nHost: x\r\nExpect:\r\nExpect: foo\r\nConnection: close\r\n\r\n", 200},
		{"Expect 100-continue then other", "GET / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nExpect: foo\r\nConnection: close\r\n\r\n", 200},
		{"Expect 100-continue HTTP/1.0", "GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n", 200},
		{"escapes", "GET /%41%2f%c3%A9?%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"bad escape after second question mark", "GET /a?b?%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"escape before empty query", "GET /%41? HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"double slash", "GET //x/y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"asterisk", "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"absolute-form", "GET http://x/%41 HTTP/1.1\r\nHost: y\r\nConnection: close\r\n\r\n", 200},
		{"opaque", "GET x:y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"non-ASCII path", "GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", 400},
		{"Host with space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"Expect other", "GET / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n", 417},
		{"Expect other HTTP/1.0", "GET / HTTP/1.0\r\nExpect: foo\r\n\r\n", 417},
		{"bad escape", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"bad escape after hash", "GET /a#%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"relative target", "GET a HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"CONNECT bad authority", "CONNECT x:1%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
	}
	guarded := startServer(t, Config{}, nil)
	plain := startPlainServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, calls := len(guarded.refusals()), guarded.calls.Load()
			for _, addr := range []string{plain, guarded.addr} {
				resps := exchange(t, addr, tt.raw)
				if len(resps) != 1 || resps[0].StatusCode != tt.status {
					var got []int
					for _, r := range resps {
						got = append(got, r.StatusCode)
					}
					t.Errorf("guarded %t: got statuses %v, want [%d]", addr == guarded.addr, got, tt.status)
				}
			}
			// ("OPTIONS *" is answered by net/http without the handler.)
			served, refused := guarded.calls.Load()-calls, len(guarded.refusals())-before
			if tt.status == 200 && refused != 0 || tt.status != 200 && (refused != 1 || served != 0) {
				t.Errorf("guarded server: %d handler calls, %d refusals", served, refused)
			}
		})
	}
}

// startPlainServer serves an answer of 200 on a loopback port without the
// guard and returns its address.
func startPlainServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }),
		ReadHeaderTimeout: 5 * time.Second,
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}
