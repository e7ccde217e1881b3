package recovered_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harden-go/harden/internal/recovered"
)

// ExampleRespond recovers a panic in a handler of one's own.
func ExampleRespond() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				recovered.Respond(w, r, recovered.New(v))
			}
		}()
		panic("database password is hunter2")
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output: 500 {"error":"Internal server error"}
}
