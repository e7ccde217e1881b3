package storetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/session"
)

// Secrets of the test key ring (random, for tests only).
const testSecrets = "pTq0bN8y1vX4eK7sW2zJ5hR9cM3gL6dF0aU8iO1nQ4E" // #nosec G101 -- a test-only key ring, never used outside tests

// App is a small application over a session.Manager, driven through
// httptest: it is what the suite's scenarios (and stores' own tests) use.
//
// Routes: GET /get?k= (the value), POST /set?k=&v=, POST /login?user=,
// POST /logout, GET /me (the user id, or 401), GET /noop (touches no
// session).
type App struct {
	Manager *session.Manager
	Handler http.Handler
	Logs    *SyncBuffer // the Manager's log output (JSON lines)
	clock   atomic.Int64
	// hold, when set, makes the next /set handler report that it started
	// (with the session loaded) and wait for release.
	hold atomic.Pointer[hold]
}

type hold struct {
	started, release chan struct{}
}

// SyncBuffer is a bytes.Buffer safe for concurrent use.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// NewApp returns an App whose Manager uses store; edit, when not nil, may
// change the Manager's configuration first. The Manager's clock starts at
// the real time and moves only with [App.Advance].
func NewApp(t testing.TB, store session.Store, edit func(*session.Config)) *App {
	t.Helper()
	ring, err := keys.Parse(testSecrets)
	if err != nil {
		t.Fatal(err)
	}
	a := &App{Logs: &SyncBuffer{}}
	a.clock.Store(time.Now().UnixNano())
	cfg := session.Config{
		Keys:   ring,
		Store:  store,
		Logger: slog.New(slog.NewJSONHandler(a.Logs, nil)),
		Now:    func() time.Time { return time.Unix(0, a.clock.Load()) },
	}
	if edit != nil {
		edit(&cfg)
	}
	if a.Manager, err = session.New(cfg); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /get", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(session.From(r).Get(r.URL.Query().Get("k")))) // #nosec G705 -- test-only application (NewApp takes a testing.TB) answering httptest requests
	})
	mux.HandleFunc("POST /set", func(w http.ResponseWriter, r *http.Request) {
		if h := a.hold.Swap(nil); h != nil {
			close(h.started)
			<-h.release
		}
		session.From(r).Set(r.URL.Query().Get("k"), r.URL.Query().Get("v"))
		_, _ = w.Write([]byte("set"))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := session.Login(r, r.URL.Query().Get("user")); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, _ = w.Write([]byte(`{"success":true}`))
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := session.Logout(r); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, _ = w.Write([]byte(`{"success":true}`))
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		if u := session.From(r).UserID(); u != "" {
			_, _ = w.Write([]byte(u)) // #nosec G705 -- test-only application (NewApp takes a testing.TB) answering httptest requests
			return
		}
		http.Error(w, `{"error":"Authentication required"}`, http.StatusUnauthorized)
	})
	mux.HandleFunc("GET /noop", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	a.Handler = a.Manager.Handler(mux)
	return a
}

// Advance moves the Manager's clock forward.
func (a *App) Advance(d time.Duration) { a.clock.Add(int64(d)) }

// Browser is one client of an App: it keeps the session cookie.
type Browser struct {
	App    *App
	Cookie string // the session cookie's value, "" for none
}

// Response is what a Browser request got.
type Response struct {
	Status    int
	Body      string
	SetCookie []string
	Header    http.Header
}

// Do sends a request with the browser's cookie and keeps the cookie the
// response sets.
func (b *Browser) Do(t testing.TB, method, target string) Response {
	t.Helper()
	r := httptest.NewRequest(method, "https://app.test"+target, nil)
	if b.Cookie != "" {
		r.AddCookie(&http.Cookie{Name: b.App.Manager.CookieName(), Value: b.Cookie}) // #nosec G124 -- a request Cookie header: attributes are never sent
	}
	w := httptest.NewRecorder()
	b.App.Handler.ServeHTTP(w, r)
	res := Response{Status: w.Code, Body: w.Body.String(), SetCookie: w.Result().Header.Values("Set-Cookie"), Header: w.Header()}
	for _, line := range res.SetCookie {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("bad Set-Cookie %q: %v", line, err)
		}
		if c.Name != b.App.Manager.CookieName() {
			continue
		}
		if c.MaxAge < 0 {
			b.Cookie = ""
		} else {
			b.Cookie = c.Value
		}
	}
	return res
}

func (b *Browser) expect(t testing.TB, method, target string, status int, body string) Response {
	t.Helper()
	res := b.Do(t, method, target)
	if res.Status != status || (body != "*" && strings.TrimSpace(res.Body) != body) {
		t.Fatalf("%s %s = %d %q, want %d %q", method, target, res.Status, res.Body, status, body)
	}
	return res
}

// sessionID extracts the raw session id from a session cookie value (the
// cookie package's signed format: version, 8-byte expiry, id, tag).
func sessionID(t testing.TB, cookieValue string) []byte {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(cookieValue)
	if err != nil || len(raw) != 1+8+32+32 {
		t.Fatalf("unexpected session cookie format %q", cookieValue)
	}
	return raw[9:41]
}

func testManager(t *testing.T, store session.Store) {
	counting := &countingStore{Store: store}
	s := managerSuite{app: NewApp(t, counting, nil), counting: counting, store: store}
	for _, tc := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"NoStoreAccessWithoutSession", s.noStoreAccessWithoutSession},
		{"SavedOnlyWhenModified", s.savedOnlyWhenModified},
		{"Fixation", s.fixation},
		{"Logout", s.logout},
		{"DestroyUser", s.destroyUser},
		{"InFlightRequestCannotResurrect", s.inFlightRequestCannotResurrect},
		{"IdleTimeout", s.idleTimeout},
		{"Lifetime", s.lifetime},
	} {
		t.Run(tc.name, tc.run)
	}
}

// managerSuite is the state the Manager checks share: one app on the
// store under test, seen through a counter of store operations.
type managerSuite struct {
	app      *App
	counting *countingStore
	store    session.Store
}

func (s managerSuite) noStoreAccessWithoutSession(t *testing.T) {
	app, counting := s.app, s.counting
	counting.reset()
	anon := &Browser{App: app}
	anon.expect(t, "GET", "/noop", 200, "ok")
	anon.expect(t, "GET", "/get?k=x", 200, "")
	anon.expect(t, "GET", "/me", 401, "*")
	forged := &Browser{App: app, Cookie: "AQAAAAAAAAAA" + strings.Repeat("A", 86)}
	res := forged.expect(t, "GET", "/me", 401, "*")
	if n := counting.total(); n != 0 {
		t.Fatalf("%d store operations for requests without a valid session cookie, want 0", n)
	}
	if len(res.SetCookie) != 1 || !strings.Contains(res.SetCookie[0], "Max-Age=0") {
		t.Fatalf("a forged cookie was not cleared: Set-Cookie %q", res.SetCookie)
	}
	if anon.Cookie != "" {
		t.Fatal("an anonymous session that stayed empty got a cookie")
	}
}

func (s managerSuite) savedOnlyWhenModified(t *testing.T) {
	app, counting := s.app, s.counting
	b := &Browser{App: app}
	b.expect(t, "POST", "/set?k=a&v=1", 200, "set")
	if b.Cookie == "" {
		t.Fatal("no cookie after the session got a value")
	}
	counting.reset()
	res := b.expect(t, "GET", "/get?k=a", 200, "1")
	b.expect(t, "POST", "/set?k=a&v=1", 200, "set") // same value: no change
	if w := counting.writes.Load(); w != 0 || len(res.SetCookie) != 0 {
		t.Fatalf("reading an unchanged session: %d writes, Set-Cookie %q; want none", w, res.SetCookie)
	}
	if r := counting.finds.Load(); r != 2 {
		t.Fatalf("%d store reads for 2 requests, want 2", r)
	}
	b.expect(t, "POST", "/set?k=a&v=2", 200, "set")
	if w := counting.writes.Load(); w != 1 {
		t.Fatalf("%d writes after a change, want 1", w)
	}
}

func (s managerSuite) fixation(t *testing.T) {
	app := s.app
	b := &Browser{App: app}
	b.expect(t, "POST", "/set?k=cart&v=3", 200, "set")
	before := b.Cookie
	b.expect(t, "POST", "/login?user=u-fix", 200, `{"success":true}`)
	after := b.Cookie
	if after == "" || after == before {
		t.Fatalf("cookie after login %q; want a new one (before: %q)", after, before)
	}
	b.expect(t, "GET", "/me", 200, "u-fix")
	b.expect(t, "GET", "/get?k=cart", 200, "3") // anonymous data kept

	old := &Browser{App: app, Cookie: before}
	old.expect(t, "GET", "/me", 401, "*")
	old.expect(t, "GET", "/get?k=cart", 200, "")

	// An attacker plants their own valid session in a victim's
	// browser; the victim logs in; the attacker's cookie stays anonymous.
	attacker := &Browser{App: app}
	attacker.expect(t, "POST", "/set?k=x&v=1", 200, "set")
	victim := &Browser{App: app, Cookie: attacker.Cookie}
	victim.expect(t, "POST", "/login?user=victim", 200, `{"success":true}`)
	attacker.expect(t, "GET", "/me", 401, "*")
	victim.expect(t, "GET", "/me", 200, "victim")

	// A different user logging in on the same browser inherits nothing.
	victim.expect(t, "POST", "/set?k=role&v=admin", 200, "set")
	victim.expect(t, "POST", "/login?user=other", 200, `{"success":true}`)
	victim.expect(t, "GET", "/get?k=role", 200, "")
}

func (s managerSuite) logout(t *testing.T) {
	app := s.app
	b := &Browser{App: app}
	b.expect(t, "POST", "/login?user=u-out", 200, `{"success":true}`)
	c := b.Cookie
	res := b.expect(t, "POST", "/logout", 200, `{"success":true}`)
	if b.Cookie != "" || len(res.SetCookie) == 0 {
		t.Fatalf("logout did not clear the cookie: Set-Cookie %q", res.SetCookie)
	}
	replay := &Browser{App: app, Cookie: c}
	replay.expect(t, "GET", "/me", 401, "*")
}

func (s managerSuite) destroyUser(t *testing.T) {
	app, store := s.app, s.store
	phone, laptop, other := &Browser{App: app}, &Browser{App: app}, &Browser{App: app}
	phone.expect(t, "POST", "/login?user=u-all", 200, `{"success":true}`)
	laptop.expect(t, "POST", "/login?user=u-all", 200, `{"success":true}`)
	other.expect(t, "POST", "/login?user=u-else", 200, `{"success":true}`)
	err := app.Manager.DestroyUser(context.Background(), "u-all")
	if _, ok := store.(session.UserIndex); !ok {
		if err == nil {
			t.Fatal("DestroyUser without a UserIndex store returned nil")
		}
		t.Skip("store does not implement session.UserIndex")
	}
	if err != nil {
		t.Fatal(err)
	}
	phone.expect(t, "GET", "/me", 401, "*")
	laptop.expect(t, "GET", "/me", 401, "*")
	other.expect(t, "GET", "/me", 200, "u-else")
}

func (s managerSuite) inFlightRequestCannotResurrect(t *testing.T) {
	app, store := s.app, s.store
	if _, ok := store.(session.Updater); !ok {
		t.Skip("store does not implement session.Updater")
	}
	b := &Browser{App: app}
	b.expect(t, "POST", "/login?user=u-race", 200, `{"success":true}`)
	stolen := b.Cookie
	h := &hold{started: make(chan struct{}), release: make(chan struct{})}
	app.hold.Store(h)
	done := make(chan Response)
	inflight := &Browser{App: app, Cookie: stolen}
	go func() { done <- inflight.Do(t, "POST", "/set?k=late&v=1") }()
	<-h.started // the in-flight request has loaded the session
	b.expect(t, "POST", "/logout", 200, `{"success":true}`)
	close(h.release)
	if res := <-done; res.Status != 200 || inflight.Cookie != "" {
		t.Fatalf("in-flight request after logout = %d, cookie %q; want 200 and the cookie cleared", res.Status, inflight.Cookie)
	}
	(&Browser{App: app, Cookie: stolen}).expect(t, "GET", "/me", 401, "*")
}

func (s managerSuite) idleTimeout(t *testing.T) {
	app := s.app
	b := &Browser{App: app}
	b.expect(t, "POST", "/login?user=u-idle", 200, `{"success":true}`)
	for range 5 { // activity keeps it alive past one idle period
		app.Advance(20 * time.Minute)
		b.expect(t, "GET", "/me", 200, "u-idle")
	}
	app.Advance(30 * time.Minute)
	b.expect(t, "GET", "/me", 401, "*")
}

func (s managerSuite) lifetime(t *testing.T) {
	app := s.app
	b := &Browser{App: app}
	b.expect(t, "POST", "/login?user=u-life", 200, `{"success":true}`)
	for range 35 { // 11h40m of steady activity
		app.Advance(20 * time.Minute)
		b.expect(t, "GET", "/me", 200, "u-life")
	}
	app.Advance(20 * time.Minute) // 12h
	b.expect(t, "GET", "/me", 401, "*")
}

// Shared checks that two handles on one backend, as two instances of a
// service would hold, accept each other's sessions.
func Shared(t *testing.T, a, b session.Store) {
	t.Helper()
	appA, appB := NewApp(t, a, nil), NewApp(t, b, nil)
	user := &Browser{App: appA}
	user.expect(t, "POST", "/login?user=u-shared", 200, `{"success":true}`)
	user.expect(t, "POST", "/set?k=from&v=A", 200, "set")
	user.App = appB
	user.expect(t, "GET", "/me", 200, "u-shared")
	user.expect(t, "GET", "/get?k=from", 200, "A")
	user.expect(t, "POST", "/set?k=from&v=B", 200, "set")
	user.App = appA
	user.expect(t, "GET", "/get?k=from", 200, "B")
	c := user.Cookie
	user.App = appB
	user.expect(t, "POST", "/logout", 200, `{"success":true}`)
	(&Browser{App: appA, Cookie: c}).expect(t, "GET", "/me", 401, "*")
}

// AtRest checks that the raw contents of the backend, as returned by dump
// (every key and value the store wrote, concatenated), hold neither a
// session id (raw, hex, base64 or base64url) nor, with encryption on, the
// session's data. It then stores a session with DangerouslyPlaintextData and
// checks that dump does see its data, which proves dump looks in the right
// place.
func AtRest(t *testing.T, store session.Store, dump func(t *testing.T) []byte) {
	t.Helper()
	const marker = "PLAINTEXT-MARKER-7f3a9c"
	app := NewApp(t, store, nil)
	b := &Browser{App: app}
	b.expect(t, "POST", "/set?k=note&v="+marker, 200, "set")
	b.expect(t, "POST", "/login?user=u-rest", 200, `{"success":true}`)
	b.expect(t, "POST", "/set?k=card&v="+marker+"-2", 200, "set")
	id := sessionID(t, b.Cookie)

	raw := dump(t)
	if len(raw) == 0 {
		t.Fatal("dump returned nothing")
	}
	forms := map[string][]byte{
		"raw":       id,
		"hex":       []byte(hex.EncodeToString(id)),
		"HEX":       []byte(strings.ToUpper(hex.EncodeToString(id))),
		"base64":    []byte(base64.StdEncoding.EncodeToString(id)),
		"base64url": []byte(base64.RawURLEncoding.EncodeToString(id)),
		"cookie":    []byte(b.Cookie),
	}
	for name, f := range forms {
		if bytes.Contains(raw, f) {
			t.Errorf("the store holds the session id (%s form)", name)
		}
	}
	if bytes.Contains(raw, []byte(marker)) {
		t.Error("the store holds the session data in plaintext")
	}

	plain := NewApp(t, store, func(c *session.Config) { c.DangerouslyPlaintextData = true })
	p := &Browser{App: plain}
	p.expect(t, "POST", "/set?k=note&v="+marker+"-plain", 200, "set")
	if !bytes.Contains(dump(t), []byte(marker+"-plain")) {
		t.Fatal("with DangerouslyPlaintextData the dump does not show the data: the dump does not see the stored values")
	}
}

// Outage checks the answer to a store whose backend stop has killed: a
// request with a session gets 503 {"error":"Service unavailable"} and the
// Manager logs one session_store_error record for the outage; a login gets the same 503
// instead of its success, with no cookie; a request without a session
// cookie is not affected.
func Outage(t *testing.T, store session.Store, stop func()) {
	t.Helper()
	app := NewApp(t, store, func(c *session.Config) { c.StoreTimeout = 2 * time.Second })
	user := &Browser{App: app}
	user.expect(t, "POST", "/login?user=u-outage", 200, `{"success":true}`)
	cookie := user.Cookie

	stop()

	checkUnavailable := func(name string, res Response) {
		t.Helper()
		var body struct{ Error string }
		if res.Status != http.StatusServiceUnavailable || json.Unmarshal([]byte(res.Body), &body) != nil || body.Error != "Service unavailable" {
			t.Fatalf("%s during the outage = %d %q, want 503 {\"error\":\"Service unavailable\"}", name, res.Status, res.Body)
		}
		if len(res.SetCookie) != 0 {
			t.Fatalf("%s during the outage set cookies %q", name, res.SetCookie)
		}
	}
	checkUnavailable("GET /me with a session", user.Do(t, "GET", "/me"))
	if user.Cookie != cookie {
		t.Fatal("the session cookie changed during the outage")
	}
	anon := &Browser{App: app}
	checkUnavailable("POST /login", anon.Do(t, "POST", "/login?user=u-new"))
	checkUnavailable("POST /set on a new session", anon.Do(t, "POST", "/set?k=a&v=b"))
	anon.expect(t, "GET", "/noop", 200, "ok")

	// One outage, one error record: the other failures are counted, not
	// logged one by one (internal/storeguard's rule).
	logs := app.Logs.String()
	if n := strings.Count(logs, `"msg":"session: store failed"`); n != 1 || !strings.Contains(logs, `"event":"session_store_error"`) ||
		!strings.Contains(logs, `"suppressed":0,"error":"find: `) {
		t.Fatalf("%d session store failure records, want 1 (the first find, event session_store_error):\n%s", n, logs)
	}
}

// countingStore counts the operations that reach the store.
type countingStore struct {
	session.Store
	finds, writes atomic.Int64
}

func (c *countingStore) reset()       { c.finds.Store(0); c.writes.Store(0) }
func (c *countingStore) total() int64 { return c.finds.Load() + c.writes.Load() }

func (c *countingStore) Find(ctx context.Context, key string) ([]byte, bool, error) {
	c.finds.Add(1)
	return c.Store.Find(ctx, key)
}

func (c *countingStore) Commit(ctx context.Context, key string, r session.Record) error {
	c.writes.Add(1)
	return c.Store.Commit(ctx, key, r)
}

func (c *countingStore) Delete(ctx context.Context, key string) error {
	c.writes.Add(1)
	return c.Store.Delete(ctx, key)
}

func (c *countingStore) Update(ctx context.Context, key string, r session.Record) (bool, error) {
	c.writes.Add(1)
	if u, ok := c.Store.(session.Updater); ok {
		return u.Update(ctx, key, r)
	}
	return true, c.Store.Commit(ctx, key, r)
}

func (c *countingStore) DeleteUser(ctx context.Context, userID string) error {
	c.writes.Add(1)
	if u, ok := c.Store.(session.UserIndex); ok {
		return u.DeleteUser(ctx, userID)
	}
	return errors.ErrUnsupported
}

// BenchmarkLoad measures one request that loads a session from store (a
// signed-in user with a few values) and reads it without changing it:
// cookie verification, store read, decryption, decoding, middleware.
func BenchmarkLoad(b *testing.B, store session.Store) {
	app := NewApp(b, store, nil)
	user := &Browser{App: app}
	user.Do(b, "POST", "/login?user=12345")
	for _, kv := range []string{"k=theme&v=dark", "k=lang&v=en-GB", "k=cart&v=3"} {
		user.Do(b, "POST", "/set?"+kv)
	}
	h := app.Manager.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if session.From(r).UserID() != "12345" {
			b.Error("session not loaded")
		}
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: app.Manager.CookieName(), Value: user.Cookie}) // #nosec G124 -- a request Cookie header: attributes are never sent
	w := httptest.NewRecorder()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// Frozen checks a store whose server hangs (pause freezes it, as SIGSTOP
// does; resume continues it): every request that needs the store answers
// 503 {"error":"Service unavailable"} within StoreTimeout + 100 ms, sets
// no cookie, and the Manager logs one error record for the outage and,
// once the server answers again, one recovery record counting the errors
// in between.
func Frozen(t *testing.T, store session.Store, pause, resume func()) {
	t.Helper()
	const timeout = 300 * time.Millisecond
	app := NewApp(t, store, func(c *session.Config) { c.StoreTimeout = timeout })
	user := &Browser{App: app}
	user.expect(t, "POST", "/login?user=u-frozen", 200, `{"success":true}`)
	cookie := user.Cookie

	pause()
	lag := testserver.MeasureLag()
	requests := []struct{ method, target string }{
		{"GET", "/me"}, {"POST", "/set?k=a&v=b"}, {"POST", "/login?user=u-other"}, {"GET", "/get?k=a"},
	}
	type answer struct {
		request string
		d       time.Duration
	}
	var took []answer
	refused := 0
	for range 3 {
		for _, rq := range requests {
			start := time.Now()
			res := (&Browser{App: app, Cookie: cookie}).Do(t, rq.method, rq.target)
			d := time.Since(start)
			var body struct{ Error string }
			if res.Status != http.StatusServiceUnavailable || json.Unmarshal([]byte(res.Body), &body) != nil || body.Error != "Service unavailable" || len(res.SetCookie) != 0 {
				t.Errorf("%s %s with the server frozen = %d %q (cookies %q), want 503 {\"error\":\"Service unavailable\"} without cookies",
					rq.method, rq.target, res.Status, res.Body, res.SetCookie)
			}
			took = append(took, answer{rq.method + " " + rq.target, d})
			refused++
		}
	}
	starved := lag.Stop()
	// A machine so loaded that the scheduler wakes goroutines late cannot
	// keep any deadline: the worst lateness seen over the whole outage is
	// allowed on top (a late wake-up is only recorded once the measuring
	// goroutine runs, which may be after the request it delayed). A client
	// that waits for its own dial or read timeouts (seconds) still fails.
	for _, a := range took {
		if a.d > timeout+100*time.Millisecond+starved {
			t.Errorf("%s with the server frozen answered after %v, want within %v + 100ms (+ %v scheduler lateness)",
				a.request, a.d, timeout, starved)
		}
	}
	resume()
	// The server answers again: the session is still there.
	var res Response
	for deadline := time.Now().Add(10 * time.Second); ; {
		res = (&Browser{App: app, Cookie: cookie}).Do(t, "GET", "/me")
		if res.Status == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "u-frozen") {
		t.Fatalf("GET /me after the server resumed = %d %q, want 200 for u-frozen", res.Status, res.Body)
	}
	logs := app.Logs.String()
	failed, recovered := strings.Count(logs, `"msg":"session: store failed"`), strings.Count(logs, `"msg":"session: store recovered"`)
	if failed != 1 || recovered != 1 || !strings.Contains(logs, `"suppressed":0,"error":"find: `) {
		t.Errorf("%d failure and %d recovery records for one outage of %d refused requests, want 1 and 1:\n%s", failed, recovered, refused, logs)
	}
	t.Logf("%d requests refused within %v + 100ms each (scheduler lateness %v); log:\n%s", refused, timeout, starved.Round(time.Millisecond), logs)
}
