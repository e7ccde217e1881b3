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
	name string
	h    http.HandlerFunc
	opts Options // FollowOffHost for the fixture that leaves the host
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
		{name: "redirect-off-host", opts: Options{FollowOffHost: true}, h: func(w http.ResponseWriter, r *http.Request) {
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
	}
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
	fx := fixtures()
	hosts := make([]string, len(fx))
	for i, f := range fx {
		hosts[i] = serveDual(t, ca, f.h)
	}
	obs := runObservatory(t, script, ca, hosts)
	if len(obs) != len(hosts) {
		t.Fatalf("the Observatory answered for %d hosts, want %d", len(obs), len(hosts))
	}
	seen := map[string]bool{}
	for i, f := range fx {
		opts := f.opts
		opts.TLSConfig = ca.clientConfig()
		rep, _, err := Scan(context.Background(), hosts[i], opts, GradeOptions{})
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
}
