package cookie_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/harden-go/harden/cookie"
)

func ExampleNew() {
	_, err := cookie.New(cookie.Config{Name: "__Host-prefs", Domain: "example.com"})
	fmt.Println(err)

	prefs, _ := cookie.New(cookie.Config{Name: "__Host-prefs", SameSite: "Strict"})
	w := httptest.NewRecorder()
	prefs.Set(w, httptest.NewRequest("GET", "/", nil), "dark")
	fmt.Println(w.Header().Get("Set-Cookie"))
	// Output:
	// cookie: domain "example.com": a __Host- cookie must not have a Domain
	// __Host-prefs=dark; Path=/; HttpOnly; Secure; SameSite=Strict
}
