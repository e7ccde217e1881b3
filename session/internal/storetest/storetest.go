package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/session"
)

// Run runs the conformance suite. newStore must return a new, empty store
// on a real backend, isolated from the stores of other tests (a key prefix,
// a table or a schema of its own), and clean it up with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) session.Store) {
	t.Helper()
	t.Run("FindMissing", func(t *testing.T) { testFindMissing(t, newStore(t)) })
	t.Run("CommitFind", func(t *testing.T) { testCommitFind(t, newStore(t)) })
	t.Run("Replace", func(t *testing.T) { testReplace(t, newStore(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newStore(t)) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, newStore(t)) })
	t.Run("Update", func(t *testing.T) { testUpdate(t, newStore(t)) })
	t.Run("DeleteUser", func(t *testing.T) { testDeleteUser(t, newStore(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("Manager", func(t *testing.T) { testManager(t, newStore(t)) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// Keys look like the Manager's: base64url of a SHA-256.
func testKey(i int) string {
	return fmt.Sprintf("k%042d", i)[:43]
}

func rec(data string, user string) session.Record {
	return session.Record{Data: []byte(data), UserID: user, Expiry: time.Now().Add(time.Hour)}
}

func mustFind(t *testing.T, s session.Store, key string) ([]byte, bool) {
	t.Helper()
	data, found, err := s.Find(ctx(t), key)
	if err != nil {
		t.Fatalf("Find(%s): %v", key, err)
	}
	if !found && data != nil {
		t.Fatalf("Find(%s) = %q, false; want nil data when not found", key, data)
	}
	return data, found
}

func mustCommit(t *testing.T, s session.Store, key string, r session.Record) {
	t.Helper()
	if err := s.Commit(ctx(t), key, r); err != nil {
		t.Fatalf("Commit(%s): %v", key, err)
	}
}

func testFindMissing(t *testing.T, s session.Store) {
	if data, found := mustFind(t, s, testKey(1)); found {
		t.Fatalf("Find(missing) = %q, true", data)
	}
}

func testCommitFind(t *testing.T, s session.Store) {
	payloads := map[string][]byte{
		"binary": {0, 1, 2, 0xff, 0, '\'', '"', '\\', '%', '\n'},
		"large":  bytes.Repeat([]byte("0123456789abcdef"), 4096), // 64 KiB
		"short":  {1},
	}
	i := 0
	for name, p := range payloads {
		i++
		key := testKey(i)
		mustCommit(t, s, key, session.Record{Data: p, Expiry: time.Now().Add(time.Hour)})
		got, found := mustFind(t, s, key)
		if !found || !bytes.Equal(got, p) {
			t.Fatalf("%s: Find after Commit = %d bytes, %v; want the %d bytes committed", name, len(got), found, len(p))
		}
	}
	// The store must not keep the caller's slice.
	buf := []byte("original")
	mustCommit(t, s, testKey(100), session.Record{Data: buf, Expiry: time.Now().Add(time.Hour)})
	copy(buf, "XXXXXXXX")
	if got, _ := mustFind(t, s, testKey(100)); string(got) != "original" {
		t.Fatalf("stored data changed with the caller's slice: %q", got)
	}
	// Nor let the caller change what it keeps.
	got, _ := mustFind(t, s, testKey(100))
	copy(got, "YYYYYYYY")
	if got, _ := mustFind(t, s, testKey(100)); string(got) != "original" {
		t.Fatalf("stored data changed with the returned slice: %q", got)
	}
}

func testReplace(t *testing.T, s session.Store) {
	key := testKey(1)
	mustCommit(t, s, key, rec("one", ""))
	mustCommit(t, s, key, rec("two", "u1"))
	if got, found := mustFind(t, s, key); !found || string(got) != "two" {
		t.Fatalf("Find after second Commit = %q, %v; want two", got, found)
	}
}

func testDelete(t *testing.T, s session.Store) {
	mustCommit(t, s, testKey(1), rec("one", "u1"))
	mustCommit(t, s, testKey(2), rec("two", ""))
	if err := s.Delete(ctx(t), testKey(1)); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, found := mustFind(t, s, testKey(1)); found {
		t.Fatal("Find after Delete found the record")
	}
	if _, found := mustFind(t, s, testKey(2)); !found {
		t.Fatal("Delete removed another record")
	}
	if err := s.Delete(ctx(t), testKey(1)); err != nil {
		t.Fatalf("Delete(missing): %v, want nil", err)
	}
}

func testExpiry(t *testing.T, s session.Store) {
	past := session.Record{Data: []byte("old"), UserID: "u1", Expiry: time.Now().Add(-time.Second)}
	mustCommit(t, s, testKey(1), past)
	if got, found := mustFind(t, s, testKey(1)); found {
		t.Fatalf("Find(expired) = %q, true", got)
	}
	// Replacing an expired record with a live one revives the key.
	mustCommit(t, s, testKey(1), rec("new", "u1"))
	if got, found := mustFind(t, s, testKey(1)); !found || string(got) != "new" {
		t.Fatalf("Find after re-Commit = %q, %v", got, found)
	}
	// A live record expiring the other way.
	mustCommit(t, s, testKey(1), past)
	if _, found := mustFind(t, s, testKey(1)); found {
		t.Fatal("Commit with a past expiry left the record findable")
	}
}

func testUpdate(t *testing.T, s session.Store) {
	u, ok := s.(session.Updater)
	if !ok {
		t.Skip("store does not implement session.Updater")
	}
	found, err := u.Update(ctx(t), testKey(1), rec("x", ""))
	if err != nil || found {
		t.Fatalf("Update(missing) = %v, %v; want false, nil", found, err)
	}
	if _, f := mustFind(t, s, testKey(1)); f {
		t.Fatal("Update(missing) created the record")
	}
	mustCommit(t, s, testKey(1), rec("one", "u1"))
	found, err = u.Update(ctx(t), testKey(1), rec("two", "u1"))
	if err != nil || !found {
		t.Fatalf("Update(existing) = %v, %v; want true, nil", found, err)
	}
	if got, _ := mustFind(t, s, testKey(1)); string(got) != "two" {
		t.Fatalf("Find after Update = %q, want two", got)
	}
	mustCommit(t, s, testKey(2), session.Record{Data: []byte("old"), Expiry: time.Now().Add(-time.Second)})
	found, err = u.Update(ctx(t), testKey(2), rec("new", ""))
	if err != nil || found {
		t.Fatalf("Update(expired) = %v, %v; want false, nil", found, err)
	}
	if _, f := mustFind(t, s, testKey(2)); f {
		t.Fatal("Update(expired) revived the record")
	}
}

func testDeleteUser(t *testing.T, s session.Store) {
	ui, ok := s.(session.UserIndex)
	if !ok {
		t.Skip("store does not implement session.UserIndex")
	}
	for i := 1; i <= 3; i++ {
		mustCommit(t, s, testKey(i), rec("u1", "u1"))
	}
	mustCommit(t, s, testKey(4), rec("u2", "u2"))
	mustCommit(t, s, testKey(5), rec("anon", ""))
	// Key 6 belonged to u1, then to u2; key 7 to u1, then to nobody.
	mustCommit(t, s, testKey(6), rec("u1", "u1"))
	mustCommit(t, s, testKey(6), rec("u2", "u2"))
	mustCommit(t, s, testKey(7), rec("u1", "u1"))
	mustCommit(t, s, testKey(7), rec("anon", ""))
	// A deleted record stays deleted.
	mustCommit(t, s, testKey(8), rec("u1", "u1"))
	if err := s.Delete(ctx(t), testKey(8)); err != nil {
		t.Fatal(err)
	}
	// A user id that needs quoting anywhere.
	mustCommit(t, s, testKey(9), rec("q", `o'brien"; --*`))

	if err := ui.DeleteUser(ctx(t), "u1"); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	for i, want := range map[int]bool{1: false, 2: false, 3: false, 4: true, 5: true, 6: true, 7: true, 8: false, 9: true} {
		if _, found := mustFind(t, s, testKey(i)); found != want {
			t.Errorf("after DeleteUser(u1): key %d found = %v, want %v", i, found, want)
		}
	}
	if err := ui.DeleteUser(ctx(t), "nobody"); err != nil {
		t.Fatalf("DeleteUser(unknown): %v", err)
	}
	if err := ui.DeleteUser(ctx(t), `o'brien"; --*`); err != nil {
		t.Fatal(err)
	}
	if _, found := mustFind(t, s, testKey(9)); found {
		t.Error("DeleteUser with a quoted user id left its session")
	}
	// The index keeps working after a delete.
	mustCommit(t, s, testKey(10), rec("u1", "u1"))
	if err := ui.DeleteUser(ctx(t), "u1"); err != nil {
		t.Fatal(err)
	}
	if _, found := mustFind(t, s, testKey(10)); found {
		t.Error("second DeleteUser(u1) left a new session")
	}
}

func testConcurrent(t *testing.T, s session.Store) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	const letters = "abcdefgh" // one per goroutine: its records' content
	for g := range len(letters) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				key := testKey(g*100 + i%5)
				data := strings.Repeat(letters[g:g+1], 10+i)
				if err := s.Commit(context.Background(), key, rec(data, fmt.Sprint("u", g))); err != nil {
					errs <- err
					return
				}
				got, found, err := s.Find(context.Background(), key)
				if err != nil || !found || len(got) == 0 || got[0] != letters[g] {
					errs <- fmt.Errorf("Find(%s) = %q, %v, %v", key, got, found, err)
					return
				}
				if i%7 == 0 {
					if err := s.Delete(context.Background(), key); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
