package harden

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/ratelimit"
	"github.com/harden-go/harden/session"
)

// testSecretA and testSecretB are two key-ring secrets of 256 random bits.
const (
	testSecretA = "q3Jx8Zk1vN0bW5mT2yR7uE4iO9pA6sD3fG8hJ1kL0zX="
	testSecretB = "Vb7nM2qW9eR4tY1uI6oP3aS8dF5gH0jK2lZ7xC4vB1n="
)

func ring(t testing.TB, secrets string) *keys.Ring {
	t.Helper()
	r, err := keys.Parse(secrets)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAppConfigErrors lists every misuse of the app layer New refuses,
// with the exact message.
// TestKeysRequiredWrapped: production sessions without Keys are refused
// with an error matching both ErrConfig and errKeysRequired.
func TestKeysRequiredWrapped(t *testing.T) {
	_, err := New(Config{PublicURL: "https://example.com", Session: session.Config{Store: session.NewMemoryStore(0)}})
	if !errors.Is(err, ErrConfig) || !errors.Is(err, errKeysRequired) {
		t.Fatalf("err = %v, want ErrConfig and errKeysRequired", err)
	}
}

func TestAppConfigErrors(t *testing.T) {
	store := session.NewMemoryStore(0)
	rk := ring(t, testSecretA)
	dev := func(c Config) Config { c.Development = true; return c }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"production sessions without keys", Config{PublicURL: "https://example.com", Session: session.Config{Store: store}},
			"harden: invalid configuration: keys: " + errKeysRequired.Error()},
		{"session keys", dev(Config{Keys: rk, Session: session.Config{Store: store, Keys: rk}}),
			"harden: invalid configuration: session.keys: must be empty: the stack signs with Config.Keys, one ring for sessions and CSRF"},
		{"csrf keys", dev(Config{Keys: rk, CSRF: csrf.Config{Keys: rk}}),
			"harden: invalid configuration: csrf.keys: must be empty: the stack signs with Config.Keys, one ring for sessions and CSRF"},
		{"session development switch", dev(Config{Session: session.Config{Store: store, Development: true}}),
			"harden: invalid configuration: session.development: must be false: cookies follow Config.Development (and https.served)"},
		{"csrf development switch", dev(Config{Keys: rk, CSRF: csrf.Config{Development: true}}),
			"harden: invalid configuration: csrf.development: must be false: cookies follow Config.Development (and https.served)"},
		{"session fields without store", dev(Config{Keys: rk, Session: session.Config{Persist: true}}),
			"harden: invalid configuration: session: store is required to turn sessions on; other fields are set"},
		{"csrf fields without app layer", dev(Config{CSRF: csrf.Config{HeaderName: "X-Token"}}),
			"harden: invalid configuration: csrf: is set but the app layer is off: set keys or session.store"},
		{"login fields without routes", dev(Config{Login: LoginConfig{Config: ratelimit.Config{Rate: ratelimit.Spec{Limit: 3, Window: 60e9}}}}),
			"harden: invalid configuration: login: routes is required to turn the login limiter on; other fields are set"},
		{"login route without method", dev(Config{Login: LoginConfig{Routes: []string{"/login"}}}),
			`harden: invalid configuration: login.routes: "/login" must be a method and an exact path, as "POST /login"`},
		{"login route subtree", dev(Config{Login: LoginConfig{Routes: []string{"POST /auth/"}}}),
			`harden: invalid configuration: login.routes: "POST /auth/" must be a method and an exact path, as "POST /login"`},
		{"login route wildcard", dev(Config{Login: LoginConfig{Routes: []string{"POST /u/{id}"}}}),
			`harden: invalid configuration: login.routes: "POST /u/{id}" must be a method and an exact path, as "POST /login"`},
		{"login skips failures", dev(Config{Login: LoginConfig{Routes: []string{"POST /login"}, Config: ratelimit.Config{SkipFailedRequests: true}}}),
			"harden: invalid configuration: login: skip_failed_requests would make a login limiter that counts nothing"},
		{"exempt route relative", dev(Config{Keys: rk, AppExempt: []string{"static/"}}),
			`harden: invalid configuration: app_exempt: "static/" must be a path, optionally after a method, as "GET /static/" (a trailing / covers the subtree)`},
		{"exempt without app layer", dev(Config{AppExempt: []string{"GET /static/"}}),
			"harden: invalid configuration: app_exempt: is set but the app layer is off: set keys or session.store"},
		{"bad body limit", dev(Config{Body: input.BodyLimitConfig{MaxBytes: -1}}),
			"harden: invalid configuration: body: "},
		{"bad session timeouts", dev(Config{Session: session.Config{Store: store, IdleTimeout: -1}}),
			"harden: invalid configuration: session: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(quiet(tt.cfg))
			if err == nil {
				t.Fatalf("New accepted the configuration")
			}
			if s != nil {
				t.Errorf("New returned a stack with its error")
			}
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %q does not wrap ErrConfig", err)
			}
			got := err.Error()
			// A layer's own error follows the field name; only the prefix
			// is ours.
			if strings.HasSuffix(tt.want, ": ") {
				if !strings.HasPrefix(got, tt.want) || strings.Contains(got, "\n") {
					t.Errorf("error = %q, want one error starting with %q", got, tt.want)
				}
				return
			}
			if got != tt.want {
				t.Errorf("error = %q\nwant    %q", got, tt.want)
			}
		})
	}
}

// TestAppLayerInstalled: a layer the configuration does not ask for is not
// installed, and each one that is shows through the stack's accessors.
func TestAppLayerInstalled(t *testing.T) {
	s, err := New(quiet(Config{Development: true}))
	if err != nil {
		t.Fatal(err)
	}
	if s.app != nil || s.Keys() != nil || s.Sessions() != nil || s.CSRF() != nil || s.LoginLimiter() != nil {
		t.Errorf("zero app configuration installed an app layer: %+v", s.app)
	}
	s, err = New(quiet(Config{Development: true, Session: session.Config{Store: session.NewMemoryStore(0)}}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Keys() == nil || !s.Keys().Ephemeral() || s.Sessions() == nil || s.CSRF() == nil || s.LoginLimiter() != nil {
		t.Errorf("development sessions: keys %v sessions %v csrf %v login %v", s.Keys(), s.Sessions(), s.CSRF(), s.LoginLimiter())
	}
	rk := ring(t, testSecretA)
	s, err = New(quiet(Config{PublicURL: "https://example.com", Keys: rk}))
	if err != nil {
		t.Fatal(err)
	}
	if s.Keys() != rk || s.Sessions() != nil || s.CSRF() == nil {
		t.Errorf("keys only: keys %v sessions %v csrf %v", s.Keys(), s.Sessions(), s.CSRF())
	}
}

// appRequest sends a request to h from a loopback client in development
// and returns the recorder.
func appRequest(h http.Handler, method, target, ctype, body string, header map[string]string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://localhost"+target, strings.NewReader(body))
	r.Header.Set("X-Request-ID", testID)
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestAppLayerOrder: the body limit refuses before CSRF looks at the
// request, CSRF refuses before the handler runs, and the login limiter
// counts failures only, after CSRF.
func TestAppLayerOrder(t *testing.T) {
	var ran int
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		ran++
		if r.FormValue("password") != "right" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, csrf.Token(r)) })
	s, err := New(quiet(Config{
		Development: true,
		Session:     session.Config{Store: session.NewMemoryStore(0)},
		Body:        input.BodyLimitConfig{MaxBytes: 64},
		Login:       LoginConfig{Routes: []string{"POST /login"}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler(mux)

	// A body over the limit, cross-site and without a token: 413 from the
	// body limit, not 403 from CSRF.
	big := "password=" + strings.Repeat("x", 100)
	w := appRequest(h, "POST", "/login", "application/x-www-form-urlencoded", big, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if w.Code != http.StatusRequestEntityTooLarge || ran != 0 {
		t.Errorf("oversized cross-site POST: %d %q (handler ran %d times), want 413 first", w.Code, w.Body.String(), ran)
	}
	// A small cross-site POST: 403 from CSRF, the handler never runs and
	// the login limiter counts nothing.
	for range 7 {
		w = appRequest(h, "POST", "/login", "application/x-www-form-urlencoded", "password=wrong", map[string]string{"Sec-Fetch-Site": "cross-site"})
		if w.Code != http.StatusForbidden || ran != 0 {
			t.Fatalf("cross-site POST: %d %q (handler ran %d times), want 403", w.Code, w.Body.String(), ran)
		}
	}

	// Same-origin with a token: the handler runs; five failures give 401,
	// the sixth 429 with Retry-After; successes before them are not counted.
	tw := appRequest(h, "GET", "/token", "", "", nil)
	token := tw.Body.String()
	cookie := tw.Header().Get("Set-Cookie")
	if token == "" || cookie == "" {
		t.Fatalf("GET /token: %q, Set-Cookie %q", token, cookie)
	}
	post := func(pw string) *httptest.ResponseRecorder {
		return appRequest(h, "POST", "/login", "application/x-www-form-urlencoded", "password="+pw,
			map[string]string{"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": token, "Cookie": strings.Split(cookie, ";")[0]})
	}
	for i := range 8 {
		if w := post("right"); w.Code != 200 {
			t.Fatalf("success %d: %d %q", i, w.Code, w.Body.String())
		}
	}
	for i := range 5 {
		if w := post("wrong"); w.Code != 401 {
			t.Fatalf("failure %d: %d %q, want 401", i, w.Code, w.Body.String())
		}
	}
	before := ran
	w = post("wrong")
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" || ran != before {
		t.Errorf("sixth failure: %d Retry-After %q (handler ran again: %v), want 429 before the handler", w.Code, w.Header().Get("Retry-After"), ran != before)
	}
}

// TestAppExempt: an exempt route skips CSRF and the session; any other
// unsafe request, to a known route or not, needs a token.
func TestAppExempt(t *testing.T) {
	s, err := New(quiet(Config{
		Development: true,
		Keys:        ring(t, testSecretA),
		AppExempt:   []string{"POST /hook", "GET /static/"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	h := s.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "handled") }))
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"POST", "/hook", 200},
		{"POST", "/hook2", 403},
		{"POST", "/static/x", 403},
		{"GET", "/static/x", 200},
		{"POST", "/nowhere", 403},
		{"HEAD", "/static/x", 200},
		{"GET", "/static/../x", 200},     // not exempt, but GET passes CSRF
		{"POST", "/static/../hook", 403}, // unclean: not exempt, though "POST /hook" is
	} {
		w := appRequest(h, tt.method, tt.path, "application/json", "{}", map[string]string{"Sec-Fetch-Site": "cross-site"})
		if w.Code != tt.want {
			t.Errorf("%s %s: %d %q, want %d", tt.method, tt.path, w.Code, w.Body.String(), tt.want)
		}
	}
}

// TestAppOneKeyRing: sessions and CSRF tokens are signed by Config.Keys.
// After a rotation ("new,old") both still verify; once the old secret is
// dropped, neither does.
func TestAppOneKeyRing(t *testing.T) {
	store := session.NewMemoryStore(0)
	build := func(secrets string) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /token", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, csrf.Token(r)) })
		mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
			if err := session.Login(r, "u1"); err != nil {
				t.Error(err)
			}
			_, _ = io.WriteString(w, csrf.Token(r))
		})
		mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
			if s := session.From(r); s != nil {
				_, _ = io.WriteString(w, s.UserID())
			}
		})
		s, err := New(quiet(Config{Development: true, Keys: ring(t, secrets), Session: session.Config{Store: store}}))
		if err != nil {
			t.Fatal(err)
		}
		return s.Handler(mux)
	}
	cookies := func(w *httptest.ResponseRecorder) string {
		var parts []string
		for _, c := range w.Result().Cookies() {
			parts = append(parts, c.Name+"="+c.Value)
		}
		return strings.Join(parts, "; ")
	}
	old := build(testSecretA)
	w := appRequest(old, "GET", "/token", "", "", nil)
	pre, t0 := cookies(w), w.Body.String()
	w = appRequest(old, "POST", "/login", "application/json", "{}", map[string]string{"Sec-Fetch-Site": "same-origin", "Cookie": pre, "X-CSRF-Token": t0})
	if w.Code != 200 {
		t.Fatalf("login: %d %q", w.Code, w.Body.String())
	}
	sid, t1 := cookies(w), w.Body.String()
	if !strings.Contains(sid, "sid=") {
		t.Fatalf("login set no session cookie: %q", sid)
	}

	for _, tt := range []struct {
		secrets  string
		wantUser string
		wantPOST int
	}{
		{testSecretA, "u1", 200},
		{testSecretB + "," + testSecretA, "u1", 200}, // rotated: the old key still verifies both
		{testSecretB, "", 403},                       // old key dropped: neither verifies
	} {
		h := build(tt.secrets)
		w := appRequest(h, "GET", "/whoami", "", "", map[string]string{"Cookie": sid})
		if got := w.Body.String(); w.Code != 200 || got != tt.wantUser {
			t.Errorf("ring %d keys: session user %d %q, want %q", strings.Count(tt.secrets, ",")+1, w.Code, got, tt.wantUser)
		}
		w = appRequest(h, "POST", "/whoami", "application/json", "{}", map[string]string{"Sec-Fetch-Site": "same-origin", "Cookie": sid, "X-CSRF-Token": t1})
		if w.Code != tt.wantPOST {
			t.Errorf("ring %d keys: POST with the session's token: %d %q, want %d", strings.Count(tt.secrets, ",")+1, w.Code, w.Body.String(), tt.wantPOST)
		}
	}
}

// TestLoginRouteSpellings: the login limiter counts the route however a
// lenient router may spell it (case, doubled or dot segments), and no
// other route.
func TestLoginRouteSpellings(t *testing.T) {
	s, err := New(quiet(Config{Development: true, Login: LoginConfig{Routes: []string{"POST /api/Login"}}}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		method, path string
		want         bool
	}{
		{"POST", "/api/login", true},
		{"POST", "/API/LOGIN", true},
		{"POST", "//api//login", true},
		{"POST", "/api/./x/../login", true},
		{"POST", "/api/login/", true},
		{"GET", "/api/login", false},
		{"POST", "/api/logins", false},
		{"POST", "/api", false},
	} {
		r := httptest.NewRequest(tt.method, "http://localhost/", nil)
		r.URL.Path = tt.path
		if got := s.app.isLogin(r); got != tt.want {
			t.Errorf("%s %s: limited %v, want %v", tt.method, tt.path, got, tt.want)
		}
	}
}

// BenchmarkStackAppLayer is a GET without cookies through the production
// stack with the whole app layer (body limit, parameters, sessions in
// memory, CSRF, a login route, an exempt subtree): what a page view of a
// visitor costs. The handler reads no session, so none is created.
func BenchmarkStackAppLayer(b *testing.B) {
	stack, err := New(Config{
		PublicURL:   "https://example.com",
		SecurityLog: discardLog,
		Keys:        ring(b, testSecretA),
		Session:     session.Config{Store: session.NewMemoryStore(0)},
		Login:       LoginConfig{Routes: []string{"POST /login"}},
		AppExempt:   []string{"GET /static/"},
	})
	if err != nil {
		b.Fatal(err)
	}
	benchStack(b, stack, httptest.NewRequest("GET", "https://example.com/", nil))
}
