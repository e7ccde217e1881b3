// Package sqlitestore keeps harden sessions in SQLite: the embedded
// default, through the pure-Go driver modernc.org/sqlite (no cgo).
//
//	db, err := sql.Open("sqlite", sqlitestore.DSN(filepath.Join(dataDir, "sessions.db")))
//	store, err := sqlitestore.New(db, sqlitestore.Config{})
//	defer store.Close()
//	m, err := session.New(session.Config{Keys: ring, Store: store})
//
// The database handle may be the application's own (driver "sqlite",
// which this package registers, and a DSN like [DSN] makes).
//
// The table (default "harden_sessions") is created if missing. It holds
// the store key (a hash of the session id), the user id (for ending all
// of a user's sessions), the session data (encrypted by the session
// Manager unless configured otherwise) and the expiry; expired rows are
// deleted every CleanupInterval (default 5 minutes) and are never returned
// meanwhile. All queries are parameterized; the table name is checked
// against a strict identifier pattern and quoted.
//
// Failures: every database error is returned to the Manager, which answers
// 503. Sessions survive restarts (they are in the file). Several processes
// may share the file on one machine (WAL mode, busy timeout); instances on
// several machines need redisstore or pgstore.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers driver "sqlite"

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
	// Table is the table name. Default "harden_sessions". Letters, digits
	// and _ only, not starting with a digit, at most 63 characters.
	Table string `json:"table,omitempty" yaml:"table,omitempty"`
	// CleanupInterval is how often expired rows are deleted. Default 5
	// minutes; negative disables the clean-up (expired rows are still
	// never returned).
	CleanupInterval time.Duration `json:"cleanup_interval,omitempty" yaml:"cleanup_interval,omitempty"`
	// Logger receives clean-up errors. Default slog.Default().
	Logger *slog.Logger `json:"-" yaml:"-"`
}

// Store is a session.Store on SQLite. It implements session.Updater and
// session.UserIndex, and is safe for concurrent use.
type Store struct {
	db      *sql.DB
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

// DSN returns the modernc.org/sqlite data source name for the database
// file at path, with the pragmas the store expects: WAL journal (readers
// do not block the writer), a 5 s busy timeout (concurrent writers wait
// instead of failing) and synchronous=NORMAL (durable in WAL mode except
// on power loss).
func DSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)"
}

// New returns a store on db (driver "sqlite"), creating its table if
// missing. Close stops the clean-up but leaves db open.
func New(db *sql.DB, cfg Config) (*Store, error) {
	table := cfg.Table
	if table == "" {
		table = defaultTable
	}
	if !sqlident.Valid(table) {
		return nil, &configerr.Error{Pkg: "sqlitestore", Field: "table", Index: -1, Value: table,
			Reason: "must be " + sqlident.Rule, Err: session.ErrInvalidConfig}
	}
	t := `"` + table + `"`
	s := &Store{
		db:  db,
		log: cfg.Logger,
		now: time.Now,
		q: queries{
			find: `SELECT data FROM ` + t + ` WHERE key = ? AND expiry > ?`,
			commit: `INSERT INTO ` + t + ` (key, user_id, data, expiry) VALUES (?, ?, ?, ?)
				ON CONFLICT (key) DO UPDATE SET user_id = excluded.user_id, data = excluded.data, expiry = excluded.expiry`,
			update:     `UPDATE ` + t + ` SET user_id = ?, data = ?, expiry = ? WHERE key = ? AND expiry > ?`,
			delete:     `DELETE FROM ` + t + ` WHERE key = ?`,
			deleteUser: `DELETE FROM ` + t + ` WHERE user_id = ?`,
			cleanup:    `DELETE FROM ` + t + ` WHERE expiry <= ?`,
		},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema := []string{
		`CREATE TABLE IF NOT EXISTS ` + t + ` (
			key     TEXT    PRIMARY KEY NOT NULL,
			user_id TEXT,
			data    BLOB    NOT NULL,
			expiry  INTEGER NOT NULL
		) WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS "` + table + `_expiry" ON ` + t + ` (expiry)`,
		`CREATE INDEX IF NOT EXISTS "` + table + `_user" ON ` + t + ` (user_id) WHERE user_id IS NOT NULL`,
	}
	for _, stmt := range schema {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("sqlitestore: creating the table: %w", err)
		}
	}
	interval := cfg.CleanupInterval
	if interval == 0 {
		interval = defaultCleanupInterval
	}
	s.janitor = janitor.Start(interval, s.cleanup, s.log, "sqlitestore: deleting expired sessions")
	return s, nil
}

// Close stops the clean-up goroutine. It does not close the database.
func (s *Store) Close() { s.janitor.Stop() }

// cleanup deletes expired rows now and returns how many.
func (s *Store) cleanup(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q.cleanup, s.now().UnixMilli())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Find implements session.Store.
func (s *Store) Find(ctx context.Context, key string) ([]byte, bool, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, s.q.find, key, s.now().UnixMilli()).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// Commit implements session.Store.
func (s *Store) Commit(ctx context.Context, key string, rec session.Record) error {
	_, err := s.db.ExecContext(ctx, s.q.commit, key, userID(rec.UserID), rec.Data, rec.Expiry.UnixMilli())
	return err
}

// Update implements session.Updater.
func (s *Store) Update(ctx context.Context, key string, rec session.Record) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.q.update, userID(rec.UserID), rec.Data, rec.Expiry.UnixMilli(), key, s.now().UnixMilli())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Delete implements session.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, s.q.delete, key)
	return err
}

// DeleteUser implements session.UserIndex.
func (s *Store) DeleteUser(ctx context.Context, user string) error {
	_, err := s.db.ExecContext(ctx, s.q.deleteUser, user)
	return err
}

func userID(u string) sql.NullString { return sql.NullString{String: u, Valid: u != ""} }
