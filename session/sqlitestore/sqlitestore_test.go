package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
	"github.com/harden-go/harden/session/sqlitestore"
)

// openDB opens the database file at path as the package documents it.
func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", sqlitestore.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openConfig returns a store on the database file at path, configured by cfg.
func openConfig(t testing.TB, path string, cfg sqlitestore.Config) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.New(openDB(t, path), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// open returns a store on the database file at path.
func open(t testing.TB, path string) *sqlitestore.Store {
	t.Helper()
	return openConfig(t, path, sqlitestore.Config{})
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) session.Store {
		return open(t, filepath.Join(t.TempDir(), "sessions.db"))
	})
}

func TestSharedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	storetest.Shared(t, open(t, path), open(t, path))
}

func TestAtRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sessions.db")
	s := open(t, path)
	storetest.AtRest(t, s, func(t *testing.T) []byte {
		// Every byte on disk: the database file and its WAL.
		var all []byte
		for _, f := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	})
}

func TestSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	db, err := sql.Open("sqlite", sqlitestore.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	first, err := sqlitestore.New(db, sqlitestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b := &storetest.Browser{App: storetest.NewApp(t, first, nil)}
	b.Do(t, "POST", "/login?user=u1")
	first.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b.App = storetest.NewApp(t, open(t, path), nil) // a new process, same keys
	if res := b.Do(t, "GET", "/me"); res.Status != 200 || res.Body != "u1" {
		t.Fatalf("after restart /me = %d %q, want 200 u1", res.Status, res.Body)
	}
}

// TestOutage: a database that fails (here: closed under the store) gets
// 503 and a log line.
func TestOutage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sessions.db")
	db, err := sql.Open("sqlite", sqlitestore.DSN(path))
	if err != nil {
		t.Fatal(err)
	}
	s, err := sqlitestore.New(db, sqlitestore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.Outage(t, s, func() { db.Close() })
}

func TestCleanup(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "sessions.db"))
	ctx := context.Background()
	for i, exp := range []time.Duration{-time.Hour, -time.Second, time.Hour} {
		if err := s.Commit(ctx, string(rune('a'+i)), session.Record{Data: []byte("x"), Expiry: time.Now().Add(exp)}); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.ExportCleanup(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Cleanup = %d, %v; want 2 rows", n, err)
	}
	var left int
	if err := s.ExportDB().QueryRow(`SELECT count(*) FROM harden_sessions`).Scan(&left); err != nil || left != 1 {
		t.Fatalf("%d rows left, %v", left, err)
	}
}

func TestCleanupGoroutine(t *testing.T) {
	s := openConfig(t, filepath.Join(t.TempDir(), "s.db"), sqlitestore.Config{CleanupInterval: 10 * time.Millisecond})
	if err := s.Commit(context.Background(), "k", session.Record{Data: []byte("x"), Expiry: time.Now().Add(-time.Second)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := s.ExportDB().QueryRow(`SELECT count(*) FROM harden_sessions`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the expired row was not cleaned up")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestConfig(t *testing.T) {
	db, err := sql.Open("sqlite", sqlitestore.DSN(filepath.Join(t.TempDir(), "x.db")))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, bad := range []string{`x"; DROP TABLE users; --`, "1abc", "a-b", string(bytes.Repeat([]byte("a"), 64))} {
		_, err := sqlitestore.New(db, sqlitestore.Config{Table: bad})
		want := "sqlitestore: table " + strconv.Quote(bad) + ": must be letters, digits and _, not starting with a digit, at most 63 characters"
		var ce *configerr.Error
		if !errors.As(err, &ce) || !errors.Is(err, session.ErrInvalidConfig) || err.Error() != want {
			t.Errorf("Table %q: New = %v, want %s", bad, err, want)
		}
	}
	s, err := sqlitestore.New(db, sqlitestore.Config{Table: "my_sessions", CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A path that needs escaping in a file: URI.
	odd := filepath.Join(t.TempDir(), "a dir?#%", "s.db")
	if err := os.MkdirAll(filepath.Dir(odd), 0o700); err != nil {
		t.Fatal(err)
	}
	o := open(t, odd)
	if err := o.Commit(context.Background(), "k", session.Record{Data: []byte("x"), Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(odd); err != nil {
		t.Fatalf("database not created at the escaped path: %v", err)
	}
}

func BenchmarkLoad(b *testing.B) {
	storetest.BenchmarkLoad(b, open(b, filepath.Join(b.TempDir(), "sessions.db")))
}
