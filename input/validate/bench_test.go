package validate_test

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const contactPayload = `{"name":"  Ada Lovelace ","email":"Ada.Lovelace@Example.com","message":"Hello! I would like to know more about <b>your</b> analytical engine. See <a href=\"https://example.com/notes\">my notes</a>.\nThanks, Ada"}`

// BenchmarkContact measures decode + normalise + validate of the contact
// payload from its bytes: the target is at most 10 µs/op.
func BenchmarkContact(b *testing.B) {
	v := std
	data := []byte(contactPayload)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		var c Contact
		if err := v.Unmarshal(data, &c); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// BenchmarkContactPlain is BenchmarkContact with a message without markup
// (the sanitizer's fast path).
func BenchmarkContactPlain(b *testing.B) {
	v := std
	data := []byte(`{"name":"  Ada Lovelace ","email":"Ada.Lovelace@Example.com","message":"Hello! I would like to know more about your analytical engine.\nThanks, Ada"}`)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		var c Contact
		if err := v.Unmarshal(data, &c); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

func reportCPU(b *testing.B, start time.Duration) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkContactRequest is BenchmarkContact through Bind from an
// *http.Request (media type check, body read under the cap).
func BenchmarkContactRequest(b *testing.B) {
	v := std
	req := httptest.NewRequest("POST", "/api/contact", nil)
	req.Header.Set("Content-Type", "application/json")
	rd := strings.NewReader(contactPayload)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		rd.Reset(contactPayload)
		req.Body = nopCloser{rd}
		req.ContentLength = int64(len(contactPayload))
		var c Contact
		if !v.Bind(w, req, &c) {
			b.Fatal(w.Body.String())
		}
	}
	reportCPU(b, start)
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }
