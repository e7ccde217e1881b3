package password

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/configerr"
)

var fastParams = Argon2Params{Memory: 7168, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// fill takes every slot of h's gate, as running hashes would, and returns
// a function that frees them.
func fill(t *testing.T, h *Hasher) (free func()) {
	t.Helper()
	n := h.gate.maxRunning
	need := argonBytes(h.argon)
	for range n {
		if err := h.gate.acquire(context.Background(), need); err != nil {
			t.Fatal(err)
		}
	}
	return func() {
		for range n {
			h.gate.release(need, false)
		}
	}
}

// TestConcurrencyBound: with every slot taken, Hash waits, and runs once
// a slot is free.
func TestConcurrencyBound(t *testing.T) {
	h, err := New(Config{MaxConcurrent: 2, Argon2: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	if h.gate.maxRunning != 2 {
		t.Fatalf("concurrency %d, want 2", h.gate.maxRunning)
	}
	free := fill(t, h)
	done := make(chan struct{})
	go func() {
		_, _ = h.Hash(context.Background(), "password")
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("Hash ran with every slot taken")
	case <-time.After(100 * time.Millisecond):
	}
	if got := h.gate.snapshot().Queued; got != 1 {
		t.Errorf("Queued = %d, want 1", got)
	}
	free()
	<-done
	if s := h.gate.snapshot(); s.Running != 0 || s.Queued != 0 || s.InUse != 0 || s.Hashes != 3 {
		t.Errorf("Stats after = %+v, want nothing running, 3 hashes", s)
	}
}

// TestBudgetDerivesConcurrency: the memory budget divided by one hash's
// memory bounds the concurrency; a budget below one hash is refused.
func TestBudgetDerivesConcurrency(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		want    int
		wantErr string
	}{
		{"default budget, 64 MiB", Config{MaxConcurrent: 8, Argon2: rfc9106Second}, 1, ""},
		{"128 MiB budget, 64 MiB", Config{MaxConcurrent: 8, Argon2: rfc9106Second, MemoryBudget: 128 << 20}, 2, ""},
		{"default budget, 7 MiB", Config{MaxConcurrent: 8, Argon2: fastParams}, 8, ""},
		{"budget of three hashes", Config{MaxConcurrent: 8, Argon2: fastParams, MemoryBudget: 3 * 7168 << 10}, 3, ""},
		{"concurrency below budget", Config{MaxConcurrent: 1, Argon2: fastParams}, 1, ""},
		{"default budget below one 2 GiB hash", Config{MaxConcurrent: 8, Argon2: Argon2Params{Memory: 2 << 20, Iterations: 1, Parallelism: 4, SaltLength: 16, KeyLength: 32}}, 1, ""},
		{"budget below one hash", Config{Argon2: rfc9106Second, MemoryBudget: 32 << 20}, 0, "memory_budget"},
		{"negative budget", Config{MemoryBudget: -1}, 0, "memory_budget"},
		{"negative queue", Config{MaxQueue: -1}, 0, "max_queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := New(tt.cfg)
			if tt.wantErr != "" {
				ce, ok := errors.AsType[*configerr.Error](err)
				if !ok || ce.Field != tt.wantErr {
					t.Fatalf("New error = %v, want a *configerr.Error on %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := h.gate.maxRunning; got != tt.want {
				t.Errorf("concurrency = %d, want %d", got, tt.want)
			}
			if got, want := h.gate.maxQueue, defaultQueuePerSlot*tt.want; got != want {
				t.Errorf("queue = %d, want %d", got, want)
			}
		})
	}
}

// TestGoneCallerLeavesQueue: a call whose context ends while it waits
// returns the context's error, computes nothing and leaves the queue; a
// call with an ended context never queues.
func TestGoneCallerLeavesQueue(t *testing.T) {
	h, err := New(Config{MaxConcurrent: 1, Argon2: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	enc := mustHash(t, fastParams)
	free := fill(t, h)
	defer free()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	ok, err := h.Verify(ctx, "password", enc)
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Verify = %v, %v; want false, context.DeadlineExceeded", ok, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Verify returned after %v, want about 50ms", d)
	}
	if err := h.DummyVerify(ctx, "password"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("DummyVerify after the deadline = %v, want context.DeadlineExceeded", err)
	}
	if _, err := h.Hash(ctx, "password"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash after the deadline = %v, want context.DeadlineExceeded", err)
	}
	if s := h.gate.snapshot(); s.Queued != 0 || s.Abandoned != 3 || s.Hashes != 0 || s.Running != 1 {
		t.Errorf("Stats = %+v, want 1 running, 0 queued, 3 abandoned, 0 hashes", s)
	}
}

// TestFullQueueIsBusy: beyond MaxQueue waiting calls, the next fails at
// once with ErrBusy, for every entry point.
func TestFullQueueIsBusy(t *testing.T) {
	h, err := New(Config{MaxConcurrent: 1, MaxQueue: 2, Argon2: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	enc := mustHash(t, fastParams)
	free := fill(t, h)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	for range 2 {
		go func() { _, err := h.Hash(ctx, "password"); errs <- err }()
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.gate.snapshot().Queued != 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, err := h.Hash(context.Background(), "password"); err != ErrBusy {
		t.Errorf("Hash with a full queue = %v, want ErrBusy", err)
	}
	if ok, err := h.Verify(context.Background(), "password", enc); ok || err != ErrBusy {
		t.Errorf("Verify with a full queue = %v, %v; want false, ErrBusy", ok, err)
	}
	if err := h.DummyVerify(context.Background(), "password"); err != ErrBusy {
		t.Errorf("DummyVerify with a full queue = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("refusals took %v, want immediate", d)
	}
	cancel()
	for range 2 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("queued call = %v, want context.Canceled", err)
		}
	}
	free()
	if s := h.gate.snapshot(); s.Refused != 3 || s.Abandoned != 2 || s.Queued != 0 {
		t.Errorf("Stats = %+v, want 3 refused, 2 abandoned, 0 queued", s)
	}
}

// TestOversizedHashRunsAlone: a stored hash needing more than the budget
// waits until nothing runs, and then runs.
func TestOversizedHashRunsAlone(t *testing.T) {
	h, err := New(Config{MaxConcurrent: 4, MemoryBudget: 2 * 7168 << 10, Argon2: fastParams})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.gate.acquire(context.Background(), argonBytes(fastParams)); err != nil {
		t.Fatal(err)
	}
	big := Argon2Params{Memory: 3 * 7168, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	enc := mustHash(t, big)
	done := make(chan error, 1)
	go func() { _, err := h.Verify(context.Background(), "password", enc); done <- err }()
	select {
	case err := <-done:
		t.Fatalf("the oversized verification ran beside another hash (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	h.gate.release(argonBytes(fastParams), false)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func mustHash(t *testing.T, p Argon2Params) string {
	t.Helper()
	other, err := New(Config{Argon2: p})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := other.Hash(context.Background(), "password")
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// TestDummyDoesTheSameWork: DummyVerify runs argon2id with the configured
// parameters (salt and tag lengths included), and in bcrypt mode compares
// against a hash of the configured cost; BenchmarkDummyVerify shows the
// time.
func TestDummyDoesTheSameWork(t *testing.T) {
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.dummySalt) != int(h.argon.SaltLength) || len(h.dummyTag) != int(h.argon.KeyLength) || h.argon != rfc9106Second {
		t.Fatalf("dummy salt %d, tag %d, params %+v", len(h.dummySalt), len(h.dummyTag), h.argon)
	}
	hb, err := New(Config{Algorithm: algBcrypt, BcryptCost: 13})
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := parseBcrypt(string(hb.dummyBcr)); err != nil || cost != 13 {
		t.Fatalf("dummy bcrypt hash %q: cost %d, %v; want 13", hb.dummyBcr, cost, err)
	}
}

// TestDefaultParamsAreRFC9106Second: the default argon2id parameters are
// RFC 9106 section 4's second recommended option.
func TestDefaultParamsAreRFC9106Second(t *testing.T) {
	if rfc9106Second != (Argon2Params{Memory: 65536, Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32}) {
		t.Fatalf("rfc9106Second = %+v", rfc9106Second)
	}
}
