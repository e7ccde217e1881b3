package csrf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/session"
)

const host = "app.example"

// Exact bodies of the refusals.
const (
	bodyCrossOrigin   = `{"error":"Cross-origin request refused"}` + "\n"
	bodyMissingToken  = `{"error":"CSRF token missing"}` + "\n"
	bodyMissingCookie = `{"error":"CSRF cookie missing"}` + "\n"
	bodyInvalidToken  = `{"error":"CSRF token invalid"}` + "\n"
	bodyTooLarge      = `{"error":"Request body too large"}` + "\n"
	bodyOK            = `{"ok":true}` + "\n"
)

// app is a service with real sessions and CSRF protection, the way the
// harden stack composes them (sessions outside, CSRF inside).
type app struct {
	t       *testing.T
	handler http.Handler
	reached atomic.Int32 // requests that reached a state-changing handler
}

func newApp(t *testing.T, cfg csrf.Config) *app {
	t.Helper()
	ring := keys.Ephemeral()
	sm, err := session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0)})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keys = ring
	p, err := csrf.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &app{t: t}
	mux := http.NewServeMux()
	mux.Handle("GET /api/csrf-token", p.TokenHandler())
	ok := func(w http.ResponseWriter, r *http.Request) {
		a.reached.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(bodyOK))
	}
	mux.HandleFunc("POST /api/action", ok)
	mux.HandleFunc("DELETE /api/action", ok)
	mux.HandleFunc("POST /hooks/pay", ok)
	mux.HandleFunc("POST /hooks/pay/", ok)
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(csrf.TemplateField(r)))
	})
	mux.HandleFunc("POST /api/login", func(w http.ResponseWriter, r *http.Request) {
		a.reached.Add(1)
		if err := session.Login(r, r.PostFormValue("user")); err != nil {
			t.Errorf("login: %v", err)
		}
	})
	mux.HandleFunc("POST /api/logout", func(w http.ResponseWriter, r *http.Request) {
		a.reached.Add(1)
		if err := session.Logout(r); err != nil {
			t.Errorf("logout: %v", err)
		}
	})
	a.handler = sm.Handler(p.Handler(mux))
	return a
}

// browser is a cookie jar with its last token.
type browser struct {
	cookies map[string]string
	token   string
}

func newBrowser() *browser { return &browser{cookies: map[string]string{}} }

func (b *browser) cookieHeader() string {
	var parts []string
	for k, v := range b.cookies {
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, "; ")
}

// do sends req as b would (its cookies, same-origin Fetch Metadata unless
// the request sets its own) and keeps the cookies of the answer.
func (a *app) do(b *browser, req *http.Request) *httptest.ResponseRecorder {
	a.t.Helper()
	if b != nil && len(b.cookies) > 0 {
		req.Header.Set("Cookie", b.cookieHeader())
	}
	rec := httptest.NewRecorder()
	a.handler.ServeHTTP(rec, req)
	if b != nil {
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge < 0 || c.Value == "" {
				delete(b.cookies, c.Name)
			} else {
				b.cookies[c.Name] = c.Value
			}
		}
	}
	return rec
}

func newReq(method, target string, body string) *http.Request {
	req := httptest.NewRequest(method, "http://"+host+target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

// fetchToken gets a token from the endpoint.
func (a *app) fetchToken(b *browser) string {
	a.t.Helper()
	rec := a.do(b, newReq("GET", "/api/csrf-token", ""))
	if rec.Code != 200 {
		a.t.Fatalf("token endpoint: %d %s", rec.Code, rec.Body)
	}
	var out struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		a.t.Fatal(err)
	}
	b.token = out.Token
	return out.Token
}

// login signs b in as user, then fetches the token bound to the new session
// (the one it had no longer verifies), as a single-page app does.
func (a *app) login(b *browser, user string) {
	a.t.Helper()
	req := newReq("POST", "/api/login", "user="+user)
	req.Header.Set("X-CSRF-Token", b.token)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := a.do(b, req)
	if rec.Code != 200 {
		a.t.Fatalf("login: %d %s", rec.Code, rec.Body)
	}
	a.fetchToken(b)
}

func (a *app) logout(b *browser) {
	a.t.Helper()
	req := newReq("POST", "/api/logout", "")
	req.Header.Set("X-CSRF-Token", b.token)
	if rec := a.do(b, req); rec.Code != 200 {
		a.t.Fatalf("logout: %d %s", rec.Code, rec.Body)
	}
}

// tokenLen is the length of an encoded token, which the package
// documentation states.
const tokenLen = 128

func madeUpToken() string {
	// Well-formed (128 base64url characters) but never issued.
	return strings.Repeat("A", tokenLen)
}

// TestAttackMatrix sends every forgery the issue lists, and the legitimate
// requests beside them, through sessions and CSRF, asserting the exact status
// and body, and that refused requests never reached the handler.
func TestAttackMatrix(t *testing.T) {
	a := newApp(t, csrf.Config{
		TrustedOrigins:          []string{"https://partner.example"},
		DangerouslyExemptRoutes: []string{"POST /hooks/pay"},
	})

	anon := newBrowser() // a visitor without a session
	anonToken := a.fetchToken(anon)
	if _, ok := anon.cookies["__Host-csrf"]; !ok {
		t.Fatalf("token endpoint set no pre-session cookie: %v", anon.cookies)
	}
	otherAnon := newBrowser()
	otherAnonToken := a.fetchToken(otherAnon)

	alice := newBrowser()
	a.fetchToken(alice)
	preLoginToken := alice.token
	a.login(alice, "alice")
	aliceToken := alice.token

	bob := newBrowser()
	a.fetchToken(bob)
	a.login(bob, "bob")
	bobToken := bob.token

	// carol logs in, out and in again: her first session's token is dead.
	carol := newBrowser()
	a.fetchToken(carol)
	a.login(carol, "carol")
	carolFirst := carol.token
	a.logout(carol)
	a.fetchToken(carol)
	a.login(carol, "carol")

	// A session-bound token sent by a client whose only cookie is the
	// pre-session one.
	aliceNoSession := newBrowser()
	aliceNoSession.cookies["__Host-csrf"] = alice.cookies["__Host-csrf"]

	type tc struct {
		name       string
		b          *browser
		method     string
		path       string
		headers    map[string]string
		body       string
		ctype      string
		wantStatus int
		wantBody   string
	}
	sameOrigin := map[string]string{"Sec-Fetch-Site": "same-origin"}
	withToken := func(tok string, extra ...string) map[string]string {
		h := map[string]string{"X-CSRF-Token": tok}
		for i := 0; i+1 < len(extra); i += 2 {
			h[extra[i]] = extra[i+1]
		}
		return h
	}
	cases := []tc{
		// Legitimate requests.
		{"safe method needs nothing", nil, "GET", "/api/csrf-token", nil, "", "", 200, ""},
		{"anonymous token in header", anon, "POST", "/api/action", withToken(anonToken, "Sec-Fetch-Site", "same-origin"), "", "", 200, bodyOK},
		{"anonymous token in form field", anon, "POST", "/api/action", sameOrigin, "_csrf=" + url.QueryEscape(anonToken) + "&msg=hi", "", 200, bodyOK},
		{"session token", alice, "POST", "/api/action", withToken(aliceToken, "Sec-Fetch-Site", "same-origin"), "", "", 200, bodyOK},
		{"DELETE with token", alice, "DELETE", "/api/action", withToken(aliceToken), "", "", 200, bodyOK},
		{"Origin equal to host, no Sec-Fetch-Site", alice, "POST", "/api/action", withToken(aliceToken, "Origin", "http://"+host), "", "", 200, bodyOK},
		{"Origin equal to host, other case", alice, "POST", "/api/action", withToken(aliceToken, "Origin", "http://APP.example"), "", "", 200, bodyOK},
		{"Sec-Fetch-Site none (typed by the user)", alice, "POST", "/api/action", withToken(aliceToken, "Sec-Fetch-Site", "none"), "", "", 200, bodyOK},
		{"trusted origin, cross-site", alice, "POST", "/api/action", withToken(aliceToken, "Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example"), "", "", 200, bodyOK},
		{"trusted origin, old browser", alice, "POST", "/api/action", withToken(aliceToken, "Origin", "https://partner.example"), "", "", 200, bodyOK},
		{"old browser with neither header: the token decides (valid)", alice, "POST", "/api/action", withToken(aliceToken), "", "", 200, bodyOK},
		{"exempt webhook, cross-site, no token", nil, "POST", "/hooks/pay", map[string]string{"Sec-Fetch-Site": "cross-site"}, "", "", 200, bodyOK},

		// The attack matrix.
		{"no token", alice, "POST", "/api/action", sameOrigin, "", "", 403, bodyMissingToken},
		{"cookie without token", anon, "POST", "/api/action", sameOrigin, "msg=hi", "", 403, bodyMissingToken},
		{"made-up token", alice, "POST", "/api/action", withToken(madeUpToken()), "", "", 403, bodyInvalidToken},
		{"made-up token, anonymous", anon, "POST", "/api/action", withToken(madeUpToken()), "", "", 403, bodyInvalidToken},
		{"malformed token", alice, "POST", "/api/action", withToken("abc"), "", "", 403, bodyInvalidToken},
		{"token with a flipped character", alice, "POST", "/api/action", withToken(flip(aliceToken)), "", "", 403, bodyInvalidToken},
		{"token from another session", alice, "POST", "/api/action", withToken(bobToken), "", "", 403, bodyInvalidToken},
		{"token of another visitor's pre-session cookie", anon, "POST", "/api/action", withToken(otherAnonToken), "", "", 403, bodyInvalidToken},
		{"anonymous token sent with a session", alice, "POST", "/api/action", withToken(anonToken), "", "", 403, bodyInvalidToken},
		{"token without its cookie", nil, "POST", "/api/action", withToken(anonToken), "", "", 403, bodyMissingCookie},
		{"session token without the session cookie", aliceNoSession, "POST", "/api/action", withToken(aliceToken), "", "", 403, bodyInvalidToken},
		{"token after logout and login", carol, "POST", "/api/action", withToken(carolFirst), "", "", 403, bodyInvalidToken},
		{"pre-login token after login", alice, "POST", "/api/action", withToken(preLoginToken), "", "", 403, bodyInvalidToken},
		{"Sec-Fetch-Site cross-site with a valid token", alice, "POST", "/api/action", withToken(aliceToken, "Sec-Fetch-Site", "cross-site"), "", "", 403, bodyCrossOrigin},
		{"Sec-Fetch-Site same-site with a valid token", alice, "POST", "/api/action", withToken(aliceToken, "Sec-Fetch-Site", "same-site", "Origin", "http://sub.app.example"), "", "", 403, bodyCrossOrigin},
		{"Origin differs from host, no Sec-Fetch-Site", alice, "POST", "/api/action", withToken(aliceToken, "Origin", "http://evil.example"), "", "", 403, bodyCrossOrigin},
		{"Origin with the host but another scheme", alice, "POST", "/api/action", withToken(aliceToken, "Origin", "https://"+host), "", "", 403, bodyCrossOrigin},
		{"Origin with the host but another port", alice, "POST", "/api/action", withToken(aliceToken, "Origin", "http://"+host+":8080"), "", "", 403, bodyCrossOrigin},
		{"Origin null", alice, "POST", "/api/action", withToken(aliceToken, "Origin", "null"), "", "", 403, bodyCrossOrigin},
		{"old browser with neither header and no token", alice, "POST", "/api/action", nil, "", "", 403, bodyMissingToken},
		{"token in the query string only", anon, "POST", "/api/action?_csrf=" + url.QueryEscape(anonToken), sameOrigin, "", "", 403, bodyMissingToken},
		{"token in a JSON body", anon, "POST", "/api/action", sameOrigin, `{"_csrf":"` + anonToken + `"}`, "application/json", 403, bodyMissingToken},
		{"form larger than the limit", anon, "POST", "/api/action", sameOrigin, "_csrf=" + url.QueryEscape(anonToken) + "&pad=" + strings.Repeat("x", 64<<10), "", 413, bodyTooLarge},
		{"exempt route, trailing slash variant", nil, "POST", "/hooks/pay/", nil, "", "", 403, bodyMissingToken},
		{"exempt route, unclean path", nil, "POST", "/hooks//pay", nil, "", "", 403, bodyMissingToken},
		{"exempt route, other method", nil, "PUT", "/hooks/pay", nil, "", "", 403, bodyMissingToken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := newReq(c.method, c.path, c.body)
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			for k, v := range c.headers {
				req.Header.Set(k, v)
			}
			before := a.reached.Load()
			rec := a.do(c.b, req)
			if rec.Code != c.wantStatus {
				t.Errorf("status: got %d, want %d (body %q)", rec.Code, c.wantStatus, rec.Body)
			}
			if c.wantBody != "" && rec.Body.String() != c.wantBody {
				t.Errorf("body: got %q, want %q", rec.Body, c.wantBody)
			}
			reached := a.reached.Load() != before
			if want := c.wantStatus == 200 && c.method != "GET"; reached != want {
				t.Errorf("handler reached: got %v, want %v", reached, want)
			}
			if c.wantStatus != 200 {
				if got := rec.Header().Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control of the refusal: got %q, want no-store", got)
				}
			}
		})
	}
}

// flip changes one character in the middle of tok.
func flip(tok string) string {
	b := []byte(tok)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// TestMultipartField accepts the token from a multipart form and leaves the
// parsed form for the handler.
func TestMultipartField(t *testing.T) {
	ring := keys.Ephemeral()
	p, err := csrf.New(csrf.Config{Keys: ring})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	tokReq := httptest.NewRequest("GET", "http://"+host+"/token", nil)
	tok := csrf.IssueToken(p, rec, tokReq)
	cookies := rec.Result().Cookies()

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("note", "hello")
	_ = mw.WriteField("_csrf", tok)
	fw, _ := mw.CreateFormFile("file", "a.txt")
	_, _ = fw.Write([]byte("file content"))
	_ = mw.Close()

	req := httptest.NewRequest("POST", "http://"+host+"/upload", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for _, c := range cookies {
		req.AddCookie(c)
	}
	var got string
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.FormValue("note")
		f, _, err := r.FormFile("file")
		if err != nil {
			t.Errorf("FormFile: %v", err)
			return
		}
		_ = f.Close()
	}))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || got != "hello" {
		t.Errorf("got status %d, note %q; want 200, %q (body %q)", rec.Code, got, "hello", rec.Body)
	}
}

// TestCheckErrors checks the sentinels of the pure decision function.
func TestCheckErrors(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral(), SessionKey: func(*http.Request) string { return "s1" }})
	if err != nil {
		t.Fatal(err)
	}
	tok := csrf.IssueToken(p, httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	cases := []struct {
		name    string
		method  string
		headers []string
		want    error
	}{
		{"GET", "GET", nil, nil},
		{"HEAD", "HEAD", nil, nil},
		{"OPTIONS", "OPTIONS", nil, nil},
		{"POST valid", "POST", []string{"X-CSRF-Token", tok}, nil},
		{"POST no token", "POST", nil, csrf.ErrMissingToken},
		{"POST bad token", "POST", []string{"X-CSRF-Token", flip(tok)}, csrf.ErrInvalidToken},
		{"POST cross-site", "POST", []string{"X-CSRF-Token", tok, "Sec-Fetch-Site", "cross-site"}, csrf.ErrCrossOrigin},
		{"PATCH cross-origin old browser", "PATCH", []string{"X-CSRF-Token", tok, "Origin", "https://evil.example"}, csrf.ErrCrossOrigin},
		{"TRACE is not safe", "TRACE", nil, csrf.ErrMissingToken},
	}
	for _, c := range cases {
		req := httptest.NewRequest(c.method, "http://"+host+"/x", nil)
		for i := 0; i+1 < len(c.headers); i += 2 {
			req.Header.Set(c.headers[i], c.headers[i+1])
		}
		got := p.Check(req)
		if !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		if got != nil {
			for _, h := range []string{"evil.example", host} {
				if strings.Contains(got.Error(), h) {
					t.Errorf("%s: error %q echoes %q", c.name, got, h)
				}
			}
		}
	}
}

// TestBehindProxy runs the origin layer behind a trusted proxy that rewrites
// Host and terminates TLS: the browser's origin is https://www.example.com,
// the backend sees Host "backend:8080" over plain HTTP.
func TestBehindProxy(t *testing.T) {
	res, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	ring := keys.Ephemeral()
	p, err := csrf.New(csrf.Config{Keys: ring, SessionKey: func(*http.Request) string { return "sess" }})
	if err != nil {
		t.Fatal(err)
	}
	tok := csrf.IssueToken(p, httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	var reached atomic.Int32
	h := res.Handler(p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		_, _ = w.Write([]byte(bodyOK))
	})))
	fromProxy := func(origin, sfs, remote string) *http.Request {
		req := httptest.NewRequest("POST", "http://backend:8080/api/action", nil)
		req.RemoteAddr = remote + ":40000"
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "www.example.com")
		req.Header.Set("X-CSRF-Token", tok)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if sfs != "" {
			req.Header.Set("Sec-Fetch-Site", sfs)
		}
		return req
	}
	cases := []struct {
		name       string
		req        *http.Request
		wantStatus int
		wantBody   string
	}{
		{"same origin, old browser (Origin only)", fromProxy("https://www.example.com", "", "10.0.0.1"), 200, bodyOK},
		{"same origin, modern browser", fromProxy("https://www.example.com", "same-origin", "10.0.0.1"), 200, bodyOK},
		{"same origin with default port", fromProxy("https://www.example.com:443", "", "10.0.0.1"), 403, bodyCrossOrigin},
		{"cross origin, old browser", fromProxy("https://evil.example", "", "10.0.0.1"), 403, bodyCrossOrigin},
		{"cross origin, modern browser", fromProxy("https://evil.example", "cross-site", "10.0.0.1"), 403, bodyCrossOrigin},
		{"plain-http page of the same host", fromProxy("http://www.example.com", "", "10.0.0.1"), 403, bodyCrossOrigin},
		{"the backend's own name is not the origin", fromProxy("http://backend:8080", "", "10.0.0.1"), 403, bodyCrossOrigin},
		// From an untrusted peer the forwarding headers are ignored: the
		// origin is http://backend:8080, so the forged host does not help.
		{"forged forwarding headers from an untrusted peer", fromProxy("https://www.example.com", "", "198.51.100.7"), 403, bodyCrossOrigin},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := reached.Load()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, c.req)
			if rec.Code != c.wantStatus || rec.Body.String() != c.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, c.wantStatus, c.wantBody)
			}
			if got, want := reached.Load() != before, c.wantStatus == 200; got != want {
				t.Errorf("handler reached: got %v, want %v", got, want)
			}
		})
	}
}

// TestTokensDiffer: every token handed out is masked afresh, and all verify.
func TestTokensDiffer(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral(), SessionKey: func(*http.Request) string { return "s" }})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 50 {
		tok := csrf.IssueToken(p, httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		if len(tok) != tokenLen {
			t.Fatalf("token length: got %d, want %d", len(tok), tokenLen)
		}
		if seen[tok] {
			t.Fatalf("token repeated: %q", tok)
		}
		seen[tok] = true
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("X-CSRF-Token", tok)
		if err := p.Check(req); err != nil {
			t.Fatalf("fresh token refused: %v", err)
		}
	}
}

// TestKeyRotation: tokens made under the old primary key verify after a new
// key is put first, and stop verifying once it is removed.
func TestKeyRotation(t *testing.T) {
	oldSecret, newSecret := []byte(keys.NewSecret()), []byte(keys.NewSecret())
	ring := func(secrets ...[]byte) *keys.Ring {
		r, err := keys.New(secrets)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	sk := func(*http.Request) string { return "s" }
	pOld, _ := csrf.New(csrf.Config{Keys: ring(oldSecret), SessionKey: sk})
	pBoth, _ := csrf.New(csrf.Config{Keys: ring(newSecret, oldSecret), SessionKey: sk})
	pNew, _ := csrf.New(csrf.Config{Keys: ring(newSecret), SessionKey: sk})
	tok := csrf.IssueToken(pOld, httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	check := func(p *csrf.Protector) error {
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("X-CSRF-Token", tok)
		return p.Check(req)
	}
	if err := check(pBoth); err != nil {
		t.Errorf("during rotation: got %v, want nil", err)
	}
	if err := check(pNew); !errors.Is(err, csrf.ErrInvalidToken) {
		t.Errorf("after the old key is removed: got %v, want ErrInvalidToken", err)
	}
}
