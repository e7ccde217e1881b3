package seclog

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/harden-go/harden/respond"
)

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestID(t *testing.T) {
	tests := []struct {
		name     string
		incoming []string
		keep     bool
	}{
		{"none", nil, false},
		{"uuid", []string{"3f2b8c1e-7a4d-4e8b-9c2a-1b2c3d4e5f60"}, true},
		{"hex", []string{"0123456789abcdef0123456789abcdef"}, true},
		{"ulid", []string{"01HZX3J5K6M7N8P9Q0R1S2T3V4"}, true},
		{"proxy style", []string{"host-1:req_42.7"}, true},
		{"max length", []string{strings.Repeat("a", 64)}, true},
		{"too long", []string{strings.Repeat("a", 65)}, false},
		{"empty", []string{""}, false},
		{"space", []string{"abc def"}, false},
		{"quote", []string{`abc"def`}, false},
		{"json", []string{`{"a":1}`}, false},
		{"CRLF", []string{"abc\r\nX-Evil: 1"}, false},
		{"NUL", []string{"abc\x00"}, false},
		{"non-ASCII", []string{"abcé"}, false},
		{"two values", []string{"abc", "def"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ctxID string
			h := RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ctxID = respond.RequestID(r)
				respond.Reject(w, r, &respond.Rejection{Status: http.StatusForbidden, Message: "Forbidden"})
			}))
			r := httptest.NewRequest("GET", "/", nil)
			for _, v := range tc.incoming {
				r.Header.Add(requestIDKey, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			echoed := rec.Header().Get(requestIDKey)
			if echoed != ctxID || echoed == "" {
				t.Fatalf("echoed %q, context %q: want the same non-empty id", echoed, ctxID)
			}
			if tc.keep && echoed != tc.incoming[0] {
				t.Errorf("id = %q, want the incoming %q", echoed, tc.incoming[0])
			}
			if !tc.keep && !generatedID.MatchString(echoed) {
				t.Errorf("id = %q, want a new 32-hex-digit id", echoed)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["request_id"] != echoed {
				t.Errorf("refusal body %s does not carry the id %q", rec.Body.String(), echoed)
			}
		})
	}
}

// TestRequestIDInEveryEvent runs the id middleware, the denial middleware
// and a refusal, and checks the event, the body and the header agree.
func TestRequestIDInEveryEvent(t *testing.T) {
	l, buf := newTestLogger(t)
	h := RequestID(l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/plain" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusTooManyRequests})
	})))
	for _, path := range []string{"/plain", "/rejection"} {
		buf.b.Reset()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		id := rec.Header().Get(requestIDKey)
		evs := buf.events(t)
		if len(evs) != 1 || evs[0]["request_id"] != id || id == "" {
			t.Errorf("%s: header id %q, events %v", path, id, evs)
		}
	}
}
