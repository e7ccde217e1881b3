package password_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/harden-go/harden/password"
)

// A login: verify, upgrade old hashes, and spend the same time for
// unknown users.
func Example() {
	h, _ := password.New(password.Config{})
	ctx := context.Background()  // a login handler passes r.Context()
	users := map[string]string{} // email → stored hash
	users["ada@example.com"], _ = h.Hash(ctx, "correct horse battery staple")

	login := func(email, pw string) bool {
		stored, known := users[email]
		if !known {
			_ = h.DummyVerify(ctx, pw)
			return false
		}
		ok, err := h.Verify(ctx, pw, stored)
		if err != nil || !ok {
			return false
		}
		if h.NeedsRehash(stored) {
			users[email], _ = h.Hash(ctx, pw)
		}
		return true
	}
	fmt.Println(login("ada@example.com", "correct horse battery staple"))
	fmt.Println(login("ada@example.com", "wrong"))
	fmt.Println(login("bob@example.com", "anything"))
	// Output:
	// true
	// false
	// false
}

// A login handler under the hashing budget: the request's context lets a
// client that gave up leave the queue, and a full queue is a 503 with
// Retry-After, not a wrong password.
func ExampleHasher_Verify() {
	h, _ := password.New(password.Config{
		Argon2:   password.Argon2Params{Memory: 7168, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		MaxQueue: 32,
	})
	stored, _ := h.Hash(context.Background(), "correct horse battery staple")

	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, err := h.Verify(r.Context(), r.FormValue("password"), stored)
		switch {
		case errors.Is(err, password.ErrBusy), r.Context().Err() != nil:
			w.Header().Set("Retry-After", "5")
			http.Error(w, "busy", http.StatusServiceUnavailable)
		case err != nil || !ok:
			http.Error(w, "invalid credentials", http.StatusUnauthorized)
		default:
			fmt.Fprintln(w, "welcome")
		}
	})

	for _, pw := range []string{"correct horse battery staple", "wrong"} {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"password": {pw}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		login.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	// Output:
	// 200
	// 401
}
