package proxy_test

import (
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/proxy"
	"github.com/harden-go/harden/seclog"
)

// Example puts the hardening proxy in front of an application that leaks
// its software name and hands out a session cookie without attributes.
func Example() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Powered-By", "Express")
		w.Header().Set("Set-Cookie", "sid=42")
		io.WriteString(w, "hello from the app")
	}))
	defer app.Close()

	securityLog, _ := seclog.New(seclog.Config{Writer: io.Discard})
	cfg := proxy.Config{Upstream: app.URL}
	cfg.Development = true // plain HTTP on localhost; production needs PublicURL
	cfg.SecurityLog = securityLog
	cfg.Logger = slog.New(slog.DiscardHandler)
	p, err := proxy.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	edge := httptest.NewServer(p)
	defer edge.Close()
	resp, err := http.Get(edge.URL + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	fmt.Printf("X-Powered-By: %q\n", resp.Header.Get("X-Powered-By"))
	fmt.Println("Set-Cookie:", resp.Header.Get("Set-Cookie"))
	fmt.Println("X-Frame-Options:", resp.Header.Get("X-Frame-Options"))

	// A NoSQL operator never reaches the application.
	resp, err = http.Post(edge.URL+"/login", "application/json", strings.NewReader(`{"user":"admin","password":{"$ne":""}}`))
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)
	// Output:
	// 200 hello from the app
	// X-Powered-By: ""
	// Set-Cookie: sid=42; HttpOnly; SameSite=Lax
	// X-Frame-Options: SAMEORIGIN
	// 400
}

// ExampleNew shows New refusing a dangerous configuration: credentials in
// the upstream URL, which would be sent with every request.
func ExampleNew() {
	cfg := proxy.Config{Upstream: "http://admin:hunter2@127.0.0.1:3000"}
	cfg.PublicURL = "https://example.com"
	_, err := proxy.New(cfg)
	var ce *harden.ConfigError
	fmt.Println(errors.Is(err, harden.ErrConfig), errors.As(err, &ce) && ce.Field == "upstream")
	fmt.Println(err)
	// Output:
	// true true
	// harden: invalid configuration: proxy: upstream: must not carry userinfo, a query or a fragment
}
