// Command quickstart serves one page behind harden's stack: security
// headers with a fresh CSP nonce per response, allowed hosts, CORS off,
// leak-free errors and a security log on stderr.
package main

import (
	"flag"
	"html/template"
	"log"
	"net/http"
	"time"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/headers"
)

func main() {
	addr := flag.String("addr", "localhost:3000", "listen address")
	flag.Parse()
	stack, err := harden.New(harden.Config{
		Development: true, // plain HTTP on localhost; production needs PublicURL (https://)
		Headers:     headers.Config{CSP: headers.CSP{Nonce: true}},
	})
	if err != nil {
		log.Fatal(err) // an insecure or contradictory configuration
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = page.Execute(w, headers.Nonce(r)) // html/template escapes what it inserts
	})
	log.Printf("listening on http://%s", *addr)
	srv := &http.Server{Addr: *addr, Handler: stack.Handler(mux), ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

var page = template.Must(template.New("page").Parse(`<!doctype html><title>hello</title><p id="out">script blocked</p>
<script nonce="{{.}}">document.getElementById("out").textContent = "script ran";</script>`))
