package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var updateLogGolden = flag.Bool("update-log-golden", false, "rewrite testdata/log/summary.* from the current output")

func TestLogGolden(t *testing.T) {
	for _, tt := range []struct {
		name   string
		args   []string
		golden string
	}{
		{"text", nil, "summary.txt"},
		{"json", []string{"--json"}, "summary.json"},
		{"top 2", []string{"--top", "2"}, "summary-top2.txt"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(tt.args, filepath.Join("testdata", "log", "security.log"))
			if code := logCommand(t.Context(), args, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr.String())
			}
			golden := filepath.Join("testdata", "log", tt.golden)
			if *updateLogGolden {
				if err := os.WriteFile(golden, stdout.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got := stdout.String(); got != string(want) {
				t.Fatalf("output differs from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr = %q, want nothing", stderr.String())
			}
		})
	}
}

func TestLogReadsStdin(t *testing.T) {
	in, err := os.ReadFile(filepath.Join("testdata", "log", "security.log"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join("testdata", "log", "summary.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"-"}} {
		var stdout, stderr bytes.Buffer
		if code := logCommand(t.Context(), args, bytes.NewReader(in), &stdout, &stderr); code != 0 {
			t.Fatalf("%q: exit %d, stderr %q", args, code, stderr.String())
		}
		if stdout.String() != string(want) {
			t.Fatalf("%q: stdin summary differs from the file's:\n%s", args, stdout.String())
		}
	}
}

func TestLogUsageErrors(t *testing.T) {
	log := filepath.Join("testdata", "log", "security.log")
	for _, tt := range []struct {
		args       []string
		code       int
		wantStderr string
	}{
		{[]string{log, log}, 2, "harden log: one file at most, got 2 arguments\n"},
		{[]string{"--follow"}, 2, "harden log: --follow needs a FILE\n"},
		{[]string{"--top", "0", log}, 2, "harden log: --top must be between 1 and 10000\n"},
		{[]string{"--follow", "--interval", "1ms", log}, 2, "harden log: --interval must be at least 100ms\n"},
		{[]string{"--no-such-flag"}, 2, "flag provided but not defined: -no-such-flag\n"},
		{[]string{filepath.Join(t.TempDir(), "missing.log")}, 1, "no such file or directory\n"},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := logCommand(t.Context(), tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

// logLine is one security event as seclog writes it.
func logLine(i int, event string, status int) string {
	return fmt.Sprintf(`{"time":"2026-03-01T10:%02d:00Z","level":"WARN","event":%q,"success":false,"ip":"192.0.2.%d","user_agent":"","user_id":"","method":"GET","path":"/p%d","status":%d,"request_id":"r%d","service":"harden","details":{}}`+"\n",
		i%60, event, i%250+1, i, status, i)
}

func appendFile(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// lastSummary decodes the last JSON document of --follow --json output.
func lastSummary(t *testing.T, out string) (logSummaryJSON, bool) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var doc logSummaryJSON
	if len(lines) == 0 || lines[len(lines)-1] == "" {
		return doc, false
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &doc); err != nil {
		t.Fatalf("--json output line %q: %v", lines[len(lines)-1], err)
	}
	return doc, true
}

// waitEvents waits (at most 10s) for the follower to report n events.
func waitEvents(t *testing.T, out *syncBuffer, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if doc, ok := lastSummary(t, out.String()); ok && doc.Events >= n {
			if doc.Events != n {
				t.Fatalf("events = %d, want %d", doc.Events, n)
			}
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no summary with %d events within 10s; output:\n%s", n, out.String())
}

func TestLogFollowAcrossRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "security.log")
	appendFile(t, path, logLine(0, "csrf_failure", 403)+logLine(1, "csrf_failure", 403))

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- logCommand(ctx, []string{"--follow", "--json", "--interval", "100ms", path}, strings.NewReader(""), &stdout, &stderr)
	}()
	waitEvents(t, &stdout, 2)

	// Appended, including a line written in two pieces.
	appendFile(t, path, logLine(2, "rate_limited", 429))
	half := logLine(3, "rate_limited", 429)
	appendFile(t, path, half[:40])
	time.Sleep(3 * logPoll)
	appendFile(t, path, half[40:])
	waitEvents(t, &stdout, 4)

	// Rotated as logrotate does by default: renamed, then a new file. The
	// line written to the old file after the rename is read too.
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	appendFile(t, path+".1", logLine(4, "panic", 500))
	appendFile(t, path, logLine(5, "cors_rejected", 403)+"not json\n")
	waitEvents(t, &stdout, 6)

	// Truncated in place (copytruncate), then written again.
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * logPoll)
	appendFile(t, path, logLine(6, "host_rejected", 421))
	waitEvents(t, &stdout, 7)

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("harden log --follow did not stop within 10s of its context")
	}
	doc, _ := lastSummary(t, stdout.String())
	got := map[string]int64{}
	for _, e := range doc.ByType {
		got[e.Key] = e.Count
	}
	want := map[string]int64{"csrf_failure": 2, "rate_limited": 2, "panic": 1, "cors_rejected": 1, "host_rejected": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) || doc.Malformed != 1 || len(doc.Panics) != 1 || doc.Panics[0].RequestID != "r4" {
		t.Fatalf("final summary: by type %v malformed %d panics %+v; want %v, 1 malformed, the panic r4", got, doc.Malformed, doc.Panics, want)
	}
}

func TestLogSummaryBounded(t *testing.T) {
	s := newLogSummary()
	const n = 3 * logMaxKeys
	for i := range n {
		line := fmt.Sprintf(`{"time":"2026-03-01T00:00:00Z","event":"e","ip":"10.%d.%d.%d","path":"/%d","status":404}`, i>>16&255, i>>8&255, i&255, i)
		s.add([]byte(line))
	}
	if len(s.ips.counts) != logMaxKeys || len(s.paths.counts) != logMaxKeys {
		t.Fatalf("kept %d addresses and %d paths, want %d each", len(s.ips.counts), len(s.paths.counts), logMaxKeys)
	}
	top := s.ips.top(3)
	if last := top[len(top)-1]; last.Key != logOther || last.Count != n-3 {
		t.Fatalf("top(3) ends with %+v, want %s with %d", last, logOther, n-3)
	}
	// Hours: the oldest are folded into "earlier".
	s = newLogSummary()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range logMaxHours + 10 {
		s.add(fmt.Appendf(nil, `{"time":%q,"event":"e"}`, start.Add(time.Duration(i)*time.Hour).Format(time.RFC3339)))
	}
	if len(s.byHour) != logMaxHours || s.earlierHours != 10 {
		t.Fatalf("kept %d hours, %d earlier; want %d and 10", len(s.byHour), s.earlierHours, logMaxHours)
	}
}

func TestLineReaderBoundsLongLines(t *testing.T) {
	long := strings.Repeat("x", logMaxLine+1)
	exact := strings.Repeat("y", logMaxLine)
	lr := newLineReader(strings.NewReader("a\n" + long + "\n" + exact + "\r\nb"))
	var got []string
	for {
		line, tooLong, err := lr.next()
		if err != nil {
			break
		}
		if tooLong {
			got = append(got, "(too long)")
			continue
		}
		got = append(got, fmt.Sprint(len(line)))
	}
	rest, tooLong := lr.rest()
	got = append(got, fmt.Sprintf("rest %q %v", rest, tooLong))
	want := fmt.Sprint([]string{"1", "(too long)", fmt.Sprint(logMaxLine), `rest "b" false`})
	if fmt.Sprint(got) != want {
		t.Fatalf("lines = %v, want %v", got, want)
	}
	if c := cap(lr.pending); c > 2*logMaxLine {
		t.Errorf("held %d bytes for a line, want at most %d", c, 2*logMaxLine)
	}
}

func FuzzParseLogLine(f *testing.F) {
	f.Add([]byte(`{"time":"2026-03-01T10:00:00Z","level":"WARN","event":"csrf_failure","ip":"192.0.2.1","method":"POST","path":"/api","status":403,"request_id":"r1","details":{}}`))
	f.Add([]byte(`{"time":"2026-03-01T11:30:00Z","event":"panic","status":500,"details":{"error":{"panic":"boom\nline","stack":"goroutine 1"}}}`))
	f.Add([]byte(`{"time":"2026-03-01T11:30:00Z","event":"panic","details":{"error":"plain\u2028text"}}`))
	f.Add([]byte(`{"time":"x","event":"e"}`))
	f.Add([]byte(`{"event":"\u0000\u001b[31m"}`))
	f.Add([]byte(`not json`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, line []byte) {
		e, err := parseLogLine(line)
		if err != nil {
			return
		}
		if e.Event == "" || e.Time.IsZero() {
			t.Fatalf("accepted an event without a name or time: %+v", e)
		}
		for _, s := range []string{e.Event, e.IP, e.Method, e.Path, e.RequestID, e.panicMessage()} {
			if len(s) > logMaxKeyLen+len("…") {
				t.Fatalf("value of %d bytes kept, cap %d", len(s), logMaxKeyLen)
			}
			if strings.ContainsAny(s, "\n\r\x1b\u2028\u2029") {
				t.Fatalf("control character kept in %q", s)
			}
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 kept: %q", s)
			}
		}
		// The summary takes any line without failing.
		sum := newLogSummary()
		sum.add(line)
		if sum.events != 1 {
			t.Fatalf("a parsed line counted %d events", sum.events)
		}
		var buf bytes.Buffer
		if err := sum.writeText(&buf, 3); err != nil {
			t.Fatal(err)
		}
		if err := sum.writeJSON(&buf, 3); err != nil {
			t.Fatal(err)
		}
	})
}
