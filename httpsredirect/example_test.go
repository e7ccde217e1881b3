package httpsredirect_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harden-go/harden/httpsredirect"
)

func ExampleRedirector_Check() {
	rd, err := httpsredirect.New(httpsredirect.Config{
		PublicURL: "https://www.example.com",
		Exempt:    []string{"/healthz"},
	})
	if err != nil {
		panic(err)
	}
	for _, tc := range []struct{ method, target string }{
		{"GET", "http://evil.example/reset?token=t"}, // the Host is not used
		{"POST", "/api/contact"},
		{"GET", "/healthz"},
	} {
		r := httptest.NewRequest(tc.method, tc.target, nil)
		target, status, redirect := rd.Check(r)
		fmt.Println(tc.method, tc.target, "->", redirect, status, target)
	}
	// Output:
	// GET http://evil.example/reset?token=t -> true 301 https://www.example.com/reset?token=t
	// POST /api/contact -> true 308 https://www.example.com/api/contact
	// GET /healthz -> false 0
}

// A plain-HTTP listener beside the TLS one, that only redirects.
func ExampleRedirectOnly() {
	h, err := httpsredirect.RedirectOnly("https://www.example.com")
	if err != nil {
		panic(err)
	}
	srv := &http.Server{Addr: ":80", Handler: h}
	_ = srv // srv.ListenAndServe()
	fmt.Println("ok")
	// Output: ok
}
