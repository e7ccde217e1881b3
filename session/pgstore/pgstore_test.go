package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/internal/testserver"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/storetest"
	"github.com/harden-go/harden/session/pgstore"
)

func pool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	cfg.MaxConns = 8
	p, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// schema gives each test a schema of its own, dropped afterwards, and
// returns the store's table in it.
func schema(t testing.TB, p *pgxpool.Pool) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name := "harden_test_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := p.Exec(ctx, `CREATE SCHEMA `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Exec(context.Background(), `DROP SCHEMA `+name+` CASCADE`) })
	return name + ".sessions"
}

func newStore(t testing.TB, p *pgxpool.Pool, table string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.New(context.Background(), p, pgstore.Config{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestConformance(t *testing.T) {
	p := pool(t, testenv.PostgresURL(t))
	storetest.Run(t, func(t *testing.T) session.Store {
		return newStore(t, p, schema(t, p))
	})
}

// TestShared: two instances, each with its own pool, share sessions.
func TestShared(t *testing.T) {
	dsn := testenv.PostgresURL(t)
	a, b := pool(t, dsn), pool(t, dsn)
	table := schema(t, a)
	storetest.Shared(t, newStore(t, a, table), newStore(t, b, table))
}

func TestAtRest(t *testing.T) {
	p := pool(t, testenv.PostgresURL(t))
	table := schema(t, p)
	storetest.AtRest(t, newStore(t, p, table), func(t *testing.T) []byte {
		rows, err := p.Query(context.Background(), `SELECT key, coalesce(user_id, ''), data FROM `+table)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var all []byte
		for rows.Next() {
			var key, user string
			var data []byte
			if err := rows.Scan(&key, &user, &data); err != nil {
				t.Fatal(err)
			}
			all = append(append(append(all, key...), user...), data...)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return all
	})
}

func TestCleanup(t *testing.T) {
	p := pool(t, testenv.PostgresURL(t))
	table := schema(t, p)
	s := newStore(t, p, table)
	ctx := context.Background()
	for i, exp := range []time.Duration{-time.Hour, -time.Second, time.Hour} {
		if err := s.Commit(ctx, string(rune('a'+i)), session.Record{Data: []byte("x"), Expiry: time.Now().Add(exp)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.ExportCleanup(ctx); err != nil || n != 2 {
		t.Fatalf("Cleanup = %d, %v; want 2 rows", n, err)
	}
	var left int
	if err := p.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&left); err != nil || left != 1 {
		t.Fatalf("%d rows left, %v", left, err)
	}
}

func TestConfig(t *testing.T) {
	p := pool(t, testenv.PostgresURL(t))
	for _, tt := range []struct{ table, reason string }{
		{`x"; DROP TABLE users; --`, "each part must be letters, digits and _, not starting with a digit, at most 63 characters"},
		{"a.b.c", `must be "table" or "schema.table"`},
		{"1abc", "each part must be letters, digits and _, not starting with a digit, at most 63 characters"},
		{"a-b", "each part must be letters, digits and _, not starting with a digit, at most 63 characters"},
		{".x", "each part must be letters, digits and _, not starting with a digit, at most 63 characters"},
		{"x.", "each part must be letters, digits and _, not starting with a digit, at most 63 characters"},
	} {
		_, err := pgstore.New(context.Background(), p, pgstore.Config{Table: tt.table})
		want := "pgstore: table " + strconv.Quote(tt.table) + ": " + tt.reason
		var ce *configerr.Error
		if !errors.As(err, &ce) || !errors.Is(err, session.ErrInvalidConfig) || err.Error() != want {
			t.Errorf("Table %q: New = %v, want %s", tt.table, err, want)
		}
	}
	if _, err := pgstore.New(context.Background(), nil, pgstore.Config{}); err == nil {
		t.Error("nil DB accepted")
	}
	// Creating the same table twice (two instances) works.
	table := schema(t, p)
	newStore(t, p, table)
	newStore(t, p, table)
}

// TestOutage stops a PostgreSQL cluster started for this test.
func TestOutage(t *testing.T) {
	srv := testserver.Postgres(t)
	p := pool(t, srv.URL)
	s, err := pgstore.New(context.Background(), p, pgstore.Config{CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Outage(t, s, srv.Stop)
}

func BenchmarkLoad(b *testing.B) {
	p := pool(b, testenv.PostgresURL(b))
	storetest.BenchmarkLoad(b, newStore(b, p, schema(b, p)))
}

// TestFrozen: with PostgreSQL paused by SIGSTOP (the postmaster and every
// backend of a cluster of the test's own), every request needing the
// session store answers 503 within StoreTimeout + 100 ms; one error record
// and one recovery are logged.
func TestFrozen(t *testing.T) {
	srv := testserver.Postgres(t)
	p := pool(t, srv.URL)
	s, err := pgstore.New(context.Background(), p, pgstore.Config{CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Frozen(t, s, func() { srv.Pause(t) }, func() { srv.Resume(t) })
}
