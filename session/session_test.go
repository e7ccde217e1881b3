package session_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
)

const (
	secretA = "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS="
	secretB = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	secretC = "Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV4Y29yZ2VncmF1bHQ"
)

func ring(t testing.TB, s string) *keys.Ring {
	t.Helper()
	r, err := keys.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNewRefusesBadConfig lists every Config New refuses, with the exact
// message.
func TestNewRefusesBadConfig(t *testing.T) {
	store := session.NewMemoryStore(0)
	k := ring(t, secretA)
	tests := []struct {
		name  string
		cfg   session.Config
		field string
		want  string
	}{
		{"no keys", session.Config{Store: store}, "Keys", `session: Keys: required (keys.Parse(HARDEN_SECRETS); keys.Ephemeral() in development)`},
		{"no store", session.Config{Keys: k}, "Store", `session: Store: required (NewMemoryStore in development, sqlitestore, redisstore or pgstore)`},
		{"samesite none", session.Config{Keys: k, Store: store, SameSite: "None"}, "same_site",
			`session: same_site "None": None would send the session cookie with cross-site requests; use "Lax" or "Strict"`},
		{"samesite typo", session.Config{Keys: k, Store: store, SameSite: "strict"}, "same_site", `session: same_site "strict": must be "Lax", "Strict" or "None"`},
		{"bad name", session.Config{Keys: k, Store: store, CookieName: "s id"}, "cookie_name",
			`session: cookie_name "s id": empty or not a valid cookie name (an RFC 6265 token)`},
		{"negative idle", session.Config{Keys: k, Store: store, IdleTimeout: -1}, "idle_timeout", `session: idle_timeout "-1ns": must not be negative; 0 means the default`},
		{"negative store timeout", session.Config{Keys: k, Store: store, StoreTimeout: -time.Second}, "store_timeout", `session: store_timeout "-1s": must not be negative; 0 means the default`},
		{"tiny lifetime", session.Config{Keys: k, Store: store, IdleTimeout: time.Millisecond / 2, Lifetime: time.Millisecond}, "idle_timeout", "session: idle_timeout \"500µs\": must be at least one second\nsession: lifetime \"1ms\": must be at least one second"},
		{"tiny lifetime alone", session.Config{Keys: k, Store: store, IdleTimeout: time.Millisecond, Lifetime: time.Hour}, "idle_timeout", `session: idle_timeout "1ms": must be at least one second`},
		{"idle = lifetime", session.Config{Keys: k, Store: store, IdleTimeout: time.Hour, Lifetime: time.Hour}, "idle_timeout",
			`session: idle_timeout "1h0m0s": must be shorter than lifetime (1h0m0s), or it never ends a session; lower idle_timeout or raise lifetime`},
		{"idle > default lifetime", session.Config{Keys: k, Store: store, IdleTimeout: 24 * time.Hour}, "idle_timeout",
			`session: idle_timeout "24h0m0s": must be shorter than lifetime (12h0m0s), or it never ends a session; lower idle_timeout or raise lifetime`},
		{"lifetime < default idle", session.Config{Keys: k, Store: store, Lifetime: 10 * time.Minute}, "idle_timeout",
			`session: idle_timeout "30m0s": must be shorter than lifetime (10m0s), or it never ends a session; lower idle_timeout or raise lifetime`},
		{"touch ≥ idle", session.Config{Keys: k, Store: store, IdleTimeout: time.Minute, TouchInterval: time.Minute}, "touch_interval",
			`session: touch_interval "1m0s": must be shorter than idle_timeout (1m0s)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := session.New(tt.cfg)
			var ce *configerr.Error
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, session.ErrInvalidConfig) {
				t.Fatalf("New err = %v, want *configerr.Error for %s", err, tt.field)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("message\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func newManager(t testing.TB, edit func(*session.Config)) (*session.Manager, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	cfg := session.Config{Keys: ring(t, secretA), Store: session.NewMemoryStore(0), Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	if edit != nil {
		edit(&cfg)
	}
	m, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, &logs
}

// setCookie runs a request that stores a value and returns its Set-Cookie.
func setCookie(t *testing.T, m *session.Manager, r *http.Request) string {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Set("a", "b")
	})).ServeHTTP(w, r)
	return w.Header().Get("Set-Cookie")
}

func TestCookieAttributes(t *testing.T) {
	plain := func() *http.Request { return httptest.NewRequest("GET", "http://localhost/", nil) }
	https := func() *http.Request {
		r := httptest.NewRequest("GET", "https://localhost/", nil)
		r.TLS = &tls.ConnectionState{}
		return r
	}
	tests := []struct {
		name string
		edit func(*session.Config)
		r    *http.Request
		want string // Set-Cookie without the value
	}{
		{"production", nil, plain(), "__Host-sid=; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"strict", func(c *session.Config) { c.SameSite = "Strict" }, https(), "__Host-sid=; Path=/; HttpOnly; Secure; SameSite=Strict"},
		{"custom name", func(c *session.Config) { c.CookieName = "__Host-app" }, plain(), "__Host-app=; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"development over http", func(c *session.Config) { c.Development = true }, plain(), "sid=; Path=/; HttpOnly; SameSite=Lax"},
		{"development over https", func(c *session.Config) { c.Development = true }, https(), "sid=; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"persist", func(c *session.Config) { c.Persist = true; c.Lifetime = 2 * time.Hour }, plain(), "__Host-sid=; Path=/; Max-Age=7200; HttpOnly; Secure; SameSite=Lax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newManager(t, tt.edit)
			got := setCookie(t, m, tt.r)
			name, rest, _ := strings.Cut(got, "=")
			_, attrs, _ := strings.Cut(rest, ";")
			if got := name + "=;" + attrs; got != tt.want {
				t.Fatalf("Set-Cookie = %q\n      want %q", got, tt.want)
			}
		})
	}
}

func TestDevelopmentModeWarns(t *testing.T) {
	_, logs := newManager(t, func(c *session.Config) { c.Development = true; c.Keys = keys.Ephemeral() })
	for _, want := range []string{"Development", "ephemeral"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no warning mentioning %s in %s", want, logs)
		}
	}
	_, logs = newManager(t, nil)
	if logs.Len() != 0 {
		t.Errorf("production configuration logged %s", logs)
	}
}

func TestSetCookieIsNotCached(t *testing.T) {
	m, _ := newManager(t, nil)
	w := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Set("a", "b")
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Header().Get("Vary") != "Cookie" || w.Header().Get("Cache-Control") != `no-cache="Set-Cookie"` {
		t.Fatalf("Vary %q, Cache-Control %q", w.Header().Get("Vary"), w.Header().Get("Cache-Control"))
	}
}

func TestRotation(t *testing.T) {
	store := session.NewMemoryStore(0)
	withRing := func(secrets string) *storetest.App {
		return storetest.NewApp(t, store, func(c *session.Config) { c.Keys = ring(t, secrets) })
	}
	old := withRing(secretA)
	b := &storetest.Browser{App: old}
	b.Do(t, "POST", "/login?user=u1")
	b.Do(t, "POST", "/set?k=x&v=1")
	oldCookie := b.Cookie

	// The new secret goes first; the old one stays: sessions survive, and
	// the data encrypted with the old key still opens.
	rotated := withRing(secretB + "," + secretA)
	b.App = rotated
	if res := b.Do(t, "GET", "/me"); res.Status != 200 || res.Body != "u1" {
		t.Fatalf("after rotation /me = %d %q, want 200 u1", res.Status, res.Body)
	}
	if res := b.Do(t, "GET", "/get?k=x"); res.Body != "1" {
		t.Fatalf("after rotation the data reads %q", res.Body)
	}
	// A save re-signs the cookie and re-encrypts the data with the new key.
	b.Do(t, "POST", "/set?k=x&v=2")
	if b.Cookie == oldCookie {
		t.Fatal("the cookie was not re-signed on save")
	}

	// The old secret is removed: the re-signed session lives on, the cookie
	// signed with the removed secret does not.
	removed := withRing(secretB + "," + secretC)
	b.App = removed
	if res := b.Do(t, "GET", "/me"); res.Status != 200 {
		t.Fatalf("re-signed session after removing the old secret: %d", res.Status)
	}
	stale := &storetest.Browser{App: removed, Cookie: oldCookie}
	if res := stale.Do(t, "GET", "/me"); res.Status != 401 {
		t.Fatalf("cookie signed with a removed secret: /me = %d, want 401", res.Status)
	}
}

func TestTamperedCookieIsNoSession(t *testing.T) {
	app := storetest.NewApp(t, session.NewMemoryStore(0), nil)
	b := &storetest.Browser{App: app}
	b.Do(t, "POST", "/login?user=u1")
	good := b.Cookie
	cases := map[string]string{
		"flipped char":   good[:20] + map[bool]string{true: "B", false: "A"}[good[20] == 'A'] + good[21:],
		"truncated":      good[:len(good)-2],
		"extended":       good + "AA",
		"empty":          "",
		"garbage":        "%%%%",
		"other id":       strings.Repeat("A", len(good)),
		"huge":           strings.Repeat("A", 5000),
		"quotes":         `"` + good + `"x`,
		"unsigned id":    good[:54],
		"another's name": "x",
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/me", nil)
			r.Header.Set("Cookie", app.Manager.CookieName()+"="+v)
			w := httptest.NewRecorder()
			app.Handler.ServeHTTP(w, r)
			if w.Code != 401 {
				t.Fatalf("GET /me with a %s cookie = %d %q, want 401", name, w.Code, w.Body)
			}
		})
	}
}

// failingStore fails every operation after fail is set.
type failingStore struct {
	*session.MemoryStore
	fail  atomic.Bool
	block chan struct{} // when set, operations wait on it (or ctx)
}

var errDown = errors.New("connection refused")

func (f *failingStore) check(ctx context.Context) error {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if f.fail.Load() {
		return errDown
	}
	return nil
}

func (f *failingStore) Find(ctx context.Context, key string) ([]byte, bool, error) {
	if err := f.check(ctx); err != nil {
		return nil, false, err
	}
	return f.MemoryStore.Find(ctx, key)
}

func (f *failingStore) Commit(ctx context.Context, key string, r session.Record) error {
	if err := f.check(ctx); err != nil {
		return err
	}
	return f.MemoryStore.Commit(ctx, key, r)
}

func (f *failingStore) Delete(ctx context.Context, key string) error {
	if err := f.check(ctx); err != nil {
		return err
	}
	return f.MemoryStore.Delete(ctx, key)
}

func TestOutage(t *testing.T) {
	f := &failingStore{MemoryStore: session.NewTestMemoryStore(0)}
	storetest.Outage(t, f, func() { f.fail.Store(true) })
}

func TestOutageReplacesResponse(t *testing.T) {
	f := &failingStore{MemoryStore: session.NewTestMemoryStore(0)}
	m, logs := newManager(t, func(c *session.Config) { c.Store = f })
	f.fail.Store(true)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := session.Login(r, "u1"); err != nil {
			t.Error(err)
		}
		http.SetCookie(w, &http.Cookie{Name: "app", Value: "x"})
		w.Header().Set("Location", "/home")
		w.WriteHeader(http.StatusSeeOther)
		if _, err := w.Write([]byte("secret page")); err == nil {
			t.Error("Write after a failed save returned no error")
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/login", nil))
	if w.Code != 503 || strings.TrimSpace(w.Body.String()) != `{"error":"Service unavailable"}` {
		t.Fatalf("= %d %q, want 503 {\"error\":\"Service unavailable\"}", w.Code, w.Body)
	}
	if h := w.Header(); h.Get("Set-Cookie") != "" || h.Get("Location") != "" {
		t.Fatalf("the 503 kept the handler's headers: %v", h)
	}
	if !strings.Contains(logs.String(), `"error":"save: connection refused"`) {
		t.Fatalf("log = %s", logs)
	}
}

func TestStoreTimeout(t *testing.T) {
	f := &failingStore{MemoryStore: session.NewTestMemoryStore(0)}
	app := storetest.NewApp(t, f, func(c *session.Config) { c.StoreTimeout = 50 * time.Millisecond })
	b := &storetest.Browser{App: app}
	b.Do(t, "POST", "/login?user=u1")
	f.block = make(chan struct{}) // a store that hangs
	defer close(f.block)
	if res := b.Do(t, "GET", "/me"); res.Status != 503 {
		t.Fatalf("hung store: /me = %d, want 503", res.Status)
	}
	if !strings.Contains(app.Logs.String(), "deadline exceeded") {
		t.Fatalf("log = %s", app.Logs)
	}
}

func TestEmptiedSessionIsDeleted(t *testing.T) {
	store := session.NewTestMemoryStore(0)
	app := storetest.NewApp(t, store, nil)
	b := &storetest.Browser{App: app}
	b.Do(t, "POST", "/set?k=flash&v=hi")
	if store.Len() != 1 {
		t.Fatalf("Len = %d", store.Len())
	}
	res := b.Do(t, "POST", "/set?k=flash&v=") // still a value: ""
	if store.Len() != 1 || b.Cookie == "" {
		t.Fatal("a session holding an empty string was dropped")
	}
	h := app.Manager.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if got := s.Get("flash"); got != "" {
			t.Errorf("Get = %q", got)
		}
		s.Delete("flash")
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: app.Manager.CookieName(), Value: b.Cookie})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if store.Len() != 0 || !strings.Contains(w.Header().Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("emptied session: Len = %d, Set-Cookie %q (earlier %q)", store.Len(), w.Header().Get("Set-Cookie"), res.SetCookie)
	}
}

func TestWriterKeepsFlushAndUnwrap(t *testing.T) {
	m, _ := newManager(t, nil)
	var unwrapped http.ResponseWriter
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Set("a", "b")
		if _, ok := w.(http.Flusher); !ok {
			t.Error("the wrapper is not an http.Flusher")
		}
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("ResponseController.Flush: %v", err)
		}
		unwrapped = w.(interface{ Unwrap() http.ResponseWriter }).Unwrap()
		if err := session.Regenerate(r); !errors.Is(err, session.ExportErrHeadersWritten) {
			t.Errorf("Regenerate after Flush = %v, want errHeadersWritten", err)
		}
		if _, err := io.Copy(w, strings.NewReader("body")); err != nil {
			t.Error(err)
		}
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if !w.Flushed || unwrapped != w {
		t.Fatalf("Flushed = %v, Unwrap = %T", w.Flushed, unwrapped)
	}
	if w.Header().Get("Set-Cookie") == "" || w.Body.String() != "body" {
		t.Fatalf("the session was not saved before the flush: Set-Cookie %q body %q", w.Header().Get("Set-Cookie"), w.Body)
	}
}

func TestChangesAfterHeaders(t *testing.T) {
	store := session.NewTestMemoryStore(0)
	app := storetest.NewApp(t, store, nil)
	b := &storetest.Browser{App: app}
	b.Do(t, "POST", "/login?user=u1")
	run := func(cookie string, f func(w http.ResponseWriter, r *http.Request)) {
		r := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: app.Manager.CookieName(), Value: cookie})
		}
		app.Manager.Handler(http.HandlerFunc(f)).ServeHTTP(httptest.NewRecorder(), r)
	}
	// An existing session changed after the response started is saved.
	run(b.Cookie, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		session.From(r).Set("late", "yes")
	})
	if res := b.Do(t, "GET", "/get?k=late"); res.Body != "yes" {
		t.Fatalf("late change lost: %q", res.Body)
	}
	// A new session cannot get its cookie any more: not saved, logged.
	n := store.Len()
	run("", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		session.From(r).Set("late", "yes")
		if err := session.Login(r, "u2"); !errors.Is(err, session.ExportErrHeadersWritten) {
			t.Errorf("Login after headers = %v", err)
		}
	})
	if store.Len() != n || !strings.Contains(app.Logs.String(), "not saved") {
		t.Fatalf("Len %d → %d; logs %s", n, store.Len(), app.Logs)
	}
	// Logout after headers still ends the session server-side.
	run(b.Cookie, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		if err := session.Logout(r); err != nil {
			t.Error(err)
		}
	})
	if res := b.Do(t, "GET", "/me"); res.Status != 401 {
		t.Fatalf("session destroyed after headers still works: %d", res.Status)
	}
}

func TestWithoutMiddleware(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if session.From(r) != nil {
		t.Fatal("From without middleware is not nil")
	}
	for name, f := range map[string]func(*http.Request) error{
		"Logout": session.Logout, "Regenerate": session.Regenerate,
		"Login": func(r *http.Request) error { return session.Login(r, "u") },
	} {
		if err := f(r); !errors.Is(err, session.ExportErrNoSession) {
			t.Errorf("%s = %v, want errNoSession", name, err)
		}
	}
}

// plainStore has no optional capability.
type plainStore struct{ m *session.MemoryStore }

func (p plainStore) Find(ctx context.Context, k string) ([]byte, bool, error) {
	return p.m.Find(ctx, k)
}
func (p plainStore) Commit(ctx context.Context, k string, r session.Record) error {
	return p.m.Commit(ctx, k, r)
}
func (p plainStore) Delete(ctx context.Context, k string) error { return p.m.Delete(ctx, k) }

func TestMinimalStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store { return plainStore{session.NewTestMemoryStore(0)} })
	m, _ := newManager(t, func(c *session.Config) { c.Store = plainStore{session.NewTestMemoryStore(0)} })
	if err := m.DestroyUser(context.Background(), "u"); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("DestroyUser on a store without UserIndex = %v, want ErrUnsupported", err)
	}
}

func TestKeyChangesOnLogin(t *testing.T) {
	m, _ := newManager(t, nil)
	var keys []string
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		keys = append(keys, s.Key())
		if r.URL.Path == "/login" {
			before := s.Key()
			_ = session.Login(r, "u1")
			if after := s.Key(); after == "" || after == before {
				t.Errorf("Key right after Login = %q (before %q), want a new key at once", after, before)
			}
		} else {
			s.Set("a", "b")
		}
	}))
	cookie := ""
	for _, p := range []string{"/set", "/x", "/login", "/y"} {
		r := httptest.NewRequest("GET", p, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if c := w.Result().Cookies(); len(c) > 0 {
			cookie = c[0].Name + "=" + c[0].Value
		}
	}
	if err := session.Login(httptest.NewRequest("GET", "/", nil), ""); !errors.Is(err, session.ExportErrNoSession) {
		t.Fatalf("Login without middleware = %v", err)
	}
	var loginErr error
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loginErr = session.Login(r, "")
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !errors.Is(loginErr, session.ExportErrEmptyUserID) {
		t.Fatalf("Login(\"\") = %v, want errEmptyUserID", loginErr)
	}
	if keys[0] != "" || keys[1] == "" || keys[2] != keys[1] || keys[3] == keys[2] || keys[3] == "" {
		t.Fatalf("keys over set, read, login, read = %q", keys)
	}
}

// BenchmarkLoad measures loading a session (cookie verification, store
// read, decryption, decoding) and passing through the middleware, for a
// request that does not change the session.
func BenchmarkLoad(b *testing.B) {
	storetest.BenchmarkLoad(b, session.NewMemoryStore(0))
}

// FuzzSessionCookie sends arbitrary session cookie values through the
// middleware: never a panic, never an error status, never a signed-in
// session. (That forged values cost no store read is checked by the
// conformance suite's NoStoreAccessWithoutSession.)
func FuzzSessionCookie(f *testing.F) {
	app := storetest.NewApp(f, session.NewMemoryStore(0), nil)
	b := &storetest.Browser{App: app}
	b.Do(f, "POST", "/set?k=a&v=b") // a valid anonymous session
	f.Add(b.Cookie)
	f.Add("")
	f.Add("AQAAAAAAAAAA")
	f.Add(b.Cookie[:len(b.Cookie)-1] + "A")
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/me", nil)
		r.Header.Set("Cookie", app.Manager.CookieName()+"="+v)
		w := httptest.NewRecorder()
		app.Handler.ServeHTTP(w, r)
		if w.Code != 401 {
			t.Fatalf("cookie %q: /me = %d, want 401", v, w.Code)
		}
	})
}

// BenchmarkNoCookie measures the middleware on a request without a session
// cookie (no store access).
func BenchmarkNoCookie(b *testing.B) {
	m, _ := newManager(b, nil)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("GET", "/", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}
