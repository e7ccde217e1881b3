package appdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/harden-go/harden/session/sqlitestore"
)

var sqliteSchema = []string{
	// STRICT: a value of the wrong type is an error, not silently kept.
	`CREATE TABLE IF NOT EXISTS harden_users (
		id            TEXT    PRIMARY KEY NOT NULL,
		email         TEXT    NOT NULL UNIQUE,
		name          TEXT    NOT NULL,
		role          TEXT    NOT NULL CHECK (role IN ('user', 'admin')),
		password_hash TEXT    NOT NULL,
		created_at    INTEGER NOT NULL
	) STRICT`,
	`CREATE TABLE IF NOT EXISTS harden_messages (
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		user_id    TEXT    REFERENCES harden_users (id) ON DELETE SET NULL,
		name       TEXT    NOT NULL,
		email      TEXT    NOT NULL,
		body       TEXT    NOT NULL,
		created_at INTEGER NOT NULL
	) STRICT`,
}

const sqliteUserColumns = `id, email, name, role, password_hash, created_at`

type sqliteBackend struct{ db *sql.DB }

func openSQLite(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("appdb: creating the data directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// Create the file ourselves: SQLite would create it 0644 (less the
	// umask), readable by every local user. Its -wal and -shm files take
	// the database file's mode.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600) // #nosec G304 -- dir is the operator's configured data directory
	if err != nil {
		return nil, fmt.Errorf("appdb: creating the database file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("appdb: creating the database file: %w", err)
	}
	// The session store's pragmas (WAL, busy timeout), plus foreign keys
	// (off by default in SQLite) and BEGIN IMMEDIATE, so a transaction
	// takes the write lock at once instead of failing on upgrade.
	db, err := sql.Open("sqlite", sqlitestore.DSN(path)+"&_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("appdb: opening the database: %w", err)
	}
	if err := migrateSQLite(ctx, db); err != nil {
		_ = db.Close() // the migration error is the one to report
		return nil, err
	}
	return &DB{b: sqliteBackend{db}, sql: db, now: time.Now}, nil
}

func migrateSQLite(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("appdb: opening the database: %w", err)
	}
	defer tx.Rollback()
	for _, stmt := range sqliteSchema {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("appdb: creating the tables: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("appdb: creating the tables: %w", err)
	}
	return nil
}

func (s sqliteBackend) createUser(ctx context.Context, u User) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO harden_users (`+sqliteUserColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.Name, u.Role, u.PasswordHash, u.CreatedAt.UnixMicro())
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		// The only UNIQUE constraint is the email's (the id's is
		// SQLITE_CONSTRAINT_PRIMARYKEY).
		return ErrEmailTaken
	}
	return err
}

func (s sqliteBackend) userByEmail(ctx context.Context, email string) (User, error) {
	return s.user(s.db.QueryRowContext(ctx,
		`SELECT `+sqliteUserColumns+` FROM harden_users WHERE email = ?`, email))
}

func (s sqliteBackend) userByID(ctx context.Context, id string) (User, error) {
	return s.user(s.db.QueryRowContext(ctx,
		`SELECT `+sqliteUserColumns+` FROM harden_users WHERE id = ?`, id))
}

func (sqliteBackend) user(row *sql.Row) (User, error) {
	var u User
	var created int64
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, err
	}
	u.CreatedAt = time.UnixMicro(created).UTC()
	return u, nil
}

func (s sqliteBackend) updatePasswordHash(ctx context.Context, id, hash string) error {
	return oneRow(s.db.ExecContext(ctx, `UPDATE harden_users SET password_hash = ? WHERE id = ?`, hash, id))
}

func (s sqliteBackend) setRole(ctx context.Context, id, role string) error {
	return oneRow(s.db.ExecContext(ctx, `UPDATE harden_users SET role = ? WHERE id = ?`, role, id))
}

func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s sqliteBackend) addMessage(ctx context.Context, m Message) (int64, error) {
	var id int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO harden_messages (user_id, name, email, body, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		sql.NullString{String: m.UserID, Valid: m.UserID != ""}, m.Name, m.Email, m.Body, m.CreatedAt.UnixMicro()).Scan(&id)
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return 0, ErrNotFound // no such user
	}
	return id, err
}

func (s sqliteBackend) messages(ctx context.Context, limit int) ([]Message, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, user_id, name, email, body, created_at FROM harden_messages ORDER BY id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	msgs := []Message{}
	for rows.Next() {
		var m Message
		var user sql.NullString
		var created int64
		if err := rows.Scan(&m.ID, &user, &m.Name, &m.Email, &m.Body, &created); err != nil {
			return nil, err
		}
		m.UserID = user.String
		m.CreatedAt = time.UnixMicro(created).UTC()
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

func (s sqliteBackend) close() error { return s.db.Close() }
