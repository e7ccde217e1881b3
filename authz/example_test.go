package authz_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harden-go/harden/authz"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/session"
)

func Example() {
	ring, _ := keys.Parse("q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=")
	m, _ := session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0)})
	guard, _ := authz.New(authz.Config{})
	mux := http.NewServeMux()
	mux.Handle("GET /api/admin/messages", guard.RequireRole("admin")(http.HandlerFunc(
		func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "[]") })))
	h := m.Handler(mux)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/admin/messages", nil))
	fmt.Print(w.Code, " ", w.Body)
	// Output:
	// 401 {"error":"Authentication required"}
}
