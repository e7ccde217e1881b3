package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// TestContentTypeSentTwice: upstream parsers differ on which of two
// Content-Type fields they read, so the guards cannot choose one.
func TestContentTypeSentTwice(t *testing.T) {
	up := newUpstream(t, nil)
	_, srv := start(t, prodConfig(up.URL))
	req, err := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(`password[$ne]=x`))
	if err != nil {
		t.Fatal(err)
	}
	req.Host = publicHost
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Add("Content-Type", "text/plain")
	req.Header.Add("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 415 || !strings.HasPrefix(string(b), `{"error":"Unsupported media type","request_id":"`) {
		t.Errorf("got %d %s, want 415 Unsupported media type", resp.StatusCode, b)
	}
	if up.hits.Load() != 0 {
		t.Error("refused request reached the upstream")
	}
}

// TestOnlyWebSocketIsTunnelled: an upstream that would switch to any
// protocol asked for (an h2c server) gets a plain request instead, so no
// tunnel carries later requests past the guards.
func TestOnlyWebSocketIsTunnelled(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			// Would switch: the test fails below if it is asked to.
			w.WriteHeader(http.StatusSwitchingProtocols)
			return
		}
		io.WriteString(w, "plain")
	})
	_, srv := start(t, prodConfig(up.URL))
	for _, upgrade := range []string{"h2c", "H2C", "foo", "websocket, h2c", "h2c, websocket"} {
		t.Run(upgrade, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(conn, "GET /tunnel HTTP/1.1\r\nHost: "+publicHost+"\r\nX-Forwarded-Proto: https\r\n"+
				"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: "+upgrade+"\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(b) != "plain" {
				t.Fatalf("got %d %q, want 200 %q", resp.StatusCode, b, "plain")
			}
			got, _ := up.last()
			if got == nil || got.Header.Get("Upgrade") != "" || got.Header.Get("Http2-Settings") != "" {
				t.Errorf("upstream received the upgrade: %v", got)
			}
		})
	}
}

// TestSlowBodyIsCut: a body that does not arrive in time fails the read
// (slow POST), and the connection is closed.
func TestSlowBodyIsCut(t *testing.T) {
	errs := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setBodyDeadline(w, 200*time.Millisecond)
		_, err := io.ReadAll(r.Body)
		errs <- err
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
	select {
	case err := <-errs:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("read error %v, want the deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the slow body was not cut")
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(conn); err != nil {
		t.Errorf("connection not closed: %v", err)
	}
}

// TestBodyDeadlineLifted: once the body has arrived, the deadline no
// longer applies, so a long answer (server-sent events) is not cancelled
// by net/http's background read.
func TestBodyDeadlineLifted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setBodyDeadline(w, 100*time.Millisecond)
		if _, err := io.ReadAll(r.Body); err != nil {
			t.Errorf("reading the body: %v", err)
		}
		io.WriteString(w, "first\n")
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
			io.WriteString(w, "cancelled\n")
		case <-time.After(400 * time.Millisecond):
			io.WriteString(w, "alive\n")
		}
	}))
	defer srv.Close()
	resp, err := http.Post(srv.URL, "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if string(b) != "first\nalive\n" {
		t.Errorf("answer %q, want it whole after the deadline would have passed", b)
	}
}

func TestBodyTimeout(t *testing.T) {
	for _, tt := range []struct {
		limit int64
		want  time.Duration
	}{
		{0, 60 * time.Second},
		{100 << 10, 61 * time.Second},
		{10 << 20, 220 * time.Second},
	} {
		if got := bodyTimeout(tt.limit); got != tt.want {
			t.Errorf("bodyTimeout(%d) = %v, want %v", tt.limit, got, tt.want)
		}
	}
}

// TestAcceptEncodingReadable: in production the upstream is offered only
// the codings whose 4xx bodies the proxy can read for stack traces.
func TestAcceptEncodingReadable(t *testing.T) {
	up := newUpstream(t, nil)
	_, srv := start(t, prodConfig(up.URL))
	for _, tt := range []struct{ sent, want string }{
		{"gzip, deflate, br, zstd", "gzip, deflate"},
		{"br;q=1.0, gzip;q=0.8", "gzip;q=0.8"},
		{"br", ""},
		{"zstd, identity", "identity"},
		{"x-gzip, br", "x-gzip"},
		{"br, , gzip", "gzip"},
	} {
		send(t, srv, "GET", "/x", "", map[string]string{"Accept-Encoding": tt.sent})
		got, _ := up.last()
		if got == nil || got.Header.Get("Accept-Encoding") != tt.want {
			t.Errorf("sent %q: upstream got %v, want %q", tt.sent, got, tt.want)
		}
	}
}
