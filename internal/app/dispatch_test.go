package app

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/ratelimit"
)

// TestOuterMuxMirror: the routes' patterns registered on the outer mux
// change no answer. The reference is the outer mux with only its own
// routes and the catch-all to the routes; status, Location, Allow,
// Content-Type and body are compared for clean and unclean paths, the
// health check, the static tree and its redirect, and every method.
func TestOuterMuxMirror(t *testing.T) {
	a := newTestApp(t, Config{Development: true})
	ref := http.NewServeMux()
	ref.Handle("GET /static/", a.mux) // answered by the outer mux's own routes
	ref.Handle("GET "+healthPath, a.mux)
	ref.Handle("/", a.routes)
	viaRef := a.stack.Handler(ref)
	paths := []string{
		"/", "/api/me", "/api/me/", "/api/contact", "/api/csrf-token", "/api/csrf-token/", "/admin", "/admin/",
		"/nope", "/a/b/c", "/healthz", "/healthz/", "/static", "/static/", "/static/app.js", "/staticx",
		"//api/me", "/api//me", "/api/./me", "/api/../static/app.js", "/static/../api/me", "/a/b/../c",
		"/.", "/..", "/api/me/.", "/api/me/..", "/%2e%2e/x", "/api%2Fme", "/a%20b", "/api/me?x=1",
	}
	methods := []string{"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"}
	for _, p := range paths {
		for _, m := range methods {
			r1 := httptest.NewRequest(m, "http://localhost:3000"+p, nil)
			r1.Header.Set("X-Request-ID", testID)
			r2 := r1.Clone(r1.Context())
			got, want := httptest.NewRecorder(), httptest.NewRecorder()
			a.Handler().ServeHTTP(got, r1)
			viaRef.ServeHTTP(want, r2)
			if got.Code != want.Code {
				t.Errorf("%s %s: status %d, want %d", m, p, got.Code, want.Code)
				continue
			}
			for _, k := range []string{"Location", "Allow", "Content-Type"} {
				if g, w := got.Header().Get(k), want.Header().Get(k); g != w {
					t.Errorf("%s %s: %s %q, want %q", m, p, k, g, w)
				}
			}
			// The token and the page carry fresh random values.
			random := strings.HasPrefix(p, "/api/csrf-token") && got.Code == http.StatusOK ||
				strings.HasPrefix(got.Header().Get("Content-Type"), "text/html") && got.Code == http.StatusOK
			if g, w := got.Body.String(), want.Body.String(); !random && g != w {
				t.Errorf("%s %s: body %q, want %q", m, p, g, w)
			}
		}
	}
}

// TestWrongMethod: a request no route takes for its method gets 405 with
// the Allow list of the path's routes, as ServeMux computes it, in the
// app's JSON refusal with the security headers; a path no route has gets
// 404. OPTIONS without a CORS preflight's headers is a wrong method too
// (no route implements it). The unsafe methods carry a CSRF token: the
// CSRF refusal comes first (TestWrongMethodRefusedFirst).
func TestWrongMethod(t *testing.T) {
	_, srv := routeApp(t, Config{AllowedOrigins: "https://app.example.com"})
	c := newClient(t, srv.URL)
	token := c.token()
	const (
		notAllowed = `{"error":"Method not allowed","request_id":"test-req-1"}` + "\n"
		notFound   = `{"error":"Not found","request_id":"test-req-1"}` + "\n"
		badRequest = `{"error":"Bad request","request_id":"test-req-1"}` + "\n"
	)
	tests := []struct {
		method, path string
		wantStatus   int
		wantAllow    string
		wantBody     string
	}{
		// API routes.
		{"GET", "/api/login", 405, "POST", notAllowed},
		{"HEAD", "/api/login", 405, "POST", ""},
		{"PUT", "/api/login", 405, "POST", notAllowed},
		{"GET", "/api/register", 405, "POST", notAllowed},
		{"GET", "/api/logout", 405, "POST", notAllowed},
		{"DELETE", "/api/contact", 405, "POST", notAllowed},
		{"PATCH", "/api/avatar", 405, "POST", notAllowed},
		{"GET", "/api/preview", 405, "POST", notAllowed},
		{"POST", "/api/me", 405, "GET, HEAD", notAllowed},
		{"PUT", "/api/me", 405, "GET, HEAD", notAllowed},
		{"DELETE", "/api/me", 405, "GET, HEAD", notAllowed},
		{"OPTIONS", "/api/me", 405, "GET, HEAD", notAllowed},
		{"OPTIONS", "/api/contact", 405, "POST", notAllowed},
		{"POST", "/api/csrf-token", 405, "GET, HEAD", notAllowed},
		{"POST", "/api/admin/messages", 405, "GET, HEAD", notAllowed},
		{"FOO", "/api/me", 405, "GET, HEAD", notAllowed},
		// Pages and the outer mux's own routes.
		{"OPTIONS", "/", 405, "GET, HEAD", notAllowed},
		{"POST", "/", 405, "GET, HEAD", notAllowed},
		{"DELETE", "/admin", 405, "GET, HEAD", notAllowed},
		{"POST", "/healthz", 405, "GET, HEAD", notAllowed},
		{"OPTIONS", "/healthz", 405, "GET, HEAD", notAllowed},
		{"DELETE", "/readyz", 405, "GET, HEAD", notAllowed},
		{"PUT", "/favicon.ico", 405, "GET, HEAD", notAllowed},
		{"POST", "/robots.txt", 405, "GET, HEAD", notAllowed},
		{"GET", "/csp-report", 405, "POST", notAllowed},
		{"PUT", "/static/app.js", 405, "GET, HEAD", notAllowed},
		{"POST", "/static/nope.js", 405, "GET, HEAD", notAllowed},
		// CONNECT to a path is routed like any method; its authority
		// form is not a path: this server is no proxy.
		{"CONNECT", "/", 405, "GET, HEAD", notAllowed},
		{"CONNECT", "/api/login", 405, "POST", notAllowed},
		{"CONNECT", "/nope", 404, "", notFound},
		{"CONNECT", "", 400, "", badRequest},
		// Paths no route has.
		{"GET", "/nope", 404, "", notFound},
		{"OPTIONS", "/nope", 404, "", notFound},
		{"PUT", "/nope", 404, "", notFound},
		{"DELETE", "/api", 404, "", notFound},
		{"GET", "/api/me/", 404, "", notFound},
		{"POST", "/api/login/x", 404, "", notFound},
		{"GET", "/admin/", 404, "", notFound},
		// The routes themselves still answer.
		{"GET", "/api/me", 401, "", `{"error":"Authentication required","request_id":"test-req-1"}` + "\n"},
		{"HEAD", "/healthz", 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.method != "GET" && tt.method != "HEAD" && tt.method != "OPTIONS" {
				hdr["X-CSRF-Token"] = token
			}
			resp := c.resp(tt.method, tt.path, "", nil, hdr)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			if got := resp.Header.Values("Allow"); tt.wantAllow == "" && len(got) != 0 || tt.wantAllow != "" && (len(got) != 1 || got[0] != tt.wantAllow) {
				t.Errorf("Allow %q, want %q", got, tt.wantAllow)
			}
			if resp.StatusCode < 400 {
				return
			}
			for k, v := range map[string]string{
				"Content-Type":            "application/json; charset=utf-8",
				"Cache-Control":           "no-store",
				"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
				"X-Content-Type-Options":  "nosniff",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
				"X-Request-Id":            testID,
			} {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s %q, want %q", k, got, v)
				}
			}
		})
	}

	// A CORS preflight is the CORS layer's, before routing, as before.
	resp := c.resp("OPTIONS", "/api/contact", "", nil, map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-csrf-token"})
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" || resp.Header.Get("Allow") != "" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestWrongMethodRefusedFirst: the refusals before routing keep their
// order: an unsafe wrong method without a CSRF token gets the CSRF 403, a
// wrong method for another host the 421, and one over the rate limit
// the 429, none with an Allow field.
func TestWrongMethodRefusedFirst(t *testing.T) {
	check := func(t *testing.T, c *client, name, method, path, host string, wantStatus int, wantBody string) {
		t.Helper()
		req, _ := http.NewRequest(method, c.base+path, nil)
		req.Header.Set("X-Request-ID", testID)
		if host != "" {
			req.Host = host
		}
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != wantStatus || string(body) != wantBody {
			t.Errorf("%s: got %d %q, want %d %q", name, resp.StatusCode, body, wantStatus, wantBody)
		}
		if allow := resp.Header.Get("Allow"); wantStatus != 405 && allow != "" {
			t.Errorf("%s: Allow %q on a %d", name, allow, resp.StatusCode)
		}
	}
	const notAllowed = `{"error":"Method not allowed","request_id":"test-req-1"}` + "\n"
	t.Run("CSRF and hosts", func(t *testing.T) {
		_, srv := routeApp(t, Config{})
		c := newClient(t, srv.URL)
		// Development: the refusals name their cause.
		noToken := `{"error":"CSRF token missing","detail":"csrf: missing token","request_id":"test-req-1"}` + "\n"
		check(t, c, "no CSRF token", "PUT", "/api/me", "", 403, noToken)
		check(t, c, "no CSRF token, outer route", "POST", "/healthz", "", 403, noToken)
		check(t, c, "another host", "GET", "/api/login", "evil.example", 421,
			`{"error":"Misdirected request","detail":"allowedhosts: host not allowed","request_id":"test-req-1"}`+"\n")
	})
	t.Run("rate limit", func(t *testing.T) {
		_, srv := routeApp(t, Config{APILimit: ratelimit.Spec{Limit: 1, Window: time.Minute}})
		c := newClient(t, srv.URL)
		check(t, c, "within the limit", "GET", "/api/login", "", 405, notAllowed)
		check(t, c, "over the limit", "GET", "/api/login", "", 429,
			`{"error":"Too many requests, please try again later.","request_id":"test-req-1"}`+"\n")
	})
}

// TestWrongMethodMetricsRoute: the 405 and 404 answers are counted under
// the catch-all's route label "/", never the raw path or method, so a
// scanner cannot grow the series.
func TestWrongMethodMetricsRoute(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := newTestApp(t, Config{Development: true, Metrics: m})
	for i, tt := range []struct{ method, path string }{
		{"GET", "/api/login"}, {"OPTIONS", "/api/me"}, {"CONNECT", "/"}, {"GET", "/no/such/1"}, {"OPTIONS", "/no/such/2"},
	} {
		r := httptest.NewRequest(tt.method, tt.path, nil) // origin-form, CONNECT's too
		r.Host = "localhost:3000"
		w := httptest.NewRecorder()
		a.Handler().ServeHTTP(w, r)
		if want := []int{405, 405, 405, 404, 404}[i]; w.Code != want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, w.Code, want)
		}
	}
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	out := w.Body.String()
	if !strings.Contains(out, `harden_requests_total{class="4xx",route="/"} 5`) {
		t.Errorf("4xx under route \"/\" not 5:\n%s", grepLines(out, "harden_requests_total"))
	}
	for _, raw := range []string{"/api/login", "/api/me", "/no/such", "OPTIONS", "CONNECT"} {
		if strings.Contains(out, raw) {
			t.Errorf("%q reached the metrics", raw)
		}
	}
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for l := range strings.Lines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
