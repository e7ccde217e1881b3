package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/session"
)

func Example() {
	ring, _ := keys.Parse("q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=")
	m, _ := session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0)})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// ... check the password first ...
		if err := session.Login(r, "42"); err != nil {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, `{"success":true}`)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "user", session.From(r).UserID())
	})
	h := m.Handler(mux)

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/login", nil))
	c := w.Result().Cookies()[0]
	fmt.Println(c.Name, c.HttpOnly, c.Secure, c.SameSite == http.SameSiteLaxMode)

	r := httptest.NewRequest("GET", "/me", nil)
	r.AddCookie(c)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Print(w.Body)
	// Output:
	// __Host-sid true true true
	// user 42
}
