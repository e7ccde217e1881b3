package cspreport

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/seclog"
)

const legacyBody = `{"csp-report":{"document-uri":"https://example.com/page?token=s3cret#x","referrer":"",` +
	`"violated-directive":"script-src-elem","effective-directive":"script-src-elem","original-policy":"script-src 'self'",` +
	`"blocked-uri":"https://evil.example/x.js?k=v","status-code":200,"source-file":"https://example.com/page","line-number":7,"disposition":"enforce"}}`

const apiBody = `[{"type":"csp-violation","age":10,"url":"https://example.com/page","user_agent":"UA",` +
	`"body":{"documentURL":"https://example.com/page","blockedURL":"inline","effectiveDirective":"script-src-elem",` +
	`"originalPolicy":"script-src 'self'","disposition":"enforce","statusCode":200,"lineNumber":3}},` +
	`{"type":"deprecation","body":{}}]`

// newHandler returns an endpoint logging to a buffer, with a clock the
// test moves.
func newHandler(t *testing.T, cfg Config) (http.Handler, *bytes.Buffer, *time.Time) {
	t.Helper()
	var buf bytes.Buffer
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	l, err := seclog.New(seclog.Config{Writer: &buf, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Log = l
	cfg.Clock = func() time.Time { return now }
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h, &buf, &now
}

func post(h http.Handler, ct, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/csp-report", strings.NewReader(body))
	r.Header.Set("Content-Type", ct)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// events decodes the logged events' details.
func events(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(buf.String()) {
		var e struct {
			Event   string         `json:"event"`
			Details map[string]any `json:"details"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if e.Event != "csp_violation" {
			t.Errorf("event: got %q, want %q", e.Event, "csp_violation")
		}
		out = append(out, e.Details)
	}
	return out
}

func TestBothFormats(t *testing.T) {
	h, buf, _ := newHandler(t, Config{})
	if w := post(h, "application/csp-report", legacyBody); w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("legacy: got %d %q, want 204 and no body", w.Code, w.Body)
	}
	if w := post(h, "application/reports+json", apiBody); w.Code != 204 {
		t.Errorf("reporting API: got %d, want 204", w.Code)
	}
	got := events(t, buf)
	if len(got) != 2 {
		t.Fatalf("got %d events, want 2: %s", len(got), buf)
	}
	want := []map[string]any{
		{"directive": "script-src-elem", "blocked_url": "https://evil.example/x.js", "document_url": "https://example.com/page",
			"source_file": "https://example.com/page", "line": "7", "disposition": "enforce"},
		{"directive": "script-src-elem", "blocked_url": "inline", "document_url": "https://example.com/page", "disposition": "enforce"},
	}
	for i := range want {
		for k, v := range want[i] {
			if got[i][k] != v {
				t.Errorf("event %d %s: got %v, want %v", i, k, got[i][k], v)
			}
		}
	}
	if strings.Contains(buf.String(), "s3cret") || strings.Contains(buf.String(), "k=v") {
		t.Errorf("a query string reached the log: %s", buf)
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, method, ct, body string
		wantStatus             int
	}{
		{"GET", "GET", "application/csp-report", "", 405},
		{"wrong type", "POST", "text/plain", legacyBody, 415},
		{"no type", "POST", "", legacyBody, 415},
		{"too large", "POST", "application/csp-report", `{"csp-report":{"blocked-uri":"` + strings.Repeat("a", 20000) + `"}}`, 413},
		{"not JSON", "POST", "application/csp-report", "{", 400},
		{"no csp-report key", "POST", "application/csp-report", `{"other":{}}`, 400},
		{"API not a list", "POST", "application/reports+json", `{"type":"csp-violation"}`, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, buf, _ := newHandler(t, Config{})
			r := httptest.NewRequest(tt.method, "/csp-report", strings.NewReader(tt.body))
			if tt.ct != "" {
				r.Header.Set("Content-Type", tt.ct)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.wantStatus || w.Body.Len() != 0 {
				t.Errorf("got %d %q, want %d and no body", w.Code, w.Body, tt.wantStatus)
			}
			if buf.Len() != 0 {
				t.Errorf("recorded: %s", buf)
			}
		})
	}
}

func TestDeduplicated(t *testing.T) {
	h, buf, now := newHandler(t, Config{DedupWindow: time.Minute})
	for range 5 {
		post(h, "application/csp-report", legacyBody)
	}
	if n := len(events(t, buf)); n != 1 {
		t.Errorf("5 identical reports: got %d events, want 1", n)
	}
	*now = now.Add(time.Minute)
	post(h, "application/csp-report", legacyBody)
	if n := len(events(t, buf)); n != 2 {
		t.Errorf("after the window: got %d events, want 2", n)
	}
}

func TestRateBounded(t *testing.T) {
	h, buf, now := newHandler(t, Config{Rate: 3, MaxDedup: 2})
	for i := range 10 {
		post(h, "application/csp-report", strings.Replace(legacyBody, "x.js", "x"+string(rune('a'+i))+".js", 1))
	}
	if n := len(events(t, buf)); n != 3 {
		t.Errorf("10 distinct reports at rate 3: got %d events, want 3", n)
	}
	*now = now.Add(time.Minute)
	post(h, "application/csp-report", strings.Replace(legacyBody, "x.js", "next.js", 1))
	got := events(t, buf)
	if len(got) != 4 || got[3]["dropped_before"] != float64(7) {
		t.Errorf("next minute: got %d events, last %v; want 4 with dropped_before 7", len(got), got[len(got)-1])
	}
}

func TestMaxReports(t *testing.T) {
	h, buf, _ := newHandler(t, Config{MaxReports: 2})
	var list []string
	for i := range 5 {
		list = append(list, strings.Replace(apiBody[1:strings.Index(apiBody, `},{"type":"deprecation"`)+1], "inline", "https://e.example/"+string(rune('a'+i)), 1))
	}
	if w := post(h, "application/reports+json", "["+strings.Join(list, ",")+"]"); w.Code != 204 {
		t.Fatalf("got %d, want 204", w.Code)
	}
	if n := len(events(t, buf)); n != 2 {
		t.Errorf("5 reports in one body, MaxReports 2: got %d events, want 2", n)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err != errNoLog {
		t.Errorf("no log: got %v, want errNoLog", err)
	}
	l, _ := seclog.New(seclog.Config{Writer: &bytes.Buffer{}})
	if _, err := New(Config{Log: l, Rate: -1}); err != errBadConfig {
		t.Errorf("negative rate: got %v, want errBadConfig", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("application/csp-report", legacyBody)
	f.Add("application/reports+json", apiBody)
	f.Add("application/json", `{"csp-report":{}}`)
	f.Add("application/reports+json; charset=utf-8", `[]`)
	f.Fuzz(func(t *testing.T, ct, body string) {
		vs, err := parse(ct, []byte(body), 10)
		if err != nil && vs != nil {
			t.Errorf("parse returned violations with an error")
		}
		if len(vs) > 10 {
			t.Errorf("got %d violations, cap 10", len(vs))
		}
		for _, v := range vs {
			for _, u := range []string{v.BlockedURL, v.DocumentURL, v.SourceFile} {
				if strings.ContainsAny(u, "?#") {
					t.Errorf("URL %q kept a query or fragment", u)
				}
			}
		}
	})
}
