package validate_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/harden-go/harden/input/validate"
)

// Contact is the payload of the reference app's POST /api/contact.
type Contact struct {
	// Name: trimmed, NFC, no control characters, inner white space
	// collapsed; 1 to 100 characters (runes).
	Name string `json:"name" normalize:"trim,nfc,stripctl,squash" validate:"required,max=100"`
	// Email: a single valid address, normalised (trimmed, lower-cased).
	Email string `json:"email" normalize:"email" validate:"required,email,max=254"`
	// Message: NFC, no control characters, reduced to the rich-text
	// allowlist; 1 to 5000 characters after sanitising.
	Message string `json:"message" normalize:"trim,nfc,stripctl,richtext" validate:"required,max=5000"`
}

// contactHandler is the shape of POST /api/contact: Bind answers every bad
// input itself, so the store is reached only with a clean value.
func contactHandler(v *validate.Validator, store func(Contact) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c Contact
		if !v.Bind(w, r, &c) {
			return
		}
		if err := store(c); err != nil {
			http.Error(w, `{"error":"Internal server error"}`, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true,"message":"Message received"}` + "\n"))
	})
}

func Example() {
	v, err := validate.New(validate.Config{})
	if err != nil {
		panic(err)
	}
	if err := v.Prepare(Contact{}); err != nil { // tags checked at start-up
		panic(err)
	}
	var stored []Contact
	h := contactHandler(v, func(c Contact) error { stored = append(stored, c); return nil })

	send := func(body string) {
		req := httptest.NewRequest("POST", "/api/contact", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body.String())
	}
	send(`{"name":"  Ada  Lovelace ","email":" Ada@Example.COM ","message":"Hi <b>there</b><script>alert(1)</script>"}`)
	send(`{"name":"","email":"not-an-email","message":"hi"}`)
	send(`{"name":"Eve","email":"eve@example.com","message":{"$gt":""}}`)

	out, _ := json.Marshal(stored)
	fmt.Println(string(out))
	// Output:
	// 200 {"success":true,"message":"Message received"}
	// 400 {"errors":[{"type":"field","location":"body","path":"name","msg":"is required"},{"type":"field","location":"body","path":"email","msg":"must be a valid email address"}]}
	// 400 {"errors":[{"type":"field","location":"body","path":"message","msg":"must be a string"}]}
	// [{"name":"Ada Lovelace","email":"ada@example.com","message":"Hi \u003cb\u003ethere\u003c/b\u003e"}]
}
