// Command appstack serves a sign-in form behind harden's whole stack:
// security headers, body limit, parameter pollution and operator-key
// guards, sessions, CSRF and a login limiter, signed by one key ring.
package main

import (
	"crypto/subtle"
	"flag"
	"html/template"
	"log"
	"net/http"
	"time"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/session"
)

func main() {
	addr := flag.String("addr", "localhost:3000", "listen address")
	flag.Parse()
	stack, err := harden.New(harden.Config{
		// Production also needs PublicURL and Keys (keys.Parse of your secrets).
		Development: true,
		// Or session/sqlitestore, session/redisstore, session/pgstore.
		Session: session.Config{Store: session.NewMemoryStore(0)},
		// Five failures per client in 15 minutes, then 429.
		Login: harden.LoginConfig{Routes: []string{"POST /login"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = signIn.Execute(w, csrf.TemplateField(r)) // the hidden token field
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.PostFormValue("password")), []byte("demo")) != 1 {
			http.Error(w, "wrong password", http.StatusUnauthorized) // counted by the login limiter
			return
		}
		if err := session.Login(r, "demo"); err != nil { // a new session id: no fixation
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		http.Redirect(w, r, "/me", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		id := session.From(r).UserID()
		if id == "" {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = signedIn.Execute(w, id) // escaped: a user id is data
	})
	log.Printf("listening on http://%s", *addr)
	srv := &http.Server{Addr: *addr, Handler: stack.Handler(mux), ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

var (
	signIn   = template.Must(template.New("signin").Parse(`<form method="post" action="/login">{{.}}<input name="password" type="password"><button>Sign in</button></form>`))
	signedIn = template.Must(template.New("me").Parse("<p>signed in as {{.}}</p>\n"))
)
