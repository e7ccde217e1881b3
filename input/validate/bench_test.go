package validate_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/input/validate"
)

const contactPayload = `{"name":"  Ada Lovelace ","email":"Ada.Lovelace@Example.com","message":"Hello! I would like to know more about <b>your</b> analytical engine. See <a href=\"https://example.com/notes\">my notes</a>.\nThanks, Ada"}`

// BenchmarkContact measures decode + normalise + validate of the contact
// payload from its bytes: the target is at most 10 µs/op.
func BenchmarkContact(b *testing.B) {
	v := validate.Default()
	data := []byte(contactPayload)
	b.ReportAllocs()
	for b.Loop() {
		var c Contact
		if err := v.Unmarshal(data, &c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkContactRequest is BenchmarkContact through Decode from an
// *http.Request (media type check, body read under the cap).
func BenchmarkContactRequest(b *testing.B) {
	v := validate.Default()
	req := httptest.NewRequest("POST", "/api/contact", nil)
	req.Header.Set("Content-Type", "application/json")
	rd := strings.NewReader(contactPayload)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(contactPayload)
		req.Body = nopCloser{rd}
		req.ContentLength = int64(len(contactPayload))
		var c Contact
		if err := v.Decode(w, req, &c); err != nil {
			b.Fatal(err)
		}
	}
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }
