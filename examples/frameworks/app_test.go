package frameworks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/headers"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// password is the one the login handlers accept.
const password = "correct horse battery staple"

// appLayers returns the app's protection, composed by harden's app layer
// as harden serve composes it: the strict, nonce-based headers, the
// session and CSRF signed by one key ring, and the login limiter on
// POST /login, which counts failed attempts only. The security log goes
// to secLog.
func appLayers(t testing.TB, secLog io.Writer) *harden.Stack {
	t.Helper()
	ring, err := keys.Parse(keys.NewSecret())
	if err != nil {
		t.Fatal(err)
	}
	log, err := seclog.New(seclog.Config{Writer: secLog})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = log.Close() })
	// doc:stack
	stack, err := harden.New(harden.Config{
		Development: true,                             // loopback hosts; production sets PublicURL instead
		HTTPS:       harden.HTTPSConfig{Served: true}, // served over TLS: __Host- and Secure cookies
		Keys:        ring,                             // keys.Parse of your secrets: signs sessions and CSRF tokens
		Headers:     headers.Strict(),                 // a fresh nonce in script-src for each response
		Session:     session.Config{Store: session.NewMemoryStore(0)},
		Login:       harden.LoginConfig{Routes: []string{"POST /login"}}, // 5 failures per client in 15 minutes, then 429
		SecurityLog: log,
	})
	// doc:end
	if err != nil {
		t.Fatal(err)
	}
	return stack
}

// page is the login page: its script carries the CSP nonce, its meta
// element the CSRF token.
var page = template.Must(template.New("login").Parse(`<!doctype html>
<title>Sign in</title>
<meta name="csrf-token" content="{{.Token}}">
<p>{{.Message}}</p>
<script nonce="{{.Nonce}}">document.title = "ready";</script>
`))

// pageData is what page shows.
type pageData struct {
	Token, Nonce, Message string
}

// newPageData returns page's data for r.
func newPageData(r *http.Request, message string) pageData {
	return pageData{Token: csrf.Token(r), Nonce: headers.Nonce(r), Message: message}
}

// The net/http handlers, for ServeMux and chi.

func loginPage(w http.ResponseWriter, r *http.Request) { showLoginPage(w, r, "") }

func login(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("password") != password {
		http.Error(w, "wrong password", http.StatusUnauthorized)
		return
	}
	io.WriteString(w, "welcome")
}

// showLoginPage answers with the login page and message, status 200.
func showLoginPage(w http.ResponseWriter, r *http.Request, message string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, newPageData(r, message))
}

// doc:failed

// loginAgain answers a failed login with the login page and 200, as many
// server-rendered apps do, and reports the failure to the login limiter.
func loginAgain(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("password") != password {
		ratelimit.Failed(r) // answered with 200 below: the login limiter must count it all the same
		showLoginPage(w, r, "Wrong password.")
		return
	}
	io.WriteString(w, "welcome")
}

// doc:end

// loginAgainUnreported is loginAgain without the report.
func loginAgainUnreported(w http.ResponseWriter, r *http.Request) {
	if r.PostFormValue("password") != password {
		showLoginPage(w, r, "Wrong password.")
		return
	}
	io.WriteString(w, "welcome")
}

func getNote(w http.ResponseWriter, r *http.Request) {
	io.WriteString(w, session.From(r).Get("note"))
}

func setNote(w http.ResponseWriter, r *http.Request) {
	session.From(r).Set("note", r.PostFormValue("note"))
	w.WriteHeader(http.StatusNoContent)
}

// client talks to one test server as a browser on its page would: it
// keeps cookies and sends the page's CSRF token with each POST.
type client struct {
	t     *testing.T
	base  string
	http  *http.Client
	token string
}

func newClient(t *testing.T, srv *httptest.Server) *client {
	t.Helper()
	c := srv.Client()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Jar = jar
	c.Timeout = 10 * time.Second
	return &client{t: t, base: srv.URL, http: c}
}

var (
	cspNonce  = regexp.MustCompile(`'nonce-([A-Za-z0-9+/=_-]+)'`)
	pageNonce = regexp.MustCompile(`<script nonce="([^"]*)">`)
	pageToken = regexp.MustCompile(`<meta name="csrf-token" content="([^"]*)">`)
)

// do sends a request and returns the response with its body read.
func (c *client) do(r *http.Request) (*http.Response, string) {
	c.t.Helper()
	resp, err := c.http.Do(r)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		c.t.Fatal(err)
	}
	return resp, string(body)
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	r, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(r)
}

// post sends form with the page's token, as a page of site ("same-origin"
// or "cross-site") would.
func (c *client) post(path, site string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	r, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-CSRF-Token", c.token)
	r.Header.Set("Sec-Fetch-Site", site)
	if site == "same-origin" {
		r.Header.Set("Origin", c.base)
	} else {
		r.Header.Set("Origin", "https://evil.example")
	}
	return c.do(r)
}

// openLoginPage loads the login page, checks that its script carries the
// response's CSP nonce, and keeps its CSRF token.
func (c *client) openLoginPage() {
	c.t.Helper()
	resp, body := c.get("/login")
	if resp.StatusCode != http.StatusOK {
		c.t.Fatalf("GET /login: got %d, want 200; body %q", resp.StatusCode, body)
	}
	csp := resp.Header.Get("Content-Security-Policy")
	m := cspNonce.FindStringSubmatch(csp)
	if m == nil {
		c.t.Fatalf("GET /login: no nonce in Content-Security-Policy %q", csp)
	}
	p := pageNonce.FindStringSubmatch(body)
	if p == nil {
		c.t.Fatalf("GET /login: no script nonce in the page %q", body)
	}
	if p[1] != m[1] {
		c.t.Errorf("GET /login: the page's nonce is %q, the header's %q", p[1], m[1])
	}
	c.keepToken(body)
}

// keepToken keeps the CSRF token of the login page body.
func (c *client) keepToken(body string) {
	c.t.Helper()
	tok := pageToken.FindStringSubmatch(body)
	if tok == nil || tok[1] == "" {
		c.t.Fatalf("GET /login: no CSRF token in the page %q", body)
	}
	c.token = tok[1]
}

// lockedBuffer is a security log's output, read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// securityEvents returns the event, method, path and status of each record
// of a security log's output.
func securityEvents(t *testing.T, out string) []string {
	t.Helper()
	var events []string
	for line := range strings.Lines(out) {
		var rec struct {
			Event, Method, Path string
			Status              int
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("security log record %q: %v", line, err)
		}
		events = append(events, fmt.Sprintf("%s %s %s %d", rec.Event, rec.Method, rec.Path, rec.Status))
	}
	return events
}

// proveApp checks the protection of the app served by srv: the CSP nonce
// reaches the template, CSRF refuses a cross-site POST, six failed logins
// give five 401s and then 429 with Retry-After, each recorded in the
// security log secLog, and the session survives a request in a __Host-
// cookie.
func proveApp(t *testing.T, srv *httptest.Server, secLog *lockedBuffer) {
	c := newClient(t, srv)
	c.openLoginPage()

	wrong := url.Values{"password": {"hunter2"}}
	resp, body := c.post("/login", "cross-site", wrong)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Cross-origin request refused") {
		t.Errorf("cross-site POST /login: got %d %q, want 403 Cross-origin request refused", resp.StatusCode, body)
	}
	resp, body = c.post("/note", "cross-site", url.Values{"note": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /note: got %d %q, want 403", resp.StatusCode, body)
	}

	for i := 1; i <= 6; i++ {
		resp, body := c.post("/login", "same-origin", wrong)
		want := http.StatusUnauthorized
		if i == 6 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("failed login %d: got %d %q, want %d", i, resp.StatusCode, body, want)
		}
		if ra := resp.Header.Get("Retry-After"); i < 6 && ra != "" {
			t.Errorf("failed login %d: Retry-After %q, want none", i, ra)
		} else if n, err := strconv.Atoi(ra); i == 6 && (err != nil || n < 1 || n > 900) {
			t.Errorf("failed login %d: Retry-After %q, want 1 to 900 seconds", i, ra)
		}
	}

	// Each refusal, and each 401 the login handler answered, is in the
	// security log once: the layers saw the response the client got.
	want := []string{"csrf_failure POST /login 403", "csrf_failure POST /note 403"}
	for range 5 {
		want = append(want, "access_denied POST /login 401")
	}
	want = append(want, "rate_limited POST /login 429")
	if got := securityEvents(t, secLog.String()); !slices.Equal(got, want) {
		t.Errorf("security log:\ngot  %q\nwant %q", got, want)
	}

	resp, body = c.post("/note", "same-origin", url.Values{"note": {"remember the milk"}})
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /note: got %d %q, want 204", resp.StatusCode, body)
	}
	// Served over TLS (HTTPS.Served), the session cookie keeps its
	// __Host- prefix and Secure although the stack is in development.
	if got := cookieNames(resp); !slices.Equal(got, []string{"__Host-sid secure"}) {
		t.Errorf("POST /note: cookies %q, want [\"__Host-sid secure\"]", got)
	}
	if resp, body := c.get("/note"); resp.StatusCode != http.StatusOK || body != "remember the milk" {
		t.Errorf("GET /note with the session cookie: got %d %q, want 200 %q", resp.StatusCode, body, "remember the milk")
	}
	// The note lives in the session, not in the server: another client
	// has none.
	if resp, body := newClient(t, srv).get("/note"); resp.StatusCode != http.StatusOK || body != "" {
		t.Errorf("GET /note without the cookie: got %d %q, want 200 \"\"", resp.StatusCode, body)
	}
}

// cookieNames returns the name of each cookie resp sets, followed by
// " secure" when it has the Secure attribute.
func cookieNames(resp *http.Response) []string {
	var names []string
	for _, c := range resp.Cookies() {
		name := c.Name
		if c.Secure {
			name += " secure"
		}
		names = append(names, name)
	}
	return names
}

// proveNeverLimits pins the failure the adapters prevent: seven failed
// logins, seven times wantStatus, never 429.
func proveNeverLimits(t *testing.T, srv *httptest.Server, wantStatus int) {
	c := newClient(t, srv)
	_, body := c.get("/login")
	c.keepToken(body)
	for i := 1; i <= 7; i++ {
		resp, body := c.post("/login", "same-origin", url.Values{"password": {"hunter2"}})
		if resp.StatusCode != wantStatus {
			t.Fatalf("failed login %d: got %d %q, want %d (the limiter never limits)", i, resp.StatusCode, body, wantStatus)
		}
	}
}

// proveLimitsReported checks a login route that answers failures with 200
// and reports them: five 200s, then 429.
func proveLimitsReported(t *testing.T, srv *httptest.Server) {
	c := newClient(t, srv)
	c.openLoginPage()
	for i := 1; i <= 6; i++ {
		resp, body := c.post("/login", "same-origin", url.Values{"password": {"hunter2"}})
		want := http.StatusOK
		if i == 6 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want {
			t.Fatalf("failed login %d: got %d %q, want %d", i, resp.StatusCode, body, want)
		}
	}
}
