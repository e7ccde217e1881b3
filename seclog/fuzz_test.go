package seclog

import (
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
)

// FuzzRedact puts a marked secret under a sensitive key — its spelling
// and its depth chosen by the fuzzer, next to arbitrary keys and values —
// and checks that the secret never reaches the log, that the output is
// exactly one line of valid JSON, and that the event cannot be forged.
func FuzzRedact(f *testing.F) {
	f.Add("password", "email", "ada@example.com", []byte("hunter2"), uint8(0))
	f.Add("csrf_token", "a\r\nb", "\x00\xff\u2028", []byte{0, 1, 2}, uint8(3))
	f.Add("Set-Cookie", `"}{`, `\"`, []byte("sid=1"), uint8(7))
	f.Add("X-Api-Key", "token", "Bearer x", []byte("k"), uint8(12))
	f.Add("Authorization", "level", strings.Repeat("é", 600), []byte("abc"), uint8(255))
	f.Fuzz(func(t *testing.T, sensitiveKey, otherKey, otherVal string, secretBytes []byte, shape uint8) {
		red, _ := newRedactor(nil, 1024)
		if !red.sensitive(sensitiveKey) {
			sensitiveKey += "_Token" // make it sensitive whatever the fuzzer chose
		}
		// A secret that cannot appear in the line by accident.
		secret := "zqx" + hex.EncodeToString(secretBytes) + "xqz"

		var v any = secret
		depth := int(shape % 6)
		for i := 0; i < depth; i++ {
			switch (int(shape)>>3 + i) % 3 {
			case 0:
				v = map[string]any{otherKey: otherVal, "n": v}
			case 1:
				v = []any{otherVal, v}
			default:
				v = map[string]any{"wrap": map[string]string{otherKey: otherVal}, "inner": v}
			}
		}
		var detail slog.Attr
		if shape&0x80 != 0 {
			detail = slog.Group("g", slog.String(otherKey, otherVal), slog.Any(sensitiveKey, v))
		} else {
			detail = slog.Any("m", map[string]any{otherKey: otherVal, sensitiveKey: v})
		}
		buf := &syncBuffer{}
		l, err := New(Config{Writer: buf, Service: "fuzz", Clock: fixedClock})
		if err != nil {
			t.Fatal(err)
		}
		r := testRequest("GET", "/")
		r.Header.Set("User-Agent", otherVal)
		l.Record(r, Event{Name: EventAccessDenied, UserID: otherKey,
			Details: []slog.Attr{slog.String(otherKey, otherVal), detail}})

		out := buf.String()
		if strings.Contains(out, secret) {
			t.Fatalf("secret under %q reached the log: %s", sensitiveKey, out)
		}
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("not exactly one line: %q", out)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("not JSON: %v: %q", err, out)
		}
		if m["event"] != EventAccessDenied || m["service"] != "fuzz" {
			t.Fatalf("event forged: %q", out)
		}
	})
}

// FuzzAppendString checks the event encoder's strings against
// encoding/json: valid JSON, one line, and the same decoded text.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "a\r\nb", "\x00\x1f\x7f", "\xff\xfe", "é\u2028\u2029", `"\`, "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		if !json.Valid(got) {
			t.Fatalf("invalid JSON for %q: %s", s, got)
		}
		if strings.ContainsAny(string(got), "\r\n\x00\u2028\u2029") {
			t.Fatalf("raw line break in %s", got)
		}
		want, _ := json.Marshal(s)
		var a, b string
		_ = json.Unmarshal(got, &a)
		_ = json.Unmarshal(want, &b)
		if a != b {
			t.Fatalf("decodes to %q, encoding/json's to %q", a, b)
		}
	})
}
