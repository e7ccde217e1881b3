package seclog

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/reqctx"
)

// fixedTime is the clock of every golden line.
var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("CET", 3600))

func fixedClock() time.Time { return fixedTime }

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a server.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines returns the logged lines, each checked to be one JSON object.
func (s *syncBuffer) lines(t *testing.T) []string {
	t.Helper()
	out := s.String()
	if out == "" {
		return nil
	}
	if !strings.HasSuffix(out, "\n") {
		t.Fatalf("log does not end in a newline: %q", out)
	}
	ls := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, l := range ls {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not one JSON object: %v\n%s", err, l)
		}
	}
	return ls
}

// events decodes the logged lines.
func (s *syncBuffer) events(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range s.lines(t) {
		var m map[string]any
		_ = json.Unmarshal([]byte(l), &m)
		out = append(out, m)
	}
	return out
}

func newTestLogger(t testing.TB, mod ...func(*Config)) (*Logger, *syncBuffer) {
	t.Helper()
	buf := &syncBuffer{}
	cfg := Config{Writer: buf, Service: "harden-test", Clock: fixedClock}
	for _, m := range mod {
		m(&cfg)
	}
	l, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return l, buf
}

// testRequest is a request as the stack hands it to a layer: a client
// address, a user agent, and a request id in the context.
func testRequest(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.RemoteAddr = "203.0.113.7:51234"
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) harden-test/1.0")
	return r.WithContext(reqctx.WithRequestID(r.Context(), "0123456789abcdef0123456789abcdef"))
}

// topLevelKeys returns the keys of a JSON object in the order written.
func topLevelKeys(t *testing.T, line string) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", line)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}
