package main

// End-to-end tests of "harden proxy" in front of the deliberately vulnerable
// Express app of the reference peers (express-vulnerable: its server.js lists
// every flaw, tagged [proxy] or [app]). Each test proves one [proxy] flaw
// fixed, and proves the same request against the app directly still shows
// the flaw, so a test cannot pass because the app changed or the request
// missed.
//
// The proxy runs as its own process (this test binary re-executed as the
// harden command, see TestE2EChild), in production mode over real TLS with
// a certificate made by the test, so the connection-level framing guard and
// the signal handling are the ones users run.

import (
	"bufio"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testenv"
)

// e2eChildEnv, when "1", makes TestE2EChild run harden instead of testing.
const e2eChildEnv = "HARDEN_E2E_CHILD"

// TestE2EChild is the entry point of the harden processes the end-to-end
// tests start: the test binary re-executed with the harden arguments after
// "--". Run as a test, it skips.
func TestE2EChild(t *testing.T) {
	if os.Getenv(e2eChildEnv) != "1" {
		t.Skip("runs only as the harden command of the end-to-end tests")
	}
	i := slices.Index(os.Args, "--")
	if i < 0 {
		fmt.Fprintln(os.Stderr, "TestE2EChild: no -- in the arguments")
		os.Exit(2)
	}
	os.Exit(run(os.Args[i+1:], os.Stdout, os.Stderr))
}

// e2eID is the X-Request-ID of the tests' requests: the proxy keeps a
// well-formed incoming id, so refusal bodies are exact.
const e2eID = "e2e-request-1"

// trustedOrigin is the one cross-origin site allowed by CORS.
const trustedOrigin = "https://trusted.example"

// evilOrigin is an attacker's site.
const evilOrigin = "https://evil.example"

// hardenProc is a running "harden proxy" process.
type hardenProc struct {
	cmd    *exec.Cmd
	done   chan struct{}
	stdout *syncBuffer
	stderr *syncBuffer // the security log
}

// startHarden runs "harden args..." as a process of its own with the
// environment env (and none of the test's HARDEN_ variables), waits until
// addr accepts connections, and stops it by its PID when the test ends.
func startHarden(t testing.TB, addr string, env map[string]string, args ...string) *hardenProc {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestE2EChild$", "--"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HARDEN_") && !strings.HasPrefix(kv, "GOGC=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, e2eChildEnv+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &hardenProc{cmd: cmd, done: make(chan struct{}), stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("harden %s exited with %v:\n%s%s", strings.Join(args, " "), cmd.ProcessState, p.stdout, p.stderr)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("harden %s did not listen on %s:\n%s%s", strings.Join(args, " "), addr, p.stdout, p.stderr)
	return nil
}

// stop sends SIGTERM to the process and waits for it (SIGKILL after 15s).
func (p *hardenProc) stop(t testing.TB) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Errorf("harden did not stop on SIGTERM; killing it")
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// e2e is express-vulnerable with "harden proxy" in front of it.
type e2e struct {
	app    *testenv.NodeApp
	proxy  *hardenProc
	base   string // the proxy's public URL, https://127.0.0.1:PORT
	host   string // its host:port
	pool   *x509.CertPool
	client *http.Client // trusts the proxy's certificate; follows no redirects; no cookie jar
}

// startE2E starts express-vulnerable and "harden proxy" in front of it in
// production mode over TLS, with the settings a user of the app would give
// (the trusted origin, the login path), plus extra.
func startE2E(t *testing.T, extra map[string]string) *e2e {
	t.Helper()
	app := testenv.StartNodePeer(t, "express-vulnerable")
	return startProxyFor(t, app, extra)
}

// startProxyFor starts "harden proxy" in front of app.
func startProxyFor(t *testing.T, app *testenv.NodeApp, extra map[string]string) *e2e {
	t.Helper()
	certFile, keyFile, pool := selfSigned(t)
	port := freeLoopbackPort(t)
	host := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	env := map[string]string{
		"HARDEN_ENV":             "production",
		"HARDEN_ADDR":            host,
		"HARDEN_PUBLIC_URL":      "https://" + host,
		"HARDEN_UPSTREAM":        app.URL,
		"HARDEN_ALLOWED_ORIGINS": trustedOrigin,
		"HARDEN_LOGIN_PATHS":     "/login",
		"HARDEN_SECRETS":         testSecret,
	}
	for k, v := range extra {
		env[k] = v
	}
	p := startHarden(t, host, env, "proxy", "--tls-cert", certFile, "--tls-key", keyFile)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &e2e{
		app: app, proxy: p, base: "https://" + host, host: host, pool: pool,
		client: &http.Client{
			Transport:     tr,
			Timeout:       20 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

func freeLoopbackPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// answer is a response read whole.
type answer struct {
	status int
	header http.Header
	body   string
}

// req describes one request of a test.
type req struct {
	method, path string
	header       map[string]string
	body         string
	chunked      bool // send the body without a length (Transfer-Encoding: chunked)
}

// do sends r to base with client and reads the whole answer.
func do(t testing.TB, client *http.Client, base string, r req) answer {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
		if r.chunked {
			// A reader whose length net/http cannot see is sent chunked.
			body = io.MultiReader(strings.NewReader(r.body))
		}
	}
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	hr, err := http.NewRequest(method, base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.header {
		if k == "Host" {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	resp, err := client.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, r.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, r.path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// direct is a plain client for the upstream.
var direct = &http.Client{
	Timeout:       20 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// via sends r through the proxy, as a same-origin browser request would
// be sent, with the tests' request id.
func (e *e2e) via(t testing.TB, r req) answer {
	t.Helper()
	h := map[string]string{"X-Request-ID": e2eID}
	for k, v := range r.header {
		h[k] = v
	}
	r.header = h
	return do(t, e.client, e.base, r)
}

// upstream sends r to the app directly, bypassing the proxy.
func (e *e2e) upstream(t testing.TB, r req) answer {
	t.Helper()
	return do(t, direct, e.app.URL, r)
}

// refusal is the exact body of a refusal with the tests' request id.
func refusal(msg string) string {
	return `{"error":"` + msg + `","request_id":"` + e2eID + `"}` + "\n"
}

// checkAnswer compares status and body exactly.
func checkAnswer(t testing.TB, what string, got answer, wantStatus int, wantBody string) {
	t.Helper()
	if got.status != wantStatus || got.body != wantBody {
		t.Errorf("%s: got %d %q, want %d %q", what, got.status, got.body, wantStatus, wantBody)
	}
}

// sidCookie returns the value of the app's session cookie set by a, or "".
func sidCookie(a answer) string {
	for _, c := range (&http.Response{Header: a.header}).Cookies() {
		if c.Name == "sid" && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// sameOrigin are the headers of a browser's same-origin request to e.
func (e *e2e) sameOrigin(extra map[string]string) map[string]string {
	h := map[string]string{"Origin": e.base, "Sec-Fetch-Site": "same-origin"}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

// login signs alice in through the proxy and returns her session cookie.
func (e *e2e) login(t testing.TB) string {
	t.Helper()
	a := e.via(t, req{method: "POST", path: "/login", body: `{"username":"alice","password":"password123"}`,
		header: e.sameOrigin(map[string]string{"Content-Type": "application/json"})})
	sid := sidCookie(a)
	if a.status != http.StatusOK || sid == "" {
		t.Fatalf("login through the proxy: got %d %q (cookie %q), want 200 and a session cookie", a.status, a.body, sid)
	}
	return sid
}

// loginDirect signs alice in at the app directly.
func (e *e2e) loginDirect(t testing.TB) string {
	t.Helper()
	a := e.upstream(t, req{method: "POST", path: "/login", body: `{"username":"alice","password":"password123"}`,
		header: map[string]string{"Content-Type": "application/json"}})
	sid := sidCookie(a)
	if a.status != http.StatusOK || sid == "" {
		t.Fatalf("login at the app: got %d %q, want 200 and a session cookie", a.status, a.body)
	}
	return sid
}

// balance is alice's balance, asked of the app directly.
func (e *e2e) balance(t testing.TB, sid string) float64 {
	t.Helper()
	a := e.upstream(t, req{path: "/api/balance", header: map[string]string{"Cookie": "sid=" + sid}})
	var b struct{ Balance float64 }
	if err := json.Unmarshal([]byte(a.body), &b); err != nil || a.status != http.StatusOK {
		t.Fatalf("GET /api/balance: got %d %q", a.status, a.body)
	}
	return b.Balance
}

// securityHeaders are the headers the proxy must add to the app's answers,
// each exactly once.
var e2eSecurityHeaders = []string{
	"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
	"X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Resource-Policy",
}

// fingerprintHeaders must not reach clients.
var fingerprintHeaders = []string{"X-Powered-By", "Server"}

// Flaws 1 and 2: fingerprints and missing security headers.
func TestE2EProxyHeaders(t *testing.T) {
	e := startE2E(t, nil)
	for _, path := range []string{"/", "/api/balance", "/no-such-page"} {
		d := e.upstream(t, req{path: path})
		if d.header.Get("X-Powered-By") != "Express" || !strings.Contains(d.header.Get("Server"), "Node.js") ||
			d.header.Get("Strict-Transport-Security") != "" || d.header.Get("X-Frame-Options") != "" {
			t.Fatalf("GET %s at the app: got X-Powered-By %q, Server %q, HSTS %q, X-Frame-Options %q; want the flaw (Express banners, no security headers)",
				path, d.header.Get("X-Powered-By"), d.header.Get("Server"), d.header.Get("Strict-Transport-Security"), d.header.Get("X-Frame-Options"))
		}
		p := e.via(t, req{path: path})
		if p.status != d.status {
			t.Errorf("GET %s: got %d through the proxy, want the app's %d", path, p.status, d.status)
		}
		for _, h := range e2eSecurityHeaders {
			if got := p.header.Values(h); len(got) != 1 {
				t.Errorf("GET %s: %s got %q, want exactly one value", path, h, got)
			}
		}
		if got := p.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options got %q, want nosniff", path, got)
		}
		if got := p.header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("GET %s: Strict-Transport-Security got %q, want max-age=...", path, got)
		}
		for _, h := range fingerprintHeaders {
			if got := p.header.Values(h); len(got) != 0 {
				t.Errorf("GET %s: %s got %q, want none", path, h, got)
			}
		}
	}
}

// Flaw 3: plain HTTP and foreign hosts. The proxy serves HTTPS only; a
// request for another host is refused.
func TestE2EProxyHosts(t *testing.T) {
	e := startE2E(t, nil)
	d := e.upstream(t, req{path: "/", header: map[string]string{"Host": "evil.example"}})
	if d.status != http.StatusOK {
		t.Fatalf("the app with Host evil.example: got %d, want 200 (the flaw)", d.status)
	}
	p := e.via(t, req{path: "/", header: map[string]string{"Host": "evil.example"}})
	checkAnswer(t, "Host evil.example through the proxy", p, http.StatusMisdirectedRequest, refusal("Misdirected request"))
	for _, h := range e2eSecurityHeaders {
		if got := p.header.Values(h); len(got) != 1 {
			t.Errorf("refusal: %s got %q, want exactly one value", h, got)
		}
	}
}

// Flaw 4: CORS reflecting any origin with credentials.
func TestE2EProxyCORS(t *testing.T) {
	e := startE2E(t, nil)
	sid := e.loginDirect(t)
	get := req{path: "/api/me", header: map[string]string{"Origin": evilOrigin, "Cookie": "sid=" + sid}}
	d := e.upstream(t, get)
	if d.header.Get("Access-Control-Allow-Origin") != evilOrigin || d.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("the app: got ACAO %q ACAC %q, want the evil origin reflected with credentials (the flaw)",
			d.header.Get("Access-Control-Allow-Origin"), d.header.Get("Access-Control-Allow-Credentials"))
	}
	p := e.via(t, get)
	if got := p.header.Values("Access-Control-Allow-Origin"); len(got) != 0 {
		t.Errorf("evil origin through the proxy: Access-Control-Allow-Origin got %q, want none", got)
	}
	if got := p.header.Values("Access-Control-Allow-Credentials"); len(got) != 0 {
		t.Errorf("evil origin through the proxy: Access-Control-Allow-Credentials got %q, want none", got)
	}

	// The allowlisted origin gets exactly one, ours.
	get.header["Origin"] = trustedOrigin
	p = e.via(t, get)
	if got := p.header.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{trustedOrigin}) {
		t.Errorf("trusted origin: Access-Control-Allow-Origin got %q, want [%s]", got, trustedOrigin)
	}
	if vary := strings.Join(p.header.Values("Vary"), ","); !strings.Contains(vary, "Origin") {
		t.Errorf("trusted origin: Vary got %q, want Origin in it", p.header.Values("Vary"))
	}

	// A preflight from the evil origin is not answered with a permission.
	pre := req{method: "OPTIONS", path: "/api/transfer", header: map[string]string{
		"Origin": evilOrigin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}}
	d = e.upstream(t, pre)
	if d.status != http.StatusNoContent || d.header.Get("Access-Control-Allow-Origin") != evilOrigin {
		t.Fatalf("preflight at the app: got %d ACAO %q, want 204 reflecting the evil origin (the flaw)", d.status, d.header.Get("Access-Control-Allow-Origin"))
	}
	p = e.via(t, pre)
	if got := p.header.Values("Access-Control-Allow-Origin"); len(got) != 0 {
		t.Errorf("evil preflight through the proxy: got %d, Access-Control-Allow-Origin %q; want none", p.status, got)
	}
	// The trusted origin's preflight is answered by the proxy.
	pre.header["Origin"] = trustedOrigin
	p = e.via(t, pre)
	if p.status >= 300 || p.header.Get("Access-Control-Allow-Origin") != trustedOrigin {
		t.Errorf("trusted preflight: got %d ACAO %q, want 2xx and %s", p.status, p.header.Get("Access-Control-Allow-Origin"), trustedOrigin)
	}
}

// Flaw 5: the session cookie without Secure, HttpOnly or SameSite.
func TestE2EProxyCookies(t *testing.T) {
	e := startE2E(t, nil)
	body := `{"username":"alice","password":"password123"}`
	d := e.upstream(t, req{method: "POST", path: "/login", body: body, header: map[string]string{"Content-Type": "application/json"}})
	raw := d.header.Get("Set-Cookie")
	if !strings.HasPrefix(raw, "sid=") || strings.Contains(strings.ToLower(raw), "secure") || strings.Contains(strings.ToLower(raw), "httponly") {
		t.Fatalf("the app's Set-Cookie: got %q, want sid without Secure or HttpOnly (the flaw)", raw)
	}
	p := e.via(t, req{method: "POST", path: "/login", body: body, header: e.sameOrigin(map[string]string{"Content-Type": "application/json"})})
	cookies := (&http.Response{Header: p.header}).Cookies()
	if len(cookies) != 1 {
		t.Fatalf("through the proxy: got cookies %q, want one", p.header.Values("Set-Cookie"))
	}
	c := cookies[0]
	if c.Name != "sid" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("through the proxy: Set-Cookie got %q, want sid with Secure, HttpOnly, SameSite=Lax and Path=/", p.header.Get("Set-Cookie"))
	}
	// The hardened cookie still signs the user in.
	a := e.via(t, req{path: "/api/me", header: map[string]string{"Cookie": "sid=" + c.Value}})
	if a.status != http.StatusOK || !strings.Contains(a.body, `"username":"alice"`) {
		t.Errorf("GET /api/me with the cookie: got %d %q, want alice", a.status, a.body)
	}
}

// Flaw 6: CSRF. A cross-site POST moves no money; a same-origin one does.
func TestE2EProxyCSRF(t *testing.T) {
	e := startE2E(t, nil)
	sid := e.login(t)
	before := e.balance(t, sid)
	cross := []struct {
		name   string
		header map[string]string
		body   string
	}{
		{"JSON, Fetch Metadata cross-site", map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site", "Origin": evilOrigin}, `{"to":"bob","amount":100}`},
		{"form, Origin only (older browser)", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": evilOrigin}, `to=bob&amount=100`},
		{"form, same-site sibling", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-site", "Origin": "https://sub.127.0.0.1"}, `to=bob&amount=100`},
	}
	for _, tt := range cross {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{"Cookie": "sid=" + sid}
			for k, v := range tt.header {
				h[k] = v
			}
			p := e.via(t, req{method: "POST", path: "/api/transfer", header: h, body: tt.body})
			checkAnswer(t, "cross-site POST /api/transfer", p, http.StatusForbidden, refusal("Cross-origin request refused"))
			if got := e.balance(t, sid); got != before {
				t.Errorf("balance after the refused transfer: got %v, want %v", got, before)
			}
		})
	}
	// Same-origin still works through the proxy.
	p := e.via(t, req{method: "POST", path: "/api/transfer", body: `{"to":"bob","amount":1}`,
		header: e.sameOrigin(map[string]string{"Content-Type": "application/json", "Cookie": "sid=" + sid})})
	if p.status != http.StatusOK {
		t.Fatalf("same-origin transfer: got %d %q, want 200", p.status, p.body)
	}
	if got := e.balance(t, sid); got != before-1 {
		t.Errorf("balance after the same-origin transfer: got %v, want %v", got, before-1)
	}
	// Bypassing the proxy, the cross-site request moves the money.
	d := e.upstream(t, req{method: "POST", path: "/api/transfer", body: `to=bob&amount=100`, header: map[string]string{
		"Content-Type": "application/x-www-form-urlencoded", "Origin": evilOrigin, "Sec-Fetch-Site": "cross-site", "Cookie": "sid=" + sid}})
	if d.status != http.StatusOK || e.balance(t, sid) != before-101 {
		t.Errorf("cross-site transfer at the app: got %d %q, want 200 and money moved (the flaw)", d.status, d.body)
	}
}

// Flaw 7: brute force of POST /login. After five failures the right
// password is refused too, before it reaches the app.
func TestE2EProxyLoginLockout(t *testing.T) {
	e := startE2E(t, nil)
	wrong := req{method: "POST", path: "/login", body: `{"username":"alice","password":"guess"}`,
		header: e.sameOrigin(map[string]string{"Content-Type": "application/json"})}
	right := req{method: "POST", path: "/login", body: `{"username":"alice","password":"password123"}`,
		header: e.sameOrigin(map[string]string{"Content-Type": "application/json"})}
	for i := range 5 {
		p := e.via(t, wrong)
		if p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: got %d %q, want the app's 401", i+1, p.status, p.body)
		}
	}
	p := e.via(t, right)
	checkAnswer(t, "right password after five failures", p, http.StatusTooManyRequests, refusal("Too many requests, please try again later."))
	if sid := sidCookie(p); sid != "" {
		t.Errorf("locked-out login got a session cookie %q", sid)
	}
	if p.header.Get("Retry-After") == "" {
		t.Errorf("locked-out login: no Retry-After")
	}
	// Another user's wrong password is refused as well: the quota is the
	// client's, not the account's.
	p = e.via(t, req{method: "POST", path: "/login", body: `{"username":"bob","password":"x"}`, header: wrong.header})
	checkAnswer(t, "another login after the lockout", p, http.StatusTooManyRequests, refusal("Too many requests, please try again later."))

	// The app alone never locks out.
	for range 10 {
		e.upstream(t, req{method: "POST", path: "/login", body: wrong.body, header: map[string]string{"Content-Type": "application/json"}})
	}
	e.loginDirect(t)
}

// Flaw 8: NoSQL operators log in without the password and dump records.
func TestE2EProxyNoSQLOperators(t *testing.T) {
	e := startE2E(t, nil)
	tests := []struct {
		name, path, contentType, body string
		wantPath                      string // the refused key, as the error names it; "" for a 415
	}{
		{"JSON $ne", "/login", "application/json", `{"username":"alice","password":{"$ne":null}}`, `$ne`},
		{"JSON escaped \\u0024ne", "/login", "application/json", `{"username":"alice","password":{"\u0024ne":null}}`, `$ne`},
		{"form password[$ne]", "/login", "application/x-www-form-urlencoded", `username=alice&password[$ne]=x`, `[\"password[$ne]\"]`},
		{"form percent-encoded password%5B%24ne%5D", "/login", "application/x-www-form-urlencoded", `username=alice&password%5B%24ne%5D=x`, `[\"password[$ne]\"]`},
		{"JSON $regex dump", "/api/users/find", "application/json", `{"password":{"$regex":"."}}`, `$regex`},
		{"JSON $or dump", "/api/users/find", "application/json", `{"$or":[{"role":"admin"},{"role":"user"}]}`, `$or`},
		// The app decodes UTF-7 ("+ACQ-" is "$"); Go cannot parse a
		// repeated parameter, the app still reads the form. Both 415.
		{"UTF-7 JSON $ne", "/login", "application/json; charset=utf-7", `{"username":"alice","password":{"+ACQ-ne":null}}`, ""},
		{"UTF-7 JSON $or dump", "/api/users/find", "application/json; charset=utf-7", `{"+ACQ-or":[{"role":"admin"},{"role":"user"}]}`, ""},
		{"form with a repeated parameter", "/login", "application/x-www-form-urlencoded; a=1; a=2", `username=alice&password[$ne]=x`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{method: "POST", path: tt.path, body: tt.body, header: map[string]string{"Content-Type": tt.contentType}}
			d := e.upstream(t, r)
			if d.status != http.StatusOK && d.status != http.StatusSeeOther {
				t.Fatalf("at the app: got %d %q, want the injection to succeed (the flaw)", d.status, d.body)
			}
			if tt.path == "/login" && sidCookie(d) == "" {
				t.Fatalf("at the app: no session cookie, want the operator login to succeed (the flaw)")
			}
			if tt.path == "/api/users/find" && !strings.Contains(d.body, "password123") {
				t.Fatalf("at the app: got %q, want passwords dumped (the flaw)", d.body)
			}
			r.header = e.sameOrigin(r.header)
			p := e.via(t, r)
			want := `{"errors":[{"type":"field","location":"body","path":"` + tt.wantPath +
				`","msg":"must not start with \"$\""}],"request_id":"` + e2eID + `"}` + "\n"
			if tt.wantPath == "" {
				want = `{"error":"Unsupported media type","request_id":"` + e2eID + `"}` + "\n"
				checkAnswer(t, "through the proxy", p, http.StatusUnsupportedMediaType, want)
			} else {
				checkAnswer(t, "through the proxy", p, http.StatusBadRequest, want)
			}
			if strings.Contains(p.body, "password123") || strings.Contains(p.body, "hunter2") {
				t.Errorf("through the proxy: passwords leaked: %q", p.body)
			}
			if sid := sidCookie(p); sid != "" {
				t.Errorf("through the proxy: got a session cookie %q", sid)
			}
			if !strings.Contains(p.body, `"request_id":"`+e2eID+`"`) {
				t.Errorf("through the proxy: body %q has no request id", p.body)
			}
		})
	}
	// The same request with a plain password still works.
	e.login(t)
}

// Flaw 9: parameter pollution crashes the app; through the proxy the last
// value wins.
func TestE2EProxyParameterPollution(t *testing.T) {
	e := startE2E(t, nil)
	for _, target := range []string{"/api/search?q=a&q=b", "/api/search?q=a&q[]=b", "/api/search?q[]=b", "/api/search?q[0]=a&q[1]=b"} {
		t.Run(target, func(t *testing.T) {
			r := req{path: target, header: map[string]string{"Accept": "application/json"}}
			d := e.upstream(t, r)
			if d.status != http.StatusInternalServerError || !strings.Contains(d.body, "toLowerCase") {
				t.Fatalf("at the app: got %d %q, want a 500 TypeError (the flaw)", d.status, d.body)
			}
			p := e.via(t, r)
			if p.status != http.StatusOK || p.body != `{"q":"b","count":0}` {
				t.Errorf("through the proxy: got %d %q, want 200 {\"q\":\"b\",\"count\":0}", p.status, p.body)
			}
		})
	}
}

// Flaw 12 (and the 500s of flaw 9 when a request still crashes the app):
// stack traces, paths and secrets are masked.
func TestE2EProxyErrorsMasked(t *testing.T) {
	e := startE2E(t, nil)
	// What Express's default error page shows: the message (a database URL
	// with its password), stack frames, file paths.
	leaks := []string{"at Layer.handle", "node_modules", "server.js", "postgres://", "s3cr3t", "Error:", "TypeError", "/tmp/", "/root/"}
	tests := []struct {
		name, path, accept string
		wantType           string
	}{
		{"boom, JSON", "/boom", "application/json", "application/json"},
		{"boom, HTML", "/boom", "text/html,application/xhtml+xml", "text/html"},
		{"search with an object query, JSON", "/api/search?q[toLowerCase]=x", "application/json", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{path: tt.path, header: map[string]string{"Accept": tt.accept}}
			d := e.upstream(t, r)
			if d.status != http.StatusInternalServerError || !strings.Contains(d.body, "at Layer.handle") || !strings.Contains(d.body, "server.js:") {
				t.Fatalf("at the app: got %d %q, want a 500 with a stack trace (the flaw)", d.status, d.body)
			}
			p := e.via(t, r)
			if p.status != http.StatusInternalServerError {
				t.Errorf("through the proxy: got %d, want 500", p.status)
			}
			if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, tt.wantType) {
				t.Errorf("through the proxy: Content-Type got %q, want %s", ct, tt.wantType)
			}
			for _, leak := range leaks {
				if strings.Contains(p.body, leak) {
					t.Errorf("through the proxy: body leaks %q: %q", leak, p.body)
				}
			}
			if !strings.Contains(p.body, e2eID) {
				t.Errorf("through the proxy: body %q has no request id", p.body)
			}
			if tt.wantType == "application/json" && p.body != refusal("Internal Server Error") {
				t.Errorf("through the proxy: got %q, want %q", p.body, refusal("Internal Server Error"))
			}
		})
	}
	// The upstream's status and size are logged.
	if log := e.proxy.stderr.String(); !strings.Contains(log, "500") {
		t.Errorf("security log: no record of the upstream's 500:\n%s", log)
	}
}

// Flaw 12, on 4xx answers: Express's body parser answers a body it refuses
// with its error page, stack frames and file paths included. Through the
// proxy the status stays and the page is the safe one.
func TestE2EProxy4xxTracesMasked(t *testing.T) {
	e := startE2E(t, nil)
	tests := []struct {
		name, contentType, body string
		wantStatus              int
		wantBody                string
	}{
		// strict mode: a JSON body must be an object or an array.
		{"JSON that is not an object", "application/json", "1", http.StatusBadRequest, refusal("Bad Request")},
		{"charset the parser does not know", "application/json; charset=utf-99", "{}", http.StatusUnsupportedMediaType, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req{method: "POST", path: "/api/contact", body: tt.body,
				header: map[string]string{"Content-Type": tt.contentType, "Accept": "application/json"}}
			d := e.upstream(t, r)
			if d.status != tt.wantStatus || !strings.Contains(d.body, "node_modules") {
				t.Fatalf("at the app: got %d %q, want %d with a stack trace (the flaw)", d.status, d.body, tt.wantStatus)
			}
			r.header = e.sameOrigin(r.header)
			p := e.via(t, r)
			if p.status != tt.wantStatus {
				t.Errorf("through the proxy: got %d %q, want %d", p.status, p.body, tt.wantStatus)
			}
			for _, leak := range []string{"node_modules", "    at ", "Error", "/tmp/", "/root/"} {
				if strings.Contains(p.body, leak) {
					t.Errorf("through the proxy: body leaks %q: %q", leak, p.body)
				}
			}
			if tt.wantBody != "" && p.body != tt.wantBody {
				t.Errorf("through the proxy: got %q, want %q", p.body, tt.wantBody)
			}
		})
	}
}

// Flaw 13: 5 MB bodies. The proxy's 100 KiB limit bites first, for bodies
// with a length and chunked ones, and the app stores nothing.
func TestE2EProxyBodyLimit(t *testing.T) {
	e := startE2E(t, nil)
	for _, chunked := range []bool{false, true} {
		t.Run("chunked="+strconv.FormatBool(chunked), func(t *testing.T) {
			marker := "big-" + strconv.FormatBool(chunked) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			body := `{"name":"` + marker + `","message":"` + strings.Repeat("A", 200<<10) + `"}`
			r := req{method: "POST", path: "/api/contact", body: body, chunked: chunked,
				header: e.sameOrigin(map[string]string{"Content-Type": "application/json"})}
			p := e.via(t, r)
			checkAnswer(t, "200 KiB body through the proxy", p, http.StatusRequestEntityTooLarge, refusal("Request body too large"))
			if m := e.upstream(t, req{path: "/messages"}); strings.Contains(m.body, marker) {
				t.Errorf("the app stored the refused message")
			}
			// A body under the limit passes.
			small := req{method: "POST", path: "/api/contact", body: `{"name":"n","message":"` + strings.Repeat("B", 50<<10) + `"}`,
				chunked: chunked, header: r.header}
			if s := e.via(t, small); s.status != http.StatusOK {
				t.Errorf("50 KiB body through the proxy: got %d %q, want 200", s.status, s.body)
			}
			d := e.upstream(t, req{method: "POST", path: "/api/contact", body: body, chunked: chunked,
				header: map[string]string{"Content-Type": "application/json"}})
			if d.status != http.StatusOK {
				t.Errorf("200 KiB body at the app: got %d, want 200 (the flaw)", d.status)
			}
		})
	}
}

// Flaw 14's neighbour: the app sees forwarding headers written by the
// proxy, never the client's own copies.
func TestE2EProxyForwardedHeaders(t *testing.T) {
	e := startE2E(t, nil)
	spoof := map[string]string{
		"X-Forwarded-For":   "203.0.113.66",
		"X-Forwarded-Proto": "http",
		"X-Forwarded-Host":  "evil.example",
		"Forwarded":         "for=203.0.113.66;proto=http",
	}
	type seen struct {
		IP      string            `json:"ip"`
		Headers map[string]string `json:"headers"`
	}
	read := func(a answer) seen {
		t.Helper()
		var s seen
		if err := json.Unmarshal([]byte(a.body), &s); err != nil {
			t.Fatalf("GET /debug/headers: got %d %q", a.status, a.body)
		}
		return s
	}
	d := read(e.upstream(t, req{path: "/debug/headers", header: spoof}))
	if d.Headers["x-forwarded-for"] != "203.0.113.66" {
		t.Fatalf("at the app: got x-forwarded-for %q, want the client's spoofed value (the flaw)", d.Headers["x-forwarded-for"])
	}
	p := read(e.via(t, req{path: "/debug/headers", header: spoof}))
	want := map[string]string{
		"x-forwarded-for":   "127.0.0.1",
		"x-forwarded-proto": "https",
		"x-forwarded-host":  e.host,
		"x-request-id":      e2eID,
		"forwarded":         "",
	}
	for k, v := range want {
		if got := p.Headers[k]; got != v {
			t.Errorf("through the proxy: the app saw %s %q, want %q", k, got, v)
		}
	}
}

// wsHandshake opens a WebSocket to /ws at addr (TLS when pool is set) with
// origin and cookie, and returns the handshake's answer and, on 101, the
// connection.
func wsHandshake(t testing.TB, addr string, pool *x509.CertPool, origin, cookie string) (*http.Response, net.Conn, *bufio.Reader) {
	t.Helper()
	var c net.Conn
	var err error
	if pool != nil {
		c, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
	} else {
		c, err = net.DialTimeout("tcp", addr, 5*time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\nOrigin: %s\r\nCookie: %s\r\nX-Request-ID: %s\r\n\r\n",
		addr, base64.StdEncoding.EncodeToString(key), origin, cookie, e2eID)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("WebSocket handshake with %s: %v", addr, err)
	}
	return resp, c, br
}

// wsEcho sends msg as a masked text frame and reads one text frame back.
func wsEcho(t testing.TB, c net.Conn, br *bufio.Reader, msg string) string {
	t.Helper()
	mask := []byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(msg))}
	frame = append(frame, mask...)
	for i := range len(msg) {
		frame = append(frame, msg[i]^mask[i%4])
	}
	if _, err := c.Write(frame); err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(br, hdr); err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	n := int(hdr[1] & 0x7f)
	if n == 126 {
		ext := make([]byte, 2)
		_, _ = io.ReadFull(br, ext)
		n = int(binary.BigEndian.Uint16(ext))
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(br, payload); err != nil {
		t.Fatalf("reading the echo: %v", err)
	}
	return string(payload)
}

// Flaw 15: cross-site WebSocket hijacking.
func TestE2EProxyWebSocket(t *testing.T) {
	e := startE2E(t, nil)
	sid := e.login(t)
	cookie := "sid=" + sid
	resp, c, br := wsHandshake(t, e.app.Addr, nil, evilOrigin, cookie)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("evil origin at the app: got %d, want 101 (the flaw)", resp.StatusCode)
	}
	if got := wsEcho(t, c, br, "hi"); got != "echo(alice): hi" {
		t.Fatalf("evil origin at the app: echo got %q, want alice's session (the flaw)", got)
	}

	resp, _, _ = wsHandshake(t, e.host, e.pool, evilOrigin, cookie)
	body, _ := io.ReadAll(resp.Body)
	checkAnswer(t, "evil origin through the proxy", answer{status: resp.StatusCode, body: string(body)},
		http.StatusForbidden, refusal("Cross-origin WebSocket request refused"))

	resp, c, br = wsHandshake(t, e.host, e.pool, e.base, cookie)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("same origin through the proxy: got %d, want 101", resp.StatusCode)
	}
	if got := wsEcho(t, c, br, "hello"); got != "echo(alice): hello" {
		t.Errorf("same origin through the proxy: echo got %q, want %q", got, "echo(alice): hello")
	}

	resp, c, br = wsHandshake(t, e.host, e.pool, trustedOrigin, cookie)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("allowlisted origin through the proxy: got %d, want 101", resp.StatusCode)
	}
	if got := wsEcho(t, c, br, "x"); got != "echo(alice): x" {
		t.Errorf("allowlisted origin through the proxy: echo got %q", got)
	}
}

// e2eRawExchange writes raw to a new connection to addr (TLS when pool is
// set) and returns the first answer and whether the server closed the
// connection after it.
func e2eRawExchange(t testing.TB, addr string, pool *x509.CertPool, raw string) (*http.Response, string, bool) {
	t.Helper()
	var c net.Conn
	var err error
	if pool != nil {
		c, err = tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, NextProtos: []string{"http/1.1"}})
	} else {
		c, err = net.Dial("tcp", addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// A closed connection reads EOF at once; an open one times out.
	_ = c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	_, err = br.ReadByte()
	closed := err == io.EOF || err != nil && !isTimeout(err)
	return resp, string(b), closed
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// Request smuggling: ambiguous framing is refused at the proxy's
// connection, with the security headers, and the connection closed.
func TestE2EProxySmuggling(t *testing.T) {
	e := startE2E(t, nil)
	tests := []struct {
		name string
		raw  func(host, contact string) string
		// appAccepts: the app alone acts on the request (the flaw the proxy
		// must stop); false where Node's own parser refuses it already.
		appAccepts bool
	}{
		{"CL and TE", func(h, contact string) string {
			return "POST /api/contact HTTP/1.1\r\nHost: " + h + "\r\nContent-Type: application/json\r\nContent-Length: 4\r\n" +
				"Transfer-Encoding: chunked\r\n\r\n" + fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(contact), contact)
		}, false},
		{"duplicate Content-Length", func(h, contact string) string {
			n := strconv.Itoa(len(contact))
			return "POST /api/contact HTTP/1.1\r\nHost: " + h + "\r\nContent-Type: application/json\r\nContent-Length: " + n +
				"\r\nContent-Length: " + n + "\r\n\r\n" + contact
		}, false},
		{"obs-fold", func(h, contact string) string {
			return "POST /api/contact HTTP/1.1\r\nHost: " + h + "\r\nContent-Type: application/json\r\nX-Note: a\r\n b\r\nContent-Length: " +
				strconv.Itoa(len(contact)) + "\r\n\r\n" + contact
		}, false},
		{"TE on HTTP/1.0", func(h, contact string) string {
			return "POST /api/contact HTTP/1.0\r\nHost: " + h + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
				fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(contact), contact)
		}, true},
		{"TE not ending in chunked", func(h, contact string) string {
			return "POST /api/contact HTTP/1.1\r\nHost: " + h + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked, identity\r\n" +
				"Content-Length: " + strconv.Itoa(len(contact)) + "\r\n\r\n" + contact
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			marker := "smuggled-" + strconv.FormatInt(time.Now().UnixNano(), 36)
			contact := `{"name":"` + marker + `","message":"m"}`
			resp, body, closed := e2eRawExchange(t, e.host, e.pool, tt.raw(e.host, contact))
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("through the proxy: got %d %q, want 400", resp.StatusCode, body)
			}
			if !closed {
				t.Errorf("through the proxy: the connection stayed open after the refusal")
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("through the proxy: refusal without the security headers: %v", resp.Header)
			}
			if m := e.upstream(t, req{path: "/messages"}); strings.Contains(m.body, marker) {
				t.Errorf("the app stored the smuggled message")
			}
			if tt.appAccepts {
				d, _, _ := e2eRawExchange(t, e.app.Addr, nil, tt.raw(e.app.Addr, contact))
				if d.StatusCode != http.StatusOK {
					t.Errorf("at the app: got %d, want 200 (the flaw)", d.StatusCode)
				}
				if m := e.upstream(t, req{path: "/messages"}); !strings.Contains(m.body, marker) {
					t.Errorf("at the app: the message was not stored, want it stored (the flaw)")
				}
			}
		})
	}
	// A well-formed request on the same kind of connection passes.
	contact := `{"name":"well-formed","message":"m"}`
	resp, body, _ := e2eRawExchange(t, e.host, e.pool, "POST /api/contact HTTP/1.1\r\nHost: "+e.host+"\r\nContent-Type: application/json\r\n"+
		"Sec-Fetch-Site: same-origin\r\nContent-Length: "+strconv.Itoa(len(contact))+"\r\nConnection: close\r\n\r\n"+contact)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("well-formed POST through the proxy: got %d %q, want 200", resp.StatusCode, body)
	}
}

// The proxy speaks HTTP/2 to clients over TLS.
func TestE2EProxyHTTP2(t *testing.T) {
	e := startE2E(t, nil)
	resp, err := e.client.Get(e.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.ProtoMajor != 2 || resp.StatusCode != http.StatusOK {
		t.Errorf("GET / over TLS: got %s %d, want HTTP/2 200", resp.Proto, resp.StatusCode)
	}
}
