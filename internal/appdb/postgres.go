package appdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

var postgresSchema = []string{
	`CREATE TABLE IF NOT EXISTS harden_users (
		id            text        PRIMARY KEY,
		email         text        NOT NULL CONSTRAINT harden_users_email_key UNIQUE,
		name          text        NOT NULL,
		role          text        NOT NULL CHECK (role IN ('user', 'admin')),
		password_hash text        NOT NULL,
		created_at    timestamptz NOT NULL
	)`,
	`CREATE TABLE IF NOT EXISTS harden_messages (
		id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		user_id    text        REFERENCES harden_users (id) ON DELETE SET NULL,
		name       text        NOT NULL,
		email      text        NOT NULL,
		body       text        NOT NULL,
		created_at timestamptz NOT NULL
	)`,
}

const (
	pgUserColumns     = `id, email, name, role, password_hash, created_at`
	pgUniqueViolation = "23505"
	pgForeignKey      = "23503"
)

type postgresBackend struct{ pool *pgxpool.Pool }

func openPostgres(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, ErrBadDatabaseURL
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A dead server is an error at start-up, not a hang.
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, ErrBadDatabaseURL
	}
	if err := migratePostgres(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &DB{b: postgresBackend{pool}, pool: pool, now: time.Now}, nil
}

// migratePostgres creates the tables in one transaction, under an
// advisory lock: instances starting together would otherwise race on
// CREATE TABLE IF NOT EXISTS (a unique violation in the catalog).
func migratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, migrateTimeout)
	defer cancel()
	// pgconn's errors name host, port, user and database, never the password.
	tx, err := pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("appdb: connecting to PostgreSQL: %w", err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(advisoryLockKey)); err != nil {
		return fmt.Errorf("appdb: creating the tables: %w", err)
	}
	for _, stmt := range postgresSchema {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("appdb: creating the tables: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("appdb: creating the tables: %w", err)
	}
	return nil
}

func pgCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

func (p postgresBackend) createUser(ctx context.Context, u User) error {
	_, err := p.pool.Exec(ctx,
		`INSERT INTO harden_users (`+pgUserColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.Email, u.Name, u.Role, u.PasswordHash, u.CreatedAt)
	if code, constraint := pgCode(err); code == pgUniqueViolation && constraint == "harden_users_email_key" {
		return ErrEmailTaken
	}
	return err
}

func (p postgresBackend) userByEmail(ctx context.Context, email string) (User, error) {
	return p.user(p.pool.QueryRow(ctx,
		`SELECT `+pgUserColumns+` FROM harden_users WHERE email = $1`, email))
}

func (p postgresBackend) userByID(ctx context.Context, id string) (User, error) {
	return p.user(p.pool.QueryRow(ctx,
		`SELECT `+pgUserColumns+` FROM harden_users WHERE id = $1`, id))
}

func (postgresBackend) user(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return u, nil
}

func (p postgresBackend) updatePasswordHash(ctx context.Context, id, hash string) error {
	return pgOneRow(p.pool.Exec(ctx, `UPDATE harden_users SET password_hash = $1 WHERE id = $2`, hash, id))
}

func (p postgresBackend) setRole(ctx context.Context, id, role string) error {
	return pgOneRow(p.pool.Exec(ctx, `UPDATE harden_users SET role = $1 WHERE id = $2`, role, id))
}

func pgOneRow(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

func (p postgresBackend) addMessage(ctx context.Context, m Message) (int64, error) {
	var user *string
	if m.UserID != "" {
		user = &m.UserID
	}
	var id int64
	err := p.pool.QueryRow(ctx,
		`INSERT INTO harden_messages (user_id, name, email, body, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		user, m.Name, m.Email, m.Body, m.CreatedAt).Scan(&id)
	if code, _ := pgCode(err); code == pgForeignKey {
		return 0, ErrNotFound // no such user
	}
	return id, err
}

func (p postgresBackend) messages(ctx context.Context, limit int) ([]Message, error) {
	rows, err := p.pool.Query(ctx,
		`SELECT id, user_id, name, email, body, created_at FROM harden_messages ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	msgs := []Message{}
	for rows.Next() {
		var m Message
		var user *string
		if err := rows.Scan(&m.ID, &user, &m.Name, &m.Email, &m.Body, &m.CreatedAt); err != nil {
			return nil, err
		}
		if user != nil {
			m.UserID = *user
		}
		m.CreatedAt = m.CreatedAt.UTC()
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

func (p postgresBackend) close() error {
	p.pool.Close()
	return nil
}
