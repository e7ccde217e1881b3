package respond

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestJSON(t *testing.T) {
	cause := errors.New("pq: relation users does not exist")
	tests := []struct {
		name       string
		dev        bool
		method     string
		rej        Rejection
		wantStatus int
		wantBody   string
	}{
		{"message", false, "GET", Rejection{Status: 403, Message: "Forbidden origin"}, 403, `{"error":"Forbidden origin"}` + "\n"},
		{"default text", false, "GET", Rejection{Status: 429}, 429, `{"error":"Too Many Requests"}` + "\n"},
		{"fields", false, "POST", Rejection{Status: 400, Fields: []FieldError{{"field", "body", "email", "must be a valid email address"}}}, 400,
			`{"errors":[{"type":"field","location":"body","path":"email","msg":"must be a valid email address"}]}` + "\n"},
		{"cause hidden in production", false, "GET", Rejection{Status: 400, Message: "Bad request", Err: cause}, 400, `{"error":"Bad request"}` + "\n"},
		{"cause shown in development", true, "GET", Rejection{Status: 400, Message: "Bad request", Err: cause}, 400,
			`{"error":"Bad request","detail":"pq: relation users does not exist"}` + "\n"},
		{"5xx cause hidden even in development", true, "GET", Rejection{Status: 500, Message: "Internal server error", Err: cause}, 500,
			`{"error":"Internal server error"}` + "\n"},
		{"invalid status", false, "GET", Rejection{Status: 200, Message: "x"}, 500, `{"error":"x"}` + "\n"},
		{"HEAD has no body", false, "HEAD", Rejection{Status: 404}, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", nil)
			r = r.WithContext(WithResponder(r.Context(), JSON{Development: tt.dev}))
			w := httptest.NewRecorder()
			w.Header().Set("Content-Encoding", "gzip")
			Reject(w, r, &tt.rej)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if got := w.Body.String(); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			for k, want := range map[string]string{
				"Content-Type":           "application/json; charset=utf-8",
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "no-store",
				"Content-Encoding":       "",
			} {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestCustomResponder(t *testing.T) {
	var got *Rejection
	custom := responderFunc(func(w http.ResponseWriter, r *http.Request, rej *Rejection) {
		got = rej
		w.WriteHeader(rej.Status)
	})
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(WithResponder(r.Context(), custom))
	w := httptest.NewRecorder()
	Reject(w, r, &Rejection{Status: http.StatusTooManyRequests, Event: "rate_limited", Message: "Too many requests"})
	if got == nil || got.Event != "rate_limited" || got.Message != "Too many requests" || w.Code != 429 {
		t.Errorf("custom responder got %+v, status %d", got, w.Code)
	}
}

func TestExtraHeaders(t *testing.T) {
	w := httptest.NewRecorder()
	Reject(w, httptest.NewRequest("GET", "/", nil), &Rejection{Status: 429, Header: http.Header{"Retry-After": {"30"}}})
	if got := w.Header().Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After = %q, want 30", got)
	}
}

func ExampleError() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Reject(w, r, &Rejection{Status: http.StatusForbidden, Event: "access_denied", Message: "Forbidden"})
	})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/admin", nil))
	fmt.Print(w.Code, " ", w.Body.String())
	// Output: 403 {"error":"Forbidden"}
}
