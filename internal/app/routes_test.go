package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/password"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/seclog"
)

// testHasher is argon2id at the lowest parameters the password package
// accepts (7 MiB × 5 passes), so tests can log in many times.
var testHasher = func() *password.Hasher {
	h, err := password.New(password.Config{Argon2: password.Argon2Params{Memory: 7 << 10, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32}})
	if err != nil {
		panic(err)
	}
	return h
}()

// routeApp is an app served over loopback for route tests: development
// over plain HTTP, the cheap hasher, a general limit that tests do not
// reach.
func routeApp(t *testing.T, cfg Config) (*App, *httptest.Server) {
	t.Helper()
	cfg.Development = true
	if cfg.hasher == nil {
		cfg.hasher = testHasher
	}
	if cfg.APILimit == (ratelimit.Spec{}) {
		cfg.APILimit = ratelimit.Spec{Limit: 100000, Window: time.Minute}
	}
	a := newTestApp(t, cfg)
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}

// client is a browser-like client of one app: a cookie jar, and the
// request id of every request set so refusal bodies are exact.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; header values of "" are left out.
func (c *client) do(method, path, ctype, body string, header map[string]string) (int, string) {
	c.t.Helper()
	resp := c.resp(method, path, ctype, strings.NewReader(body), header)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func (c *client) resp(method, path, ctype string, body io.Reader, header map[string]string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-Request-ID", testID)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// token fetches a CSRF token from /api/csrf-token.
func (c *client) token() string {
	c.t.Helper()
	status, body := c.do("GET", "/api/csrf-token", "", "", nil)
	var v struct{ Token string }
	if err := json.Unmarshal([]byte(body), &v); status != 200 || err != nil || v.Token == "" {
		c.t.Fatalf("GET /api/csrf-token: %d %q", status, body)
	}
	return v.Token
}

// post sends a JSON body with a fresh CSRF token.
func (c *client) post(path, body string) (int, string) {
	c.t.Helper()
	return c.do("POST", path, "application/json", body, map[string]string{"X-CSRF-Token": c.token()})
}

// cookie returns the value of the jar's cookie name for the app.
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie replaces the jar's cookie name.
func (c *client) setCookie(name, value string) {
	u, _ := url.Parse(c.base)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// login signs email in and fails the test otherwise.
func (c *client) login(email, pw string) {
	c.t.Helper()
	if status, body := c.post("/api/login", `{"email":"`+email+`","password":"`+pw+`"}`); status != 200 || body != successBody {
		c.t.Fatalf("login %s: %d %q", email, status, body)
	}
}

// addUser creates an account directly in the app's database.
func addUser(t *testing.T, a *App, email, pw, role string) appdb.User {
	t.Helper()
	hash, err := a.hasher.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	u, err := a.db.CreateUser(context.Background(), appdb.User{Email: email, Name: "Test " + role, Role: role, PasswordHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// messageCount is the number of stored contact messages.
func messageCount(t *testing.T, a *App) int {
	t.Helper()
	msgs, err := a.db.Messages(context.Background(), appdb.MaxMessages)
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs)
}

// devErr is the development body of a refusal: message, internal detail
// (development shows it for 4xx) and the test's request id.
func devErr(msg, detail string) string {
	if detail == "" {
		return `{"error":"` + msg + `","request_id":"test-req-1"}` + "\n"
	}
	return `{"error":"` + msg + `","detail":"` + detail + `","request_id":"test-req-1"}` + "\n"
}

const (
	userPW        = "correct horse battery"
	authRequired  = `{"error":"Authentication required","request_id":"test-req-1"}` + "\n"
	badCreds      = `{"error":"Invalid credentials","request_id":"test-req-1"}` + "\n"
	missingToken  = `{"error":"CSRF token missing","detail":"csrf: missing token","request_id":"test-req-1"}` + "\n"
	invalidToken  = `{"error":"CSRF token invalid","detail":"csrf: invalid token","request_id":"test-req-1"}` + "\n"
	crossOrigin   = `{"error":"Cross-origin request refused","detail":"csrf: cross-origin request\ncross-origin request detected from Sec-Fetch-Site header","request_id":"test-req-1"}` + "\n"
	forbiddenBody = `{"error":"Forbidden","request_id":"test-req-1"}` + "\n"
)

func TestRegisterLoginMeLogout(t *testing.T) {
	a, srv := routeApp(t, Config{})
	c := newClient(t, srv.URL)

	reg := `{"email":" Ann@Example.COM ","password":"` + userPW + `","name":"  Ann  Smith "}`
	if status, body := c.post("/api/register", reg); status != 201 || body != successBody {
		t.Fatalf("register: %d %q, want 201 %q", status, body, successBody)
	}
	u, err := a.db.UserByEmail(context.Background(), "ann@example.com")
	if err != nil || u.Name != "Ann Smith" || u.Role != appdb.RoleUser || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
		t.Fatalf("stored account %+v, %v", u, err)
	}
	// A taken email gets the same answer, and changes nothing.
	if status, body := c.post("/api/register", `{"email":"ann@example.com","password":"another password 2","name":"Mallory"}`); status != 201 || body != successBody {
		t.Errorf("register a taken email: %d %q, want the same 201", status, body)
	}
	if again, _ := a.db.UserByEmail(context.Background(), "ann@example.com"); again.ID != u.ID || again.Name != "Ann Smith" || again.PasswordHash != u.PasswordHash {
		t.Errorf("the taken account changed: %+v", again)
	}

	// Signed out: /api/me is refused.
	if status, body := c.do("GET", "/api/me", "", "", nil); status != 401 || body != authRequired {
		t.Errorf("me before login: %d %q", status, body)
	}
	if status, body := c.post("/api/login", `{"email":"ann@example.com","password":"wrong password!"}`); status != 401 || body != badCreds {
		t.Errorf("wrong password: %d %q, want 401 %q", status, body, badCreds)
	}
	if status, body := c.post("/api/login", `{"email":"nobody@example.com","password":"`+userPW+`"}`); status != 401 || body != badCreds {
		t.Errorf("unknown email: %d %q, want 401 %q", status, body, badCreds)
	}
	if c.cookie("sid") != "" {
		t.Fatal("a failed login set a session cookie")
	}
	c.login("ANN@example.com", userPW)
	first := c.cookie("sid")
	if first == "" {
		t.Fatal("no session cookie after login")
	}
	if status, body := c.do("GET", "/api/me", "", "", nil); status != 200 || body != `{"email":"ann@example.com","name":"Ann Smith","role":"user"}`+"\n" {
		t.Errorf("me: %d %q", status, body)
	}

	// Fixation: logging in again (as an attacker who planted their own
	// signed-in cookie would have the victim do) gives a new id, and the
	// cookie from before stops working.
	c.login("ann@example.com", userPW)
	second := c.cookie("sid")
	if second == first {
		t.Fatal("the session id did not change at login")
	}
	replay := newClient(t, srv.URL)
	replay.setCookie("sid", first)
	if status, body := replay.do("GET", "/api/me", "", "", nil); status != 401 || body != authRequired {
		t.Errorf("the pre-login cookie after login: %d %q, want 401", status, body)
	}

	// A tampered cookie is no session: 401, never 500.
	tampered := newClient(t, srv.URL)
	b := []byte(second)
	b[len(b)/2] ^= 1
	tampered.setCookie("sid", string(b))
	if status, body := tampered.do("GET", "/api/me", "", "", nil); status != 401 || body != authRequired {
		t.Errorf("tampered cookie: %d %q, want 401", status, body)
	}
	tampered.setCookie("sid", "garbage%%%")
	if status, body := tampered.do("GET", "/api/me", "", "", nil); status != 401 || body != authRequired {
		t.Errorf("garbage cookie: %d %q, want 401", status, body)
	}

	// Logout ends the session on the server: the cookie replayed is 401.
	if status, body := c.post("/api/logout", ``); status != 200 || body != successBody {
		t.Fatalf("logout: %d %q", status, body)
	}
	if c.cookie("sid") != "" {
		t.Error("logout left the cookie in the browser")
	}
	replay.setCookie("sid", second)
	if status, body := replay.do("GET", "/api/me", "", "", nil); status != 401 || body != authRequired {
		t.Errorf("the cookie replayed after logout: %d %q, want 401", status, body)
	}
	if status, body := replay.post("/api/logout", ``); status != 401 || body != authRequired {
		t.Errorf("logout without a session: %d %q, want 401", status, body)
	}
}

func TestRegisterRefusals(t *testing.T) {
	// Failures count against the auth limiter: a quota these cases do not
	// reach.
	a, srv := routeApp(t, Config{AuthLimit: ratelimit.Spec{Limit: 1000, Window: time.Minute}})
	c := newClient(t, srv.URL)
	tests := []struct {
		name, ctype, body string
		wantStatus        int
		wantBody          string
	}{
		{"short password", "application/json", `{"email":"a@example.com","password":"short","name":"A"}`, 400, fieldRefusal("password", "must be at least 12 characters long")},
		{"password over 1024 bytes", "application/json", `{"email":"a@example.com","password":"` + strings.Repeat("é", 600) + `","name":"A"}`, 400,
			fieldRefusal("password", "must be at most 1024 bytes")},
		{"bad email", "application/json", `{"email":"not an email","password":"` + userPW + `","name":"A"}`, 400, fieldRefusal("email", "must be a valid email address")},
		{"no name", "application/json", `{"email":"a@example.com","password":"` + userPW + `","name":"   "}`, 400, fieldRefusal("name", "is required")},
		{"unknown field", "application/json", `{"email":"a@example.com","password":"` + userPW + `","name":"A","role":"admin"}`, 400, fieldRefusal("role", "is not an allowed field")},
		{"operator", "application/json", `{"email":{"$ne":""},"password":"` + userPW + `","name":"A"}`, 400, fieldRefusal("email", "must be a string")},
		{"malformed JSON", "application/json", `{"email":`, 400, devErr("Malformed JSON", "")},
		{"text/plain", "text/plain", `{}`, 415, devErr("Unsupported media type", "")},
		{"too large", "application/json", `{"name":"` + strings.Repeat("a", 11<<10) + `"}`, 413, devErr("Request body too large", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.do("POST", "/api/register", tt.ctype, tt.body, map[string]string{"X-CSRF-Token": c.token()})
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if strings.Contains(body, userPW) {
				t.Error("the answer echoes the password")
			}
		})
	}
	if _, err := a.db.UserByEmail(context.Background(), "a@example.com"); err != appdb.ErrNotFound {
		t.Errorf("an account was stored: %v", err)
	}
}

// TestLoginLimit: five failed logins from one address, then 429 for that
// address (even with the right password); successes before do not count.
func TestLoginLimit(t *testing.T) {
	a, srv := routeApp(t, Config{})
	addUser(t, a, "bob@example.com", userPW, appdb.RoleUser)
	c := newClient(t, srv.URL)
	for range 3 {
		c.login("bob@example.com", userPW)
	}
	for i := range 5 {
		if status, _ := c.post("/api/login", `{"email":"bob@example.com","password":"wrong password!"}`); status != 401 {
			t.Fatalf("failure %d: %d", i, status)
		}
	}
	status, body := c.post("/api/login", `{"email":"bob@example.com","password":"`+userPW+`"}`)
	if want := `{"error":"Too many requests, please try again later.","request_id":"test-req-1"}` + "\n"; status != 429 || body != want {
		t.Errorf("sixth failure: %d %q, want 429 %q", status, body, want)
	}
}

// TestPasswordRehashOnLogin: a hash with other parameters than the app's
// is replaced at the next successful login.
func TestPasswordRehashOnLogin(t *testing.T) {
	a, srv := routeApp(t, Config{})
	old, err := password.New(password.Config{Argon2: password.Argon2Params{Memory: 8 << 10, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32}})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := old.Hash(context.Background(), userPW)
	if _, err := a.db.CreateUser(context.Background(), appdb.User{Email: "old@example.com", PasswordHash: hash}); err != nil {
		t.Fatal(err)
	}
	newClient(t, srv.URL).login("old@example.com", userPW)
	u, _ := a.db.UserByEmail(context.Background(), "old@example.com")
	if u.PasswordHash == hash || a.hasher.NeedsRehash(u.PasswordHash) {
		t.Errorf("hash not upgraded: %s", u.PasswordHash)
	}
	newClient(t, srv.URL).login("old@example.com", userPW) // the new hash verifies
}

// TestSecurityLogEvents: login_failed, login_success and logout reach the
// security log with the user's id, and no password does.
func TestSecurityLogEvents(t *testing.T) {
	buf := &lockedBuffer{}
	sec := newSecLog(t, buf)
	a, srv := routeApp(t, Config{SecurityLog: sec})
	u := addUser(t, a, "eve@example.com", userPW, appdb.RoleUser)
	c := newClient(t, srv.URL)
	c.post("/api/login", `{"email":"eve@example.com","password":"wrong password!"}`)
	c.login("eve@example.com", userPW)
	c.post("/api/logout", ``)
	var got []string
	for _, ev := range buf.events(t) {
		got = append(got, ev["event"].(string)+":"+toString(ev["user_id"]))
	}
	want := []string{"login_failed:" + u.ID, "login_success:" + u.ID, "logout:" + u.ID}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events %v, want %v", got, want)
	}
	if strings.Contains(buf.String(), userPW) || strings.Contains(buf.String(), "wrong password") {
		t.Errorf("a password reached the log:\n%s", buf.String())
	}
}

func toString(v any) string {
	s, _ := v.(string)
	return s
}

// TestCSRFThroughTheApp is the CSRF attack matrix against a real route:
// every case is refused with its exact body and stores nothing.
func TestCSRFThroughTheApp(t *testing.T) {
	a, srv := routeApp(t, Config{})
	addUser(t, a, "carol@example.com", userPW, appdb.RoleUser)
	const msg = `{"name":"Carol","email":"carol@example.com","message":"hello"}`
	victim := newClient(t, srv.URL)
	victimToken := victim.token()
	other := newClient(t, srv.URL)
	otherToken := other.token()

	// A token fetched before login is bound to the pre-session cookie; it
	// stops working once the session exists.
	loggedIn := newClient(t, srv.URL)
	before := loggedIn.token()
	loggedIn.login("carol@example.com", userPW)

	madeUp := strings.Repeat("A", 128)
	tests := []struct {
		name       string
		c          *client
		header     map[string]string
		wantStatus int
		wantBody   string
	}{
		{"no token", victim, nil, 403, missingToken},
		{"made-up token", victim, map[string]string{"X-CSRF-Token": madeUp}, 403, invalidToken},
		{"token of another visitor", victim, map[string]string{"X-CSRF-Token": otherToken}, 403, invalidToken},
		{"token without its cookie", newClient(t, srv.URL), map[string]string{"X-CSRF-Token": victimToken}, 403,
			`{"error":"CSRF cookie missing","detail":"csrf: missing session or pre-session cookie","request_id":"test-req-1"}` + "\n"},
		{"cross-site with a valid token", victim, map[string]string{"X-CSRF-Token": victimToken, "Sec-Fetch-Site": "cross-site"}, 403, crossOrigin},
		{"same-site with a valid token", victim, map[string]string{"X-CSRF-Token": victimToken, "Sec-Fetch-Site": "same-site"}, 403, crossOrigin},
		{"foreign Origin without Sec-Fetch-Site", victim, map[string]string{"X-CSRF-Token": victimToken, "Origin": "https://evil.example"}, 403,
			`{"error":"Cross-origin request refused","detail":"csrf: cross-origin request\nSec-Fetch-Site is missing and Origin does not match the request's scheme and host","request_id":"test-req-1"}` + "\n"},
		{"token from before login", loggedIn, map[string]string{"X-CSRF-Token": before}, 403, invalidToken},
		{"old browser with a valid token", victim, map[string]string{"X-CSRF-Token": victimToken}, 200, contactBody},
		{"same-origin browser with a valid token", victim, map[string]string{"X-CSRF-Token": victimToken, "Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, 200, contactBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := messageCount(t, a)
			status, body := tt.c.do("POST", "/api/contact", "application/json", msg, tt.header)
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			stored := messageCount(t, a) - n
			if want := map[bool]int{true: 1, false: 0}[tt.wantStatus == 200]; stored != want {
				t.Errorf("%d messages stored, want %d", stored, want)
			}
		})
	}
	// A form field works like the header, and a urlencoded form is read.
	form := url.Values{"name": {"Carol"}, "email": {"carol@example.com"}, "message": {"by form"}, "_csrf": {victim.token()}}
	if status, body := victim.do("POST", "/api/contact", "application/x-www-form-urlencoded", form.Encode(), nil); status != 200 || body != contactBody {
		t.Errorf("form post: %d %q", status, body)
	}
}

var fieldRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// TestPageCarriesTheCSRFField: GET / sets the pre-session cookie and both
// forms carry a token that works for the form's own post.
func TestPageCarriesTheCSRFField(t *testing.T) {
	a, srv := routeApp(t, Config{})
	addUser(t, a, "dan@example.com", userPW, appdb.RoleUser)
	c := newClient(t, srv.URL)
	_, page := c.do("GET", "/", "", "", nil)
	m := fieldRE.FindAllStringSubmatch(page, -1)
	if len(m) != 2 {
		t.Fatalf("%d CSRF fields in the page, want 2 (contact and login)", len(m))
	}
	if c.cookie("csrf") == "" {
		t.Fatal("GET / set no CSRF cookie")
	}
	form := url.Values{"email": {"dan@example.com"}, "password": {userPW}, "_csrf": {m[1][1]}}
	if status, body := c.do("POST", "/api/login", "application/x-www-form-urlencoded", form.Encode(), nil); status != 200 || body != successBody {
		t.Errorf("login form: %d %q", status, body)
	}
}

// TestCookiesOverTLS: development over TLS keeps the production cookies:
// __Host- prefixed, Secure, HttpOnly, SameSite.
func TestCookiesOverTLS(t *testing.T) {
	a := newTestApp(t, Config{Development: true, TLS: true, hasher: testHasher})
	addUser(t, a, "tls@example.com", userPW, appdb.RoleUser)
	srv := httptest.NewTLSServer(a.Handler())
	defer srv.Close()
	c := newClient(t, srv.URL)
	c.http.Transport = srv.Client().Transport
	resp := c.resp("GET", "/", "", nil, nil)
	resp.Body.Close()
	if got, want := resp.Header.Get("Set-Cookie"), "; Path=/; HttpOnly; Secure; SameSite=Strict"; !strings.HasPrefix(got, "__Host-csrf=") || !strings.HasSuffix(got, want) {
		t.Errorf("GET / Set-Cookie = %q, want __Host-csrf=…%s", got, want)
	}
	resp = c.resp("POST", "/api/login", "application/json", strings.NewReader(`{"email":"tls@example.com","password":"`+userPW+`"}`),
		map[string]string{"X-CSRF-Token": c.token()})
	resp.Body.Close()
	if got, want := resp.Header.Get("Set-Cookie"), "; Path=/; HttpOnly; Secure; SameSite=Lax"; resp.StatusCode != 200 || !strings.HasPrefix(got, "__Host-sid=") || !strings.HasSuffix(got, want) {
		t.Errorf("login: %d, Set-Cookie = %q, want __Host-sid=…%s", resp.StatusCode, got, want)
	}
}

// newSecLog returns a security log writing to buf.
func newSecLog(t *testing.T, buf *lockedBuffer) *seclog.Logger {
	t.Helper()
	sec, err := seclog.New(seclog.Config{Writer: buf, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

// BenchmarkCSRFToken is GET /api/csrf-token through the whole app, for an
// anonymous first visit (a new pre-session cookie each time) and for a
// returning visitor who sends the cookie back.
func BenchmarkCSRFToken(b *testing.B) {
	a, err := New(Config{Development: true, DataDir: b.TempDir(), SecurityLog: discardLog,
		APILimit: ratelimit.Spec{Limit: 1_000_000_000, Window: time.Hour}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close() })
	h := a.Handler()
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest("GET", "http://localhost:3000/api/csrf-token", nil))
	cookie := first.Result().Cookies()
	if first.Code != 200 || len(cookie) != 1 {
		b.Fatalf("token endpoint: %d %v", first.Code, cookie)
	}
	for _, bc := range []struct {
		name   string
		cookie *http.Cookie
	}{{"first-visit", nil}, {"returning", cookie[0]}} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "http://localhost:3000/api/csrf-token", nil)
			r.RemoteAddr = "192.0.2.1:1234"
			if bc.cookie != nil {
				r.AddCookie(bc.cookie)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("status %d", w.Code)
				}
			}
		})
	}
}

// TestLoginJSONAsFormLeaksNoPassword: a JSON login posted with the form
// Content-Type (curl -d's default) is one form name, the whole body; the
// 400 names no field from it, and neither the answer nor the security log
// holds the password.
func TestLoginJSONAsFormLeaksNoPassword(t *testing.T) {
	const password = "s3cret-Passw0rd-42"
	buf := &lockedBuffer{}
	sec, err := seclog.New(seclog.Config{Writer: buf, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	_, srv := routeApp(t, Config{SecurityLog: sec})
	c := newClient(t, srv.URL)
	status, body := c.do("POST", "/api/login", "application/x-www-form-urlencoded",
		`{"email":"ann@example.com","password":"`+password+`"}`, map[string]string{"X-CSRF-Token": c.token()})
	want := `{"errors":[{"type":"field","location":"body","path":"(name withheld)","msg":"must not contain \".\""}],"request_id":"test-req-1"}` + "\n"
	if status != 400 || body != want {
		t.Errorf("got %d %q, want 400 %q", status, body, want)
	}
	if strings.Contains(buf.String(), password) || strings.Contains(buf.String(), "ann@example.com") {
		t.Errorf("security log holds the submitted body: %s", buf)
	}
}
