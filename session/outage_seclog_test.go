package session_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
)

// secEvents decodes the security log's JSON lines.
func secEvents(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("bad security log line %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

// TestOutageSecurityLogFollowsTheRule: during a session-store outage the
// security log records the first refusal, then one per interval with the
// count of those in between, then store_recovered with the rest — not one
// event per refused request — while every request still gets its 503.
func TestOutageSecurityLogFollowsTheRule(t *testing.T) {
	store := &faultyStore{MemoryStore: session.NewTestMemoryStore(0)}
	app := storetest.NewApp(t, store, nil)
	var buf storetest.SyncBuffer
	sec, err := seclog.New(seclog.Config{Writer: &buf, Service: "test"})
	if err != nil {
		t.Fatal(err)
	}
	app.Handler = sec.Handler(app.Handler)
	user := &storetest.Browser{App: app}
	if res := user.Do(t, "POST", "/login?user=u1"); res.Status != 200 {
		t.Fatalf("login: %d %q", res.Status, res.Body)
	}

	store.fail.Store(true)
	refuse := func(n int) {
		t.Helper()
		for i := range n {
			res := user.Do(t, "GET", "/me")
			if res.Status != 503 || strings.TrimSpace(res.Body) != `{"error":"Service unavailable"}` {
				t.Fatalf("request %d during the outage: %d %q, want 503", i, res.Status, res.Body)
			}
		}
	}
	refuse(40)                   // first recorded, 39 quiet
	app.Advance(2 * time.Minute) // past the interval
	refuse(25)                   // first recorded with suppressed=39, 24 quiet
	store.fail.Store(false)
	if res := user.Do(t, "GET", "/me"); res.Status != 200 || res.Body != "u1" {
		t.Fatalf("after the outage: %d %q, want 200 u1", res.Status, res.Body)
	}
	if res := user.Do(t, "GET", "/me"); res.Status != 200 {
		t.Fatalf("second request after the outage: %d", res.Status)
	}

	type rec struct {
		event      string
		suppressed float64
	}
	var got []rec
	for _, ev := range secEvents(t, buf.String()) {
		name, _ := ev["event"].(string)
		details, _ := ev["details"].(map[string]any)
		n, _ := details["suppressed"].(float64)
		got = append(got, rec{name, n})
		if name == "session_store_error" && ev["status"] != float64(503) {
			t.Errorf("session_store_error with status %v, want 503", ev["status"])
		}
		if name == secevent.StoreRecovered && details["outage_event"] != "session_store_error" {
			t.Errorf("store_recovered names %v, want session_store_error", details["outage_event"])
		}
	}
	want := []rec{{"session_store_error", 0}, {"session_store_error", 39}, {secevent.StoreRecovered, 24}}
	if len(got) != len(want) {
		t.Fatalf("security log events %v, want %v:\n%s", got, want, buf.String())
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
