package ratelimit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/harden-go/harden/ratelimit"
)

// A general limiter on the API and a login limiter that counts only failed
// attempts, as harden serve wires them.
func Example() {
	api, err := ratelimit.New(ratelimit.Config{
		Rate:       ratelimit.Spec{Limit: 100, Window: 15 * time.Minute},
		Identifier: "api",
	})
	if err != nil {
		panic(err)
	}
	auth, err := ratelimit.New(ratelimit.Config{
		Rate:                   ratelimit.Spec{Limit: 5, Window: 15 * time.Minute},
		Identifier:             "auth",
		SkipSuccessfulRequests: true, // 5 failed attempts per 15 minutes
	})
	if err != nil {
		panic(err)
	}
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // wrong password
	})
	mux := http.NewServeMux()
	mux.Handle("POST /api/login", auth.Handler(login))
	handler := api.Handler(mux)

	for i := range 6 {
		r := httptest.NewRequest("POST", "/api/login", nil)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		auth := w.Header().Values("RateLimit")[1] // [0] is the api limiter's
		fmt.Printf("%d %d %s Retry-After=%q\n", i+1, w.Code, strings.Split(auth, ";pk=")[0], w.Header().Get("Retry-After"))
	}
	// Output:
	// 1 401 "auth";r=4;t=900 Retry-After=""
	// 2 401 "auth";r=3;t=900 Retry-After=""
	// 3 401 "auth";r=2;t=900 Retry-After=""
	// 4 401 "auth";r=1;t=900 Retry-After=""
	// 5 401 "auth";r=0;t=900 Retry-After=""
	// 6 429 "auth";r=0;t=900 Retry-After="900"
}

// Limits read from flags or the environment in their text form.
func ExampleSpec_Set() {
	var spec ratelimit.Spec
	if err := spec.Set("5/15m"); err != nil { // for example os.Getenv("HARDEN_AUTH_LIMIT")
		panic(err)
	}
	fmt.Println(spec.Limit, spec.Window, spec) // then Config{Rate: spec}
	// Output: 5 15m0s 5/15m
}

// A login handler whose framework writes the error response itself, after
// the handler returned (as echo does with a returned error): it reports the
// failed attempt with Failed, so the login limiter counts it although the
// status it sees is 200.
func ExampleFailed() {
	auth, err := ratelimit.New(ratelimit.Config{
		Rate:                   ratelimit.Spec{Limit: 2, Window: 15 * time.Minute},
		Identifier:             "auth",
		SkipSuccessfulRequests: true, // only failed attempts count
	})
	if err != nil {
		panic(err)
	}
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("password") != "correct horse" {
			ratelimit.Failed(r) // the framework answers 401 later
			return
		}
		ratelimit.Succeeded(r)
	})
	handler := auth.Handler(login)

	for i, password := range []string{"guess", "correct horse", "guess", "guess"} {
		r := httptest.NewRequest("POST", "/login?password="+strings.ReplaceAll(password, " ", "+"), nil)
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		fmt.Printf("%d %s: %d\n", i+1, password, w.Code)
	}
	// Output:
	// 1 guess: 200
	// 2 correct horse: 200
	// 3 guess: 200
	// 4 guess: 429
}
