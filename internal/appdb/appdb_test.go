package appdb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/session"
	"github.com/harden-go/harden/session/pgstore"
	"github.com/harden-go/harden/session/sqlitestore"
)

// A fixed, well-formed argon2id hash: the database stores hashes, it
// never computes them.
const (
	hash1 = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0c2FsdA$dGFndGFndGFndGFndGFndGFndGFndGFndGFndGFnMTI"
	hash2 = "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
)

// backend opens one engine's database for a test; open may be called
// again to reopen the same database.
type backend struct {
	name string
	cfg  func(t testing.TB) appdb.Config
}

func backends() []backend {
	return []backend{
		{"sqlite", func(t testing.TB) appdb.Config { return appdb.Config{DataDir: t.TempDir()} }},
		{"postgres", func(t testing.TB) appdb.Config {
			return appdb.Config{DatabaseURL: testenv.PostgresSchemaURL(t, "appdb_test")}
		}},
	}
}

func open(t testing.TB, cfg appdb.Config) *appdb.DB {
	t.Helper()
	db, err := appdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEach runs test against every engine, each with a fresh database.
func forEach(t *testing.T, test func(t *testing.T, db *appdb.DB, cfg appdb.Config)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			cfg := b.cfg(t)
			test(t, open(t, cfg), cfg)
		})
	}
}

func mustCreate(t testing.TB, db *appdb.DB, u appdb.User) appdb.User {
	t.Helper()
	got, err := db.CreateUser(context.Background(), u)
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", u.Email, err)
	}
	return got
}

func TestCreateAndFindUser(t *testing.T) {
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		ctx := context.Background()
		before := time.Now().Add(-time.Second)
		u := mustCreate(t, db, appdb.User{Email: "  Ann@Example.COM ", Name: "Ann Élise", PasswordHash: hash1})
		if len(u.ID) != 26 || u.Email != "ann@example.com" || u.Role != appdb.RoleUser ||
			u.CreatedAt.Before(before) || u.CreatedAt.After(time.Now()) {
			t.Fatalf("CreateUser = %+v, want a 26-character id, email ann@example.com, role user, created now", u)
		}
		for _, email := range []string{"ann@example.com", "ANN@EXAMPLE.COM", " ann@Example.com\n"} {
			got, err := db.UserByEmail(ctx, email)
			if err != nil || got != u {
				t.Errorf("UserByEmail(%q) = %+v, %v; want %+v", email, got, err, u)
			}
		}
		got, err := db.UserByID(ctx, u.ID)
		if err != nil || got != u {
			t.Errorf("UserByID = %+v, %v; want %+v", got, err, u)
		}
		v := mustCreate(t, db, appdb.User{Email: "bob@example.com", Role: appdb.RoleAdmin, PasswordHash: hash2})
		if v.ID == u.ID || v.Role != appdb.RoleAdmin || v.Name != "" {
			t.Errorf("second user = %+v, want another id, role admin, no name", v)
		}
	})
}

func TestNotFound(t *testing.T) {
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		ctx := context.Background()
		mustCreate(t, db, appdb.User{Email: "ann@example.com", PasswordHash: hash1})
		for _, email := range []string{"bob@example.com", "", "not an email", "ann@example.co"} {
			if _, err := db.UserByEmail(ctx, email); err != appdb.ErrNotFound {
				t.Errorf("UserByEmail(%q) error = %v, want ErrNotFound", email, err)
			}
		}
		for _, id := range []string{"", "AAAAAAAAAAAAAAAAAAAAAAAAAA", "x", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "' OR '1'='1"} {
			if _, err := db.UserByID(ctx, id); err != appdb.ErrNotFound {
				t.Errorf("UserByID(%q) error = %v, want ErrNotFound", id, err)
			}
			if err := db.SetRole(ctx, id, appdb.RoleAdmin); err != appdb.ErrNotFound {
				t.Errorf("SetRole(%q) error = %v, want ErrNotFound", id, err)
			}
			if err := db.UpdatePasswordHash(ctx, id, hash2); err != appdb.ErrNotFound {
				t.Errorf("UpdatePasswordHash(%q) error = %v, want ErrNotFound", id, err)
			}
		}
	})
}

func TestEmailTaken(t *testing.T) {
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		ctx := context.Background()
		first := mustCreate(t, db, appdb.User{Email: "ann@example.com", Name: "first", PasswordHash: hash1})
		for _, email := range []string{"ann@example.com", "ANN@example.com", " Ann@Example.Com"} {
			_, err := db.CreateUser(ctx, appdb.User{Email: email, Name: "second", Role: appdb.RoleAdmin, PasswordHash: hash2})
			if err != appdb.ErrEmailTaken {
				t.Errorf("CreateUser(%q) error = %v, want ErrEmailTaken", email, err)
			}
		}
		if got, err := db.UserByEmail(ctx, "ann@example.com"); err != nil || got != first {
			t.Errorf("after duplicates, UserByEmail = %+v, %v; want the first account %+v", got, err, first)
		}
	})
}

// TestEmailTakenConcurrently: of many registrations of one email at once,
// exactly one succeeds; the others get ErrEmailTaken, not a driver error.
func TestEmailTakenConcurrently(t *testing.T) {
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		const n = 8
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, err := db.CreateUser(context.Background(), appdb.User{
					Email: "race@example.com", Name: fmt.Sprint(i), PasswordHash: hash1})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		var ok, taken int
		for err := range errs {
			switch err {
			case nil:
				ok++
			case appdb.ErrEmailTaken:
				taken++
			default:
				t.Errorf("CreateUser error = %v, want nil or ErrEmailTaken", err)
			}
		}
		if ok != 1 || taken != n-1 {
			t.Errorf("got %d created and %d taken, want 1 and %d", ok, taken, n-1)
		}
	})
}

func TestCreateUserRefuses(t *testing.T) {
	long := strings.Repeat("a", 250) + "@b.cd"
	tests := []struct {
		name      string
		user      appdb.User
		wantField string
	}{
		{"no email", appdb.User{PasswordHash: hash1}, "email"},
		{"display name", appdb.User{Email: "Ann <ann@example.com>", PasswordHash: hash1}, "email"},
		{"angle brackets", appdb.User{Email: "<ann@example.com>", PasswordHash: hash1}, "email"},
		{"two addresses", appdb.User{Email: "a@b.c, d@e.f", PasswordHash: hash1}, "email"},
		{"no domain", appdb.User{Email: "ann@", PasswordHash: hash1}, "email"},
		{"too long email", appdb.User{Email: long, PasswordHash: hash1}, "email"},
		{"quoted injection", appdb.User{Email: `"x'); DROP TABLE harden_users;--"@a.b`, PasswordHash: hash1}, "email"},
		{"bare injection", appdb.User{Email: `x'); DROP TABLE harden_users;--@a.b`, PasswordHash: hash1}, "email"},
		{"newline in name", appdb.User{Email: "a@b.c", Name: "Ann\nFAKE LOG LINE", PasswordHash: hash1}, "name"},
		{"escape in name", appdb.User{Email: "a@b.c", Name: "\x1b[31mroot", PasswordHash: hash1}, "name"},
		{"bidi override in name", appdb.User{Email: "a@b.c", Name: "\u202enimda", PasswordHash: hash1}, "name"},
		{"invalid UTF-8 name", appdb.User{Email: "a@b.c", Name: "\xff", PasswordHash: hash1}, "name"},
		{"long name", appdb.User{Email: "a@b.c", Name: strings.Repeat("é", appdb.MaxNameBytes/2+1), PasswordHash: hash1}, "name"},
		{"unknown role", appdb.User{Email: "a@b.c", Role: "root", PasswordHash: hash1}, "role"},
		{"role case", appdb.User{Email: "a@b.c", Role: "Admin", PasswordHash: hash1}, "role"},
		{"no hash", appdb.User{Email: "a@b.c"}, "password_hash"},
		{"plaintext password", appdb.User{Email: "a@b.c", PasswordHash: "correct horse battery staple"}, "password_hash"},
		{"dollar password", appdb.User{Email: "a@b.c", PasswordHash: "$ecret-password-123"}, "password_hash"},
		{"hash with space", appdb.User{Email: "a@b.c", PasswordHash: hash1 + " x"}, "password_hash"},
		{"huge hash", appdb.User{Email: "a@b.c", PasswordHash: "$2b$" + strings.Repeat("a", 600)}, "password_hash"},
	}
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		for _, tt := range tests {
			_, err := db.CreateUser(context.Background(), tt.user)
			var ve *appdb.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.wantField {
				t.Errorf("%s: CreateUser error = %v, want a ValidationError on %s", tt.name, err, tt.wantField)
				continue
			}
			// The error names the rule, never the value.
			if v := tt.user.Email + tt.user.Name + tt.user.PasswordHash; len(v) > 6 && strings.Contains(err.Error(), v[:6]) {
				t.Errorf("%s: error %q quotes the value", tt.name, err)
			}
		}
		if msgs, err := db.Messages(context.Background(), 0); err != nil || len(msgs) != 0 {
			t.Errorf("Messages after refusals = %v, %v; want none", msgs, err)
		}
	})
}

// TestInjectionRoundTrips: values built to break out of a string literal
// are stored and read back as data; the tables survive and no tautology
// matches another account.
func TestInjectionRoundTrips(t *testing.T) {
	const (
		email = `x'or'1'='1'--@a.b` // all atext: a valid address
		name  = `x'); DROP TABLE harden_users;--`
		body  = `<p>'); DELETE FROM harden_messages; SELECT ('</p>`
	)
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		ctx := context.Background()
		other := mustCreate(t, db, appdb.User{Email: "victim@a.b", PasswordHash: hash1})
		u := mustCreate(t, db, appdb.User{Email: email, Name: name, PasswordHash: hash2})
		if got, err := db.UserByEmail(ctx, email); err != nil || got != u {
			t.Errorf("UserByEmail(%q) = %+v, %v; want %+v", email, got, err, u)
		}
		if _, err := db.UserByEmail(ctx, `y'or'1'='1'--@a.b`); err != appdb.ErrNotFound {
			t.Errorf("a tautology email found an account: error = %v, want ErrNotFound", err)
		}
		if _, err := db.AddMessage(ctx, appdb.Message{Name: name, Email: email, Body: body, UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
		msgs, err := db.Messages(ctx, 10)
		if err != nil || len(msgs) != 1 || msgs[0].Name != name || msgs[0].Body != body || msgs[0].Email != email {
			t.Errorf("Messages = %+v, %v; want the one message as stored", msgs, err)
		}
		if got, err := db.UserByID(ctx, other.ID); err != nil || got != other {
			t.Errorf("the other account after injections = %+v, %v; want %+v", got, err, other)
		}
	})
}

func TestUpdatePasswordHashAndSetRole(t *testing.T) {
	forEach(t, func(t *testing.T, db *appdb.DB, cfg appdb.Config) {
		ctx := context.Background()
		u := mustCreate(t, db, appdb.User{Email: "ann@example.com", PasswordHash: hash2})
		v := mustCreate(t, db, appdb.User{Email: "bob@example.com", PasswordHash: hash2})
		if err := db.UpdatePasswordHash(ctx, u.ID, hash1); err != nil {
			t.Fatal(err)
		}
		if err := db.SetRole(ctx, u.ID, appdb.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		var ve *appdb.ValidationError
		if err := db.UpdatePasswordHash(ctx, u.ID, "new password 123"); !errors.As(err, &ve) || ve.Field != "password_hash" {
			t.Errorf("UpdatePasswordHash(plaintext) error = %v, want a ValidationError on password_hash", err)
		}
		if err := db.SetRole(ctx, u.ID, "superuser"); !errors.As(err, &ve) || ve.Field != "role" {
			t.Errorf("SetRole(superuser) error = %v, want a ValidationError on role", err)
		}
		// Reopening shows the changes were stored, and that opening an
		// existing database is idempotent.
		db.Close()
		db = open(t, cfg)
		got, err := db.UserByID(ctx, u.ID)
		if err != nil || got.PasswordHash != hash1 || got.Role != appdb.RoleAdmin {
			t.Errorf("after reopening, user = %+v, %v; want hash1 and role admin", got, err)
		}
		if got, err := db.UserByID(ctx, v.ID); err != nil || got != v {
			t.Errorf("the other user = %+v, %v; want it unchanged %+v", got, err, v)
		}
		if err := db.SetRole(ctx, u.ID, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UserByID(ctx, u.ID); got.Role != appdb.RoleUser {
			t.Errorf(`after SetRole(""), role = %q, want user`, got.Role)
		}
	})
}

func TestMessages(t *testing.T) {
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		ctx := context.Background()
		u := mustCreate(t, db, appdb.User{Email: "ann@example.com", PasswordHash: hash1})
		var added []appdb.Message
		for i := range 5 {
			m := appdb.Message{Name: fmt.Sprint("sender ", i), Email: fmt.Sprintf("S%d@Example.com", i), Body: fmt.Sprintf("<p>message %d</p>", i)}
			if i%2 == 0 {
				m.UserID = u.ID
			}
			got, err := db.AddMessage(ctx, m)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID == 0 || got.Email != fmt.Sprintf("s%d@example.com", i) || got.CreatedAt.IsZero() {
				t.Errorf("AddMessage = %+v, want an id, a lower-case email and a time", got)
			}
			added = append(added, got)
		}
		for _, tt := range []struct{ limit, want int }{{0, 5}, {-1, 5}, {2, 2}, {5, 5}, {1000, 5}} {
			got, err := db.Messages(ctx, tt.limit)
			if err != nil || len(got) != tt.want {
				t.Fatalf("Messages(%d) = %d messages, %v; want %d", tt.limit, len(got), err, tt.want)
			}
			for i, m := range got {
				if want := added[len(added)-1-i]; m != want {
					t.Errorf("Messages(%d)[%d] = %+v, want %+v (newest first)", tt.limit, i, m, want)
				}
			}
		}
	})
}

func TestAddMessageRefuses(t *testing.T) {
	tests := []struct {
		name      string
		msg       appdb.Message
		wantErr   error
		wantField string
	}{
		{"no email", appdb.Message{Name: "a", Body: "hi"}, nil, "email"},
		{"bad email", appdb.Message{Name: "a", Email: "a@", Body: "hi"}, nil, "email"},
		{"empty body", appdb.Message{Name: "a", Email: "a@b.c"}, nil, "message"},
		{"NUL in body", appdb.Message{Name: "a", Email: "a@b.c", Body: "a\x00b"}, nil, "message"},
		{"invalid UTF-8 body", appdb.Message{Name: "a", Email: "a@b.c", Body: "a\xc3"}, nil, "message"},
		{"huge body", appdb.Message{Name: "a", Email: "a@b.c", Body: strings.Repeat("x", appdb.MaxMessageBytes+1)}, nil, "message"},
		{"control in name", appdb.Message{Name: "a\rb", Email: "a@b.c", Body: "hi"}, nil, "name"},
		{"unknown user", appdb.Message{Name: "a", Email: "a@b.c", Body: "hi", UserID: "AAAAAAAAAAAAAAAAAAAAAAAAAA"}, appdb.ErrNotFound, ""},
		{"malformed user", appdb.Message{Name: "a", Email: "a@b.c", Body: "hi", UserID: "1 OR 1=1"}, appdb.ErrNotFound, ""},
	}
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		for _, tt := range tests {
			_, err := db.AddMessage(context.Background(), tt.msg)
			if tt.wantErr != nil {
				if err != tt.wantErr {
					t.Errorf("%s: AddMessage error = %v, want %v", tt.name, err, tt.wantErr)
				}
				continue
			}
			var ve *appdb.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.wantField {
				t.Errorf("%s: AddMessage error = %v, want a ValidationError on %s", tt.name, err, tt.wantField)
			}
		}
		if msgs, err := db.Messages(context.Background(), 0); err != nil || len(msgs) != 0 {
			t.Errorf("Messages after refusals = %v, %v; want none", msgs, err)
		}
		// The largest message allowed is stored whole.
		big := strings.Repeat("é", appdb.MaxMessageBytes/2)
		if m, err := db.AddMessage(context.Background(), appdb.Message{Email: "a@b.c", Body: big}); err != nil || m.Body != big {
			t.Errorf("AddMessage(%d bytes) error = %v, want it stored", len(big), err)
		}
	})
}

// TestSessionStoreShares: the session store of each engine runs on the
// handle the DB exposes, beside the app's tables.
func TestSessionStoreShares(t *testing.T) {
	forEach(t, func(t *testing.T, db *appdb.DB, _ appdb.Config) {
		ctx := context.Background()
		var store session.Store
		var closeStore func()
		switch {
		case db.SQL() != nil && db.Pool() == nil:
			s, err := sqlitestore.New(db.SQL(), sqlitestore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			store, closeStore = s, func() { s.Close() }
		case db.Pool() != nil && db.SQL() == nil:
			s, err := pgstore.New(ctx, db.Pool(), pgstore.Config{})
			if err != nil {
				t.Fatal(err)
			}
			store, closeStore = s, s.Close
		default:
			t.Fatalf("SQL() = %v and Pool() = %v; want exactly one set", db.SQL(), db.Pool())
		}
		u := mustCreate(t, db, appdb.User{Email: "ann@example.com", PasswordHash: hash1})
		rec := session.Record{Data: []byte("sealed"), UserID: u.ID, Expiry: time.Now().Add(time.Hour)}
		if err := store.Commit(ctx, "key", rec); err != nil {
			t.Fatal(err)
		}
		data, found, err := store.Find(ctx, "key")
		if err != nil || !found || string(data) != "sealed" {
			t.Errorf("Find = %q, %v, %v; want the committed data", data, found, err)
		}
		closeStore()
		if _, err := db.UserByID(ctx, u.ID); err != nil {
			t.Errorf("after the session store closed, UserByID error = %v, want the DB still open", err)
		}
	})
}

func TestOpenRefuses(t *testing.T) {
	if _, err := appdb.Open(context.Background(), appdb.Config{}); err != appdb.ErrNoDatabase {
		t.Errorf("Open(zero Config) error = %v, want ErrNoDatabase", err)
	}
}

func BenchmarkUserByEmail(b *testing.B) {
	for _, be := range backends() {
		b.Run("db="+be.name, func(b *testing.B) {
			db := open(b, be.cfg(b))
			ctx := context.Background()
			mustCreate(b, db, appdb.User{Email: "ann@example.com", PasswordHash: hash1})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.UserByEmail(ctx, "Ann@example.com"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkUserByID(b *testing.B) {
	for _, be := range backends() {
		b.Run("db="+be.name, func(b *testing.B) {
			db := open(b, be.cfg(b))
			ctx := context.Background()
			u := mustCreate(b, db, appdb.User{Email: "ann@example.com", PasswordHash: hash1})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := db.UserByID(ctx, u.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
