package seclog

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/harden-go/harden/internal/secevent"
)

// secrets are the values that must never reach the log in TestRedaction.
var secrets = []string{
	"hunter2", "tok-AAAA", "tok-BBBB", "sess-CCCC", "Bearer eyJhbGciOi", "csrf-DDDD",
	"cookie-EEEE", "sk_live_FFFF", "pem-GGGG", "deep-HHHH", "group-IIII", "slice-JJJJ",
	"struct-KKKK", "header-LLLL", "exact-MMMM", "xsrf-NNNN", "extra-OOOO", "groupkey-PPPP",
}

type loginForm struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Remember bool   `json:"remember"`
	Profile  struct {
		APIKey string `json:"apiKey"`
	} `json:"profile"`
}

func TestRedaction(t *testing.T) {
	l, buf := newTestLogger(t, func(c *Config) { c.RedactKeys = []string{"x-internal"} })
	form := loginForm{Email: "ada@example.com", Password: "struct-KKKK", Remember: true}
	form.Profile.APIKey = "sk_live_FFFF"
	l.Record(testRequest("POST", "/api/login"), Event{
		Name: EventLoginFailed,
		Details: []slog.Attr{
			slog.String("Password", "hunter2"),
			slog.String("csrf_token", "csrf-DDDD"),
			slog.String("X-XSRF-TOKEN", "xsrf-NNNN"),
			slog.String("auth", "exact-MMMM"),
			slog.String("author", "kept: not a secret"),
			slog.String("X-Internal-Ref", "extra-OOOO"),
			slog.Any("request", map[string]any{
				"headers": map[string]any{
					"Authorization": "Bearer eyJhbGciOi",
					"Cookie":        "cookie-EEEE",
					"Accept":        "text/html",
				},
				"body": []any{
					map[string]any{"access_token": "tok-AAAA"},
					map[string]any{"list": []any{map[string]any{"refresh-token": "tok-BBBB", "n": 1}}},
					"slice-ok",
				},
				"level1": map[string]any{"level2": map[string]any{"level3": map[string]any{"secret": "deep-HHHH"}}},
			}),
			slog.Any("response_headers", http.Header{"Set-Cookie": {"sid=sess-CCCC"}, "X-Api-Token": {"header-LLLL"}, "Content-Type": {"text/plain"}}),
			slog.Group("session", slog.String("id", "group-IIII")),
			slog.Group("outer", slog.Group("cookies", slog.String("sid", "groupkey-PPPP"))),
			slog.Any("keys", map[string]string{"private_key": "pem-GGGG"}),
			slog.Any("tokens", []any{map[string]string{"token": "slice-JJJJ"}}),
			slog.Any("form", form),
		},
	})
	line := buf.lines(t)[0]
	for _, s := range secrets {
		if strings.Contains(line, s) {
			t.Errorf("secret %q reached the log:\n%s", s, line)
		}
	}
	for _, keep := range []string{"ada@example.com", "text/html", "slice-ok", "kept: not a secret", "text/plain", `"remember":true`, `"n":1`} {
		if !strings.Contains(line, keep) {
			t.Errorf("non-secret %q missing from the log:\n%s", keep, line)
		}
	}
	if n := strings.Count(line, redacted); n < len(secrets)-2 {
		t.Errorf("only %d values masked:\n%s", n, line)
	}
}

func TestSensitiveKeys(t *testing.T) {
	red, err := newRedactor(nil, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{
		"password": true, "PASSWORD": true, "new_password": true, "passwordConfirm": true,
		"token": true, "csrf_token": true, "X-CSRF-Token": true, "access-token": true,
		"secret": true, "client_secret": true, "Cookie": true, "set-cookie": true, "Set-Cookie": true,
		"authorization": true, "Proxy-Authorization": true, "api_key": true, "apiKey": true,
		"session_id": true, "sessionId": true, "auth": true, "jwt": true, "pin": true,
		"email": false, "author": false, "authenticated": false, "spin": false, "user": false,
		"status": false, "path": false, "": false, "---": false,
	} {
		if got := red.sensitive(key); got != want {
			t.Errorf("sensitive(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestValuesCapped(t *testing.T) {
	l, buf := newTestLogger(t, func(c *Config) { c.MaxValueLen = 32 })
	long := strings.Repeat("é", 100) // 2-byte runes: the cut must not split one
	r := testRequest("GET", "/"+strings.Repeat("p", 100))
	r.Header.Set("User-Agent", long)
	l.Record(r, Event{
		Name: EventAccessDenied,
		Details: []slog.Attr{
			slog.String("note", long),
			slog.String(strings.Repeat("k", 100), "v"),
			slog.Any("nested", map[string]any{"x": long}),
			slog.Any("err", errors.New(long)),
		},
		Err: errors.New(long),
	})
	ev := buf.events(t)[0]
	check := func(what string, v any) {
		s, _ := v.(string)
		if len(s) > 32+len(truncMark) || !strings.HasSuffix(s, truncMark) || !utf8.ValidString(s) {
			t.Errorf("%s not capped well: %d bytes %q", what, len(s), s)
		}
	}
	d := ev["details"].(map[string]any)
	check("user_agent", ev["user_agent"])
	check("path", ev["path"])
	check("details.note", d["note"])
	check("details.nested.x", d["nested"].(map[string]any)["x"])
	check("details.err", d["err"])
	check("details.error", d["error"])
	for k := range d {
		if len(k) > 32+len(truncMark) {
			t.Errorf("key not capped: %q", k)
		}
	}
}

func TestBounds(t *testing.T) {
	l, buf := newTestLogger(t)
	var deep any = "bottom"
	for range 20 {
		deep = map[string]any{"d": deep}
	}
	many := make([]any, 200)
	for i := range many {
		many[i] = i
	}
	wide := map[string]any{}
	for i := range 200 {
		wide[strings.Repeat("k", i%7+1)+string(rune('a'+i%26))+strings.Repeat("z", i/26)] = i
	}
	l.Record(testRequest("GET", "/"), Event{Name: EventAccessDenied, Details: []slog.Attr{
		slog.Any("deep", deep), slog.Any("many", many), slog.Any("wide", wide),
	}})
	line := buf.lines(t)[0]
	if !strings.Contains(line, tooDeep) || strings.Contains(line, "bottom") {
		t.Errorf("depth not bounded: %s", line)
	}
	d := buf.events(t)[0]["details"].(map[string]any)
	if n := len(d["many"].([]any)); n != maxItems+1 {
		t.Errorf("slice kept %d items, want %d + marker", n, maxItems)
	}
	if n := len(d["wide"].(map[string]any)); n != maxItems+1 {
		t.Errorf("map kept %d keys, want %d + marker", n, maxItems)
	}
}

// TestAttackerBytesStayOnOneLine sends CR, LF, NUL, U+2028, invalid UTF-8
// and JSON syntax in every field an attacker controls.
func TestAttackerBytesStayOnOneLine(t *testing.T) {
	evil := "a\r\nb\x00c\u2028d\xff\xfee\"}\n{\"event\":\"login_success\",\"x\":\"\x1b[31m"
	l, buf := newTestLogger(t)
	r := testRequest("GET", "/")
	r.URL.Path = "/" + evil
	r.Header.Set("User-Agent", evil)
	l.Record(r, Event{
		Name:   EventAccessDenied,
		UserID: evil,
		Details: []slog.Attr{
			slog.String(evil, evil),
			slog.Any("m", map[string]any{evil: []any{evil}}),
			slog.Group(evil, slog.String("k", evil)),
		},
		Err: errors.New(evil),
	})
	out := buf.String()
	if strings.Count(out, "\n") != 1 || strings.ContainsAny(strings.TrimSuffix(out, "\n"), "\r\n\x00\u2028") {
		t.Fatalf("attacker bytes broke the line: %q", out)
	}
	evs := buf.events(t)
	if len(evs) != 1 || evs[0]["event"] != EventAccessDenied {
		t.Fatalf("forged event: %v", evs)
	}
	if !utf8.ValidString(out) {
		t.Errorf("output is not valid UTF-8")
	}
}

// TestSlogHandlerRedacts covers code that logs to the security log through
// Logger.Slog directly.
func TestSlogHandlerRedacts(t *testing.T) {
	l, buf := newTestLogger(t)
	log := l.Slog().With("service_token", "tok-WITH").WithGroup("req")
	log.LogAttrs(context.Background(), slog.LevelWarn, "custom_event",
		slog.String("password", "pw-1"), slog.Group("cookie", slog.String("v", "ck-2")), slog.String("ok", "fine"))
	line := buf.lines(t)[0]
	for _, s := range []string{"tok-WITH", "pw-1", "ck-2"} {
		if strings.Contains(line, s) {
			t.Errorf("secret %q in %s", s, line)
		}
	}
	var m map[string]any
	_ = json.Unmarshal([]byte(line), &m)
	if m["event"] != "custom_event" || m["req"].(map[string]any)["ok"] != "fine" {
		t.Errorf("line = %s", line)
	}
}

// TestUnloggableValues: a value whose JSON marshalling fails or panics
// becomes a placeholder; the event is still written.
func TestUnloggableValues(t *testing.T) {
	l, buf := newTestLogger(t)
	l.Record(testRequest("GET", "/"), Event{Name: EventAccessDenied, Details: []slog.Attr{
		slog.Any("ch", make(chan int)),
		slog.Any("boom", panicky{}),
		slog.Any("err", panickyErr{}),
	}})
	line := buf.lines(t)[0]
	if !strings.Contains(line, "[unloggable chan int]") || !strings.Contains(line, "[unloggable seclog.panicky]") ||
		!strings.Contains(line, "[error text unavailable]") {
		t.Errorf("line = %s", line)
	}
}

type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("boom") }

type panickyErr struct{}

func (panickyErr) Error() string { panic("boom") }

func TestNewValidates(t *testing.T) {
	for name, cfg := range map[string]Config{
		"path and writer":     {Path: "x.log", Writer: &syncBuffer{}},
		"negative max":        {MaxValueLen: -1, Writer: &syncBuffer{}},
		"tiny max":            {MaxValueLen: 4, Writer: &syncBuffer{}},
		"empty redact key":    {RedactKeys: []string{"--"}, Writer: &syncBuffer{}},
		"unopenable log file": {Path: t.TempDir() + "/no/such/dir/x.log"},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	if _, err := New(Config{Path: "a", Writer: &syncBuffer{}}); !errors.Is(err, errPathAndWriter) {
		t.Errorf("err = %v, want errPathAndWriter", err)
	}
	if _, err := New(Config{MaxValueLen: -1}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("err = %v, want ErrInvalidConfig", err)
	}
}

func TestLevels(t *testing.T) {
	l, buf := newTestLogger(t, func(c *Config) { c.Level = slog.LevelWarn })
	r := testRequest("GET", "/")
	l.Record(r, Event{Name: EventLoginSuccess})                         // INFO: dropped
	l.Record(r, Event{Name: EventLoginFailed})                          // WARN
	l.Record(r, Event{Name: secevent.Panic})                            // ERROR
	l.Record(r, Event{Name: EventLogout, Level: slog.LevelError})       // forced
	l.Record(r, Event{Name: "custom_ok", Success: true})                // INFO: dropped
	l.Record(r, Event{Name: EventAccessDenied, Level: slog.LevelDebug}) // forced down: dropped
	evs := buf.events(t)
	var got []string
	for _, e := range evs {
		got = append(got, e["event"].(string)+":"+e["level"].(string))
	}
	want := "login_failed:WARN panic:ERROR logout:ERROR"
	if strings.Join(got, " ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestStackKeepsMoreThanOtherValues(t *testing.T) {
	l, buf := newTestLogger(t)
	stack := strings.Repeat("main.f()\n\t/app/main.go:1 +0x1\n", 200) // ~6 KB
	l.Record(testRequest("GET", "/"), Event{Name: secevent.Panic, Details: []slog.Attr{
		slog.String("stack", stack), slog.String("other", stack),
	}})
	d := buf.events(t)[0]["details"].(map[string]any)
	if d["stack"] != stack {
		t.Errorf("stack cut to %d bytes, want all %d", len(d["stack"].(string)), len(stack))
	}
	if len(d["other"].(string)) > 1024+len(truncMark) {
		t.Errorf("other value not capped")
	}
}
