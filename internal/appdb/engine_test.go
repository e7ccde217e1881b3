package appdb_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testenv"
)

func TestSQLiteFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	db := open(t, appdb.Config{DataDir: dir})
	mustCreate(t, db, appdb.User{Email: "ann@example.com", PasswordHash: hash1})
	file := filepath.Join(dir, appdb.FileName)
	want := map[string]os.FileMode{
		filepath.Dir(dir): 0o700 | os.ModeDir, // created too
		dir:               0o700 | os.ModeDir,
		file:              0o600,
		file + "-wal":     0o600,
		file + "-shm":     0o600,
	}
	for path, mode := range want {
		fi, err := os.Stat(path)
		if err != nil {
			t.Errorf("stat %s: %v", filepath.Base(path), err)
			continue
		}
		if got := fi.Mode(); got != mode {
			t.Errorf("mode of %s = %v, want %v", filepath.Base(path), got, mode)
		}
	}
}

func TestSQLiteOpenFails(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	notDB := t.TempDir()
	if err := os.WriteFile(filepath.Join(notDB, appdb.FileName), []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, dir := range map[string]string{
		"a file, not a directory":   file,
		"a directory under a file":  filepath.Join(file, "sub"),
		"a file that is not SQLite": notDB,
	} {
		db, err := appdb.Open(context.Background(), appdb.Config{DataDir: dir})
		if err == nil {
			db.Close()
			t.Errorf("%s: Open succeeded, want an error at once", name)
		}
	}
}

// TestSQLiteSharedByProcesses: two handles on one file (as two processes
// on one machine) see each other's writes, and both could create the
// tables.
func TestSQLiteSharedByProcesses(t *testing.T) {
	dir := t.TempDir()
	a := open(t, appdb.Config{DataDir: dir})
	b := open(t, appdb.Config{DataDir: dir})
	u := mustCreate(t, a, appdb.User{Email: "ann@example.com", PasswordHash: hash1})
	if got, err := b.UserByEmail(context.Background(), "ann@example.com"); err != nil || got != u {
		t.Errorf("second handle UserByEmail = %+v, %v; want %+v", got, err, u)
	}
	if _, err := b.CreateUser(context.Background(), appdb.User{Email: "ANN@example.com", PasswordHash: hash2}); err != appdb.ErrEmailTaken {
		t.Errorf("second handle CreateUser error = %v, want ErrEmailTaken", err)
	}
}

func TestPostgresBadURL(t *testing.T) {
	for _, url := range []string{
		"postgres://user:s3cretpw@[::1",
		"postgres://user:s3cretpw@localhost:notaport/db",
		"host=localhost password=s3cretpw sslmode=bogus",
	} {
		_, err := appdb.Open(context.Background(), appdb.Config{DatabaseURL: url})
		if err != appdb.ErrBadDatabaseURL {
			t.Errorf("Open(%q) error = %v, want ErrBadDatabaseURL", url, err)
		}
	}
}

// TestPostgresUnreachable: a server that is not there is an error from
// Open, without the password of the URL in it.
func TestPostgresUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = appdb.Open(context.Background(), appdb.Config{
		DatabaseURL: "postgres://app:s3cretpw@" + addr + "/app?sslmode=disable&connect_timeout=2"})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("error %q contains the password", err)
	}
}

// TestPostgresConcurrentOpen: instances starting together on an empty
// database all succeed (the advisory lock serialises the migrations).
func TestPostgresConcurrentOpen(t *testing.T) {
	url := testenv.PostgresSchemaURL(t, "appdb_test")
	const n = 4
	errs := make([]error, n)
	dbs := make([]*appdb.DB, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = appdb.Open(context.Background(), appdb.Config{DatabaseURL: url}) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	u := mustCreate(t, dbs[0], appdb.User{Email: "ann@example.com", PasswordHash: hash1})
	for i, db := range dbs {
		if got, err := db.UserByID(context.Background(), u.ID); err != nil || got != u {
			t.Errorf("instance %d UserByID = %+v, %v; want %+v", i, got, err, u)
		}
		db.Close()
	}
}
