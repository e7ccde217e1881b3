package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/ratelimit"
)

func TestForwardedHeadersFromTrustedResolution(t *testing.T) {
	up := newUpstream(t, nil)
	_, srv := start(t, prodConfig(up.URL))
	res := send(t, srv, "GET", "/page", "", map[string]string{
		// The client's own claims: none may reach the upstream.
		"X-Forwarded-For":   "10.0.0.1, 203.0.113.7",
		"Forwarded":         "for=10.0.0.9;proto=https",
		"X-Real-IP":         "10.0.0.2",
		"True-Client-IP":    "10.0.0.3",
		"X-Forwarded-Ssl":   "on",
		"X-Forwarded-Port":  "443",
		"X-Original-URL":    "/admin",
		"X-Request-ID":      "bad id with spaces",
		"X-Forwarded-Proto": "https",
	})
	if res.status != 200 {
		t.Fatalf("status %d, want 200; body %s", res.status, res.body)
	}
	req, _ := up.last()
	want := map[string]string{
		"X-Forwarded-For":   "203.0.113.7", // the last hop the trusted proxy saw
		"X-Forwarded-Proto": "https",
		"X-Forwarded-Host":  publicHost,
		"Forwarded":         "",
		"X-Real-Ip":         "",
		"True-Client-Ip":    "",
		"X-Forwarded-Ssl":   "",
		"X-Forwarded-Port":  "",
		"X-Original-Url":    "",
	}
	for k, v := range want {
		if got := strings.Join(req.Header.Values(k), ","); got != v {
			t.Errorf("upstream %s = %q, want %q", k, got, v)
		}
	}
	if req.Host != publicHost {
		t.Errorf("upstream Host %q, want %q", req.Host, publicHost)
	}
	id := res.header.Get("X-Request-ID")
	if id == "" || id == "bad id with spaces" {
		t.Fatalf("response X-Request-ID %q, want a fresh id", id)
	}
	if got := req.Header.Values("X-Request-ID"); len(got) != 1 || got[0] != id {
		t.Errorf("upstream X-Request-ID %q, want [%q]", got, id)
	}
}

// TestClientAddressClaimsDropped checks the address, scheme and host
// claims that frameworks and their client-address libraries read besides
// X-Forwarded-For (Rails and PHP Client-IP, Node's request-ip and Django's
// ipware, IIS ARR, Envoy): a client that writes one must not be believed
// by the upstream, so none reaches it.
func TestClientAddressClaimsDropped(t *testing.T) {
	up := newUpstream(t, nil)
	_, srv := start(t, prodConfig(up.URL))
	claims := []string{"Client-Ip", "Fastly-Client-Ip", "X-Appengine-User-Ip", "Cf-Pseudo-Ipv4",
		"X-Proxyuser-Ip", "X-Envoy-External-Address", "X-Arr-Ssl", "X-Forwarded-Protocol",
		"X-Original-Host", "X-Host", "X-Forwarded-Uri"}
	hdr := map[string]string{"X-Custom": "kept"}
	for _, name := range claims {
		hdr[name] = "10.0.0.66"
	}
	res := send(t, srv, "GET", "/page", "", hdr)
	if res.status != 200 {
		t.Fatalf("status %d, want 200; body %s", res.status, res.body)
	}
	req, _ := up.last()
	for _, name := range claims {
		if got := req.Header.Values(name); len(got) != 0 {
			t.Errorf("upstream received the client's %s %q", name, got)
		}
	}
	if got := req.Header.Get("X-Custom"); got != "kept" {
		t.Errorf("upstream X-Custom %q, want the client's", got)
	}
}

// TestMethodOverrideOnSafeMethods: a GET passes the CSRF check as safe, so
// the headers with which frameworks let a request stand for another method
// are dropped from it; an unsafe request that passed the check keeps them.
func TestMethodOverrideOnSafeMethods(t *testing.T) {
	up := newUpstream(t, nil)
	_, srv := start(t, prodConfig(up.URL))
	overrides := []string{"X-Http-Method-Override", "X-Http-Method", "X-Method-Override"}
	hdr := map[string]string{"Origin": "https://example.com", "Sec-Fetch-Site": "cross-site"}
	for _, name := range overrides {
		hdr[name] = "DELETE"
	}
	for _, method := range []string{"GET", "HEAD", "OPTIONS"} {
		res := send(t, srv, method, "/account", "", hdr)
		if res.status != 200 {
			t.Fatalf("%s: status %d, want 200; body %s", method, res.status, res.body)
		}
		req, _ := up.last()
		for _, name := range overrides {
			if got := req.Header.Values(name); len(got) != 0 {
				t.Errorf("%s: upstream received the client's %s %q", method, name, got)
			}
		}
	}
	same := map[string]string{"Origin": "https://example.com", "Sec-Fetch-Site": "same-origin",
		"Content-Type": "application/x-www-form-urlencoded", "X-Http-Method-Override": "DELETE"}
	if res := send(t, srv, "POST", "/account", "a=1", same); res.status != 200 {
		t.Fatalf("same-origin POST: status %d, want 200; body %s", res.status, res.body)
	}
	if req, _ := up.last(); req.Header.Get("X-Http-Method-Override") != "DELETE" {
		t.Errorf("same-origin POST: upstream X-Http-Method-Override %q, want the client's", req.Header.Get("X-Http-Method-Override"))
	}
}

// TestTunnelAndEchoMethodsRefused: CONNECT, TRACE and TRACK are answered
// by the proxy with 501 and the security headers, and never reach the
// upstream (an echo of the request's cookies, or a tunnel past the checks
// of Upgrade requests).
func TestTunnelAndEchoMethodsRefused(t *testing.T) {
	up := newUpstream(t, nil)
	p, srv := start(t, prodConfig(up.URL))
	for _, method := range []string{"TRACE", "TRACK", "trace"} {
		res := send(t, srv, method, "/debug", "", map[string]string{"Cookie": "sid=secret"})
		want := 501
		if method == "trace" {
			want = 200 // methods are case-sensitive: "trace" is another method, forwarded
		}
		if res.status != want {
			t.Errorf("%s: %d %s, want %d", method, res.status, res.body, want)
		}
		if want == 501 && (!strings.HasPrefix(res.body, `{"error":"Not Implemented","request_id":"`) ||
			res.header.Get("Content-Security-Policy") == "" || strings.Contains(res.body, "secret")) {
			t.Errorf("%s: body %s, CSP %q: want the safe refusal with the security headers", method, res.body, res.header.Get("Content-Security-Policy"))
		}
	}
	if n := up.hits.Load(); n != 1 {
		t.Errorf("upstream hits %d, want 1 (only the lower-case method)", n)
	}
	// CONNECT: as net/http's server receives it (HTTP/1 authority form,
	// or HTTP/2 extended CONNECT for a WebSocket).
	r := httptest.NewRequest("GET", "http://"+publicHost+"/ws", nil)
	r.Method, r.RemoteAddr = "CONNECT", "127.0.0.1:1234"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set(":protocol", "websocket")
	r.Header.Set("Origin", "https://evil.example")
	w := httptest.NewRecorder()
	p.ServeHTTP(w, r)
	if w.Code != 501 || !strings.HasPrefix(w.Body.String(), `{"error":"Not Implemented","request_id":"`) {
		t.Errorf("CONNECT: %d %s, want 501", w.Code, w.Body.String())
	}
	if n := up.hits.Load(); n != 1 {
		t.Errorf("CONNECT reached the upstream")
	}
}

func TestForwardedHeadersUntrustedPeer(t *testing.T) {
	up := newUpstream(t, nil)
	cfg := devConfig(up.URL)
	_, srv := start(t, cfg)
	res := send(t, srv, "GET", "/", "", map[string]string{
		"Host":            "localhost",
		"X-Forwarded-For": "198.51.100.1",
	})
	if res.status != 200 {
		t.Fatalf("status %d, want 200", res.status)
	}
	req, _ := up.last()
	if got, want := req.Header.Get("X-Forwarded-For"), "127.0.0.1"; got != want {
		t.Errorf("upstream X-Forwarded-For %q, want %q (no proxy is trusted)", got, want)
	}
	if got, want := req.Header.Get("X-Forwarded-Proto"), "http"; got != want {
		t.Errorf("upstream X-Forwarded-Proto %q, want %q", got, want)
	}
}

func TestBodyLimits(t *testing.T) {
	up := newUpstream(t, nil)
	cfg := prodConfig(up.URL)
	cfg.BodyLimit = 100
	cfg.Routes = []Route{{Prefix: "/upload/", BodyLimit: 1000}}
	_, srv := start(t, cfg)
	const tooLarge = `{"error":"Request body too large","request_id":"`
	tests := []struct {
		name       string
		path       string
		size       int
		chunked    bool
		wantStatus int
		wantHit    bool
	}{
		{"within limit", "/a", 100, false, 200, true},
		{"content-length over limit", "/a", 101, false, 413, false},
		{"chunked over limit", "/a", 5000, true, 413, false},
		{"chunked within limit", "/a", 90, true, 200, true},
		{"route limit", "/upload/x", 900, false, 200, true},
		{"route over limit", "/upload/x", 1001, false, 413, false},
		{"route prefix is case-insensitive", "/UPLOAD/x", 900, false, 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := up.hits.Load()
			body := strings.Repeat("a", tt.size)
			var rd io.Reader = strings.NewReader(body)
			if tt.chunked {
				rd = io.MultiReader(strings.NewReader(body)) // unknown length: chunked
			}
			req, _ := http.NewRequest("POST", srv.URL+tt.path, rd)
			req.Host = publicHost
			req.Header.Set("X-Forwarded-Proto", "https")
			req.Header.Set("Content-Type", "application/octet-stream")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.wantStatus, b)
			}
			if tt.wantStatus == 413 && !strings.HasPrefix(string(b), tooLarge) {
				t.Errorf("body %s, want prefix %s", b, tooLarge)
			}
			hit := up.hits.Load() > before
			if hit != tt.wantHit && !(tt.chunked && tt.wantStatus == 413) {
				t.Errorf("upstream hit %v, want %v", hit, tt.wantHit)
			}
			if tt.wantStatus == 200 {
				if _, got := up.last(); string(got) != body {
					t.Errorf("upstream got %d bytes, want %d", len(got), len(body))
				}
			}
			if resp.Header.Get("Content-Security-Policy") == "" {
				t.Error("refusal without the security headers")
			}
		})
	}
}

func TestNoSQLGuard(t *testing.T) {
	up := newUpstream(t, nil)
	cfg := prodConfig(up.URL)
	cfg.Routes = []Route{{Prefix: "/query", AllowOperators: true}}
	_, srv := start(t, cfg)
	tests := []struct {
		name, path, ctype, body string
		wantStatus              int
		wantBody                string // prefix
	}{
		{"plain json", "/login", "application/json", `{"user":"a","password":"b"}`, 200, "ok"},
		{"operator", "/login", "application/json", `{"user":"a","password":{"$ne":null}}`, 400, `{"errors":[{"type":"field","location":"body","path":"$ne"`},
		{"escaped operator", "/login", "application/json", `{"user":"a","password":{"\u0024ne":null}}`, 400, `{"errors":[{"type":"field","location":"body","path":"$ne"`},
		{"dotted key", "/login", "application/json", `{"user.name":"a"}`, 400, `{"errors":[{"type":"field","location":"body","path":"[\"user.name\"]"`},
		{"proto key", "/x", "application/json", `{"__proto__":{"admin":true}}`, 400, `{"errors":[`},
		{"in array", "/x", "application/json", `[1,{"a":[{"$where":"1"}]}]`, 400, `{"errors":[`},
		{"duplicate first", "/x", "application/json", `{"a":{"$ne":1},"a":1}`, 400, `{"errors":[`},
		{"operator as value", "/x", "application/json", `{"a":"$ne"}`, 200, "ok"},
		{"vendor json type", "/x", "application/vnd.api+json", `{"$gt":""}`, 400, `{"errors":[`},
		{"text/plain json", "/x", "text/plain", `{"$gt":""}`, 400, `{"errors":[`},
		{"text/plain not json", "/x", "text/plain", `hello {$gt}`, 200, "ok"},
		{"malformed json", "/x", "application/json", `{"a":`, 400, `{"error":"Malformed JSON"`},
		{"trailing data", "/x", "application/json", `{"a":1} {"$ne":1}`, 400, `{"error":"Request body must contain a single JSON value"`},
		{"route allows operators", "/query", "application/json", `{"$ne":1}`, 200, "ok"},
		{"query bracket", "/login?password[$ne]=1", "", "", 400, `{"errors":[`},
		{"query dotted", "/login?a.b=1", "", "", 400, `{"errors":[`},
		{"form bracket", "/login", "application/x-www-form-urlencoded", `user=a&password%5B%24ne%5D=1`, 400, `{"errors":[`},
		{"route allows query operators", "/query?q[$gt]=1", "", "", 200, "ok"},
		{"multipart", "/x", "multipart/form-data; boundary=B", multipartBody("user", "password"), 200, "ok"},
		{"multipart bracket", "/x", "multipart/form-data; boundary=B", multipartBody("user", "password[$ne]"), 400, `{"errors":[{"type":"field","location":"body","path":"[\"password[$ne]\"]","msg":"must not start with \"$\""}]`},
		{"multipart dotted", "/x", "multipart/form-data; boundary=B", multipartBody("a.b"), 400, `{"errors":[`},
		{"multipart malformed", "/x", "multipart/form-data; boundary=B", "--B\r\nno end", 400, `{"error":"Malformed multipart body"`},
		{"multipart no boundary", "/x", "multipart/form-data", multipartBody("a"), 400, `{"error":"Malformed multipart body"`},
		{"route allows multipart operators", "/query", "multipart/form-data; boundary=B", multipartBody("q[$gt]"), 200, "ok"},
		{"compressed json", "/x", "application/json", "\x1f\x8b", 415, `{"error":"Unsupported media type","request_id":"`},
		{"compressed text", "/x", "text/plain", "\x1f\x8b", 415, `{"error":"Unsupported media type","request_id":"`},
		{"compressed form", "/x", "application/x-www-form-urlencoded", "\x1f\x8b", 415, `{"error":"Unsupported media type","request_id":"`},
		{"compressed binary that does not inflate", "/x", "application/octet-stream", "\x1f\x8b", 415, `{"error":"Unsupported media type","request_id":"`}, // see TestOperatorsInBodiesOfOtherTypes
		// Express's json() decodes any utf-* charset: in UTF-7 "+ACQ-" is "$".
		{"utf-7 json", "/login", "application/json; charset=utf-7", `{"user":"a","password":{"+ACQ-ne":null}}`, 415, `{"error":"Unsupported media type","request_id":"`},
		{"utf-7 quoted upper", "/x", `application/json; charset="UTF-7"`, `{"+ACQ-or":[]}`, 415, `{"error":"Unsupported media type","request_id":"`},
		{"utf-16 json", "/x", "application/json; charset=utf-16", `{}`, 415, `{"error":"Unsupported media type","request_id":"`},
		{"utf-7 text", "/x", "text/plain; charset=utf-7", `{"+ACQ-gt":""}`, 415, `{"error":"Unsupported media type","request_id":"`},
		{"latin-1 form", "/login", "application/x-www-form-urlencoded; charset=iso-8859-1", `user=a`, 415, `{"error":"Unsupported media type","request_id":"`},
		{"utf-8 json", "/x", "application/json; charset=UTF-8", `{"a":1}`, 200, "ok"},
		{"utf8 alias json", "/x", "application/json; charset=utf8", `{"a":1}`, 200, "ok"},
		{"ascii form", "/x", "application/x-www-form-urlencoded; charset=us-ascii", `a=1`, 200, "ok"},
		{"utf-7 binary passes", "/x", "application/octet-stream; charset=utf-7", `+ACQ-ne`, 200, "ok"},
		// Go cannot parse a repeated parameter; Express's type-is still
		// reads the body as a form.
		{"repeated parameter form", "/login", "application/x-www-form-urlencoded; a=1; a=2", `user=a&password[$ne]=x`, 415, `{"error":"Unsupported media type","request_id":"`},
		{"repeated parameter json", "/x", "application/json; a=1; a=2", `{"$or":[]}`, 415, `{"error":"Unsupported media type","request_id":"`},
		{"unparseable type", "/x", "application/json;;", `{"$or":[]}`, 415, `{"error":"Unsupported media type","request_id":"`},
		// The parameter guard is still on there, and would miss a form.
		{"unparseable type, operators allowed", "/query", "application/json; a=1; a=2", `{"$or":[]}`, 415, `{"error":"Unsupported media type","request_id":"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := up.hits.Load()
			method := "POST"
			if tt.body == "" {
				method = "GET"
			}
			hdr := map[string]string{}
			if tt.ctype != "" {
				hdr["Content-Type"] = tt.ctype
			}
			if strings.HasPrefix(tt.body, "\x1f\x8b") {
				hdr["Content-Encoding"] = "gzip"
			}
			res := send(t, srv, method, tt.path, tt.body, hdr)
			if res.status != tt.wantStatus || !strings.HasPrefix(res.body, tt.wantBody) {
				t.Fatalf("got %d %s, want %d %s…", res.status, res.body, tt.wantStatus, tt.wantBody)
			}
			hits := up.hits.Load() - before
			if tt.wantStatus != 200 && hits != 0 {
				t.Errorf("refused request reached the upstream")
			}
			if tt.wantStatus == 200 && method == "POST" {
				if _, got := up.last(); string(got) != tt.body {
					t.Errorf("upstream body %q, want the exact bytes %q", got, tt.body)
				}
			}
		})
	}
}

func TestParameterPollution(t *testing.T) {
	up := newUpstream(t, nil)
	cfg := prodConfig(up.URL)
	cfg.Routes = []Route{
		{Prefix: "/search", AllowDuplicates: []string{"tag"}},
		{Prefix: "/raw", AllowPollution: true},
	}
	_, srv := start(t, cfg)
	tests := []struct {
		name, target, body, wantQuery, wantBody string
	}{
		{"query last wins", "/x?id=1&id=2&b=3", "", "id=2&b=3", ""},
		{"allowlisted keeps all", "/search?tag=a&tag=b&id=1&id=2", "", "tag=a&tag=b&id=2", ""},
		{"route off", "/raw?id=1&id=2", "", "id=1&id=2", ""},
		{"form last wins", "/x", "id=1&id=2", "", "id=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, hdr := "GET", map[string]string{}
			if tt.body != "" {
				method, hdr["Content-Type"] = "POST", "application/x-www-form-urlencoded"
			}
			res := send(t, srv, method, tt.target, tt.body, hdr)
			if res.status != 200 {
				t.Fatalf("status %d %s, want 200", res.status, res.body)
			}
			req, body := up.last()
			if got := req.URL.RawQuery; got != tt.wantQuery {
				t.Errorf("upstream query %q, want %q", got, tt.wantQuery)
			}
			if got := string(body); got != tt.wantBody {
				t.Errorf("upstream body %q, want %q", got, tt.wantBody)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	up := newUpstream(t, nil)
	cfg := prodConfig(up.URL)
	cfg.CORS.Origins = []string{"https://app.example.net"}
	cfg.Routes = []Route{{Prefix: "/hooks/", SkipCSRF: true}}
	_, srv := start(t, cfg)
	const refused = `{"error":"Cross-origin request refused","request_id":"`
	tests := []struct {
		name, method, path string
		hdr                map[string]string
		wantStatus         int
	}{
		{"same-origin fetch", "POST", "/api", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "https://example.com"}, 200},
		{"cross-site fetch", "POST", "/api", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403},
		{"cross origin, old browser", "POST", "/api", map[string]string{"Origin": "https://evil.example"}, 403},
		{"same origin, old browser", "POST", "/api", map[string]string{"Origin": "https://example.com"}, 200},
		{"cors allowlisted origin", "POST", "/api", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.net"}, 200},
		{"non-browser client", "POST", "/api", nil, 200},
		{"safe method cross-site", "GET", "/api", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
		{"exempt route", "POST", "/hooks/pay", map[string]string{"Sec-Fetch-Site": "cross-site"}, 200},
		{"exempt route needs its prefix", "POST", "/hooksx", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"plain DELETE cross-site", "DELETE", "/api/1", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := up.hits.Load()
			res := send(t, srv, tt.method, tt.path, "", tt.hdr)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
			if tt.wantStatus == 403 {
				if !strings.HasPrefix(res.body, refused) {
					t.Errorf("body %s, want prefix %s", res.body, refused)
				}
				if up.hits.Load() != before {
					t.Error("refused request reached the upstream")
				}
			}
		})
	}
}

func TestCSRFTokenMode(t *testing.T) {
	up := newUpstream(t, nil)
	cfg := prodConfig(up.URL)
	cfg.CSRF.Token = true
	cfg.Secrets = []string{"kX8vQ2mZr5TnW1yB7cJd4FhL0pGs9AeU3iOtVxRq6Ny="}
	_, srv := start(t, cfg)

	res := send(t, srv, "GET", defaultTokenPath, "", nil)
	if res.status != 200 || !strings.HasPrefix(res.body, `{"token":"`) {
		t.Fatalf("token endpoint: %d %s", res.status, res.body)
	}
	if up.hits.Load() != 0 {
		t.Error("the token endpoint was forwarded")
	}
	token := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(res.body), `{"token":"`), `"}`)
	var cookie string
	for _, c := range res.header.Values("Set-Cookie") {
		if strings.HasPrefix(c, csrfCookieName+"=") {
			cookie, _, _ = strings.Cut(c, ";")
		}
	}
	if cookie == "" {
		t.Fatalf("no %s cookie in %q", csrfCookieName, res.header.Values("Set-Cookie"))
	}
	// The bad token differs from the good one in its first character;
	// a fixed replacement would equal the token one time in 64.
	first := "A"
	if token[0] == 'A' {
		first = "B"
	}
	tests := []struct {
		name       string
		hdr        map[string]string
		wantStatus int
	}{
		{"no token", map[string]string{"Cookie": cookie}, 403},
		{"bad token", map[string]string{"Cookie": cookie, "X-CSRF-Token": first + token[1:]}, 403},
		{"token", map[string]string{"Cookie": cookie + "; app=1", "X-CSRF-Token": token}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, srv, "POST", "/api/x", "", tt.hdr)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
		})
	}
	req, _ := up.last()
	if got, want := req.Header.Get("Cookie"), "app=1"; got != want {
		t.Errorf("upstream Cookie %q, want %q (the proxy's own cookie is not forwarded)", got, want)
	}
}

func TestLoginLockout(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) != `{"password":"right"}` {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"Invalid credentials"}`)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3cr3t"})
		io.WriteString(w, `{"success":true}`)
	})
	cfg := prodConfig(up.URL)
	cfg.Login.Paths = []string{"/api/login"}
	cfg.Login.Rate = mustSpec(t, "2/2s") // short, with room for a slow machine
	_, srv := start(t, cfg)
	json := map[string]string{"Content-Type": "application/json"}
	login := func(path, password string) result {
		return send(t, srv, "POST", path, `{"password":"`+password+`"}`, json)
	}
	if res := login("/api/login", "right"); res.status != 200 {
		t.Fatalf("right password: %d %s", res.status, res.body)
	}
	for i := range 2 {
		if res := login("/api/login", "wrong"); res.status != 401 {
			t.Fatalf("failure %d: %d %s, want 401", i+1, res.status, res.body)
		}
	}
	hits := up.hits.Load()
	// Spent: refused before forwarding, the right password too, and the
	// path variants an upstream router would also take for the login
	// (Rails and older Spring route "/api/login.json" to "/api/login").
	for _, path := range []string{"/api/login", "/API/Login", "/api/login/", "/api/x/../login", "//api//login",
		"/api/login.json", "/API/Login.Html/", "/api/login."} {
		res := login(path, "right")
		if res.status != 429 || !strings.HasPrefix(res.body, `{"error":"Too many requests, please try again later.","request_id":"`) {
			t.Errorf("%s when locked out: %d %s, want 429", path, res.status, res.body)
		}
		if c := res.header.Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("%s when locked out: Set-Cookie %q", path, c)
		}
		if res.header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
	if up.hits.Load() != hits {
		t.Errorf("locked-out requests reached the upstream: %d hits", up.hits.Load()-hits)
	}
	// Other paths are not limited: the upstream answers.
	for _, path := range []string{"/api/other", "/api/login.d/x", "/api/loginx"} {
		if res := send(t, srv, "GET", path, "", nil); res.status != 401 {
			t.Errorf("other path %s: %d, want the upstream's 401", path, res.status)
		}
	}
	// The window ends: the right password works again.
	deadline := time.Now().Add(8 * time.Second)
	for {
		res := login("/api/login", "right")
		if res.status == 200 {
			if len(res.header.Values("Set-Cookie")) != 1 {
				t.Errorf("after the window: Set-Cookie %q", res.header.Values("Set-Cookie"))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still %d after the window", res.status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRouteRateLimit(t *testing.T) {
	up := newUpstream(t, nil)
	cfg := prodConfig(up.URL)
	long := "/" + strings.Repeat("é", 40) + "/"
	cfg.Routes = []Route{{Prefix: "/search", Rate: mustSpec(t, "2/1h")}, {Prefix: long, Rate: mustSpec(t, "1/1h")}}
	_, srv := start(t, cfg)
	for i, want := range []int{200, 200, 429, 429} {
		if res := send(t, srv, "GET", "/search?q=1", "", nil); res.status != want {
			t.Errorf("request %d: %d, want %d", i+1, res.status, want)
		}
	}
	if res := send(t, srv, "GET", "/other", "", nil); res.status != 200 {
		t.Errorf("other route: %d, want 200", res.status)
	}
	if got := up.hits.Load(); got != 3 {
		t.Errorf("upstream hits %d, want 3", got)
	}
	for i, want := range []int{200, 429} {
		if res := send(t, srv, "GET", long+"x", "", nil); res.status != want {
			t.Errorf("long prefix, request %d: %d, want %d", i+1, res.status, want)
		}
	}
}

// multipartBody is a multipart/form-data body with boundary "B" and one
// field per name.
func multipartBody(names ...string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString("--B\r\nContent-Disposition: form-data; name=\"" + n + "\"\r\n\r\nvalue\r\n")
	}
	b.WriteString("--B--\r\n")
	return b.String()
}

// downStore is a rate-limit store whose backend is unreachable.
type downStore struct{}

var errStoreDown = errors.New("store unreachable")

func (downStore) Take(context.Context, ratelimit.Policy, string, int64) (ratelimit.Result, error) {
	return ratelimit.Result{}, errStoreDown
}

func (downStore) Refund(context.Context, ratelimit.Policy, string, int64, ratelimit.Result) error {
	return errStoreDown
}

func TestLoginStoreDown(t *testing.T) {
	up := newUpstream(t, nil)
	tests := []struct {
		name       string
		failOpen   bool
		wantStatus int
		wantBody   string
	}{
		{"fail closed", false, 503, `{"error":"Service temporarily unavailable","request_id":"`},
		{"fail open", true, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := prodConfig(up.URL)
			cfg.Login.Paths = []string{"/login"}
			cfg.Login.FailOpen = tt.failOpen
			cfg.LoginStore = downStore{}
			_, srv := start(t, cfg)
			before := up.hits.Load()
			res := send(t, srv, "POST", "/login", "", nil)
			if res.status != tt.wantStatus || !strings.HasPrefix(res.body, tt.wantBody) {
				t.Errorf("got %d %q, want %d %q", res.status, res.body, tt.wantStatus, tt.wantBody)
			}
			if reached := up.hits.Load() > before; reached != tt.failOpen {
				t.Errorf("upstream reached %v, want %v", reached, tt.failOpen)
			}
			// Other paths do not depend on the login store.
			if res := send(t, srv, "GET", "/other", "", nil); res.status != 200 {
				t.Errorf("other path: %d, want 200", res.status)
			}
		})
	}
}

// TestPathParameters checks the paths that Java servlet containers
// (Tomcat, Jetty, Spring Boot) read with their path parameters removed, and
// IIS with its backslashes read as slashes:
// "/api/login;jsessionid=x" is "/api/login" to them, and "/x/..;/api/login"
// is "/api/login" once ";" is cut and ".." resolved, while a proxy that
// matched the raw text would count neither as the login path nor give it
// its route's rules.
func TestPathParameters(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"Invalid credentials"}`)
	})
	cfg := prodConfig(up.URL)
	cfg.Login.Paths = []string{"/api/login"}
	cfg.Login.Rate = mustSpec(t, "1/1h")
	cfg.Routes = []Route{
		{Prefix: "/hooks/", SkipCSRF: true},
		{Prefix: "/search/", Rate: mustSpec(t, "1/1h")},
	}
	_, srv := start(t, cfg)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if res := send(t, srv, "POST", "/api/login", "password=wrong", form); res.status != 401 {
		t.Fatalf("first failure: %d %s, want 401", res.status, res.body)
	}
	hits := up.hits.Load()
	const badRequest = `{"error":"Bad Request","request_id":"`
	crossSite := map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	tests := []struct {
		name, method, path string
		hdr                map[string]string
		status             int
		bodyPrefix         string
	}{
		{"login with a session parameter", "POST", "/api/login;jsessionid=1", form, 429, `{"error":"Too many requests, please try again later.","request_id":"`},
		{"login with a parameter on each segment", "POST", "/api;v=1/login;x/", form, 429, `{"error":"Too many requests, please try again later.","request_id":"`},
		{"login behind a hidden dot-dot", "POST", "/static/..;/api/login", form, 400, badRequest},
		{"login behind a hidden dot", "POST", "/api/.;x/login", form, 400, badRequest},
		{"login behind backslashes", "POST", `/static\..\api/login`, form, 400, badRequest},
		{"login with a backslash", "POST", `/api\login`, form, 429, `{"error":"Too many requests, please try again later.","request_id":"`},
		{"csrf opt-out route escaped", "POST", "/hooks/..;/transfer", crossSite, 400, badRequest},
		{"route limit with a parameter", "GET", "/search;x/?q=1", nil, 200, `{"error":"Invalid credentials"}`},
		{"route limit spent", "GET", "/search/;x?q=2", nil, 429, `{"error":"Too many requests, please try again later.","request_id":"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The upstream answers 401 to everything it is asked; what
			// matters is whether the proxy's rule held.
			if tt.status == 200 {
				tt.status = 401
			}
			before := up.hits.Load()
			res := send(t, srv, tt.method, tt.path, "password=right", tt.hdr)
			if res.status != tt.status || !strings.HasPrefix(res.body, tt.bodyPrefix) {
				t.Errorf("%s %s: %d %s, want %d %s…", tt.method, tt.path, res.status, res.body, tt.status, tt.bodyPrefix)
			}
			if reached := up.hits.Load() != before; reached != (tt.status == 401) {
				t.Errorf("%s %s reached the upstream: %v", tt.method, tt.path, reached)
			}
		})
	}
	if up.hits.Load() != hits+1 {
		t.Errorf("upstream hits after the lockout: %d, want 1", up.hits.Load()-hits)
	}
	// A parameter that hides nothing still reaches the upstream as sent.
	res := send(t, srv, "GET", "/files/a;v=2/b", "", nil)
	if res.status != 401 {
		t.Errorf("/files/a;v=2/b: %d %s, want the upstream's 401", res.status, res.body)
	}
	if req, _ := up.last(); req == nil || req.URL.Path != "/files/a;v=2/b" {
		got := ""
		if req != nil {
			got = req.URL.Path
		}
		t.Errorf("upstream path %q, want it as sent", got)
	}
}

// TestLoginCountsUpstreamAnswersOnly checks that the login limiter counts
// the upstream's failures only, not the proxy's own refusals: a page on
// another site can make a victim's browser post to the login path as
// often as it likes, and the CSRF check's 403s must not lock the victim
// (and everyone behind the same address) out.
func TestLoginCountsUpstreamAnswersOnly(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) != "password=right" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"Invalid credentials"}`)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3cr3t"})
		io.WriteString(w, `{"success":true}`)
	})
	cfg := prodConfig(up.URL)
	cfg.Login.Paths = []string{"/login"}
	cfg.Login.Rate = mustSpec(t, "2/1h")
	_, srv := start(t, cfg)
	crossSite := map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	for i := range 5 {
		res := send(t, srv, "POST", "/login", "password=wrong", crossSite)
		if res.status != 403 || !strings.HasPrefix(res.body, `{"error":"Cross-origin request refused","request_id":"`) {
			t.Fatalf("cross-site post %d: %d %s, want the CSRF refusal", i+1, res.status, res.body)
		}
	}
	if n := up.hits.Load(); n != 0 {
		t.Fatalf("cross-site posts reached the upstream: %d", n)
	}
	sameOrigin := map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"Origin": "https://" + publicHost, "Sec-Fetch-Site": "same-origin"}
	res := send(t, srv, "POST", "/login", "password=right", sameOrigin)
	if res.status != 200 || res.body != `{"success":true}` {
		t.Fatalf("the victim's own login: %d %s, want 200", res.status, res.body)
	}
	if c := res.header.Values("Set-Cookie"); len(c) != 1 || !strings.HasPrefix(c[0], "sid=s3cr3t;") {
		t.Errorf("the victim's own login: Set-Cookie %q", c)
	}
	// The upstream's own failures still count: two, then the lockout.
	for i, want := range []int{401, 401, 429} {
		if res := send(t, srv, "POST", "/login", "password=wrong", sameOrigin); res.status != want {
			t.Errorf("failure %d: %d %s, want %d", i+1, res.status, res.body, want)
		}
	}
}

// TestLoginRedirectBackCounts: a form login says "wrong password" by
// redirecting the post back to the login page (Spring Security's
// "/login?error", Laravel's back(), a PHP "login.php?failed"), so such a
// redirect counts as a failure; a redirect elsewhere is a success, and a
// safe request's redirect (GET /login to "/login/") never counts.
func TestLoginRedirectBackCounts(t *testing.T) {
	var upURL string
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/login/", http.StatusMovedPermanently)
			return
		}
		body, _ := io.ReadAll(r.Body)
		switch string(body) {
		case "password=right":
			w.Header().Set("Location", "/dashboard")
		case "password=wrong-absolute":
			w.Header().Set("Location", upURL+"/login?error") // rewritten to the public origin
		case "password=wrong-php":
			w.Header().Set("Location", "login.php?failed")
		default:
			w.Header().Set("Location", "?error")
		}
		w.WriteHeader(http.StatusFound)
	})
	upURL = up.URL
	cfg := prodConfig(up.URL)
	cfg.Login.Paths = []string{"/login"}
	cfg.Login.Rate = mustSpec(t, "3/1h")
	_, srv := start(t, cfg)
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded",
		"Origin": "https://" + publicHost, "Sec-Fetch-Site": "same-origin"}
	steps := []struct {
		method, body string
		status       int
		location     string
	}{
		{"GET", "", 301, "/login/"},
		{"GET", "", 301, "/login/"},
		{"GET", "", 301, "/login/"},
		{"GET", "", 301, "/login/"},
		{"POST", "password=right", 302, "/dashboard"},
		{"POST", "password=right", 302, "/dashboard"},
		{"POST", "password=right", 302, "/dashboard"},
		{"POST", "password=right", 302, "/dashboard"},
		{"POST", "password=wrong", 302, "?error"},
		{"POST", "password=wrong-absolute", 302, "https://" + publicHost + "/login?error"},
		{"POST", "password=wrong-php", 302, "login.php?failed"},
		{"POST", "password=right", 429, ""},
	}
	for i, st := range steps {
		hdr := form
		if st.method == "GET" {
			hdr = nil
		}
		res := send(t, srv, st.method, "/login", st.body, hdr)
		if res.status != st.status || res.header.Get("Location") != st.location {
			t.Fatalf("step %d, %s /login %q: %d Location %q %s, want %d %q", i+1, st.method, st.body,
				res.status, res.header.Get("Location"), res.body, st.status, st.location)
		}
	}
}

// TestOperatorsInBodiesOfOtherTypes checks the bodies that lenient
// parsers read as JSON whatever their Content-Type (Express's
// json({type: "*/*"}), PHP's json_decode of the raw input): one that
// starts like a JSON object or array gets the key guard, in a charset the
// guard reads or not at all, and every other body streams on unchanged.
// Compressed, such bodies are inflated first, as body-parser inflates
// gzip and deflate before json() reads: one that inflates to JSON (or to
// white space only, as far as the proxy inflates) is refused as compressed
// JSON is, and so is one the proxy cannot inflate.
func TestOperatorsInBodiesOfOtherTypes(t *testing.T) {
	up := newUpstream(t, nil)
	_, srv := start(t, prodConfig(up.URL))
	const operatorField = `{"errors":[{"type":"field","location":"body","path":"$ne","msg":"must not start with \"$\""}],"request_id":"`
	const unsupported = `{"error":"Unsupported media type","request_id":"`
	compress := func(newWriter func(io.Writer) io.WriteCloser) func(string) string {
		return func(s string) string {
			var b bytes.Buffer
			zw := newWriter(&b)
			zw.Write([]byte(s))
			zw.Close()
			return b.String()
		}
	}
	gz := compress(func(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) })
	zl := compress(func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) })
	raw := compress(func(w io.Writer) io.WriteCloser { zw, _ := flate.NewWriter(w, flate.DefaultCompression); return zw })
	const operators = `{"password":{"$ne":null}}`
	const octets = "application/octet-stream"
	tests := []struct {
		name, ctype, coding, body string
		status                    int
		bodyPrefix                string // of the refusal; "" when forwarded
	}{
		{"octet-stream", octets, "", operators, 400, operatorField},
		{"text/json", "text/json", "", ` 	` + operators, 400, operatorField},
		{"escaped key", "application/x-json", "", `[{"password":{"\u0024ne":null}}]`, 400, operatorField},
		{"byte order mark", "application/x-anything", "", "\xef\xbb\xbf" + operators, 400, operatorField},
		{"utf-7", "application/x-json; charset=utf-7", "", `{"password":{"+ACQ-ne":null}}`, 415, unsupported},
		{"utf-16 with a mark", "application/x-json; charset=utf-16", "", "\xff\xfe{\x00}\x00", 415, unsupported},
		{"padded", octets, "", strings.Repeat(" ", 600) + operators, 400, operatorField},
		{"clean json", octets, "", `{"password":"x"}`, 200, ""},
		{"not json", octets, "", `{not json $ne`, 200, ""},
		{"binary", "image/png", "", "\x89PNG\r\n\x1a\n$ne", 200, ""},
		{"xml in latin-1", "text/xml; charset=iso-8859-1", "", `<a>$ne</a>`, 200, ""},
		{"gzip json", octets, "gzip", gz(operators), 415, unsupported},
		{"x-gzip array", octets, "x-gzip", gz(`[` + operators + `]`), 415, unsupported},
		{"zlib json", octets, "deflate", zl(operators), 415, unsupported},
		{"raw deflate json", octets, "deflate", raw(operators), 415, unsupported},
		{"gzip padded json", octets, "gzip", gz(strings.Repeat(" ", 70<<10) + operators), 415, unsupported},
		{"gzip byte order mark", octets, "GZIP", gz("\xef\xbb\xbf \n" + operators), 415, unsupported},
		{"corrupt gzip", octets, "gzip", "\x1f\x8b\x08\x00garbage", 415, unsupported},
		{"brotli", octets, "br", "\x1b\x03\x00", 415, unsupported},
		{"two codings", octets, "gzip, gzip", gz(gz("x")), 415, unsupported},
		{"gzip binary", octets, "gzip", gz("\x89PNG\r\n\x1a\n$ne"), 200, ""},
		{"gzip text", octets, "gzip", gz("hello $ne"), 200, ""},
		{"identity json", octets, "identity", operators, 400, operatorField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := up.hits.Load()
			hdr := map[string]string{"Content-Type": tt.ctype}
			if tt.coding != "" {
				hdr["Content-Encoding"] = tt.coding
			}
			res := send(t, srv, "POST", "/api/upload", tt.body, hdr)
			if res.status != tt.status || !strings.HasPrefix(res.body, tt.bodyPrefix) {
				t.Fatalf("%d %s, want %d %s…", res.status, res.body, tt.status, tt.bodyPrefix)
			}
			if tt.status != 200 {
				if up.hits.Load() != before {
					t.Errorf("the refused body reached the upstream")
				}
				return
			}
			if _, body := up.last(); string(body) != tt.body {
				t.Errorf("upstream body %q, want %q as sent", body, tt.body)
			}
		})
	}
}

// TestLoginSkipsCrossSiteReads checks that a safe request that a browser
// sends to a login path from another site without credentials of its own
// (an <img> or a link on the attacker's page) does not count, even when
// the upstream answers it 401 ("not signed in"): the page could otherwise
// lock its visitors out. A request with an Authorization header (HTTP
// Basic) is an attempt and counts, and so is one without Fetch Metadata
// (a script guessing passwords).
func TestLoginSkipsCrossSiteReads(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && string(body) == "password=right" {
			io.WriteString(w, `{"success":true}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"Not signed in"}`)
	})
	cfg := prodConfig(up.URL)
	cfg.Login.Paths = []string{"/api/session"}
	cfg.Login.Rate = mustSpec(t, "3/1h")
	_, srv := start(t, cfg)
	for i, site := range []string{"cross-site", "same-site", "cross-site", "cross-site", "same-site"} {
		hdr := map[string]string{"Sec-Fetch-Site": site, "Sec-Fetch-Dest": "image"}
		if res := send(t, srv, "GET", "/api/session", "", hdr); res.status != 401 {
			t.Fatalf("%s GET %d: %d %s, want the upstream's 401", site, i+1, res.status, res.body)
		}
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	if res := send(t, srv, "POST", "/api/session", "password=right", form); res.status != 200 || res.body != `{"success":true}` {
		t.Fatalf("sign-in after the cross-site GETs: %d %s, want 200", res.status, res.body)
	}
	// Attempts count: a Basic-auth GET, even cross-site, a GET without
	// Fetch Metadata and a wrong password, then the lockout.
	basic := map[string]string{"Authorization": "Basic YWxpY2U6d3Jvbmc=", "Sec-Fetch-Site": "cross-site"}
	if res := send(t, srv, "GET", "/api/session", "", basic); res.status != 401 {
		t.Fatalf("Basic GET: %d %s, want 401", res.status, res.body)
	}
	if res := send(t, srv, "GET", "/api/session?user=alice&password=x", "", nil); res.status != 401 {
		t.Fatalf("GET without Fetch Metadata: %d %s, want 401", res.status, res.body)
	}
	if res := send(t, srv, "POST", "/api/session", "password=wrong", form); res.status != 401 {
		t.Fatalf("wrong password: %d %s, want 401", res.status, res.body)
	}
	res := send(t, srv, "POST", "/api/session", "password=right", form)
	if res.status != 429 || !strings.HasPrefix(res.body, `{"error":"Too many requests, please try again later.","request_id":"`) {
		t.Errorf("after three attempts: %d %s, want 429", res.status, res.body)
	}
}
