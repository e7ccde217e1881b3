package appdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Config chooses the database. The zero value is refused: name a
// directory for SQLite or a PostgreSQL URL.
type Config struct {
	// DataDir is the directory of the SQLite file (FileName), created 0700
	// if missing. Ignored when DatabaseURL is set (HARDEN_DATA_DIR).
	DataDir string `json:"data_dir,omitempty" yaml:"data_dir,omitempty"`
	// DatabaseURL, when set, selects PostgreSQL: a URL or key=value DSN as
	// pgx reads it, e.g. "postgres://app@db:5432/app?sslmode=verify-full"
	// (HARDEN_DATABASE_URL). Its search_path, if any, picks the schema.
	DatabaseURL string `json:"database_url,omitempty" yaml:"database_url,omitempty"`
}

// FileName is the SQLite database file in Config.DataDir.
const FileName = "users.db"

// Roles a user may have.
const (
	RoleUser  = "user"  // the default
	RoleAdmin = "admin" // may read the contact messages and the admin page
)

// Bounds on what is stored.
const (
	MinPasswordChars = 12       // runes
	MaxPasswordBytes = 1024     // the password package's default Config.MaxLength
	MaxEmailBytes    = 254      // RFC 5321's limit on a path, less the brackets
	MaxNameBytes     = 400      // display names of users and of message senders: 100 characters of up to 4 bytes
	MaxMessageBytes  = 64 << 10 // one contact message, as sanitized HTML
	maxHashBytes     = 512      // longer than any PHC or bcrypt string we make
	DefaultMessages  = 50       // Messages with a limit ≤ 0
	MaxMessages      = 500      // Messages never returns more
	connectTimeout   = 5 * time.Second
	migrateTimeout   = 30 * time.Second
	advisoryLockKey  = 0x68617264656e // "harden": serialises migrations
)

// Errors of the DB methods. Their texts never contain the values given.
var (
	// ErrEmailTaken is returned by CreateUser when the (normalised) email
	// belongs to an account already.
	ErrEmailTaken = errors.New("appdb: email already registered")
	// ErrNotFound is returned for an unknown user id or email.
	ErrNotFound = errors.New("appdb: not found")
	// ErrNoDatabase is returned by Open for a Config naming neither a
	// directory nor a URL.
	ErrNoDatabase = errors.New("appdb: Config needs DataDir or DatabaseURL")
	// ErrBadDatabaseURL is returned by Open when DatabaseURL does not
	// parse. The parser's own message is dropped: it may quote the URL,
	// password included.
	ErrBadDatabaseURL = errors.New("appdb: the database URL is not a valid PostgreSQL URL or DSN")
)

// ValidationError reports a value that the database refuses to store. It
// names the field and the rule, never the value.
type ValidationError struct {
	Field  string // "email", "name", "role", "password", "password_hash", "message"
	Reason string
}

func (e *ValidationError) Error() string {
	return "appdb: invalid " + e.Field + ": " + e.Reason
}

// User is an account.
type User struct {
	// ID is opaque: 128 random bits in base32, set by CreateUser. It is
	// what the session records as the signed-in user.
	ID string `json:"id"`
	// Email is normalised by NormalizeEmail and unique.
	Email string `json:"email"`
	Name  string `json:"name"`
	// Role is RoleUser or RoleAdmin; CreateUser turns "" into RoleUser.
	Role string `json:"role"`
	// PasswordHash is a PHC (argon2id) or bcrypt string from the password
	// package. It is never marshalled.
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// Message is a contact-form message.
type Message struct {
	ID int64 `json:"id"`
	// UserID is the signed-in sender, or "" for an anonymous one.
	UserID string `json:"user_id,omitempty"`
	Name   string `json:"name"`
	// Email is normalised by NormalizeEmail.
	Email string `json:"email"`
	// Body is the message as HTML that the caller has already sanitized
	// (input's policy, bluemonday): the database stores it as given.
	Body      string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
}

// DB is the app's database. It is safe for concurrent use.
type DB struct {
	b    backend
	sql  *sql.DB
	pool *pgxpool.Pool
	now  func() time.Time
}

// backend is one database engine's queries; DB validates before calling.
type backend interface {
	createUser(ctx context.Context, u User) error
	userByEmail(ctx context.Context, email string) (User, error)
	userByID(ctx context.Context, id string) (User, error)
	updatePasswordHash(ctx context.Context, id, hash string) error
	setRole(ctx context.Context, id, role string) error
	addMessage(ctx context.Context, m Message) (int64, error)
	messages(ctx context.Context, limit int) ([]Message, error)
	close() error
}

// Open opens the database cfg names, creating the SQLite directory and
// file or the tables if missing, and checks that it answers.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	switch {
	case cfg.DatabaseURL != "":
		return openPostgres(ctx, cfg.DatabaseURL)
	case cfg.DataDir != "":
		return openSQLite(ctx, cfg.DataDir)
	default:
		return nil, ErrNoDatabase
	}
}

// SQL returns the SQLite handle (driver "sqlite", WAL, busy timeout), for
// session/sqlitestore.New to keep sessions in the same file; nil on
// PostgreSQL. Close the session store before the DB.
func (db *DB) SQL() *sql.DB { return db.sql }

// Pool returns the PostgreSQL pool, for session/pgstore.New to keep
// sessions in the same database; nil on SQLite. Close the session store
// before the DB.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Close closes the database, and with it the handle SQL or Pool returned.
func (db *DB) Close() error { return db.b.close() }

// CreateUser stores a new account and returns it with its ID and
// CreatedAt set. u.Email is normalised; u.PasswordHash must be a hash from
// the password package, never the password. A taken email is
// ErrEmailTaken; a value out of bounds is a *ValidationError.
func (db *DB) CreateUser(ctx context.Context, u User) (User, error) {
	var err error
	if u.Email, err = NormalizeEmail(u.Email); err != nil {
		return User{}, err
	}
	if err := checkName(u.Name); err != nil {
		return User{}, err
	}
	if u.Role, err = checkRole(u.Role); err != nil {
		return User{}, err
	}
	if err := checkHash(u.PasswordHash); err != nil {
		return User{}, err
	}
	u.ID = rand.Text()
	u.CreatedAt = db.timestamp()
	if err := db.b.createUser(ctx, u); err != nil {
		return User{}, err
	}
	return u, nil
}

// UserByEmail returns the account of email (normalised first). An unknown
// or malformed email is ErrNotFound: a login answers both alike.
func (db *DB) UserByEmail(ctx context.Context, email string) (User, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return User{}, ErrNotFound
	}
	return db.b.userByEmail(ctx, email)
}

// UserByID returns the account with the id a session holds, or
// ErrNotFound (the account was deleted, or the id is not one).
func (db *DB) UserByID(ctx context.Context, id string) (User, error) {
	if !validID(id) {
		return User{}, ErrNotFound
	}
	return db.b.userByID(ctx, id)
}

// UpdatePasswordHash replaces the hash of user id: after a successful
// login whose hash password.Hasher.NeedsRehash reports, or a password change.
func (db *DB) UpdatePasswordHash(ctx context.Context, id, hash string) error {
	if err := checkHash(hash); err != nil {
		return err
	}
	if !validID(id) {
		return ErrNotFound
	}
	return db.b.updatePasswordHash(ctx, id, hash)
}

// SetRole changes the role of user id. Sessions that cached the old role
// keep it: look the role up per request (UserByID), or end the user's
// sessions (session.Manager.DestroyUser) after a demotion.
func (db *DB) SetRole(ctx context.Context, id, role string) error {
	role, err := checkRole(role)
	if err != nil {
		return err
	}
	if !validID(id) {
		return ErrNotFound
	}
	return db.b.setRole(ctx, id, role)
}

// AddMessage stores a contact message and returns it with its ID and
// CreatedAt set. m.Body must already be sanitized HTML; m.Email is
// normalised; m.UserID, if set, must be an existing user's.
func (db *DB) AddMessage(ctx context.Context, m Message) (Message, error) {
	var err error
	if m.Email, err = NormalizeEmail(m.Email); err != nil {
		return Message{}, err
	}
	if err := checkName(m.Name); err != nil {
		return Message{}, err
	}
	if err := checkBody(m.Body); err != nil {
		return Message{}, err
	}
	if m.UserID != "" && !validID(m.UserID) {
		return Message{}, ErrNotFound
	}
	m.CreatedAt = db.timestamp()
	if m.ID, err = db.b.addMessage(ctx, m); err != nil {
		return Message{}, err
	}
	return m, nil
}

// Messages returns the newest messages first, at most limit of them
// (DefaultMessages when limit ≤ 0, never more than MaxMessages).
func (db *DB) Messages(ctx context.Context, limit int) ([]Message, error) {
	switch {
	case limit <= 0:
		limit = DefaultMessages
	case limit > MaxMessages:
		limit = MaxMessages
	}
	return db.b.messages(ctx, limit)
}

// timestamp is the current time at the precision both engines keep.
func (db *DB) timestamp() time.Time {
	return db.now().UTC().Truncate(time.Microsecond)
}
