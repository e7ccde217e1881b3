package csrf_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// The harden order: sessions, then CSRF, then the routes. The token endpoint
// serves single-page apps; forms embed TemplateField.
func Example() {
	ring := keys.Ephemeral() // keys.Parse(os.Getenv("HARDEN_SECRETS")) in production
	sessions, err := session.New(session.Config{Keys: ring, Store: session.NewMemoryStore(0)})
	if err != nil {
		panic(err)
	}
	protect, err := csrf.New(csrf.Config{
		Keys:                    ring,
		TrustedOrigins:          []string{"https://app.example.com"}, // corsMiddleware.Origins()
		DangerouslyExemptRoutes: []string{"POST /hooks/payments"},    // verifies its own signature
	})
	if err != nil {
		panic(err)
	}
	page := template.Must(template.New("p").Parse(`<form method="post" action="/api/contact">{{.CSRF}}</form>`))

	mux := http.NewServeMux()
	mux.Handle("GET /api/csrf-token", protect.TokenHandler())
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		_ = page.Execute(w, map[string]any{"CSRF": csrf.TemplateField(r)})
	})
	mux.HandleFunc("POST /api/contact", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, `{"success":true}`)
	})
	handler := sessions.Handler(protect.Handler(mux))

	// A forged cross-site POST.
	req := httptest.NewRequest("POST", "https://app.example.com/api/contact", strings.NewReader("message=hi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Print(rec.Code, " ", rec.Body)
	// Output: 403 {"error":"Cross-origin request refused"}
}

// Check is a pure decision: it can be tested, or used by a proxy, without a
// server.
func ExampleProtector_Check() {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral(), SessionKey: func(*http.Request) string { return "sess-1" }})
	if err != nil {
		panic(err)
	}
	var token string // as a page rendered behind the Handler gets it
	p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token = csrf.Token(r)
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	for _, c := range []struct{ method, fetchSite, origin, token string }{
		{"GET", "cross-site", "", ""},
		{"POST", "same-origin", "", token},
		{"POST", "", "https://app.example", token},
		{"POST", "", "", token},
		{"POST", "same-origin", "", ""},
		{"POST", "same-origin", "", strings.Repeat("A", 128)}, // well-formed, never issued
		{"POST", "cross-site", "https://evil.example", token},
		{"POST", "", "https://evil.example", token},
	} {
		req := httptest.NewRequest(c.method, "https://app.example/api/x", nil)
		for k, v := range map[string]string{"Sec-Fetch-Site": c.fetchSite, "Origin": c.origin, "X-CSRF-Token": c.token} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		err := p.Check(req)
		verdict := "pass"
		switch {
		case errors.Is(err, csrf.ErrCrossOrigin):
			verdict = "ErrCrossOrigin"
		case err != nil:
			verdict = err.Error()
		}
		fmt.Printf("%-4s site=%-11s origin=%-20s token=%-5v %s\n", c.method, c.fetchSite, c.origin, c.token != "", verdict)
	}
	// Output:
	// GET  site=cross-site  origin=                     token=false pass
	// POST site=same-origin origin=                     token=true  pass
	// POST site=            origin=https://app.example  token=true  pass
	// POST site=            origin=                     token=true  pass
	// POST site=same-origin origin=                     token=false csrf: missing token
	// POST site=same-origin origin=                     token=true  csrf: invalid token
	// POST site=cross-site  origin=https://evil.example token=true  ErrCrossOrigin
	// POST site=            origin=https://evil.example token=true  ErrCrossOrigin
}

// TestSecurityLog: a refusal is one csrf_failure event in the security log,
// and neither the event nor the answer echoes the Origin or the token.
func TestSecurityLog(t *testing.T) {
	var buf bytes.Buffer
	logger, err := seclog.New(seclog.Config{Writer: &buf, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral()})
	if err != nil {
		t.Fatal(err)
	}
	h := logger.Handler(p.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("handler reached")
	})))
	req := httptest.NewRequest("POST", "http://app.example/api/x", nil)
	req.Header.Set("Origin", "https://evil-marker.example")
	req.Header.Set("X-CSRF-Token", "token-marker")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	if rec.Code != 403 {
		t.Errorf("status: got %d, want 403", rec.Code)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("log lines: got %d, want 1: %q", len(lines), buf.String())
	}
	var ev map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev["event"] != "csrf_failure" || ev["status"] != float64(403) {
		t.Errorf("event: got %v %v, want csrf_failure 403", ev["event"], ev["status"])
	}
	for _, marker := range []string{"evil-marker", "token-marker"} {
		if strings.Contains(buf.String(), marker) || strings.Contains(rec.Body.String(), marker) {
			t.Errorf("%q echoed: log %q, body %q", marker, buf.String(), rec.Body)
		}
	}
}
