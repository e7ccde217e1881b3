package app

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/seclog"
)

// lockedBuffer is a bytes.Buffer safe for a server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// events decodes the security log; each line must be one JSON object.
func (l *lockedBuffer) events(t *testing.T) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not one JSON object: %v\n%s", err, line)
		}
		evs = append(evs, m)
	}
	return evs
}

// newLoggedApp returns an app whose security log is returned.
func newLoggedApp(t *testing.T, cfg Config) (*App, *lockedBuffer) {
	t.Helper()
	buf := &lockedBuffer{}
	sec, err := seclog.New(seclog.Config{Writer: buf, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecurityLog = sec
	return newTestApp(t, cfg), buf
}

// TestBadInputsNeverFail walks the production app, behind its trusted
// proxy, with malformed and hostile requests written on the wire: every
// one gets a 4xx (or a redirect) with an exact body, never a 500, and the
// security log records no panic and no server error. Rejections by
// net/http itself, before any handler runs, are plain text without the
// security headers; they are listed too, so a change in them shows.
func TestBadInputsNeverFail(t *testing.T) {
	a, log := newLoggedApp(t, Config{Secrets: secret, PublicURL: "https://example.com",
		TrustedProxies: "127.0.0.1", AllowedOrigins: "https://app.example.com"})
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	const (
		id          = "X-Request-ID: test-req-1\r\n"
		h           = "Host: example.com\r\nX-Forwarded-Proto: https\r\n" + id
		notFound    = `{"error":"Not found","request_id":"test-req-1"}` + "\n"
		misdirected = `{"error":"Misdirected request","request_id":"test-req-1"}` + "\n"
		corsDenied  = `{"error":"CORS request not allowed","request_id":"test-req-1"}` + "\n"
		noToken     = `{"error":"CSRF token missing","request_id":"test-req-1"}` + "\n"
		badType     = `{"error":"Unsupported media type","request_id":"test-req-1"}` + "\n"
		page        = "<page>" // the HTML page: only its start is compared
		byNetHTTP   = true
	)
	tests := []struct {
		name       string
		raw        string
		wantStatus int
		wantBody   string
		netHTTP    bool // answered by net/http before the stack
	}{
		{"control", "GET / HTTP/1.1\r\n" + h, 200, page, false},

		// Methods.
		{"unknown method", "FOO / HTTP/1.1\r\n" + h, 403, noToken, false},
		{"lower-case method", "get / HTTP/1.1\r\n" + h, 403, noToken, false},
		{"method with a bad byte", "G@T / HTTP/1.1\r\n" + h, 400, "400 Bad Request", byNetHTTP},
		{"DELETE on a GET route", "DELETE /healthz HTTP/1.1\r\n" + h, 403, noToken, false},
		{"TRACE", "TRACE / HTTP/1.1\r\n" + h, 403, noToken, false},
		// Not a path: this server is no proxy (CONNECT to a path gets 405).
		{"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\n" + h, 400, `{"error":"Bad request","request_id":"test-req-1"}` + "\n", false},
		{"CONNECT to a route", "CONNECT / HTTP/1.1\r\n" + h, 405, `{"error":"Method not allowed","request_id":"test-req-1"}` + "\n", false},
		{"OPTIONS on a route", "OPTIONS /api/me HTTP/1.1\r\n" + h, 405, `{"error":"Method not allowed","request_id":"test-req-1"}` + "\n", false},
		{"PUT on a static file", "PUT /static/app.js HTTP/1.1\r\n" + h + "Content-Length: 3\r\n\r\nabc", 415, badType, false},

		// Hosts.
		{"hostile Host", "GET / HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Proto: https\r\n" + id, 421, misdirected, false},
		{"no Host", "GET / HTTP/1.1\r\nX-Forwarded-Proto: https\r\n" + id, 400, "400 Bad Request: missing required Host header", byNetHTTP},
		{"Host with a space", "GET / HTTP/1.1\r\nHost: exa mple.com\r\nX-Forwarded-Proto: https\r\n" + id, 400, "400 Bad Request: malformed Host header", byNetHTTP},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: example.com\r\nHost: evil.example\r\nX-Forwarded-Proto: https\r\n" + id, 400, "400 Bad Request", byNetHTTP},
		{"port out of range", "GET / HTTP/1.1\r\nHost: example.com:99999\r\nX-Forwarded-Proto: https\r\n" + id, 421, misdirected, false},
		{"absolute-form target for another host", "GET http://evil.example/ HTTP/1.1\r\n" + h, 421, misdirected, false},
		{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\nX-Forwarded-Proto: https\r\n" + id, 421, misdirected, false},
		{"forwarded host from the proxy", "GET / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\n" + id, 421, misdirected, false},

		// Origins.
		{"preflight from another origin", "OPTIONS /api/contact HTTP/1.1\r\n" + h + "Origin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n", 403, corsDenied, false},
		{"preflight from null", "OPTIONS /api/contact HTTP/1.1\r\n" + h + "Origin: null\r\nAccess-Control-Request-Method: POST\r\n", 403, corsDenied, false},
		{"preflight from garbage", "OPTIONS /api/contact HTTP/1.1\r\n" + h + "Origin: %%%\r\nAccess-Control-Request-Method: POST\r\n", 403, corsDenied, false},
		{"preflight with an empty method", "OPTIONS /api/contact HTTP/1.1\r\n" + h + "Origin: https://app.example.com\r\nAccess-Control-Request-Method: \r\n", 403, corsDenied, false},
		{"simple request from null", "GET /healthz HTTP/1.1\r\n" + h + "Origin: null\r\n", 200, `{"status":"ok"}` + "\n", false},

		// Targets and paths.
		{"asterisk target", "GET * HTTP/1.1\r\n" + h, 400, `{"error":"Bad request","request_id":"test-req-1"}` + "\n", false},
		{"NUL in the path", "GET /%00 HTTP/1.1\r\n" + h, 404, notFound, false},
		{"bad escape", "GET /%zz HTTP/1.1\r\n" + h, 400, "400 Bad Request", byNetHTTP},
		{"invalid UTF-8", "GET /\xff\xfe HTTP/1.1\r\n" + h, 404, notFound, false},
		{"dot segments", "GET /static/../../etc/passwd HTTP/1.1\r\n" + h, 307, `<a href="/etc/passwd">Temporary Redirect</a>.` + "\n\n", false},
		{"encoded dot segments", "GET /static/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n" + h, 404, notFound, false},
		{"double-encoded dots", "GET /static/%252e%252e/app.go HTTP/1.1\r\n" + h, 404, notFound, false},
		{"dotfile", "GET /static/.git/config HTTP/1.1\r\n" + h, 404, notFound, false},
		{"8 KB path", "GET /api/" + strings.Repeat("a", 8000) + " HTTP/1.1\r\n" + h, 404, notFound, false},
		{"query garbage", "GET /?a=%zz&a=1&b[$ne]=1 HTTP/1.1\r\n" + h, 400, `{"error":"Malformed query string","request_id":"test-req-1"}` + "\n", false},
		{"operator in the query", "GET /?a=1&b[$ne]=1 HTTP/1.1\r\n" + h, 400, `{"errors":[{"type":"field","location":"query","path":"[\"b[$ne]\"]","msg":"must not start with \"$\""}],"request_id":"test-req-1"}` + "\n", false},
		{"repeated query parameter", "GET /?a=1&a=2 HTTP/1.1\r\n" + h, 200, page, false},

		// Forwarding headers from the trusted proxy.
		{"X-Forwarded-For not an address", "GET / HTTP/1.1\r\n" + h + "X-Forwarded-For: not-an-ip\r\n", 200, page, false},
		{"X-Forwarded-For of 2000 entries", "GET / HTTP/1.1\r\n" + h + "X-Forwarded-For: " + strings.Repeat("1.2.3.4, ", 2000) + "\r\n", 200, page, false},
		{"two schemes", "GET / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Proto: https, http\r\n" + id, 301, "Redirecting to HTTPS.\n", false},
		{"unknown scheme", "GET / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Proto: ftp\r\n" + id, 301, "Redirecting to HTTPS.\n", false},
		{"forwarded host with a space", "GET / HTTP/1.1\r\n" + h + "X-Forwarded-Host: exa mple\r\n", 200, page, false},
		{"broken Forwarded (not read)", "GET / HTTP/1.1\r\n" + h + "Forwarded: for=\"[::1\r\n", 200, page, false},

		// Request ids, bodies, framing.
		{"request id with markup", "GET /nope HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-Proto: https\r\nX-Request-ID: <script>\r\n", 404, `{"error":"Not found","request_id":"*"}` + "\n", false},
		{"negative Content-Length", "POST /api/x HTTP/1.1\r\n" + h + "Content-Length: -1\r\n", 400, "400 Bad Request", byNetHTTP},
		{"chunked and Content-Length", "POST /api/x HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", 415, badType, false},
		{"NoSQL operator in a body", "POST /api/x HTTP/1.1\r\n" + h + "Content-Type: application/json\r\nContent-Length: 5\r\n\r\n{\"$a\"", 403, noToken, false},
		{"header name with a space", "GET / HTTP/1.1\r\n" + h + "Bad Header: x\r\n", 400, "400 Bad Request: invalid header name", byNetHTTP},
		{"control byte in a header", "GET / HTTP/1.1\r\n" + h + "X-Ctl: a\x01b\r\n", 400, "400 Bad Request", byNetHTTP},
		{"no version", "GET /\r\n", 400, "400 Bad Request", byNetHTTP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := rawRequest(t, srv.Listener.Addr().String(), tt.raw)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			got := anyRequestID.ReplaceAllString(string(body), `"request_id":"*"`)
			switch {
			case tt.wantBody == page:
				if !strings.HasPrefix(got, "<!doctype html>") {
					t.Errorf("body = %.80q, want the page", got)
				}
			case got != tt.wantBody:
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			if !tt.netHTTP && (resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff") {
				t.Errorf("security headers missing: %v", resp.Header)
			}
		})
	}
	for _, ev := range log.events(t) {
		if ev["event"] == "panic" || ev["event"] == "server_error" {
			t.Errorf("security log: %v", ev)
		}
	}
}

// rawRequest writes raw on a new connection and reads the response.
func rawRequest(t *testing.T, addr, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if !strings.Contains(raw, "\r\n\r\n") {
		raw += "\r\n"
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the body: %v", err)
	}
	return resp, body
}

// FuzzAppNeverFails sends arbitrary methods, paths, hosts and headers
// through the production app: the answer is never a 5xx.
func FuzzAppNeverFails(f *testing.F) {
	a, err := New(Config{Secrets: secret, PublicURL: "https://example.com", TrustedProxies: "1", DataDir: f.TempDir(),
		AllowedOrigins: "https://app.example.com", SecurityLog: discardLog, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { a.Close() })
	f.Add("GET", "/", "example.com", "https", "203.0.113.7", "https://app.example.com", "")
	f.Add("OPTIONS", "/api/contact", "example.com", "https", "", "null", "POST")
	f.Add("POST", "/static/%2e%2e/x", "evil.example:99999", "https, http", "1.2.3.4, ::1, x", "%%%", "")
	f.Add("CONNECT", "", "", "", "", "", "")
	f.Add("CONNECT", "/", "example.com", "https", "", "", "")
	f.Add("OPTIONS", "/api/me", "example.com", "https", "", "", "")
	f.Add("GET", "/api/login", "example.com", "https", "", "", "")
	f.Add("PUT", "/static/app.js", "example.com", "https", "", "", "")
	f.Add("DELETE", "//api/../api/me", "example.com", "https", "", "", "")
	f.Add("GET", "*", "[::1]", "ftp", "[::1]:80", "https://app.example.com:443", "PUT")
	f.Fuzz(func(t *testing.T, method, path, host, proto, xff, origin, acrm string) {
		r := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path},
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
			Header: http.Header{
				"X-Forwarded-Proto":             {proto},
				"X-Forwarded-For":               {xff},
				"Origin":                        {origin},
				"Access-Control-Request-Method": {acrm},
			},
			Host:       host,
			RemoteAddr: "10.0.0.1:5000",
			Body:       http.NoBody,
		}
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%q %q host %q: status %d %q", method, path, host, w.Code, w.Body.String())
		}
	})
}
