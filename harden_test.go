package harden

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/allowedhosts"
	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
)

// securityHeaders are the helmet-parity headers every response must carry
// (HSTS only over HTTPS, so not over httptest's plain HTTP).
var securityHeaders = map[string]string{
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
}

// testID is the X-Request-ID of test requests: the stack keeps a
// well-formed incoming id, so bodies are exact.
const testID = "test-req-1"

// discardLog is a security log that drops every event.
var discardLog = func() *seclog.Logger {
	l, err := seclog.New(seclog.Config{Writer: io.Discard})
	if err != nil {
		panic(err)
	}
	return l
}()

// quiet returns cfg with both logs discarded.
func quiet(cfg Config) Config {
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.SecurityLog = discardLog
	return cfg
}

// hsts is the default Strict-Transport-Security value, sent over HTTPS only.
const hsts = "max-age=31536000; includeSubDomains"

func testMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ok", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("GET /redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok", http.StatusFound)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 10)
		if _, err := io.ReadAll(r.Body); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				respond.Reject(w, r, &respond.Rejection{Status: http.StatusRequestEntityTooLarge, Message: "Request body too large"})
				return
			}
		}
		io.WriteString(w, "stored")
	})
	mux.HandleFunc("GET /panic", func(http.ResponseWriter, *http.Request) {
		panic("secret internals /srv/db.sqlite")
	})
	return mux
}

func TestHeadersOnEveryResponse(t *testing.T) {
	// Production serves HTTPS only: a TLS test server whose own address is
	// the public URL.
	srv := httptest.NewUnstartedServer(nil)
	stack, err := New(quiet(Config{PublicURL: "https://" + srv.Listener.Addr().String()}))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = stack.Handler(testMux())
	srv.StartTLS()
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	tests := []struct {
		method, path, body string
		wantStatus         int
		wantBody           string
	}{
		{"GET", "/ok", "", 200, "ok"},
		{"GET", "/redirect", "", 302, ""},
		{"GET", "/missing", "", 404, "404 page not found\n"},
		{"DELETE", "/ok", "", 405, "Method Not Allowed\n"},
		{"POST", "/upload", strings.Repeat("x", 100), 413, `{"error":"Request body too large","request_id":"test-req-1"}` + "\n"},
		{"GET", "/panic", "", 500, `{"error":"Internal server error","request_id":"test-req-1"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("X-Request-ID", testID)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != 302 && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			for k, want := range securityHeaders {
				if got := resp.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if got, want := resp.Header.Get("Strict-Transport-Security"), hsts; got != want {
				t.Errorf("Strict-Transport-Security = %q, want %q", got, want)
			}
			if got := resp.Header.Get("X-Request-ID"); got != testID {
				t.Errorf("X-Request-ID = %q, want %q", got, testID)
			}
			if v := resp.Header.Get("X-Powered-By"); v != "" {
				t.Errorf("X-Powered-By = %q", v)
			}
		})
	}
}

func TestDevelopmentResponder(t *testing.T) {
	stack, err := New(quiet(Config{Development: true, PublicURL: "https://example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.Reject(w, r, &respond.Rejection{Status: 400, Message: "Bad request", Err: errors.New("field x: want int")})
	}))
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "http://localhost:3000/", nil)
	r.Header.Set("X-Request-ID", testID)
	h.ServeHTTP(w, r)
	if got, want := w.Body.String(), `{"error":"Bad request","detail":"field x: want int","request_id":"test-req-1"}`+"\n"; got != want {
		t.Errorf("development body = %q, want %q", got, want)
	}
	prod, err := New(quiet(Config{PublicURL: "https://example.com"}))
	if err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	r = httptest.NewRequest("GET", "https://example.com/", nil)
	r.Header.Set("X-Request-ID", testID)
	prod.Handler(h).ServeHTTP(w, r)
	// The inner (development) stack's responder is the nearest: it wins.
	if got, want := w.Body.String(), `{"error":"Bad request","detail":"field x: want int","request_id":"test-req-1"}`+"\n"; got != want {
		t.Errorf("nested stacks: body = %q, want %q", got, want)
	}
}

func TestConfigErrors(t *testing.T) {
	const pub = "https://example.com"
	tests := []struct {
		name  string
		cfg   Config
		want  []error // every one must match (errors.Is); nil: New succeeds
		count int     // number of joined errors
	}{
		{"headers", Config{PublicURL: pub, Headers: headers.Config{FrameOptions: "ALLOW-FROM x"}}, nil, 1},
		{"zero config is production without a public URL", Config{}, []error{errPublicURLRequired}, 1},
		{"production with an http public URL", Config{PublicURL: "http://example.com"}, []error{errPublicURLNotHTTPS}, 1},
		{"public URL with a path", Config{Development: true, PublicURL: "https://example.com/app"}, []error{errInvalidPublicURL}, 1},
		{"public URL with userinfo", Config{PublicURL: "https://u:p@example.com"}, []error{errInvalidPublicURL}, 1},
		{"public URL with a query", Config{PublicURL: "https://example.com?x=1"}, []error{errInvalidPublicURL}, 1},
		{"public URL not absolute", Config{Development: true, PublicURL: "example.com"}, []error{errInvalidPublicURL}, 1},
		{"public URL with another scheme", Config{Development: true, PublicURL: "ftp://example.com"}, []error{errInvalidPublicURL}, 1},
		// One grammar for the public URL in every layer that reads it: a
		// second spelling of the origin is refused, not normalised.
		{"public URL with a trailing dot", Config{PublicURL: "https://example.com."}, []error{errInvalidPublicURL}, 1},
		{"public URL port with a leading zero", Config{PublicURL: "https://example.com:08443"}, []error{errInvalidPublicURL}, 1},
		{"public URL with an empty port", Config{PublicURL: "https://example.com:"}, []error{errInvalidPublicURL}, 1},
		{"public URL host with an underscore", Config{Development: true, PublicURL: "https://ex_ample.com"}, []error{errInvalidPublicURL}, 1},
		{"public URL with a short IPv4", Config{Development: true, PublicURL: "http://127.1:8080"}, []error{errInvalidPublicURL}, 1},
		{"plain HTTP allowed but no host to answer for", Config{HTTPS: HTTPSConfig{DangerouslyAllowPlainHTTP: true}}, []error{errHostsRequired}, 1},
		{"broad ranges in production", Config{PublicURL: pub, ClientIP: clientip.Config{TrustedProxies: []string{"0.0.0.0/0"}, DangerouslyTrustBroadRanges: true}}, []error{errBroadRangesInProduction}, 1},
		{"broad range without the escape hatch", Config{Development: true, ClientIP: clientip.Config{TrustedProxies: []string{"0.0.0.0/0"}}}, []error{testenv.ConfigCause("range trusts most of the Internet (needs DangerouslyTrustBroadRanges)")}, 1},
		{"trusted proxy that is not an address", Config{PublicURL: pub, ClientIP: clientip.Config{TrustedProxies: []string{"proxy.internal"}}}, []error{testenv.ConfigCause("not an IP address or CIDR range")}, 1},
		{"hops and proxies", Config{PublicURL: pub, ClientIP: clientip.Config{TrustedHops: 1, TrustedProxies: []string{"10.0.0.1"}}}, []error{testenv.ConfigCause("trusted_hops and trusted_proxies cannot both be set")}, 1},
		{"exempt path not absolute", Config{PublicURL: pub, HTTPS: HTTPSConfig{Exempt: []string{"healthz"}}}, []error{errInvalidPath}, 1},
		{"health path not absolute", Config{Development: true, HealthPaths: []string{"healthz"}}, []error{errInvalidPath}, 1},
		{"bad host entry", Config{PublicURL: pub, Hosts: allowedhosts.Config{Hosts: []string{"ex ample.com"}}}, []error{testenv.ConfigCause("is not a host name or IP address with an optional port")}, 1},
		{"bare wildcard host", Config{PublicURL: pub, Hosts: allowedhosts.Config{Hosts: []string{"*.com"}}}, []error{testenv.ConfigCause("wildcard must stand for subdomains of a name with at least two labels")}, 1},
		{"CORS wildcard with credentials", Config{PublicURL: pub, CORS: cors.Config{Origins: []string{"*"}, Credentials: true}}, []error{testenv.ConfigCause(`"*" cannot be combined with credentials`)}, 1},
		{"CORS insecure origin", Config{PublicURL: pub, CORS: cors.Config{Origins: []string{"http://app.example.com"}}}, []error{testenv.ConfigCause("http:// origin needs DangerouslyAllowInsecureOrigins")}, 1},
		{"CORS null origin", Config{PublicURL: pub, CORS: cors.Config{Origins: []string{"null"}}}, []error{testenv.ConfigCause("null and file:// origins are sent by sandboxed and local documents of any site")}, 1},
		{"CORS settings are checked without origins", Config{PublicURL: pub, CORS: cors.Config{MaxAge: 100000}}, []error{testenv.ConfigCause("must be -1, 0 or 1..86400")}, 1},
		{"every problem at once", Config{
			HealthPaths: []string{"x"},
			ClientIP:    clientip.Config{TrustedProxies: []string{"::/0"}, DangerouslyTrustBroadRanges: true},
			Hosts:       allowedhosts.Config{Hosts: []string{"a b"}},
			CORS:        cors.Config{Origins: []string{"file://x", "null"}},
		}, []error{errInvalidPath, errBroadRangesInProduction, errPublicURLRequired, testenv.ConfigCause("is not a host name or IP address with an optional port"), testenv.ConfigCause("null and file:// origins are sent by sandboxed and local documents of any site")}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack, err := New(quiet(tt.cfg))
			if stack != nil || err == nil {
				t.Fatalf("New = %v, %v; want an error", stack, err)
			}
			joined, ok := err.(interface{ Unwrap() []error })
			if !ok {
				t.Fatalf("err %T is not joined", err)
			}
			if got := len(joined.Unwrap()); got != tt.count {
				t.Errorf("%d errors, want %d: %v", got, tt.count, err)
			}
			for _, e := range joined.Unwrap() {
				if !errors.Is(e, ErrConfig) {
					t.Errorf("error %q is not wrapped with ErrConfig", e)
				}
			}
			for _, want := range tt.want {
				if !testenv.MatchConfig(err, want) {
					t.Errorf("err = %v, want it to match %q", err, want)
				}
			}
		})
	}
	// Layer error types stay reachable.
	_, err := New(Config{PublicURL: pub, Headers: headers.Config{FrameOptions: "ALLOW-FROM x"}})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "frame_options" || !errors.Is(err, headers.ErrInvalidConfig) {
		t.Errorf("err = %v, want a ConfigError from headers for frame_options", err)
	}
	_, err = New(Config{PublicURL: pub, CORS: cors.Config{Origins: []string{"https://ok.example", "null"}}})
	var corsErr *ConfigError
	if !errors.As(err, &corsErr) || corsErr.Field != "origins" || corsErr.Index != 1 {
		t.Errorf("err = %v, want a *ConfigError from cors for origins[1]", err)
	}
}

func TestConfigErrorText(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{}, "harden: invalid configuration: https: production enforces HTTPS and needs public_url (or development mode)"},
		{Config{PublicURL: "http://example.com"}, "harden: invalid configuration: https: production enforces HTTPS: public_url must be https://"},
		{Config{PublicURL: "https://example.com", ClientIP: clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}, DangerouslyTrustBroadRanges: true}},
			"harden: invalid configuration: client_ip: dangerously_trust_broad_ranges is refused in production"},
		{Config{PublicURL: "https://example.com", HTTPS: HTTPSConfig{Exempt: []string{"health"}}},
			`harden: invalid configuration: https.exempt: "health" must be an absolute path starting with /`},
		{Config{PublicURL: "https://example.com", ClientIP: clientip.Config{TrustedProxies: []string{"nope"}}},
			`harden: invalid configuration: clientip: trusted_proxies[0] "nope": not an IP address or CIDR range`},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

func TestConfigAccepted(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		wantCORS bool
	}{
		{"development zero", Config{Development: true}, false},
		{"production with public URL", Config{PublicURL: "https://example.com/"}, false},
		{"development with http public URL", Config{Development: true, PublicURL: "http://localhost:3000"}, false},
		{"plain HTTP allowed with hosts", Config{Hosts: allowedhosts.Config{Hosts: []string{"svc.internal"}}, HTTPS: HTTPSConfig{DangerouslyAllowPlainHTTP: true}}, false},
		{"plain HTTP allowed with an http public URL", Config{PublicURL: "http://svc.internal", HTTPS: HTTPSConfig{DangerouslyAllowPlainHTTP: true}}, false},
		{"broad ranges in development", Config{Development: true, ClientIP: clientip.Config{TrustedProxies: []string{"0.0.0.0/0"}, DangerouslyTrustBroadRanges: true}}, false},
		{"CORS with origins", Config{PublicURL: "https://example.com", CORS: cors.Config{Origins: []string{"https://app.example.com"}}}, true},
		{"CORS settings without origins", Config{PublicURL: "https://example.com", CORS: cors.Config{Credentials: true}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack, err := New(quiet(tt.cfg))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if got := stack.CORS() != nil; got != tt.wantCORS {
				t.Errorf("CORS layer installed = %v, want %v", got, tt.wantCORS)
			}
		})
	}
}

func TestLoopbackOriginWarning(t *testing.T) {
	for _, dev := range []bool{false, true} {
		var log, seclogBuf strings.Builder
		sec, err := seclog.New(seclog.Config{Writer: &seclogBuf, Service: "test"})
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{
			Development: dev,
			PublicURL:   "https://example.com",
			CORS:        cors.Config{Origins: []string{"http://localhost:5173", "https://app.example.com"}},
			Logger:      slog.New(slog.NewTextHandler(&log, nil)),
			SecurityLog: sec,
		}
		if _, err := New(cfg); err != nil {
			t.Fatal(err)
		}
		const want = `"level":"WARN","event":"config_warning","success":false,"ip":"","user_agent":"","user_id":"","method":"","path":"","status":0,"request_id":"","service":"test","details":{"message":"CORS allows an http:// origin in production","origin":"http://localhost:5173"}}`
		if got := strings.Count(seclogBuf.String(), want); got != map[bool]int{false: 1, true: 0}[dev] {
			t.Errorf("development %v: security log = %q", dev, seclogBuf.String())
		}
		if log.Len() != 0 {
			t.Errorf("development %v: the warning also went to the operational log: %q", dev, log.String())
		}
	}
}

// echo answers with what the trust model says about the request.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	info := clientip.Get(r)
	io.WriteString(w, "addr="+info.Addr.String()+" scheme="+info.Scheme+" host="+info.Host)
})

func TestStack(t *testing.T) {
	corsCfg := cors.Config{
		Origins:        []string{"https://app.example.com"},
		Credentials:    true,
		Methods:        []string{"PUT"},
		RequestHeaders: []string{"Content-Type"},
		MaxAge:         600,
	}
	mustNew := func(cfg Config) http.Handler {
		s, err := New(quiet(cfg))
		if err != nil {
			t.Fatal(err)
		}
		return s.Handler(echo)
	}
	// One load balancer in front (hop count), health checks exempt, CORS.
	hop := mustNew(Config{PublicURL: "https://example.com", HealthPaths: []string{"/healthz"},
		ClientIP: clientip.Config{TrustedHops: 1}, CORS: corsCfg})
	// Proxies named by range: a peer outside it is the client.
	cidr := mustNew(Config{PublicURL: "https://example.com", ClientIP: clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}}})
	dev := mustNew(Config{Development: true})

	const (
		misdirected = `{"error":"Misdirected request","request_id":"test-req-1"}` + "\n"
		corsDenied  = `{"error":"CORS request not allowed","request_id":"test-req-1"}` + "\n"
		redirected  = "Redirecting to HTTPS.\n"
	)
	absent := "<absent>"
	tests := []struct {
		name       string
		h          http.Handler
		method     string
		url        string
		remote     string
		header     map[string]string
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{"direct HTTPS", hop, "GET", "https://example.com/x", "192.0.2.1:5000", nil,
			200, "addr=192.0.2.1 scheme=https host=example.com", map[string]string{"Strict-Transport-Security": hsts}},
		{"one trusted hop: the left-most X-Forwarded-For entry is spoofed", hop, "GET", "http://example.com/x", "10.0.0.1:5000",
			map[string]string{"X-Forwarded-For": "6.6.6.6, 203.0.113.7", "X-Forwarded-Proto": "https"},
			200, "addr=203.0.113.7 scheme=https host=example.com",
			// The headers layer sees the trusted scheme: HSTS behind a TLS-terminating proxy.
			map[string]string{"Strict-Transport-Security": hsts}},
		{"one trusted hop: Forwarded is not read", hop, "GET", "http://example.com/x", "10.0.0.1:5000",
			map[string]string{"Forwarded": "for=6.6.6.6;proto=https", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
			200, "addr=203.0.113.7 scheme=https host=example.com", nil},
		{"untrusted peer claims HTTPS and an address", cidr, "GET", "http://example.com/a?b=1", "198.51.100.9:5000",
			map[string]string{"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https"},
			301, redirected, map[string]string{"Location": "https://example.com/a?b=1", "Strict-Transport-Security": absent}},
		{"trusted range peer", cidr, "GET", "http://example.com/", "10.1.2.3:5000",
			map[string]string{"X-Forwarded-For": "6.6.6.6, 2001:db8::7", "X-Forwarded-Proto": "https"},
			200, "addr=2001:db8::7 scheme=https host=example.com", nil},
		{"plain HTTP with a hostile Host goes to the public URL", hop, "GET", "http://evil.example/login?next=%2F", "192.0.2.1:5000", nil,
			301, redirected, map[string]string{"Location": "https://example.com/login?next=%2F"}},
		{"plain HTTP POST keeps its method", hop, "POST", "http://example.com/api/x", "192.0.2.1:5000", nil,
			308, redirected, map[string]string{"Location": "https://example.com/api/x"}},
		{"hostile Host over HTTPS", hop, "GET", "https://evil.example/", "192.0.2.1:5000", nil,
			421, misdirected, map[string]string{"Content-Type": "application/json; charset=utf-8", "Strict-Transport-Security": hsts}},
		{"hostile forwarded host from the trusted proxy", hop, "GET", "http://example.com/", "10.0.0.1:5000",
			map[string]string{"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
			421, misdirected, nil},
		{"public host with its default port", hop, "GET", "https://example.com:443/", "192.0.2.1:5000", nil,
			200, "addr=192.0.2.1 scheme=https host=example.com:443", nil},
		{"public host on another port", hop, "GET", "https://example.com:8443/", "192.0.2.1:5000", nil,
			421, misdirected, nil},
		{"health check by address over plain HTTP", hop, "GET", "http://10.0.0.5:8080/healthz", "10.0.0.2:5000", nil,
			200, "addr=10.0.0.2 scheme=http host=10.0.0.5:8080", map[string]string{"Strict-Transport-Security": absent}},
		{"health path is exact", hop, "GET", "http://10.0.0.5:8080/healthz/", "10.0.0.2:5000", nil,
			301, redirected, map[string]string{"Location": "https://example.com/healthz/"}},
		{"preflight from an allowed origin", hop, "OPTIONS", "https://example.com/api/x", "192.0.2.1:5000",
			map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"},
			204, "", map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "PUT",
				"Access-Control-Allow-Headers":     "content-type",
				"Access-Control-Max-Age":           "600",
				"Vary":                             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
			}},
		{"preflight from another origin", hop, "OPTIONS", "https://example.com/api/x", "192.0.2.1:5000",
			map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"},
			403, corsDenied, map[string]string{"Access-Control-Allow-Origin": absent, "Content-Type": "application/json; charset=utf-8"}},
		{"preflight asking for a method not allowed", hop, "OPTIONS", "https://example.com/api/x", "192.0.2.1:5000",
			map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"},
			403, corsDenied, map[string]string{"Access-Control-Allow-Origin": absent}},
		{"simple request from an allowed origin", hop, "GET", "https://example.com/api/x", "192.0.2.1:5000",
			map[string]string{"Origin": "https://app.example.com"},
			200, "addr=192.0.2.1 scheme=https host=example.com", map[string]string{
				"Access-Control-Allow-Origin":      "https://app.example.com",
				"Access-Control-Allow-Credentials": "true",
				"Vary":                             "Origin",
			}},
		{"simple request from another origin", hop, "GET", "https://example.com/api/x", "192.0.2.1:5000",
			map[string]string{"Origin": "https://evil.example"},
			200, "addr=192.0.2.1 scheme=https host=example.com", map[string]string{"Access-Control-Allow-Origin": absent, "Vary": "Origin"}},
		{"development: plain HTTP on localhost", dev, "GET", "http://localhost:3000/", "127.0.0.1:5000", nil,
			200, "addr=127.0.0.1 scheme=http host=localhost:3000", nil},
		{"development: DNS rebinding name", dev, "GET", "http://rebind.evil.example:3000/", "127.0.0.1:5000", nil,
			421, `{"error":"Misdirected request","detail":"allowedhosts: host not allowed","request_id":"test-req-1"}` + "\n", nil},
		{"development: no proxy trusted", dev, "GET", "http://127.0.0.1:3000/", "127.0.0.1:5000",
			map[string]string{"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"},
			200, "addr=127.0.0.1 scheme=http host=127.0.0.1:3000", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.url, nil)
			r.RemoteAddr = tt.remote
			r.Header.Set("X-Request-ID", testID)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			tt.h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			for k, want := range tt.wantHeader {
				got, ok := w.Header()[http.CanonicalHeaderKey(k)]
				switch {
				case want == absent && ok:
					t.Errorf("%s = %q, want none", k, got)
				case want != absent && strings.Join(got, ", ") != want:
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			// Every answer, refusals and redirects included, carries the
			// security headers.
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if got, want := w.Header().Get("Content-Security-Policy"), securityHeaders["Content-Security-Policy"]; got != want {
				t.Errorf("Content-Security-Policy = %q, want %q", got, want)
			}
		})
	}
}

// ExampleNew shows the smallest production configuration and what New says
// about the zero one.
func ExampleNew() {
	_, err := New(Config{})
	fmt.Println(errors.Is(err, ErrConfig), errors.Is(err, errPublicURLRequired))

	stack, err := New(Config{
		PublicURL:   "https://example.com",
		HealthPaths: []string{"/healthz"},
		ClientIP:    clientip.Config{TrustedHops: 1}, // one load balancer
		CORS:        cors.Config{Origins: []string{"https://app.example.com"}, Credentials: true},
	})
	fmt.Println(err, stack.CORS().Origins())
	// Output:
	// true true
	// <nil> [https://app.example.com]
}

// BenchmarkStack is the default production stack (request id, security
// log, recovery, headers, HTTPS enforcement, allowed hosts) on an HTTPS
// request it lets through.
func BenchmarkStack(b *testing.B) {
	stack, err := New(Config{PublicURL: "https://example.com", SecurityLog: discardLog})
	if err != nil {
		b.Fatal(err)
	}
	benchStack(b, stack, httptest.NewRequest("GET", "https://example.com/", nil))
}

// BenchmarkStackBehindProxy adds one trusted hop and CORS, on a request
// forwarded by the proxy from an allowed origin.
func BenchmarkStackBehindProxy(b *testing.B) {
	stack, err := New(Config{
		PublicURL:   "https://example.com",
		ClientIP:    clientip.Config{TrustedHops: 1},
		CORS:        cors.Config{Origins: []string{"https://app.example.com"}, Credentials: true},
		SecurityLog: discardLog,
	})
	if err != nil {
		b.Fatal(err)
	}
	benchStack(b, stack, proxiedRequest())
}

// BenchmarkStackRateLimited is BenchmarkStackBehindProxy with the general
// rate limit on /api/ (in memory, draft-8 headers), under a quota the
// benchmark never spends.
func BenchmarkStackRateLimited(b *testing.B) {
	stack, err := New(Config{
		PublicURL:   "https://example.com",
		ClientIP:    clientip.Config{TrustedHops: 1},
		CORS:        cors.Config{Origins: []string{"https://app.example.com"}, Credentials: true},
		RateLimit:   RateLimitConfig{Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 1_000_000_000, Window: time.Hour}}, Paths: []string{"/api/"}},
		SecurityLog: discardLog,
	})
	if err != nil {
		b.Fatal(err)
	}
	benchStack(b, stack, proxiedRequest())
}

// proxiedRequest is a request forwarded by one trusted proxy from an
// allowed origin.
func proxiedRequest() *http.Request {
	r := httptest.NewRequest("GET", "http://example.com/api/x", nil)
	r.RemoteAddr = "10.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	r.Header.Set("X-Forwarded-Proto", "https")
	r.Header.Set("Origin", "https://app.example.com")
	return r
}

func benchStack(b *testing.B, stack *Stack, r *http.Request) {
	h := stack.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	hdr := http.Header{}
	w := &benchWriter{h: hdr}
	h.ServeHTTP(w, r)
	if w.code != 0 {
		b.Fatalf("request refused with %d", w.code)
	}
	b.ReportAllocs()
	for b.Loop() {
		clear(hdr)
		h.ServeHTTP(w, r)
	}
}

type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }

// BenchmarkStackRefunding is BenchmarkStackRateLimited with a limiter that
// refunds failed requests, which reads the status from the edge's writer
// wrapper instead of wrapping the writer again.
func BenchmarkStackRefunding(b *testing.B) {
	stack, err := New(Config{
		PublicURL:   "https://example.com",
		ClientIP:    clientip.Config{TrustedHops: 1},
		CORS:        cors.Config{Origins: []string{"https://app.example.com"}, Credentials: true},
		RateLimit:   RateLimitConfig{Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 1_000_000_000, Window: time.Hour}, SkipFailedRequests: true}, Paths: []string{"/api/"}},
		SecurityLog: discardLog,
	})
	if err != nil {
		b.Fatal(err)
	}
	benchStack(b, stack, proxiedRequest())
}
