package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/secevent"
	"github.com/harden-go/harden/keys"
	"github.com/harden-go/harden/metrics"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/session"
)

// brokenWriter is a security log sink that fails every write.
type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

func TestSecurityLogWriteErrors(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := seclog.New(seclog.Config{Writer: brokenWriter{}, Observer: m})
	if err != nil {
		t.Fatal(err)
	}
	if got := series(t, m, "harden_security_log_write_errors_total"); fmt.Sprint(got) != "map[:0]" {
		t.Fatalf("before any event: got %v, want map[:0]", got)
	}
	l.Record(httptest.NewRequest("GET", "/", nil), seclog.Event{Name: secevent.CSRFFailure, Status: 403})
	if got := series(t, m, "harden_security_log_write_errors_total"); fmt.Sprint(got) != "map[:1]" {
		t.Fatalf("after one lost event: got %v, want map[:1]", got)
	}
	// The event itself is still counted as a refusal, once.
	if got := series(t, m, "harden_refusals_total"); fmt.Sprint(got) != "map[layer=csrf,reason=403,route=unmatched:1]" {
		t.Fatalf("refusals: got %v", got)
	}
}

// downSessionStore is a session store that fails while down is set and
// takes delay on every call.
type downSessionStore struct {
	session.Store
	down  atomic.Bool
	delay time.Duration
}

func (s *downSessionStore) wait(ctx context.Context) error {
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.down.Load() {
		return errors.New("connection refused")
	}
	return nil
}

func (s *downSessionStore) Find(ctx context.Context, key string) ([]byte, bool, error) {
	if err := s.wait(ctx); err != nil {
		return nil, false, err
	}
	return s.Store.Find(ctx, key)
}

func (s *downSessionStore) Commit(ctx context.Context, key string, rec session.Record) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.Commit(ctx, key, rec)
}

func (s *downSessionStore) Delete(ctx context.Context, key string) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.Delete(ctx, key)
}

func TestSessionStoreLatencyAndErrors(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keys.Parse("q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=")
	if err != nil {
		t.Fatal(err)
	}
	store := &downSessionStore{Store: session.NewMemoryStore(0), delay: 5 * time.Millisecond}
	mgr, err := session.New(session.Config{Keys: ring, Store: store, StoreObserver: m, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	h := mgr.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			session.From(r).Set("k", "v")
		case "/logout":
			if err := session.Logout(r); err != nil {
				t.Error(err)
			}
		}
	}))
	do := func(path, cookie string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	w := do("/set", "") // one save
	c := w.Result().Cookies()
	if len(c) != 1 {
		t.Fatalf("no session cookie: %v", w.Header())
	}
	cookie := c[0].Name + "=" + c[0].Value
	do("/get", cookie)    // one load
	do("/logout", cookie) // one load, one delete
	store.down.Store(true)
	if w := do("/get", cookie); w.Code != 503 { // one failed load
		t.Fatalf("store down: %d, want 503", w.Code)
	}

	if got, want := fmt.Sprint(series(t, m, "harden_session_store_duration_seconds")),
		fmt.Sprint(map[string]float64{"operation=delete": 1, "operation=load": 3, "operation=save": 1}); got != want {
		t.Errorf("latency observations: got %v, want %v", got, want)
	}
	if got, want := fmt.Sprint(series(t, m, "harden_session_store_errors_total")),
		fmt.Sprint(map[string]float64{"operation=load": 1}); got != want {
		t.Errorf("errors: got %v, want %v", got, want)
	}
	// Every call took at least the store's 5ms: none fell in the buckets below.
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "harden_session_store_duration_seconds" {
			continue
		}
		for _, mt := range f.GetMetric() {
			h := mt.GetHistogram()
			if min := h.GetSampleSum() / float64(h.GetSampleCount()); min < 0.005 {
				t.Errorf("%s: mean latency %.4fs, want at least 0.005s", labelString(mt), min)
			}
			for _, b := range h.GetBucket() {
				if b.GetUpperBound() < 0.005 && b.GetCumulativeCount() != 0 {
					t.Errorf("%s: %d calls under %gs, want 0", labelString(mt), b.GetCumulativeCount(), b.GetUpperBound())
				}
			}
		}
	}
}

func TestObserveStoreLabelsBounded(t *testing.T) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		m.ObserveStore(fmt.Sprintf("op%d", i), time.Millisecond, nil)
	}
	if got := series(t, m, "harden_session_store_duration_seconds"); fmt.Sprint(got) != "map[operation=other:100]" {
		t.Errorf("got %v, want one series operation=other", got)
	}
}

// BenchmarkMetricsCalls measures what metrics add to a request on their
// own, series created: an answered request (ObserveRequest), a refusal
// (ObserveEvent too) and a session load (ObserveStore).
func BenchmarkMetricsCalls(b *testing.B) {
	m, err := metrics.New(metrics.Config{})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/form", nil)
	r.Pattern = "POST /form"
	b.Run("request", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.ObserveRequest(r, 200, time.Millisecond)
		}
	})
	b.Run("refusal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.ObserveEvent(r, secevent.CSRFFailure, 403)
			m.ObserveRequest(r, 403, time.Millisecond)
		}
	})
	b.Run("session_load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m.ObserveStore("load", time.Millisecond, nil)
			m.ObserveRequest(r, 200, time.Millisecond)
		}
	})
}
