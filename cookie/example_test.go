package cookie_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/harden-go/harden/cookie"
	"github.com/harden-go/harden/keys"
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

func ExampleCodec() {
	ring, _ := keys.Parse("q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=")
	spec, _ := cookie.New(cookie.Config{Name: "__Host-cart"})
	codec, _ := cookie.NewCodec(cookie.CodecConfig{Keys: ring.Derive("cookie"), Name: "__Host-cart", Encrypt: true})

	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	_ = codec.Write(w, r, spec, []byte("3 items"))

	next := httptest.NewRequest("GET", "/", nil)
	next.Header.Set("Cookie", w.Result().Cookies()[0].String())
	data, ok := codec.Read(next, spec)
	fmt.Println(string(data), ok)

	forged := httptest.NewRequest("GET", "/", nil)
	forged.Header.Set("Cookie", "__Host-cart=AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	_, ok = codec.Read(forged, spec)
	fmt.Println(ok)
	// Output:
	// 3 items true
	// false
}
