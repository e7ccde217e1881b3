// Package pgstore keeps harden sessions in PostgreSQL, shared by every
// instance of a service, through github.com/jackc/pgx/v5.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("HARDEN_DATABASE_URL"))
//	store, err := pgstore.New(ctx, pool, pgstore.Config{})
//	defer store.Close()
//	m, err := session.New(session.Config{Keys: ring, Store: store})
//
// The table (default "harden_sessions", optionally schema-qualified as
// "schema.table") is created if missing. It holds the store key (a hash of
// the session id), the user id (for ending all of a user's sessions), the
// session data (encrypted by the session Manager unless configured
// otherwise) and the expiry; expired rows are never returned and are
// deleted every CleanupInterval (default 5 minutes). All queries are
// parameterized; table and schema names are checked against a strict
// identifier pattern and quoted.
//
// Failures: every database error (connection refused, timeout, failover)
// is returned to the Manager, which answers 503. Every call returns within
// the Manager's StoreTimeout (and the request's deadline), even from a
// paused server: pgx honours the context while it waits for a pooled
// connection, dials and reads, and the Manager does not wait longer.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/internal/janitor"
	"github.com/harden-go/harden/session/internal/sqlident"
)

// Defaults of [Config].
const (
	defaultTable           = "harden_sessions"
	defaultCleanupInterval = 5 * time.Minute
)

// Config configures a [Store]. The zero value is the default.
type Config struct {
	// Table is the table name, optionally "schema.table". Default
	// "harden_sessions" (in the connection's search_path). Each part:
	// letters, digits and _, not starting with a digit, at most 63
	// characters.
	Table string `json:"table,omitempty" yaml:"table,omitempty"`
	// CleanupInterval is how often expired rows are deleted. Default 5
	// minutes; negative disables the clean-up (expired rows are still
	// never returned).
	CleanupInterval time.Duration `json:"cleanup_interval,omitempty" yaml:"cleanup_interval,omitempty"`
	// Logger receives clean-up errors. Default slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
}

// DB is what the store needs of a database handle: *pgxpool.Pool
// satisfies it. It must be safe for concurrent use (a single *pgx.Conn is
// not).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is a session.Store on PostgreSQL. It implements session.Updater
// and session.UserIndex, and is safe for concurrent use.
type Store struct {
	db      DB
	q       queries
	log     *slog.Logger
	now     func() time.Time
	janitor *janitor.Janitor
}

var (
	_ session.Store     = (*Store)(nil)
	_ session.Updater   = (*Store)(nil)
	_ session.UserIndex = (*Store)(nil)
)

type queries struct {
	find, commit, update, delete, deleteUser, cleanup string
}

// New returns a store on db, creating its table if missing.
func New(ctx context.Context, db DB, cfg Config) (*Store, error) {
	if db == nil {
		return nil, errors.New("pgstore: nil DB")
	}
	table := cfg.Table
	if table == "" {
		table = defaultTable
	}
	parts := strings.Split(table, ".")
	if len(parts) > 2 {
		return nil, &configerr.Error{Pkg: "pgstore", Field: "table", Index: -1, Value: table,
			Reason: `must be "table" or "schema.table"`, Err: session.ErrInvalidConfig}
	}
	for _, p := range parts {
		if !sqlident.Valid(p) {
			return nil, &configerr.Error{Pkg: "pgstore", Field: "table", Index: -1, Value: table,
				Reason: "each part must be " + sqlident.Rule, Err: session.ErrInvalidConfig}
		}
	}
	t := pgx.Identifier(parts).Sanitize()
	base := parts[len(parts)-1]
	s := &Store{
		db:  db,
		log: cfg.Logger,
		now: time.Now,
		q: queries{
			find: `SELECT data FROM ` + t + ` WHERE key = $1 AND expiry > $2`,
			commit: `INSERT INTO ` + t + ` (key, user_id, data, expiry) VALUES ($1, $2, $3, $4)
				ON CONFLICT (key) DO UPDATE SET user_id = EXCLUDED.user_id, data = EXCLUDED.data, expiry = EXCLUDED.expiry`,
			update:     `UPDATE ` + t + ` SET user_id = $1, data = $2, expiry = $3 WHERE key = $4 AND expiry > $5`,
			delete:     `DELETE FROM ` + t + ` WHERE key = $1`,
			deleteUser: `DELETE FROM ` + t + ` WHERE user_id = $1`,
			cleanup:    `DELETE FROM ` + t + ` WHERE expiry <= $1`,
		},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	schema := []string{
		`CREATE TABLE IF NOT EXISTS ` + t + ` (
			key     text        PRIMARY KEY,
			user_id text,
			data    bytea       NOT NULL,
			expiry  timestamptz NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS ` + pgx.Identifier{base + "_expiry_idx"}.Sanitize() + ` ON ` + t + ` (expiry)`,
		`CREATE INDEX IF NOT EXISTS ` + pgx.Identifier{base + "_user_idx"}.Sanitize() + ` ON ` + t + ` (user_id) WHERE user_id IS NOT NULL`,
	}
	for _, stmt := range schema {
		// Two instances starting at once can race on CREATE ... IF NOT
		// EXISTS (a unique violation in the catalog): the second try sees
		// the object.
		if _, err := db.Exec(ctx, stmt); err != nil {
			if _, err := db.Exec(ctx, stmt); err != nil {
				return nil, fmt.Errorf("pgstore: creating the table: %w", err)
			}
		}
	}
	interval := cfg.CleanupInterval
	if interval == 0 {
		interval = defaultCleanupInterval
	}
	s.janitor = janitor.Start(interval, s.cleanup, s.log, "pgstore: deleting expired sessions")
	return s, nil
}

// Close stops the clean-up goroutine. It does not close the DB.
func (s *Store) Close() { s.janitor.Stop() }

// cleanup deletes expired rows now and returns how many.
func (s *Store) cleanup(ctx context.Context) (int64, error) {
	tag, err := s.db.Exec(ctx, s.q.cleanup, s.now())
	return tag.RowsAffected(), err
}

// Find implements session.Store.
func (s *Store) Find(ctx context.Context, key string) ([]byte, bool, error) {
	var data []byte
	err := s.db.QueryRow(ctx, s.q.find, key, s.now()).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// Commit implements session.Store.
func (s *Store) Commit(ctx context.Context, key string, rec session.Record) error {
	_, err := s.db.Exec(ctx, s.q.commit, key, userID(rec.UserID), rec.Data, rec.Expiry)
	return err
}

// Update implements session.Updater.
func (s *Store) Update(ctx context.Context, key string, rec session.Record) (bool, error) {
	tag, err := s.db.Exec(ctx, s.q.update, userID(rec.UserID), rec.Data, rec.Expiry, key, s.now())
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() > 0, nil
}

// Delete implements session.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.db.Exec(ctx, s.q.delete, key)
	return err
}

// DeleteUser implements session.UserIndex.
func (s *Store) DeleteUser(ctx context.Context, user string) error {
	_, err := s.db.Exec(ctx, s.q.deleteUser, user)
	return err
}

// userID maps the anonymous user to NULL.
func userID(u string) *string {
	if u == "" {
		return nil
	}
	return &u
}
