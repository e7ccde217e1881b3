// Package appdb is the database of the reference app that "harden serve"
// runs: its user accounts and the messages of its contact form, in SQLite
// (the embedded default) or PostgreSQL, and the connection the app's
// session store shares.
//
// It is named for what it holds, the app's database, rather than
// "accounts": it also keeps the contact messages and hands its connection
// to the session store, and the rules an account must follow (email form,
// password length, roles) live here so that "harden user add" and the
// register route apply the very same ones.
//
//	db, err := appdb.Open(ctx, appdb.Config{DataDir: "data"}) // or DatabaseURL: "postgres://..."
//	defer db.Close()
//	u, err := db.CreateUser(ctx, appdb.User{Email: email, Role: appdb.RoleUser, PasswordHash: hash})
//	u, err = db.UserByEmail(ctx, email)
//
// # What it defends against
//
//   - SQL injection: every value travels as a query parameter; no query is
//     built from input. Table names are constants.
//   - Account confusion: emails are checked with net/mail and stored in one
//     normalised form (trimmed, lower-case), unique, so "Admin@X" and
//     "admin@x" are one account and a second registration gets
//     ErrEmailTaken.
//   - Enumerable ids: user ids are 128 random bits (crypto/rand.Text), so
//     knowing one account's id tells nothing about the others.
//   - Plaintext passwords at rest: CreateUser and UpdatePasswordHash refuse
//     a value that is not a PHC or modular-crypt hash ("$argon2id$...",
//     "$2b$..."), so a wiring mistake that passes the password itself fails
//     loudly instead of storing it.
//   - Other local users reading the data: the SQLite directory is created
//     0700 and the database file 0600 (its WAL and shared-memory files
//     inherit the file's mode).
//   - Unbounded rows: names, emails and messages have byte limits
//     (MaxNameBytes, MaxEmailBytes, MaxMessageBytes) and must be valid
//     UTF-8 (names without control characters, which would reach terminals
//     and logs).
//
// # Defaults
//
// With Config.DatabaseURL empty the database is the SQLite file
// "users.db" in Config.DataDir, opened with the pure-Go driver
// modernc.org/sqlite in WAL mode with a 5 s busy timeout (the pragmas of
// session/sqlitestore, so sessions can live in the same file) and foreign
// keys on. With DatabaseURL set it is PostgreSQL through a pgx pool
// (connect timeout 5 s unless the URL sets connect_timeout); tables are
// created in the first schema of the search_path, which the URL may set
// ("?search_path=myapp"). The tables are harden_users and harden_messages;
// Open creates them if missing (idempotent; PostgreSQL serialises
// concurrent openers with an advisory lock).
//
// Roles are "user" (the default of an empty Role) and "admin". Passwords,
// checked by CheckPassword, are at least 12 characters and at most 1024
// bytes of valid UTF-8.
//
// # How it fails
//
// Open fails early: an unreachable server or unwritable directory is an
// error at start-up, and its text never contains the database URL (which
// may hold a password). Afterwards lookups of an unknown user return
// ErrNotFound, a duplicate email ErrEmailTaken, a value out of bounds a
// *ValidationError naming the field; every other error is the driver's and
// means the database could not answer (the app answers 503 and logs it).
package appdb
