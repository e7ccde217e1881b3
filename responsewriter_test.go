package harden

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6455 defines Sec-WebSocket-Accept with SHA-1
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/statuswriter"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/recovery"
	"github.com/harden-go/harden/session"
)

// writerLayer is one layer's use of the module's ResponseWriter wrapper,
// around the handler under test.
type writerLayer struct {
	name string
	wrap func(next http.Handler) http.Handler
	// cookie names the session cookie the layer sets before the final
	// header, or "" when it sets none.
	cookie string
}

// writerLayers returns every layer that wraps the ResponseWriter, each
// alone, then the whole stack, alone and with the session and a
// failure-refunding limiter inside it (as an application composes them).
func writerLayers(t *testing.T) []writerLayer {
	t.Helper()
	ring, err := keys.Parse("q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=")
	if err != nil {
		t.Fatal(err)
	}
	sessions, err := session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	// SkipFailedRequests makes the limiter watch the status for refunds.
	limitCfg := ratelimit.Config{Rate: ratelimit.Spec{Limit: 1_000_000_000, Window: time.Hour}, SkipFailedRequests: true}
	limiter, err := ratelimit.New(limitCfg)
	if err != nil {
		t.Fatal(err)
	}
	stack, err := New(quiet(Config{Development: true}))
	if err != nil {
		t.Fatal(err)
	}
	limited, err := New(quiet(Config{Development: true, RateLimit: RateLimitConfig{Config: limitCfg}}))
	if err != nil {
		t.Fatal(err)
	}
	return []writerLayer{
		{name: "ratelimit", wrap: limiter.Handler},
		{name: "seclog", wrap: discardLog.Handler},
		{name: "recovery", wrap: recovery.New(slog.New(slog.DiscardHandler))},
		{name: "session", wrap: sessions.Handler, cookie: sessions.CookieName()},
		{name: "stack", wrap: stack.Handler},
		{name: "stack+session", wrap: func(next http.Handler) http.Handler {
			return limited.Handler(sessions.Handler(next))
		}, cookie: sessions.CookieName()},
	}
}

// optionalInterfaces names the optional interfaces rw has: Flush, Hijack,
// ReadFrom, Push.
func optionalInterfaces(rw http.ResponseWriter) string {
	var s []string
	if _, ok := rw.(http.Flusher); ok {
		s = append(s, "Flush")
	}
	if _, ok := rw.(http.Hijacker); ok {
		s = append(s, "Hijack")
	}
	if _, ok := rw.(io.ReaderFrom); ok {
		s = append(s, "ReadFrom")
	}
	if _, ok := rw.(http.Pusher); ok {
		s = append(s, "Push")
	}
	return strings.Join(s, ",")
}

type rawWriterKey struct{}

// rawWriter returns the server's own ResponseWriter of r.
func rawWriter(r *http.Request) http.ResponseWriter {
	return r.Context().Value(rawWriterKey{}).(http.ResponseWriter)
}

// writerCase is one thing a handler does with its ResponseWriter, and
// what the client and the layer's wrapper must see.
type writerCase struct {
	name   string
	h1Only bool // needs a connection to hijack
	handle func(t *testing.T, w http.ResponseWriter, r *http.Request)
	// header is added to the request.
	header http.Header
	// read reads the body (default io.ReadAll).
	read func(t *testing.T, body io.Reader) string

	status   int    // the client's final status
	body     string // the client's body
	interim  []int  // the 1xx statuses the client saw before it
	recorded int    // the wrapper's Status afterwards
	written  int64  // the wrapper's Written afterwards
	hijacked bool
	// noCookie: the session cookie cannot ride on this response (it was
	// written on a hijacked connection).
	noCookie bool
}

// writerCases returns the cases, fresh for one run (some hold channels).
func writerCases(t *testing.T) []writerCase {
	t.Helper()
	file := filepath.Join(t.TempDir(), "asset.bin")
	content := strings.Repeat("0123456789abcdef", 4096) // 64 KiB: the sendfile path
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	return []writerCase{
		{
			name: "plain 200",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, "ok")
			},
			status: 200, body: "ok", recorded: 200, written: 2,
		},
		{
			name: "WriteHeader twice",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				w.WriteHeader(http.StatusOK) // superfluous: ignored by net/http
				io.WriteString(w, "missing")
			},
			status: 404, body: "missing", recorded: 404, written: 7,
		},
		{
			name: "103 then 200",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Link", "</style.css>; rel=preload; as=style")
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, "hinted")
			},
			status: 200, body: "hinted", interim: []int{103}, recorded: 200, written: 6,
		},
		{
			name:   "101 upgrade",
			h1Only: true,
			header: http.Header{"Connection": {"Upgrade"}, "Upgrade": {"harden-test"}},
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Connection", "Upgrade")
				w.Header().Set("Upgrade", "harden-test")
				w.WriteHeader(http.StatusSwitchingProtocols)
				hj, ok := w.(http.Hijacker)
				if !ok {
					t.Errorf("the handler's writer (%T) is not an http.Hijacker", w)
					return
				}
				conn, brw, err := hj.Hijack() // sends the 101 first
				if err != nil {
					t.Errorf("Hijack after 101: %v", err)
					return
				}
				defer conn.Close()
				brw.WriteString("upgraded")
				brw.Flush()
			},
			status: 101, body: "upgraded", recorded: 101, hijacked: true,
		},
		{
			name: "Write without WriteHeader",
			handle: func(_ *testing.T, w http.ResponseWriter, _ *http.Request) {
				w.Write([]byte("<p>implicit</p>")) // Content-Type sniffed by net/http
			},
			status: 200, body: "<p>implicit</p>", recorded: 200, written: 15,
		},
		{
			name: "Flush streams",
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request) {
				io.WriteString(w, "first,")
				if err := http.NewResponseController(w).Flush(); err != nil {
					t.Errorf("Flush: %v", err)
				}
				select {
				case <-release: // the client read "first," before the handler went on
				case <-time.After(5 * time.Second):
					t.Errorf("the client did not get the flushed bytes")
				}
				io.WriteString(w, "second")
			},
			read: func(t *testing.T, body io.Reader) string {
				first := make([]byte, len("first,"))
				if _, err := io.ReadFull(body, first); err != nil {
					t.Errorf("reading the flushed part: %v", err)
				}
				close(release)
				rest, _ := io.ReadAll(body)
				return string(first) + string(rest)
			},
			status: 200, body: "first,second", recorded: 200, written: 12,
		},
		{
			name: "ReadFrom a file",
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request) {
				f, err := os.Open(file)
				if err != nil {
					t.Error(err)
					return
				}
				defer f.Close()
				w.Header().Set("Content-Type", "application/octet-stream")
				if n, err := io.Copy(w, f); n != int64(len(content)) || err != nil {
					t.Errorf("io.Copy = %d, %v; want %d, nil", n, err, len(content))
				}
			},
			status: 200, body: content, recorded: 200, written: int64(len(content)),
		},
		{
			name:   "Hijack",
			h1Only: true,
			handle: func(t *testing.T, w http.ResponseWriter, _ *http.Request) {
				hj, ok := w.(http.Hijacker)
				if !ok {
					t.Errorf("the handler's writer (%T) is not an http.Hijacker", w)
					return
				}
				conn, brw, err := hj.Hijack()
				if err != nil {
					t.Errorf("Hijack: %v", err)
					return
				}
				defer conn.Close()
				brw.WriteString("HTTP/1.1 202 Accepted\r\nContent-Length: 3\r\nConnection: close\r\n\r\nraw")
				brw.Flush()
			},
			status: 202, body: "raw", hijacked: true, noCookie: true,
		},
		{
			name: "Push as the server has it",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				raw, rawOK := rawWriter(r).(http.Pusher)
				p, ok := w.(http.Pusher)
				if ok != rawOK {
					t.Errorf("Pusher: wrapper %v, server %v", ok, rawOK)
				}
				if ok && rawOK {
					// Go's client refuses pushes; the error must be the
					// server's own.
					errW, errRaw := p.Push("/style.css", nil), raw.Push("/style.css", nil)
					if (errW == nil) != (errRaw == nil) {
						t.Errorf("Push = %v through the wrapper, %v on the server's writer", errW, errRaw)
					}
				}
				io.WriteString(w, "push")
			},
			status: 200, body: "push", recorded: 200, written: 4,
		},
		{
			name: "Unwrap and ResponseController",
			handle: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() == nil {
					t.Errorf("no Unwrap")
				}
				rc, raw := http.NewResponseController(w), http.NewResponseController(rawWriter(r))
				deadline := time.Now().Add(10 * time.Second)
				for _, op := range []struct {
					name         string
					wrapped, got error
				}{
					{"SetReadDeadline", rc.SetReadDeadline(deadline), raw.SetReadDeadline(deadline)},
					{"SetWriteDeadline", rc.SetWriteDeadline(deadline), raw.SetWriteDeadline(deadline)},
					{"EnableFullDuplex", rc.EnableFullDuplex(), raw.EnableFullDuplex()},
				} {
					if (op.wrapped == nil) != (op.got == nil) {
						t.Errorf("%s = %v through the wrapper, %v on the server's writer", op.name, op.wrapped, op.got)
					}
				}
				io.WriteString(w, "controlled")
				if err := rc.Flush(); err != nil {
					t.Errorf("ResponseController.Flush: %v", err)
				}
			},
			status: 200, body: "controlled", recorded: 200, written: 10,
		},
	}
}

// TestResponseWriterConformance runs every layer's use of the wrapper
// through the same cases, over HTTP/1.1 (Flush, Hijack, ReadFrom) and
// HTTP/2 (Flush, Push): the handler's writer has exactly the server
// writer's optional interfaces, the client gets what the handler wrote,
// the wrapper records the final status, bytes and hijack, and the session
// cookie rides on every final header the handler sends.
func TestResponseWriterConformance(t *testing.T) {
	for _, proto := range []string{"HTTP/1.1", "HTTP/2"} {
		for _, layer := range writerLayers(t) {
			for _, tc := range writerCases(t) {
				if tc.h1Only && proto == "HTTP/2" {
					continue
				}
				t.Run(proto+"/"+layer.name+"/"+tc.name, func(t *testing.T) {
					runWriterCase(t, proto, layer, tc)
				})
			}
		}
	}
}

func runWriterCase(t *testing.T, proto string, layer writerLayer, tc writerCase) {
	var sw *statuswriter.Writer
	done := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := session.From(r); s != nil {
			s.Set("k", "v") // the cookie must go out with the final header
		}
		if got, want := optionalInterfaces(w), optionalInterfaces(rawWriter(r)); got != want {
			t.Errorf("handler's writer has [%s], the server's [%s]", got, want)
		}
		var ok bool
		if sw, ok = statuswriter.Lookup(w); !ok {
			t.Errorf("the layer did not hand the module's wrapper to the handler (%T)", w)
		}
		tc.handle(t, w, r)
	})
	inner := layer.wrap(handler)
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		inner.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), rawWriterKey{}, w)))
	})
	srv := httptest.NewUnstartedServer(outer)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the superfluous WriteHeader
	if proto == "HTTP/2" {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Start()
	}
	defer srv.Close()

	var interim []int
	var interimCookie bool
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		interim = append(interim, code)
		interimCookie = interimCookie || len(h["Set-Cookie"]) > 0
		return nil
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range tc.header {
		req.Header[k] = v
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	read := tc.read
	if read == nil {
		read = func(_ *testing.T, body io.Reader) string { b, _ := io.ReadAll(body); return string(b) }
	}
	// A wrapper that breaks an upgrade can leave the connection open with
	// nothing to read: closing the body unblocks the read.
	got := make(chan string, 1)
	go func() { got <- read(t, resp.Body) }()
	var body string
	select {
	case body = <-got:
	case <-time.After(10 * time.Second):
		resp.Body.Close()
		body = <-got
		t.Errorf("reading the body timed out")
	}
	resp.Body.Close()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not return")
	}

	if resp.ProtoMajor != map[string]int{"HTTP/1.1": 1, "HTTP/2": 2}[proto] {
		t.Fatalf("response over %s, want %s", resp.Proto, proto)
	}
	if resp.StatusCode != tc.status {
		t.Errorf("client status = %d, want %d", resp.StatusCode, tc.status)
	}
	if body != tc.body {
		t.Errorf("client body = %.40q (%d bytes), want %.40q (%d bytes)", body, len(body), tc.body, len(tc.body))
	}
	if !slices.Equal(interim, tc.interim) {
		t.Errorf("client saw 1xx %v, want %v", interim, tc.interim)
	}
	if sw == nil {
		return
	}
	if got := sw.Status(); got != tc.recorded {
		t.Errorf("recorded status = %d, want %d", got, tc.recorded)
	}
	if got := sw.Written(); got != tc.written {
		t.Errorf("recorded bytes = %d, want %d", got, tc.written)
	}
	if got := sw.Hijacked(); got != tc.hijacked {
		t.Errorf("recorded hijack = %v, want %v", got, tc.hijacked)
	}
	if layer.cookie != "" {
		got := strings.Contains(strings.Join(resp.Header["Set-Cookie"], "\n"), layer.cookie+"=")
		if want := !tc.noCookie; got != want {
			t.Errorf("session cookie on the final response = %v, want %v", got, want)
		}
		if interimCookie {
			t.Errorf("session cookie on a 1xx response: it belongs to the final header")
		}
	}
}

// TestWebSocketUpgradeThroughEachLayer upgrades a real connection to
// WebSocket (a minimal RFC 6455 handshake: the handler asserts
// http.Hijacker, as WebSocket libraries do, and writes the 101 with
// Sec-WebSocket-Accept itself) and echoes one frame, through every layer
// alone and through the whole stack.
func TestWebSocketUpgradeThroughEachLayer(t *testing.T) {
	for _, layer := range writerLayers(t) {
		t.Run(layer.name, func(t *testing.T) {
			srv := httptest.NewServer(layer.wrap(wsEcho(t)))
			defer srv.Close()
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))

			var nonce [16]byte
			rand.Read(nonce[:])
			key := base64.StdEncoding.EncodeToString(nonce[:])
			host := srv.Listener.Addr().String()
			fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
				"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nOrigin: http://%s\r\n\r\n", host, key, host)
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusSwitchingProtocols {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("handshake status = %d (%q), want 101", resp.StatusCode, b)
			}
			if got, want := resp.Header.Get("Sec-WebSocket-Accept"), wsAccept(key); got != want {
				t.Fatalf("Sec-WebSocket-Accept = %q, want %q", got, want)
			}
			var mask [4]byte
			rand.Read(mask[:])
			if err := writeWSFrame(conn, wsText, []byte("hello through "+layer.name), &mask); err != nil {
				t.Fatal(err)
			}
			op, payload, err := readWSFrame(br)
			if err != nil {
				t.Fatal(err)
			}
			if op != wsText || string(payload) != "hello through "+layer.name {
				t.Errorf("echo = opcode %d %q, want text %q", op, payload, "hello through "+layer.name)
			}
		})
	}
}

// wsGUID is RFC 6455's key suffix.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

const wsText = 0x1

func wsAccept(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID)) //nolint:gosec // RFC 6455
	return base64.StdEncoding.EncodeToString(sum[:])
}

// wsEcho answers a WebSocket handshake and echoes one frame.
func wsEcho(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Sec-WebSocket-Key")
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || key == "" {
			http.Error(w, "not a WebSocket handshake", http.StatusBadRequest)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			t.Errorf("the handler's writer (%T) is not an http.Hijacker", w)
			http.Error(w, "cannot upgrade", http.StatusInternalServerError)
			return
		}
		conn, brw, err := hj.Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: " + wsAccept(key) + "\r\n\r\n")
		if err := brw.Flush(); err != nil {
			t.Errorf("writing the 101: %v", err)
			return
		}
		op, payload, err := readWSFrame(brw.Reader)
		if err != nil {
			t.Errorf("reading the client's frame: %v", err)
			return
		}
		if err := writeWSFrame(brw.Writer, op, payload, nil); err != nil || brw.Flush() != nil {
			t.Errorf("echoing: %v", err)
		}
	})
}

// writeWSFrame writes one final frame, masked when mask is not nil (client
// to server frames must be).
func writeWSFrame(w io.Writer, op byte, payload []byte, mask *[4]byte) error {
	hdr := []byte{0x80 | op, 0}
	switch n := len(payload); {
	case n < 126:
		hdr[1] = byte(n)
	case n <= 0xffff:
		hdr[1] = 126
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		return errors.New("frame too long for this test")
	}
	body := payload
	if mask != nil {
		hdr[1] |= 0x80
		hdr = append(hdr, mask[:]...)
		body = make([]byte, len(payload))
		for i, b := range payload {
			body[i] = b ^ mask[i%4]
		}
	}
	_, err := w.Write(append(hdr, body...))
	return err
}

// readWSFrame reads one final, unfragmented frame of at most 64 KiB and
// unmasks it.
func readWSFrame(r *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	if h[0]&0x80 == 0 {
		return 0, nil, errors.New("fragmented frame")
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return 0, nil, err
		}
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		return 0, nil, errors.New("frame too long for this test")
	}
	var mask [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return h[0] & 0x0f, payload, nil
}
