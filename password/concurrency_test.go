package password

import (
	"testing"
	"time"
)

// TestConcurrencyBound: with every slot taken, Hash waits.
func TestConcurrencyBound(t *testing.T) {
	h, err := New(Config{MaxConcurrent: 2, Argon2: Argon2Params{Memory: 7168, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32}})
	if err != nil {
		t.Fatal(err)
	}
	if cap(h.sem) != 2 {
		t.Fatalf("semaphore size %d, want 2", cap(h.sem))
	}
	h.sem <- struct{}{}
	h.sem <- struct{}{}
	done := make(chan struct{})
	go func() {
		_, _ = h.Hash("password")
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("Hash ran with every slot taken")
	case <-time.After(100 * time.Millisecond):
	}
	<-h.sem
	<-done
	<-h.sem
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
	if len(h.dummySalt) != int(h.argon.SaltLength) || len(h.dummyTag) != int(h.argon.KeyLength) || h.argon != RFC9106Second {
		t.Fatalf("dummy salt %d, tag %d, params %+v", len(h.dummySalt), len(h.dummyTag), h.argon)
	}
	hb, err := New(Config{Algorithm: Bcrypt, BcryptCost: 13})
	if err != nil {
		t.Fatal(err)
	}
	if cost, err := parseBcrypt(string(hb.dummyBcr)); err != nil || cost != 13 {
		t.Fatalf("dummy bcrypt hash %q: cost %d, %v; want 13", hb.dummyBcr, cost, err)
	}
}
