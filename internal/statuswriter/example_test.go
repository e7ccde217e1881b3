package statuswriter_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"

	"github.com/harden-go/harden/internal/statuswriter"
)

// A layer that reports what its handler answered: the first final status
// (a second WriteHeader changes nothing, as in net/http).
func Example() {
	layer := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var sw statuswriter.Writer // embed it in the layer's per-request value
			sw.Reset(w, nil)
			next.ServeHTTP(sw.ResponseWriter(), r)
			fmt.Println("status", sw.Status(), "bytes", sw.Written(), "hijacked", sw.Hijacked())
		})
	}
	h := layer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "short and stout")
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	// Output: status 418 bytes 15 hijacked false
}

// stamp is a hook that adds a header to the final response, as the
// session layer adds its cookie.
type stamp struct{}

func (stamp) BeforeHeader(w http.ResponseWriter, status int) error {
	w.Header().Set("X-Final-Status", strconv.Itoa(status))
	return nil
}

// The hook runs once, just before the final header: here the implicit
// 200 of a body written without WriteHeader.
func ExampleHeaderHook() {
	rec := httptest.NewRecorder()
	var sw statuswriter.Writer
	sw.Reset(rec, stamp{})
	io.WriteString(sw.ResponseWriter(), "hello")
	fmt.Println(rec.Code, rec.Header().Get("X-Final-Status"), rec.Body)
	// Output: 200 200 hello
}

// A layer that only needs the status reads it from the wrapper an outer
// layer installed, instead of nesting another.
func ExampleLookup() {
	inner := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw, ok := statuswriter.Lookup(w)
			if !ok {
				sw = new(statuswriter.Writer)
				sw.Reset(w, nil)
				w = sw.ResponseWriter()
			}
			next.ServeHTTP(w, r)
			fmt.Println("reused", ok, "status", sw.Status())
		})
	}
	var outer statuswriter.Writer
	outer.Reset(httptest.NewRecorder(), nil)
	h := inner(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	h.ServeHTTP(outer.ResponseWriter(), httptest.NewRequest("GET", "/", nil))
	// Output: reused true status 204
}
