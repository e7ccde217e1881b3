package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

// stderrLines returns the non-empty lines of s.
func stderrLines(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// refuse sends a request the server refuses and records as an event.
func refuse(t *testing.T, base string) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+"/api/contact", strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("User-Agent", `x" level=ERROR msg="forged`)
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", resp.StatusCode)
	}
}

// waitFor waits (at most 5s) until s() contains want.
func waitFor(t *testing.T, s func() string, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(s(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q within 5s in:\n%s", want, s())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServeLogFormat: stderr holds one format: every line a JSON object
// with --log-format json (the default when stderr is not a terminal), no
// JSON line with --log-format text; the development-mode warning, the
// operational records and the security events alike.
func TestServeLogFormat(t *testing.T) {
	const warning = "development mode: ephemeral secrets"
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"default is json off a terminal", nil, nil},
		{"flag json", []string{"--log-format", "json"}, nil},
		{"variable text", nil, map[string]string{"HARDEN_LOG_FORMAT": "text"}},
		{"flag text beats variable", []string{"--log-format", "text"}, map[string]string{"HARDEN_LOG_FORMAT": "json"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"HARDEN_DATA_DIR": t.TempDir()}
			for k, v := range tt.env {
				env[k] = v
			}
			base, _, stderr, stop := startServeLog(t, env, append([]string{"--addr", "127.0.0.1:0"}, tt.args...)...)
			refuse(t, base)
			waitFor(t, stderr.String, "csrf_failure")
			if code := stop(); code != 0 {
				t.Fatalf("exit %d", code)
			}
			lines := stderrLines(stderr.String())
			text := strings.Contains(tt.name, "text")
			var sawWarning, sawEvent, sawRecord bool
			for _, l := range lines {
				var m map[string]any
				isJSON := json.Unmarshal([]byte(l), &m) == nil
				switch {
				case !text && !isJSON:
					t.Errorf("json mode: line is not a JSON object: %s", l)
				case text && (isJSON || strings.HasPrefix(l, "{")):
					t.Errorf("text mode: line is JSON: %s", l)
				case text && !strings.HasPrefix(l, "time="):
					t.Errorf("text mode: line is not a text record: %s", l)
				}
				switch {
				case strings.Contains(l, "config_warning") && strings.Contains(l, warning):
					sawWarning = true
				case strings.Contains(l, "csrf_failure"):
					sawEvent = true
					// The header is quoted: it cannot forge a field.
					if text && (!strings.Contains(l, `user_agent="x\" level=ERROR msg=\"forged"`) || !strings.Contains(l, " level=WARN msg=csrf_failure ")) {
						t.Errorf("text mode: event line %s", l)
					}
				case strings.Contains(l, "session: ") || strings.Contains(l, "csrf: "):
					sawRecord = true // an operational warning of a layer
				}
			}
			if !sawWarning || !sawEvent || !sawRecord {
				t.Errorf("warning %v, event %v, operational record %v; want all in:\n%s", sawWarning, sawEvent, sawRecord, stderr.String())
			}
		})
	}
}

func TestServeLogFormatRefusesUnknown(t *testing.T) {
	var stdout, stderr syncBuffer
	code := serve(t.Context(), []string{"--log-format", "xml"}, func(string) string { return "" }, &stdout, &stderr)
	if code != 2 || stderr.String() != "harden serve: --log-format must be json or text, not \"xml\"\n" {
		t.Fatalf("exit %d, stderr %q; want 2 and the message", code, stderr.String())
	}
}

// TestProxyLogFormat: harden proxy writes one format on stderr too.
func TestProxyLogFormat(t *testing.T) {
	const warning = "development mode: no HTTPS redirect"
	for _, format := range []string{"json", "text"} {
		t.Run(format, func(t *testing.T) {
			up := newUpstream(t, "app")
			p := startProxy(t, nil, "--upstream", up.URL, "--log-format", format)
			req, _ := http.NewRequest("GET", p.addrs.URL+"/", nil)
			req.Host = "evil.example"
			resp, err := noFollow.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusMisdirectedRequest {
				t.Fatalf("foreign Host = %d, want 421", resp.StatusCode)
			}
			waitFor(t, p.stderr.String, "host_rejected")
			if code := p.stop(); code != 0 {
				t.Fatalf("exit %d", code)
			}
			var sawWarning, sawEvent bool
			for _, l := range stderrLines(p.stderr.String()) {
				var m map[string]any
				isJSON := json.Unmarshal([]byte(l), &m) == nil
				if format == "json" && !isJSON {
					t.Errorf("json mode: line is not a JSON object: %s", l)
				}
				if format == "text" && (isJSON || !strings.HasPrefix(l, "time=")) {
					t.Errorf("text mode: line is not a text record: %s", l)
				}
				sawWarning = sawWarning || strings.Contains(l, warning)
				sawEvent = sawEvent || strings.Contains(l, "host_rejected")
			}
			if !sawWarning || !sawEvent {
				t.Errorf("warning %v, event %v; want both in:\n%s", sawWarning, sawEvent, p.stderr.String())
			}
		})
	}
}

// FuzzTextEvents: whatever a security event line holds (the client's
// path, user agent, details), its text rendering is one line.
func FuzzTextEvents(f *testing.F) {
	f.Add([]byte(`{"time":"2026-03-01T10:00:00Z","level":"WARN","event":"csrf_failure","success":false,"ip":"192.0.2.1","user_agent":"x\" level=ERROR msg=\"forged","path":"/a\nb","status":403,"details":{"message":"invalid CSRF token","error":{"panic":"boom","stack":"a\nb"}}}`))
	f.Add([]byte(`{"time":"bad","level":"LOUD","event":1,"details":[1,2]}`))
	f.Add([]byte(`{"event":"\u2028"}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`{"a":{"b":{"c":{}}}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		line = bytes.ReplaceAll(line, []byte("\n"), nil) // seclog writes one line per event
		var out bytes.Buffer
		w := &textEvents{h: slog.NewTextHandler(&out, nil)}
		if _, err := w.Write(append(line, '\n')); err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(out.String(), "\n"); got != 1 || !strings.HasSuffix(out.String(), "\n") {
			t.Fatalf("%q rendered as %d lines: %q", line, got, out.String())
		}
		if strings.HasPrefix(out.String(), "{") {
			t.Fatalf("text rendering is JSON: %q", out.String())
		}
	})
}
