package scan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testenv"
)

// fixture is a site with one header set, served over HTTP and HTTPS on one
// loopback port.
type fixture struct {
	name      string
	h         http.HandlerFunc
	mode      listenMode // which schemes the port speaks (default both)
	untrusted bool       // the certificate is signed by a CA nobody trusts
}

// site builds a handler: plain HTTP redirects to HTTPS on the same host and
// port (unless noRedirect), HTTPS answers with the headers, cookies and body.
type site struct {
	headers    [][2]string
	cookies    []string
	body       string
	ctype      string
	status     int
	noRedirect bool
}

func (s site) handler() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil && !s.noRedirect {
			http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		for _, h := range s.headers {
			w.Header().Add(h[0], h[1])
		}
		for _, c := range s.cookies {
			w.Header().Add("Set-Cookie", c)
		}
		ct := s.ctype
		if ct == "" {
			ct = "text/html; charset=utf-8"
		}
		w.Header().Set("Content-Type", ct)
		st := s.status
		if st == 0 {
			st = http.StatusOK
		}
		w.WriteHeader(st)
		body := s.body
		if body == "" && strings.HasPrefix(ct, "text/html") {
			body = "<!doctype html><title>t</title><p>hello</p>"
		}
		_, _ = w.Write([]byte(body))
	}
}

const (
	strictCSP = "default-src 'none'; script-src 'nonce-abc123' 'strict-dynamic'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	hsts      = "max-age=31536000; includeSubDomains"
)

var strictHeaders = [][2]string{
	{"Content-Security-Policy", strictCSP},
	{"Strict-Transport-Security", hsts},
	{"X-Content-Type-Options", "nosniff"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Cross-Origin-Opener-Policy", "same-origin"},
}

func with(base [][2]string, replace ...[2]string) [][2]string {
	out := make([][2]string, 0, len(base)+len(replace))
	for _, h := range base {
		drop := false
		for _, r := range replace {
			if strings.EqualFold(r[0], h[0]) {
				drop = true
			}
		}
		if !drop {
			out = append(out, h)
		}
	}
	for _, r := range replace {
		if r[1] != "" {
			out = append(out, r)
		}
	}
	return out
}

func fixtures() []fixture {
	sriPage := `<!doctype html><script src="/app.js" integrity="sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"></script>`
	return []fixture{
		{name: "bare-http-only", h: site{noRedirect: true}.handler()},
		{name: "strict-a-plus", h: site{headers: strictHeaders, body: sriPage,
			cookies: []string{"__Host-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax"}}.handler()},
		{name: "helmet-defaults", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy",
			"default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests"},
			[2]string{"X-Frame-Options", "SAMEORIGIN"}, [2]string{"X-XSS-Protection", "0"})}.handler()},
		{name: "csp-unsafe-inline", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'"})}.handler()},
		{name: "csp-unsafe-eval", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-eval'; frame-ancestors *"})}.handler()},
		{name: "csp-report-only", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", ""}, [2]string{"Content-Security-Policy-Report-Only", "default-src 'self'"})}.handler()},
		{name: "csp-duplicate-directive", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'self'; script-src 'self'; script-src 'none'"})}.handler()},
		{name: "csp-strict-dynamic-without-nonce", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'self'; script-src 'strict-dynamic' https:; frame-ancestors 'self'"})}.handler()},
		{name: "csp-meta-with-frame-ancestors", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", ""}, [2]string{"X-Frame-Options", ""}),
			body: `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'self'; frame-ancestors 'none'"><meta name="referrer" content="unsafe-url"></head><body>x</body></html>`}.handler()},
		{name: "csp-two-headers-and-insecure-scheme", h: site{headers: append(with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'self' http://cdn.example.com"}),
			[2]string{"Content-Security-Policy", "img-src http://img.example.com"})}.handler()},
		{name: "csp-passive-http", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'none'; img-src http://img.example.com; frame-ancestors 'none'"})}.handler()},
		{name: "hsts-short-and-cookies-no-secure", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", "max-age=3600"}),
			cookies: []string{"theme=dark; Path=/", "sessionid=abc; Path=/; HttpOnly"}}.handler()},
		{name: "hsts-twice", h: site{headers: append(with(strictHeaders), [2]string{"Strict-Transport-Security", "max-age=300"}),
			cookies: []string{"sessionid=abc; Path=/; Secure"}}.handler()},
		{name: "hsts-unparsable-max-age", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", `max-age="31536000"`}),
			cookies: []string{"csrftoken=x; Path=/; Secure", "pref=1; Secure; SameSite=Bogus"}}.handler()},
		{name: "cookies-samesite-none-insecure", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", ""}),
			cookies: []string{"tracking=1; SameSite=None", "login_token=2; Secure; HttpOnly; SameSite=Strict"}}.handler()},
		{name: "cors-wildcard", h: site{headers: with(strictHeaders, [2]string{"Access-Control-Allow-Origin", "*"}), ctype: "application/json", body: `{"ok":true}`}.handler()},
		{name: "cors-reflected-with-credentials", h: func(w http.ResponseWriter, r *http.Request) {
			if o := r.Header.Get("Origin"); o != "" {
				w.Header().Set("Access-Control-Allow-Origin", o)
				w.Header().Set("Access-Control-Allow-Credentials", "true")
			}
			site{headers: strictHeaders}.handler()(w, r)
		}},
		{name: "redirect-http-to-http-first", h: func(w http.ResponseWriter, r *http.Request) {
			if r.TLS == nil && r.URL.Path == "/" {
				http.Redirect(w, r, "/hop", http.StatusFound)
				return
			}
			if r.TLS == nil {
				http.Redirect(w, r, "https://"+r.Host+"/", http.StatusMovedPermanently)
				return
			}
			site{headers: strictHeaders}.handler()(w, r)
		}},
		{name: "redirect-off-host", h: func(w http.ResponseWriter, r *http.Request) {
			if r.TLS == nil {
				_, port, _ := strings.Cut(r.Host, ":")
				http.Redirect(w, r, "https://localhost:"+port+"/", http.StatusMovedPermanently)
				return
			}
			site{headers: strictHeaders}.handler()(w, r)
		}},
		{name: "referrer-and-xcto-and-xfo-invalid", h: site{headers: append(with(strictHeaders,
			[2]string{"Referrer-Policy", "bogus"}, [2]string{"X-Frame-Options", "ALLOW-FROM https://example.com"},
			[2]string{"Content-Security-Policy", "default-src 'self'"}),
			[2]string{"X-Content-Type-Options", "nosniff"})}.handler()},
		{name: "xfo-invalid-corp-invalid-referrer-unsafe", h: site{headers: with(strictHeaders,
			[2]string{"X-Frame-Options", "allowall"}, [2]string{"Cross-Origin-Resource-Policy", "same-sight"},
			[2]string{"Referrer-Policy", "no-referrer, unsafe-url"}, [2]string{"Content-Security-Policy", "default-src 'self'"})}.handler()},
		{name: "sri-external-https-no-integrity", h: site{headers: with(strictHeaders, [2]string{"Cross-Origin-Resource-Policy", "same-site"}),
			body: `<!doctype html><script src="https://cdn.example.com/lib.js"></script><script>1</script>`}.handler()},
		{name: "sri-external-with-integrity", h: site{headers: with(strictHeaders, [2]string{"Cross-Origin-Resource-Policy", "cross-origin"}),
			body: `<!doctype html><script src="https://cdn.example.com/lib.js" integrity="sha384-x" crossorigin="anonymous"></script>`}.handler()},
		{name: "sri-external-http", h: site{headers: strictHeaders,
			body: `<!doctype html><script src="http://cdn.example.com/lib.js"></script><script src="//cdn.example.org/x.js"></script>`}.handler()},
		{name: "unauthorized-json", h: site{headers: with(strictHeaders, [2]string{"X-Content-Type-Options", ""}), status: http.StatusUnauthorized,
			ctype: "application/json", body: `{"error":"unauthorized"}`, cookies: []string{"heroku-session-affinity=x"}}.handler()},

		// Redirection: every case a loopback site can produce.
		{name: "redirect-off-host-http-first", h: func(w http.ResponseWriter, r *http.Request) {
			_, port, _ := strings.Cut(r.Host, ":")
			switch {
			case r.TLS == nil && strings.HasPrefix(r.Host, "127.0.0.1:"):
				http.Redirect(w, r, "http://localhost:"+port+"/", http.StatusFound)
			case r.TLS == nil:
				http.Redirect(w, r, "https://localhost:"+port+"/", http.StatusMovedPermanently)
			default:
				site{headers: strictHeaders}.handler()(w, r)
			}
		}},
		{name: "redirect-http-to-http-only", h: func(w http.ResponseWriter, r *http.Request) {
			if r.TLS == nil && r.URL.Path == "/" {
				http.Redirect(w, r, "/home", http.StatusFound)
				return
			}
			r.URL.Path = "/"
			site{headers: strictHeaders, noRedirect: true}.handler()(w, r)
		}},
		{name: "redirect-307-same-host", h: func(w http.ResponseWriter, r *http.Request) {
			if r.TLS == nil {
				http.Redirect(w, r, "https://"+r.Host+"/", http.StatusTemporaryRedirect)
				return
			}
			site{headers: strictHeaders}.handler()(w, r)
		}},
		{name: "tls-only-no-http", mode: listenTLSOnly, h: site{headers: strictHeaders}.handler()},
		{name: "plain-only-no-https", mode: listenPlainOnly, h: site{headers: strictHeaders, noRedirect: true,
			cookies: []string{"sessionid=a; HttpOnly; SameSite=Lax"}}.handler()},
		{name: "untrusted-certificate", untrusted: true, h: site{headers: strictHeaders}.handler()},
		{name: "untrusted-certificate-cookies", untrusted: true, h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", ""}),
			cookies: []string{"sessionid=a; Secure; HttpOnly; SameSite=Lax"}}.handler()},

		// Content-Security-Policy variants.
		{name: "csp-report-uri-twice", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", strictCSP + "; report-uri /csp-a; report-uri /csp-b"})}.handler()},
		{name: "csp-data-in-script-src", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'none'; script-src 'self' data:; frame-ancestors 'none'"})}.handler()},
		{name: "csp-https-scheme-script-src", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'self'; script-src https:; object-src 'none'"})}.handler()},
		{name: "csp-nonce-strict-dynamic-with-unsafe-inline-fallback", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy",
			"object-src 'none'; script-src 'nonce-r4nd0m' 'strict-dynamic' 'unsafe-inline' https:; base-uri 'none'; default-src 'self'"})}.handler()},
		{name: "csp-no-default-src", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "script-src 'self'; frame-ancestors 'none'"})}.handler()},
		{name: "csp-object-src-wildcard", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'self'; object-src *"})}.handler()},
		{name: "csp-style-unsafe-inline-default-none", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"})}.handler()},
		{name: "csp-meta-only-unsafe-inline", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", ""}),
			body: `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="script-src 'self' 'unsafe-inline'"></head><body>x</body></html>`}.handler()},
		{name: "csp-meta-inside-noscript", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", ""}, [2]string{"Referrer-Policy", ""}),
			body: `<!doctype html><html><head><noscript><meta http-equiv="Content-Security-Policy" content="default-src 'none'"><meta name="referrer" content="unsafe-url"></noscript></head><body><noscript><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></noscript></body></html>`}.handler()},
		{name: "csp-meta-inside-select", h: site{headers: with(strictHeaders, [2]string{"Content-Security-Policy", ""}),
			body: `<!doctype html><html><body><select><option>a</option><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></select></body></html>`}.handler()},
		{name: "csp-sent-twice-header-invalid", h: site{headers: append(with(strictHeaders), [2]string{"Content-Security-Policy", "default-src 'self'"})}.handler()},

		// Cookies: every outcome.
		{name: "cookies-secure-httponly-no-samesite", h: site{headers: strictHeaders,
			cookies: []string{"sessionid=a; Path=/; Secure; HttpOnly", "lang=en; Path=/; Secure"}}.handler()},
		{name: "cookies-no-secure-with-hsts", h: site{headers: strictHeaders, cookies: []string{"theme=dark; Path=/; SameSite=Lax"}}.handler()},
		{name: "cookies-session-no-secure-with-hsts", h: site{headers: strictHeaders, cookies: []string{"PHPSESSID=a; Path=/; HttpOnly; SameSite=Lax"}}.handler()},
		{name: "cookies-no-secure-no-hsts", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", ""}),
			cookies: []string{"theme=dark; Path=/; SameSite=Lax"}}.handler()},
		{name: "cookies-session-no-secure-no-hsts", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", ""}),
			cookies: []string{"JSESSIONID=a; Path=/; HttpOnly"}}.handler()},
		{name: "cookies-anticsrf-without-samesite", h: site{headers: strictHeaders, cookies: []string{"csrftoken=x; Path=/; Secure"}}.handler()},
		{name: "cookies-session-readable-by-script", h: site{headers: strictHeaders, cookies: []string{"session_id=x; Path=/; Secure; SameSite=Strict"}}.handler()},
		{name: "cookies-deleted-then-set", h: site{headers: strictHeaders, cookies: []string{"old=; Max-Age=0; Path=/", "sid=b; Path=/; Secure; HttpOnly; SameSite=Strict"}}.handler()},

		// CORS, Referrer-Policy, HSTS, X-Frame-Options, X-Content-Type-Options, CORP variants.
		{name: "cors-restricted-origin", h: site{headers: with(strictHeaders, [2]string{"Access-Control-Allow-Origin", "https://app.example.com"})}.handler()},
		{name: "cors-preflight-reflects-origin", h: func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodOptions {
				w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
				w.Header().Set("Access-Control-Allow-Credentials", "true")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			site{headers: strictHeaders}.handler()(w, r)
		}},
		{name: "referrer-missing-hsts-missing", h: site{headers: with(strictHeaders, [2]string{"Referrer-Policy", ""}, [2]string{"Strict-Transport-Security", ""})}.handler()},
		{name: "referrer-list-last-valid-wins", h: site{headers: with(strictHeaders, [2]string{"Referrer-Policy", "unsafe-url, strict-origin-when-cross-origin"})}.handler()},
		{name: "referrer-origin-unsafe", h: site{headers: with(strictHeaders, [2]string{"Referrer-Policy", "origin"})}.handler()},
		{name: "referrer-meta-overrides", h: site{headers: with(strictHeaders, [2]string{"Referrer-Policy", ""}),
			body: `<!doctype html><html><head><meta name="referrer" content="same-origin"></head><body>x</body></html>`}.handler()},
		{name: "hsts-exactly-six-months-preload", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", "max-age=15552000; preload"})}.handler()},
		{name: "hsts-max-age-zero", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", "max-age=0"})}.handler()},
		{name: "hsts-no-max-age", h: site{headers: with(strictHeaders, [2]string{"Strict-Transport-Security", "includeSubDomains; preload"})}.handler()},
		{name: "xfo-sameorigin-no-frame-ancestors", h: site{headers: with(strictHeaders, [2]string{"X-Frame-Options", "sameorigin"},
			[2]string{"Content-Security-Policy", "default-src 'none'; img-src 'self'"})}.handler()},
		{name: "xfo-missing-corp-missing", h: site{headers: with(strictHeaders, [2]string{"X-Frame-Options", ""}, [2]string{"Cross-Origin-Resource-Policy", ""},
			[2]string{"Content-Security-Policy", "default-src 'self'"})}.handler()},
		{name: "xfo-twice-xcto-wrong", h: site{headers: append(with(strictHeaders, [2]string{"X-Content-Type-Options", "sniff"},
			[2]string{"Content-Security-Policy", "default-src 'self'"}), [2]string{"X-Frame-Options", "SAMEORIGIN"})}.handler()},
		{name: "frame-ancestors-wildcard", h: site{headers: with(strictHeaders, [2]string{"X-Frame-Options", ""},
			[2]string{"Content-Security-Policy", "default-src 'none'; frame-ancestors *"})}.handler()},

		// Subresource integrity.
		{name: "sri-same-origin-without-integrity", h: site{headers: strictHeaders, body: `<!doctype html><script src="/app.js"></script><script src="/lib.js"></script>`}.handler()},
		{name: "sri-external-http-with-integrity", h: site{headers: strictHeaders,
			body: `<!doctype html><script src="http://cdn.example.com/lib.js" integrity="sha384-x" crossorigin="anonymous"></script>`}.handler()},
		{name: "sri-base-backslash-src", h: site{headers: strictHeaders, body: `<!doctype html><base href="https://127.0.0.1/"><script src="\\cdn.example.org\a.js"></script>`}.handler()},
		{name: "sri-base-scheme-relative-src", h: site{headers: strictHeaders, body: `<!doctype html><base href="https://127.0.0.1/"><script src="https:a.js"></script>`}.handler()},
		{name: "sri-base-stray-percent-src", h: site{headers: strictHeaders, body: `<!doctype html><base href="https://cdn.example.org/"><script src="%zz.js"></script>`}.handler()},
		{name: "sri-short-ipv4-src", h: site{headers: strictHeaders, body: `<!doctype html><script src="https://127.1/a.js"></script><script src="https://0x7f.0.0.1/b.js"></script>`}.handler()},
		{name: "sri-same-site-subdomain-script", h: site{headers: strictHeaders, body: `<!doctype html><script src="https://static.localhost/app.js"></script>`}.handler()},

		// Status codes the Observatory grades, and a JSON API.
		{name: "forbidden-html", h: site{headers: strictHeaders, status: http.StatusForbidden}.handler()},
		{name: "json-api-minimal-headers", h: site{headers: [][2]string{{"Strict-Transport-Security", hsts}, {"X-Content-Type-Options", "nosniff"},
			{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"}}, ctype: "application/json", body: `{"ok":true}`}.handler()},
	}
}

// unreachableResults are the Observatory results no fixture can produce:
// two need a host on the HSTS preload list, which the test installs empty,
// and the Observatory never reports universal CORS access because it reads
// the Origin it sent from a field its HTTP client leaves empty (the
// cors-reflected fixtures show it grades a reflected origin as restricted).
var unreachableResults = map[string]bool{
	"redirection-all-redirects-preloaded": true,
	"hsts-preloaded":                      true,
	"cross-origin-resource-sharing-implemented-with-universal-access": true,
}

// observatoryResult is one line of observe.mjs.
type observatoryResult struct {
	Host  string `json:"host"`
	Grade string `json:"grade"`
	Score int    `json:"score"`
	Error string `json:"error"`
	Tests map[string]struct {
		Result        string `json:"result"`
		Pass          bool   `json:"pass"`
		ScoreModifier int    `json:"scoreModifier"`
	} `json:"tests"`
}

// runObservatory scans every host with the real Observatory in one Node
// process, trusting ca.
func runObservatory(t *testing.T, script string, ca *testCA, hosts []string) map[string]observatoryResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{script}, hosts...)...)
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+ca.pemFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("observatory: %v\n%s", err, stderr.String())
	}
	got := map[string]observatoryResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r observatoryResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("observatory output %q: %v", sc.Text(), err)
		}
		got[r.Host] = r
	}
	return got
}

// compareWithObservatory checks that the report matches the Observatory's
// grade, score and every test's result, pass and modifier.
func compareWithObservatory(t *testing.T, name string, want observatoryResult, got *Report) {
	t.Helper()
	if want.Error != "" {
		t.Errorf("%s: the Observatory failed: %s", name, want.Error)
		return
	}
	if got.Grade != want.Grade || got.Score != want.Score {
		t.Errorf("%s: got %s %d, want %s %d (Observatory)", name, got.Grade, got.Score, want.Grade, want.Score)
	}
	if len(want.Tests) != len(got.Tests) {
		t.Errorf("%s: got %d tests, want %d", name, len(got.Tests), len(want.Tests))
	}
	for _, tr := range got.Tests {
		w, ok := want.Tests[tr.Name]
		if !ok {
			t.Errorf("%s: test %s unknown to the Observatory", name, tr.Name)
			continue
		}
		if tr.Result != w.Result || tr.Pass != w.Pass || tr.ScoreModifier != w.ScoreModifier {
			t.Errorf("%s: %s: got %s pass=%v %+d, want %s pass=%v %+d", name, tr.Name, tr.Result, tr.Pass, tr.ScoreModifier, w.Result, w.Pass, w.ScoreModifier)
		}
	}
}

// TestAgreementWithObservatory scans local fixture servers with the real
// Mozilla HTTP Observatory and with Scan, and wants the same grade, score
// and per-test results on every one.
func TestAgreementWithObservatory(t *testing.T) {
	script := testenv.Observatory(t)
	ca := newTestCA(t)
	untrusted := newTestCA(t) // signs certificates that nothing trusts
	fx := fixtures()
	if len(fx) < 50 {
		t.Errorf("%d fixtures, want at least 50", len(fx))
	}
	hosts := make([]string, len(fx))
	for i, f := range fx {
		signer := ca
		if f.untrusted {
			signer = untrusted
		}
		hosts[i] = serveMode(t, signer, f.h, f.mode)
	}
	obs := runObservatory(t, script, ca, hosts)
	if len(obs) != len(hosts) {
		t.Fatalf("the Observatory answered for %d hosts, want %d", len(obs), len(hosts))
	}
	seen := map[string]bool{}
	for i, f := range fx {
		// The default options, as harden scan uses them.
		rep, _, err := Scan(context.Background(), hosts[i], Options{TLSConfig: ca.clientConfig()}, GradeOptions{})
		if err != nil {
			t.Errorf("%s: %v", f.name, err)
			continue
		}
		compareWithObservatory(t, f.name, obs[hosts[i]], rep)
		for _, tr := range rep.Tests {
			seen[tr.Result] = true
		}
		t.Logf("%-40s %-2s %3d", f.name, rep.Grade, rep.Score)
	}
	t.Logf("%d distinct results covered", len(seen))
	if t.Failed() {
		return
	}
	for r := range modifiers {
		if isObservatoryResult(r) && !seen[r] && !unreachableResults[r] {
			t.Errorf("no fixture produces the Observatory result %s", r)
		}
	}
}

// isObservatoryResult reports whether r is one of the Observatory's own
// results (not a finding of the harden model).
func isObservatoryResult(r string) bool {
	for _, p := range []string{"csp-", "cookies-", "cross-origin-resource-sharing-", "redirection-", "referrer-policy-",
		"hsts-", "sri-", "x-content-type-options-", "x-frame-options-", "corp-"} {
		if strings.HasPrefix(r, p) && !strings.HasPrefix(r, "hsts-preload-") {
			return true
		}
	}
	return false
}
