package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/clientip"
)

func TestSSEStreamsBeforeUpstreamEnds(t *testing.T) {
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		io.WriteString(w, "data: second\n\n")
	})
	_, srv := start(t, prodConfig(up.URL))
	req, _ := http.NewRequest("GET", srv.URL+"/events", nil)
	req.Host = publicHost
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	got := make(chan string, 1)
	go func() {
		line, _ := br.ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if line != "data: first\n" {
			t.Errorf("first line %q, want %q", line, "data: first\n")
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the first event did not arrive before the upstream finished")
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if want := "\ndata: second\n\n"; string(rest) != want {
		t.Errorf("rest %q, want %q", rest, want)
	}
}

// wsUpstream answers a WebSocket handshake with 101 and then echoes one
// line, enough to prove the upgraded connection is spliced through.
func wsUpstream(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "upgrade required", http.StatusUpgradeRequired)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	brw.Flush()
	line, _ := brw.ReadString('\n')
	brw.WriteString("echo " + line)
	brw.Flush()
}

// dialUpgrade sends a WebSocket handshake from origin through srv, and on
// 101 one line, returning the status and the echoed line.
func dialUpgrade(t *testing.T, srv *httptest.Server, origin string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET /ws HTTP/1.1\r\nHost: " + publicHost + "\r\nX-Forwarded-Proto: https\r\n" +
		"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	if origin != "" {
		req += "Origin: " + origin + "\r\n"
	}
	io.WriteString(conn, req+"\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	io.WriteString(conn, "hello\n")
	line, _ := br.ReadString('\n')
	return resp.StatusCode, line
}

func TestWebSocketOrigin(t *testing.T) {
	up := newUpstream(t, wsUpstream)
	cfg := prodConfig(up.URL)
	cfg.CORS.Origins = []string{"https://app.example.net"}
	_, srv := start(t, cfg)
	tests := []struct {
		origin     string
		wantStatus int
		wantBody   string // prefix
	}{
		{"https://example.com", 101, "echo hello\n"},
		{"https://EXAMPLE.com:443", 101, "echo hello\n"},
		{"https://app.example.net", 101, "echo hello\n"},
		{"", 101, "echo hello\n"}, // not a browser
		{"https://evil.example", 403, `{"error":"Cross-origin WebSocket request refused","request_id":"`},
		{"http://example.com", 403, `{"error":"Cross-origin WebSocket request refused"`},
		{"null", 403, `{"error":"Cross-origin WebSocket request refused"`},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			before := up.hits.Load()
			status, body := dialUpgrade(t, srv, tt.origin)
			if status != tt.wantStatus || !strings.HasPrefix(body, tt.wantBody) {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == 403 && up.hits.Load() != before {
				t.Error("refused upgrade reached the upstream")
			}
		})
	}
}

func TestUpstreamDownAndBack(t *testing.T) {
	// An upstream on a fixed address, stopped and restarted.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	serve := func(ln net.Listener) *http.Server {
		s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up") })}
		go s.Serve(ln)
		return s
	}
	up := serve(ln)
	cfg := prodConfig("http://" + addr)
	_, srv := start(t, cfg)
	if res := send(t, srv, "GET", "/", "", nil); res.status != 200 || res.body != "up" {
		t.Fatalf("before: %d %q", res.status, res.body)
	}
	up.Close()
	base := settledGoroutines()
	for range 20 {
		res := send(t, srv, "GET", "/", "", map[string]string{"Accept": "application/json"})
		if res.status != http.StatusBadGateway || !strings.HasPrefix(res.body, `{"error":"Bad Gateway","request_id":"`) {
			t.Fatalf("down: %d %q, want 502 and the safe body", res.status, res.body)
		}
		if strings.Contains(res.body, "refused") || strings.Contains(res.body, "dial") {
			t.Fatalf("down: body leaks the Go error: %q", res.body)
		}
		if res.header.Get("Content-Security-Policy") == "" {
			t.Fatal("down: no security headers")
		}
	}
	if res := send(t, srv, "GET", "/", "", map[string]string{"Accept": "text/html"}); res.status != 502 || !strings.HasPrefix(res.body, "<!doctype html>") {
		t.Errorf("down, browser: %d %q", res.status, res.body)
	}
	if after := settledGoroutines(); after > base+2 {
		t.Errorf("goroutines %d after 21 failed requests, %d before: a leak", after, base)
	}
	ln2, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the upstream's port was taken meanwhile: %v", err)
	}
	up2 := serve(ln2)
	defer up2.Close()
	if res := send(t, srv, "GET", "/", "", nil); res.status != 200 || res.body != "up" {
		t.Errorf("back: %d %q, want 200 up", res.status, res.body)
	}
}

func TestUpstreamTimeout(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	})
	cfg := prodConfig(up.URL)
	cfg.Timeout = 100 * time.Millisecond
	_, srv := start(t, cfg)
	res := send(t, srv, "GET", "/slow", "", nil)
	if res.status != http.StatusGatewayTimeout || !strings.HasPrefix(res.body, `{"error":"Gateway Timeout","request_id":"`) {
		t.Errorf("got %d %q, want 504 and the safe body", res.status, res.body)
	}
}

// settledGoroutines returns the goroutine count once it stops falling.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m >= n {
			return m
		}
		n = m
	}
	return n
}

func TestHTTP2Clients(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: "+r.Header.Get("X-Forwarded-Proto")+"\n\n")
	})
	cfg := prodConfig(up.URL)
	cfg.ClientIP = clientip.Config{} // the TLS connection speaks for itself
	cfg.Hosts.Hosts = []string{"127.0.0.1:*"}
	quiet(t, &cfg)
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	srv := httptest.NewUnstartedServer(p)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()
	for _, tt := range []struct {
		method, body, ctype string
		wantStatus          int
	}{
		{"GET", "", "", 200},
		{"POST", `{"a":1}`, "application/json", 200},
		{"POST", `{"$where":"1"}`, "application/json", 400},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+"/", io.MultiReader(strings.NewReader(tt.body))) // no length
		if tt.ctype != "" {
			req.Header.Set("Content-Type", tt.ctype)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.ProtoMajor != 2 {
			t.Errorf("protocol %s, want HTTP/2", resp.Proto)
		}
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.body, resp.StatusCode, b, tt.wantStatus)
		}
		if tt.wantStatus == 200 && string(b) != "data: https\n\n" {
			t.Errorf("body %q, want the upstream's stream with X-Forwarded-Proto https", b)
		}
	}
}

func TestUnixSocketUpstream(t *testing.T) {
	sock := t.TempDir() + "/app.sock"
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "unix "+r.Host+" "+r.URL.Path)
	})}
	go s.Serve(ln)
	defer s.Close()
	_, srv := start(t, prodConfig("unix:"+sock))
	res := send(t, srv, "GET", "/a/b", "", nil)
	if want := "unix " + publicHost + " /a/b"; res.status != 200 || res.body != want {
		t.Errorf("got %d %q, want 200 %q", res.status, res.body, want)
	}
}

func TestCloseReleasesUpstreamConnections(t *testing.T) {
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		<-release // hold every request so that each needs its own connection
		io.WriteString(w, "ok")
	})
	p, srv := start(t, prodConfig(up.URL))
	const n = 8
	done := make(chan int, n)
	for range n {
		go func() {
			req, _ := http.NewRequest("GET", srv.URL+"/", nil)
			req.Host = publicHost
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			done <- resp.StatusCode
		}()
	}
	for up.hits.Load() < n {
		time.Sleep(10 * time.Millisecond)
	}
	close(release)
	for range n {
		if status := <-done; status != 200 {
			t.Fatalf("status %d, want 200", status)
		}
	}
	before := settledGoroutines()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	after := settledGoroutines()
	// Each idle upstream connection holds a goroutine in the upstream
	// server, which ends when the proxy closes the connection (the
	// proxy's transport itself runs none per connection).
	if after > before-n {
		t.Errorf("goroutines %d after Close, %d before: idle upstream connections not closed", after, before)
	}
}
