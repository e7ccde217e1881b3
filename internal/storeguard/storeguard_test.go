package storeguard

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestCallReturnsAtTheTimeout: a call whose function ignores its context
// still returns at the store's timeout, or at the request's earlier
// deadline; a quick function's answer comes through.
func TestCallReturnsAtTheTimeout(t *testing.T) {
	hang := make(chan struct{})
	defer close(hang)
	ignoring := func(context.Context) (int, error) { <-hang; return 1, nil }
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		timeout time.Duration
		fn      func(context.Context) (int, error)
		want    int
		wantErr error
		maxTime time.Duration
	}{
		{"answer", context.Background(), time.Second, func(context.Context) (int, error) { return 7, nil }, 7, nil, 500 * time.Millisecond},
		{"error", context.Background(), time.Second, func(context.Context) (int, error) { return 0, errBoom }, 0, errBoom, 500 * time.Millisecond},
		{"store timeout", context.Background(), 50 * time.Millisecond, ignoring, 0, context.DeadlineExceeded, 150 * time.Millisecond},
		{"request deadline first", short, time.Hour, ignoring, 0, context.DeadlineExceeded, 120 * time.Millisecond},
		{"no timeout of its own", short, 0, ignoring, 0, context.DeadlineExceeded, 120 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			got, err := Call(tt.ctx, tt.timeout, tt.fn)
			if d := time.Since(start); d > tt.maxTime {
				t.Errorf("returned after %v, want within %v", d, tt.maxTime)
			}
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("Call = %d, %v; want %d, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

var errBoom = errors.New("boom")

// TestBound: the earlier deadline holds; no timeout adds none.
func TestBound(t *testing.T) {
	ctx, cancel := Bound(context.Background(), 0)
	defer cancel()
	if _, ok := ctx.Deadline(); ok {
		t.Error("Bound(0) set a deadline")
	}
	parent, pcancel := context.WithTimeout(context.Background(), time.Minute)
	defer pcancel()
	ctx, cancel = Bound(parent, time.Second)
	defer cancel()
	if d, _ := ctx.Deadline(); time.Until(d) > 2*time.Second {
		t.Errorf("deadline in %v, want about 1s", time.Until(d))
	}
	ctx, cancel = Bound(parent, time.Hour)
	defer cancel()
	if d, _ := ctx.Deadline(); time.Until(d) > 2*time.Minute {
		t.Errorf("deadline in %v, want the parent's minute", time.Until(d))
	}
}

// TestReporterOutage: an outage logs its first error, then one record per
// interval counting the errors in between, then one recovery with the
// count since the last record; a second outage starts afresh.
func TestReporterOutage(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Reporter{
		Logger:   slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: dropTime})),
		Name:     "session",
		Attrs:    []slog.Attr{slog.String("store", "redis")},
		Interval: time.Minute,
		Clock:    func() time.Time { return now },
	}
	ctx := context.Background()
	r.Success(ctx) // healthy: nothing
	for range 50 {
		r.Failure(ctx, errBoom)
		now = now.Add(time.Second)
	}
	// 50 s in: the first error only.
	now = now.Add(20 * time.Second)
	for range 10 {
		r.Failure(ctx, errBoom)
	}
	if !r.Failing() {
		t.Error("Failing() = false during the outage")
	}
	r.Success(ctx)
	r.Success(ctx)
	r.Failure(ctx, errBoom) // a new outage
	want := `level=ERROR msg="session: store failed" store=redis suppressed=0 error=boom
level=ERROR msg="session: store failed" store=redis suppressed=49 error=boom
level=INFO msg="session: store recovered" store=redis suppressed=9
level=ERROR msg="session: store failed" store=redis suppressed=0 error=boom
`
	if got := buf.String(); got != want {
		t.Errorf("log:\n%s\nwant:\n%s", got, want)
	}
	if strings.Count(buf.String(), "\n") != 4 {
		t.Errorf("%d records for 62 errors, want 4", strings.Count(buf.String(), "\n"))
	}
}

// TestReporterDecisions: what Failure and Success report is what they log,
// for a caller that keeps a record of its own under the same rule — and
// the zero Logger still decides.
func TestReporterDecisions(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := &Reporter{Interval: time.Minute, Clock: func() time.Time { return now }}
	ctx := context.Background()
	type step struct {
		name      string
		fail      bool
		advance   time.Duration
		wantOK    bool
		wantCount int64
	}
	for i, st := range []step{
		{"success while healthy", false, 0, false, 0},
		{"first failure", true, 0, true, 0},
		{"repeat", true, time.Second, false, 0},
		{"repeat", true, time.Second, false, 0},
		{"after the interval", true, time.Minute, true, 2},
		{"repeat", true, time.Second, false, 0},
		{"recovery", false, time.Second, true, 1},
		{"second success", false, 0, false, 0},
		{"new outage", true, 0, true, 0},
	} {
		now = now.Add(st.advance)
		var ok bool
		var n int64
		if st.fail {
			ok, n = r.Failure(ctx, errBoom)
		} else {
			ok, n = r.Success(ctx)
		}
		if ok != st.wantOK || n != st.wantCount {
			t.Errorf("step %d (%s): got (%v, %d), want (%v, %d)", i, st.name, ok, n, st.wantOK, st.wantCount)
		}
	}
}

// TestReporterZero: the zero Reporter discards and does not panic.
func TestReporterZero(t *testing.T) {
	var r Reporter
	r.Failure(context.Background(), errBoom)
	r.Success(context.Background())
	if r.Failing() {
		t.Error("Failing() after a success")
	}
}

func dropTime(_ []string, a slog.Attr) slog.Attr {
	if a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// BenchmarkCall is the cost Call adds to a store call (a goroutine, a
// channel and a timer), against calling the function directly.
func BenchmarkCall(b *testing.B) {
	fn := func(context.Context) (int, error) { return 1, nil }
	ctx := context.Background()
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, cancel := Bound(ctx, time.Second)
			_, _ = fn(c)
			cancel()
		}
	})
	b.Run("Call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = Call(ctx, time.Second, fn)
		}
	})
}
