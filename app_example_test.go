package harden_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// quietLog is a security log that drops its events, to keep the examples'
// output to what they print.
func quietLog() *seclog.Logger {
	l, err := seclog.New(seclog.Config{Writer: io.Discard})
	if err != nil {
		panic(err)
	}
	return l
}

// The app layer: sessions in a caller-chosen store, CSRF, body limits,
// parameter guards and a login limiter, signed by one key ring. In
// development without Keys the ring is ephemeral; in production it is
// required.
func ExampleNew_appLayer() {
	stack, err := harden.New(harden.Config{
		Development: true,
		Session:     session.Config{Store: session.NewMemoryStore(0)},
		Login:       harden.LoginConfig{Routes: []string{"POST /login"}},
		SecurityLog: quietLog(),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("ephemeral keys:", stack.Keys().Ephemeral())

	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, csrf.TemplateField(r)) // the token of the form
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "wrong password", http.StatusUnauthorized)
	})
	h := stack.Handler(mux)

	// A forged cross-site POST never reaches the handler.
	r := httptest.NewRequest("POST", "http://localhost/login", strings.NewReader("password=guess"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println("cross-site POST:", w.Code)

	// The form's page gets a token bound to a pre-session cookie.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "http://localhost/form", nil))
	fmt.Println("form has a token:", strings.Contains(w.Body.String(), `name="_csrf"`))
	// Output:
	// ephemeral keys: true
	// cross-site POST: 403
	// form has a token: true
}

// Production never falls back to an ephemeral key ring: sessions without
// Keys are a configuration error naming the field.
func ExampleNew_productionNeedsKeys() {
	_, err := harden.New(harden.Config{
		PublicURL: "https://example.com",
		Session:   session.Config{Store: session.NewMemoryStore(0)},
	})
	fmt.Println(errors.Is(err, harden.ErrConfig))
	fmt.Println(strings.SplitN(err.Error(), " (", 2)[0])
	// Output:
	// true
	// harden: invalid configuration: keys: production needs a key ring to sign sessions and CSRF tokens
}
