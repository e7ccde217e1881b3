package cors_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/cors"
)

func ExampleNew() {
	m, err := cors.New(cors.Config{
		Origins:        []string{"https://app.example.com", "https://*.tenants.example.com"},
		Methods:        []string{"PUT", "DELETE"},
		RequestHeaders: []string{"Content-Type", "X-CSRF-Token"},
		MaxAge:         600,
	})
	if err != nil {
		panic(err)
	}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "data") })
	h := m.Handler(api)

	r := httptest.NewRequest("OPTIONS", "/api/items/1", nil)
	r.Header.Set("Origin", "https://acme.tenants.example.com")
	r.Header.Set("Access-Control-Request-Method", "DELETE")
	r.Header.Set("Access-Control-Request-Headers", "content-type")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Header().Get("Access-Control-Allow-Origin"), w.Header().Get("Access-Control-Allow-Methods"))
	// Output: 204 https://acme.tenants.example.com PUT, DELETE
}

// Dangerous configurations are refused, every mistake at once.
func ExampleNew_refused() {
	_, err := cors.New(cors.Config{
		Origins:     []string{"*", "null"},
		Credentials: true,
	})
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var ce *harden.ConfigError
		errors.As(e, &ce)
		fmt.Printf("%s %d: %v\n", ce.Field, ce.Index, ce.Err)
	}
	// Output:
	// origins 0: "*" cannot be combined with credentials
	// origins 1: null and file:// origins are sent by sandboxed and local documents of any site
}

// In front of another service, the policy replaces the upstream's own.
func ExampleMiddleware_ModifyResponse() {
	m, err := cors.New(cors.Config{Origins: []string{"https://app.example.com"}, Credentials: true})
	if err != nil {
		panic(err)
	}
	upstream, _ := url.Parse("http://127.0.0.1:3000")
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.ModifyResponse = m.ModifyResponse
	handler := m.Handler(proxy)
	_ = handler // http.ListenAndServe(":8080", handler)
	fmt.Println(m.Origins())
	// Output: [https://app.example.com]
}
