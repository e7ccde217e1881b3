package harden

import (
	"crypto/tls"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/respond"
)

// vandalize rewrites every value of h in place (index 0) and appends one
// to every header, as a careless handler or an outer layer might.
func vandalize(h http.Header) {
	for k, vs := range h {
		if len(vs) > 0 {
			vs[0] = "vandalized"
		}
		h[k] = append(vs, "appended")
	}
}

// varying matches the parts of header values that differ between two
// answers to the same request: the seconds left in the rate-limit window
// and the partition key of the request's quota.
var varying = regexp.MustCompile(`;t=\d+|;pk=:[A-Za-z0-9+/=]+:`)

// nonceSource is the CSP nonce, which only a page draws: normalized drops it.
var nonceSource = regexp.MustCompile(` 'nonce-[A-Za-z0-9_-]{22}'`)

// normalized copies h with its varying parts replaced by fixed text.
func normalized(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			if k == "Retry-After" {
				v = "<varies>"
			} else {
				v = varying.ReplaceAllString(nonceSource.ReplaceAllString(v, ""), "<varies>")
			}
			out[k] = append(out[k], v)
		}
	}
	return out
}

// TestHeaderValuesBelongToTheirResponse: behind the whole stack — security
// headers with a CSP nonce, HSTS, CORS with an allowed origin, the
// general rate limit, refusals of several layers through respond, and the
// panic answer — handlers and an outer layer write into every header
// value of their responses (index 0 and an append), from several
// goroutines at once. The next response to each request carries exactly
// the configured values again. Under -race this also proves that no two
// responses share a value slice.
func TestHeaderValuesBelongToTheirResponse(t *testing.T) {
	cfg := quiet(Config{
		PublicURL: "https://example.com",
		Headers:   headers.Config{CSP: headers.CSP{Nonce: true}, PermissionsPolicy: "camera=()"},
		CORS: cors.Config{
			Origins:        []string{"https://app.example.com"},
			Credentials:    true,
			Methods:        []string{"PUT"},
			RequestHeaders: []string{"X-CSRF-Token"},
			ExposedHeaders: []string{"X-Request-Id"},
			MaxAge:         600,
		},
		RateLimit: RateLimitConfig{Config: ratelimit.Config{
			Rate: ratelimit.Spec{Limit: 1, Window: time.Hour},
			// One quota per X-Quota header: "spent" is used up before
			// the test; every other request brings a fresh one.
			Key: func(r *http.Request) string { return r.Header.Get("X-Quota") },
		}, Paths: []string{"/api/"}},
	})
	stack, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/refuse":
			respond.Reject(w, r, &respond.Rejection{Status: http.StatusForbidden, Event: "authz_denied", Message: "Forbidden"})
		case "/api/panic":
			panic("handler failed")
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusOK)
		}
		vandalize(w.Header())
	})
	h := stack.Handler(app)
	// outer writes into the answer once the stack returned: it reaches the
	// values of answers the stack's layers wrote themselves.
	outer := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		vandalize(w.Header())
	})

	var quota struct {
		sync.Mutex
		n int
	}
	newRequest := func(method, host, path, origin string, hdr ...string) func() *http.Request {
		return func() *http.Request {
			r := httptest.NewRequest(method, "https://"+host+path, nil)
			r.TLS = &tls.ConnectionState{}
			r.Header.Set("X-Request-ID", testID)
			quota.Lock()
			quota.n++
			r.Header.Set("X-Quota", "fresh-"+strconv.Itoa(quota.n))
			quota.Unlock()
			if origin != "" {
				r.Header.Set("Origin", origin)
			}
			for i := 0; i+1 < len(hdr); i += 2 {
				r.Header.Set(hdr[i], hdr[i+1])
			}
			return r
		}
	}
	const app1 = "https://app.example.com"
	spent := newRequest("GET", "example.com", "/api/limited", app1, "X-Quota", "spent")
	h.ServeHTTP(httptest.NewRecorder(), spent()) // spends the quota

	// The configured values every answer carries (the CSP's nonce aside).
	security := map[string]string{
		"Strict-Transport-Security":         hsts,
		"Content-Security-Policy":           "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
		"Cross-Origin-Opener-Policy":        "same-origin",
		"Cross-Origin-Resource-Policy":      "same-origin",
		"Origin-Agent-Cluster":              "?1",
		"Referrer-Policy":                   "no-referrer",
		"Permissions-Policy":                "camera=()",
		"X-Content-Type-Options":            "nosniff",
		"X-Dns-Prefetch-Control":            "off",
		"X-Download-Options":                "noopen",
		"X-Frame-Options":                   "SAMEORIGIN",
		"X-Permitted-Cross-Domain-Policies": "none",
		"X-Xss-Protection":                  "0",
		"X-Request-Id":                      testID,
	}
	corsAllowed := map[string]string{
		"Vary":                             "Origin",
		"Access-Control-Allow-Origin":      app1,
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Expose-Headers":    "X-Request-Id",
	}
	refusal := map[string]string{
		"Content-Type":  "application/json; charset=utf-8",
		"Cache-Control": "no-store",
	}
	for _, tc := range []struct {
		name       string
		r          func() *http.Request
		wantStatus int
		wantBody   string
		want       []map[string]string
	}{
		{"allowed, CORS, rate limited path", newRequest("GET", "example.com", "/api/ok", app1), 200, "",
			[]map[string]string{security, corsAllowed}},
		{"handler's refusal through respond", newRequest("GET", "example.com", "/api/refuse", app1), 403,
			`{"error":"Forbidden","request_id":"` + testID + `"}` + "\n", []map[string]string{security, corsAllowed, refusal}},
		{"rate limit 429", spent, 429,
			`{"error":"Too many requests, please try again later.","request_id":"` + testID + `"}` + "\n", []map[string]string{security, corsAllowed, refusal}},
		{"preflight allowed", newRequest("OPTIONS", "example.com", "/api/ok", app1, "Access-Control-Request-Method", "PUT", "Access-Control-Request-Headers", "x-csrf-token"), 204, "",
			[]map[string]string{security, {
				"Vary":                             "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
				"Access-Control-Allow-Origin":      app1,
				"Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods":     "PUT",
				"Access-Control-Allow-Headers":     "x-csrf-token",
				"Access-Control-Max-Age":           "600",
			}}},
		{"preflight refused", newRequest("OPTIONS", "example.com", "/api/ok", "https://evil.example", "Access-Control-Request-Method", "PUT"), 403,
			`{"error":"CORS request not allowed","request_id":"` + testID + `"}` + "\n", []map[string]string{security, refusal}},
		{"host refused", newRequest("GET", "evil.example", "/api/ok", ""), 421, "", []map[string]string{security, refusal}},
		{"panic", newRequest("GET", "example.com", "/api/panic", app1), 500,
			`{"error":"Internal server error","request_id":"` + testID + `"}` + "\n", []map[string]string{security, refusal}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check := func(when string, w *httptest.ResponseRecorder) http.Header {
				t.Helper()
				// The headers as sent: the recorder's snapshot taken when
				// the response started, before the handler's writes.
				got := normalized(w.Result().Header)
				if w.Code != tc.wantStatus {
					t.Errorf("%s: status = %d, want %d", when, w.Code, tc.wantStatus)
				}
				if tc.wantBody != "" && w.Body.String() != tc.wantBody {
					t.Errorf("%s: body = %q, want %q", when, w.Body.String(), tc.wantBody)
				}
				for _, want := range tc.want {
					for k, v := range want {
						if vs := got[k]; len(vs) != 1 || vs[0] != v {
							t.Errorf("%s: %s = %q, want [%q]", when, k, vs, v)
						}
					}
				}
				return got
			}
			// The answer as the stack writes it, before any write into
			// other answers' values.
			first := httptest.NewRecorder()
			h.ServeHTTP(first, tc.r())
			want := check("first answer", first)

			var wg sync.WaitGroup
			for range 6 {
				wg.Go(func() {
					for range 30 {
						outer.ServeHTTP(httptest.NewRecorder(), tc.r())
					}
				})
			}
			wg.Wait()

			last := httptest.NewRecorder()
			h.ServeHTTP(last, tc.r())
			got := check("after writes into other answers", last)
			if !maps.EqualFunc(got, want, slices.Equal) {
				t.Errorf("after writes into other answers:\ngot  %v\nwant %v", got, want)
			}
		})
	}
}
