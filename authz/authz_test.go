package authz_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/authz"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/session"
)

const secret = "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS="

// app: POST /login?user=&roles= signs in; POST /logout; GET /me needs a
// session; GET /admin needs role admin; GET /staff needs admin or editor.
func app(t *testing.T, g *authz.Guard) http.Handler {
	t.Helper()
	ring, _ := keys.Parse(secret)
	m, err := session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := session.Login(r, r.URL.Query().Get("user")); err != nil {
			t.Error(err)
		}
		if roles := r.URL.Query().Get("roles"); roles != "" {
			authz.SetRoles(session.From(r), strings.Split(roles, ",")...)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) { _ = session.Logout(r) })
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.Handle("GET /me", g.RequireAuth(ok))
	mux.Handle("GET /admin", g.RequireRole("admin")(ok))
	mux.Handle("GET /staff", g.RequireRole("admin", "editor")(ok))
	return m.Handler(mux)
}

func do(h http.Handler, method, path, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func login(t *testing.T, h http.Handler, query string) string {
	t.Helper()
	w := do(h, "POST", "/login?"+query, "")
	c := w.Result().Cookies()
	if len(c) != 1 {
		t.Fatalf("login set %d cookies", len(c))
	}
	return c[0].Name + "=" + c[0].Value
}

const (
	body401 = `{"error":"Authentication required"}`
	body403 = `{"error":"Forbidden"}`
)

func TestGuards(t *testing.T) {
	g, _ := authz.New(authz.Config{})
	h := app(t, g)
	admin := login(t, h, "user=1&roles=admin")
	editor := login(t, h, "user=2&roles=editor")
	plain := login(t, h, "user=3")
	loggedOut := login(t, h, "user=4&roles=admin")
	do(h, "POST", "/logout", loggedOut)
	name, value, _ := strings.Cut(admin, "=")
	tampered := name + "=" + value[:30] + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, value[30:31]) + value[31:]

	tests := []struct {
		name, path, cookie string
		status             int
		body               string
	}{
		{"anonymous me", "/me", "", 401, body401},
		{"anonymous admin", "/admin", "", 401, body401},
		{"tampered me", "/me", tampered, 401, body401},
		{"tampered admin", "/admin", tampered, 401, body401},
		{"garbage cookie", "/admin", name + "=%00garbage", 401, body401},
		{"logged out replay", "/admin", loggedOut, 401, body401},
		{"plain me", "/me", plain, 200, "ok"},
		{"plain admin", "/admin", plain, 403, body403},
		{"plain staff", "/staff", plain, 403, body403},
		{"editor admin", "/admin", editor, 403, body403},
		{"editor staff", "/staff", editor, 200, "ok"},
		{"admin admin", "/admin", admin, 200, "ok"},
		{"admin staff", "/staff", admin, 200, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(h, "GET", tt.path, tt.cookie)
			if got := strings.TrimSpace(w.Body.String()); w.Code != tt.status || got != tt.body {
				t.Fatalf("GET %s = %d %s, want %d %s", tt.path, w.Code, got, tt.status, tt.body)
			}
			if tt.status >= 400 && w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
				t.Fatalf("refusal Content-Type %q", w.Header().Get("Content-Type"))
			}
		})
	}
}

func TestRolesFromDatabase(t *testing.T) {
	var logs bytes.Buffer
	g, _ := authz.New(authz.Config{
		Roles: func(r *http.Request, userID string) ([]string, error) {
			switch userID {
			case "1":
				return []string{"admin"}, nil
			case "down":
				return nil, errors.New("db: connection refused")
			}
			return nil, nil
		},
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	h := app(t, g)
	// The session claims admin, but the database decides.
	claims := login(t, h, "user=2&roles=admin")
	if w := do(h, "GET", "/admin", claims); w.Code != 403 {
		t.Fatalf("roles from the session were used: %d", w.Code)
	}
	if w := do(h, "GET", "/admin", login(t, h, "user=1")); w.Code != 200 {
		t.Fatalf("admin from the database refused: %d", w.Code)
	}
	w := do(h, "GET", "/admin", login(t, h, "user=down"))
	if got := strings.TrimSpace(w.Body.String()); w.Code != 503 || got != `{"error":"Service unavailable"}` {
		t.Fatalf("roles lookup failure = %d %s, want 503", w.Code, got)
	}
	if !strings.Contains(logs.String(), "connection refused") {
		t.Fatalf("roles failure not logged: %s", logs.String())
	}
}

func TestWithoutSessionMiddleware(t *testing.T) {
	g, err := authz.New(authz.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h := g.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("handler reached without a session layer")
	}))
	w := do(h, "GET", "/", "")
	if got := strings.TrimSpace(w.Body.String()); w.Code != 500 || got != `{"error":"Internal server error"}` {
		t.Fatalf("= %d %s, want 500", w.Code, got)
	}
}

func TestRequireRoleNeedsRoles(t *testing.T) {
	g, err := authz.New(authz.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, roles := range [][]string{nil, {""}, {"admin", ""}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RequireRole(%q) did not panic", roles)
				}
			}()
			g.RequireRole(roles...)
		}()
	}
}
