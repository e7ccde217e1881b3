package csrf_test

import (
	"crypto/tls"
	"encoding/json"
	"html/template"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/keys"
)

func TestTokenHandler(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral()})
	if err != nil {
		t.Fatal(err)
	}
	h := p.Handler(p.TokenHandler())

	// First visit: a token and the pre-session cookie.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://app.example/api/csrf-token", nil))
	if rec.Code != 200 {
		t.Fatalf("status: got %d, want 200", rec.Code)
	}
	for k, want := range map[string]string{
		"Cache-Control":          "no-store",
		"Content-Type":           "application/json; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s: got %q, want %q", k, got, want)
		}
	}
	var out struct{ Token string }
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Token) != tokenLen {
		t.Fatalf("body %q: token of length %d, err %v", rec.Body, len(out.Token), err)
	}
	setCookies := rec.Header().Values("Set-Cookie")
	if len(setCookies) != 1 {
		t.Fatalf("Set-Cookie: got %q, want one cookie", setCookies)
	}
	if re := regexp.MustCompile(`^__Host-csrf=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; Secure; SameSite=Strict$`); !re.MatchString(setCookies[0]) {
		t.Errorf("Set-Cookie: got %q, want %v", setCookies[0], re)
	}

	// The token works with the cookie.
	cookie := strings.SplitN(setCookies[0], ";", 2)[0]
	post := httptest.NewRequest("POST", "http://app.example/x", nil)
	post.Header.Set("Cookie", cookie)
	post.Header.Set("X-CSRF-Token", out.Token)
	if err := p.Check(post); err != nil {
		t.Errorf("token from the endpoint: %v", err)
	}

	// Second visit with the cookie: a new token, no new cookie.
	rec = httptest.NewRecorder()
	get := httptest.NewRequest("GET", "http://app.example/api/csrf-token", nil)
	get.Header.Set("Cookie", cookie)
	h.ServeHTTP(rec, get)
	if got := rec.Header().Values("Set-Cookie"); len(got) != 0 {
		t.Errorf("Set-Cookie on a visit with the cookie: %q", got)
	}
	var again struct{ Token string }
	_ = json.Unmarshal(rec.Body.Bytes(), &again)
	if again.Token == out.Token || len(again.Token) != tokenLen {
		t.Errorf("second token %q: want a different masked token", again.Token)
	}

	// Other methods: 405 with Allow.
	rec = httptest.NewRecorder()
	p.TokenHandler().ServeHTTP(rec, httptest.NewRequest("PUT", "http://app.example/api/csrf-token", nil))
	if want := `{"error":"Method not allowed"}` + "\n"; rec.Code != 405 || rec.Body.String() != want || rec.Header().Get("Allow") != "GET, HEAD" {
		t.Errorf("PUT: got %d %q Allow %q, want 405 %q Allow %q", rec.Code, rec.Body, rec.Header().Get("Allow"), want, "GET, HEAD")
	}
}

func TestDevelopmentCookie(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral(), Development: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		tls  bool
		want string
	}{
		{"plain http", false, `^csrf=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`},
		{"https", true, `^csrf=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; Secure; SameSite=Strict$`},
	} {
		req := httptest.NewRequest("GET", "http://localhost/", nil)
		if c.tls {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		csrf.IssueToken(p, rec, req)
		if got := rec.Header().Get("Set-Cookie"); !regexp.MustCompile(c.want).MatchString(got) {
			t.Errorf("%s: Set-Cookie %q, want %s", c.name, got, c.want)
		}
	}
}

func TestTemplateField(t *testing.T) {
	p, err := csrf.New(csrf.Config{Keys: keys.Ephemeral(), FieldName: "csrf_token"})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := template.Must(template.New("f").Parse(`<form method="post">{{.A}}{{.B}}</form>`))
	h := p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Two fields in one page share one pre-session cookie.
		data := struct{ A, B template.HTML }{csrf.TemplateField(r), csrf.TemplateField(r)}
		_ = tmpl.Execute(w, data)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "http://app.example/", nil))
	re := regexp.MustCompile(`<input type="hidden" name="csrf_token" value="([A-Za-z0-9_-]{128})">`)
	m := re.FindAllStringSubmatch(rec.Body.String(), -1)
	if len(m) != 2 || m[0][1] == m[1][1] {
		t.Fatalf("page %q: want two different hidden fields", rec.Body)
	}
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: got %d, want 1", len(cookies))
	}
	for _, field := range m {
		req := httptest.NewRequest("POST", "http://app.example/", strings.NewReader("csrf_token="+field[1]))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookies[0])
		if err := p.Check(req); err != nil {
			t.Errorf("token of the page: %v", err)
		}
	}

	// Outside the middleware there is no token.
	if got := csrf.TemplateField(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Errorf("TemplateField without the middleware: got %q, want empty", got)
	}
	if got := csrf.Token(httptest.NewRequest("GET", "/", nil)); got != "" {
		t.Errorf("Token without the middleware: got %q, want empty", got)
	}
}
