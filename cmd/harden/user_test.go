package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/testenv"
	"github.com/harden-go/harden/password"
)

const testPassword = "Tr0ub4dor&3-horse-staple"

// runUserCmd runs harden user with args, stdin and the environment env.
// testHasher verifies the hashes the user command stores.
var testHasher = func() *password.Hasher {
	h, err := password.New(password.Config{})
	if err != nil {
		panic(err)
	}
	return h
}()

func runUserCmd(t *testing.T, env map[string]string, stdin string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	status = userCommand(context.Background(), args, strings.NewReader(stdin),
		func(k string) string { return env[k] }, &out, &errOut)
	// Whatever happened, the password is never printed.
	for _, s := range []string{out.String(), errOut.String()} {
		if strings.Contains(s, testPassword) || strings.Contains(s, "secret-in-argv") {
			t.Errorf("harden user %s printed the password: %q", strings.Join(args, " "), s)
		}
	}
	return status, out.String(), errOut.String()
}

func openAppDB(t *testing.T, cfg appdb.Config) *appdb.DB {
	t.Helper()
	db, err := appdb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestUserAddAndSetRole runs add and set-role end to end on each engine,
// then reads the account back and verifies the password against its hash.
func TestUserAddAndSetRole(t *testing.T) {
	engines := []struct {
		name string
		env  func(t *testing.T) (map[string]string, appdb.Config)
	}{
		{"sqlite", func(t *testing.T) (map[string]string, appdb.Config) {
			dir := t.TempDir()
			return map[string]string{"HARDEN_DATA_DIR": dir}, appdb.Config{DataDir: dir}
		}},
		{"postgres", func(t *testing.T) (map[string]string, appdb.Config) {
			url := testenv.PostgresSchemaURL(t, "harden_user_test")
			return map[string]string{"HARDEN_DATA_DIR": t.TempDir(), "HARDEN_DATABASE_URL": url}, appdb.Config{DatabaseURL: url}
		}},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			env, cfg := e.env(t)
			status, out, errOut := runUserCmd(t, env, testPassword+"\n",
				"add", "--email", "Admin@Example.com", "--role", "admin", "--name", "Ada Admin")
			if status != userOK || errOut != "" || !strings.HasPrefix(out, "harden user add: created admin@example.com with role admin (id ") {
				t.Fatalf("add = %d, stdout %q, stderr %q; want 0 and the account created", status, out, errOut)
			}
			db := openAppDB(t, cfg)
			u, err := db.UserByEmail(context.Background(), "admin@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if u.Role != appdb.RoleAdmin || u.Name != "Ada Admin" || !strings.Contains(out, u.ID) {
				t.Errorf("stored user = %+v, want role admin, name Ada Admin and the id printed", u)
			}
			if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, testPassword) {
				t.Errorf("stored hash %q, want an argon2id hash", u.PasswordHash)
			}
			if ok, err := testHasher.Verify(context.Background(), testPassword, u.PasswordHash); !ok || err != nil {
				t.Errorf("Verify(the password piped in) = %v, %v; want true", ok, err)
			}
			if ok, _ := testHasher.Verify(context.Background(), testPassword+"\n", u.PasswordHash); ok {
				t.Error("the line ending was hashed with the password")
			}

			status, _, errOut = runUserCmd(t, env, testPassword+"\n", "add", "--email", "admin@EXAMPLE.com")
			if want := "harden user add: an account with email admin@example.com exists already (harden user set-role changes its role)\n"; status != userFailed || errOut != want {
				t.Errorf("second add = %d, %q; want %d, %q", status, errOut, userFailed, want)
			}

			status, out, errOut = runUserCmd(t, env, "", "set-role", "--email", "ADMIN@example.com", "--role", "user")
			if want := "harden user set-role: admin@example.com now has role user (was admin)\n"; status != userOK || out != want || errOut != "" {
				t.Errorf("set-role = %d, %q, %q; want 0, %q", status, out, errOut, want)
			}
			if got, _ := db.UserByID(context.Background(), u.ID); got.Role != appdb.RoleUser {
				t.Errorf("after set-role, role = %q, want user", got.Role)
			}
			status, _, errOut = runUserCmd(t, env, "", "set-role", "--email", "nobody@example.com", "--role", "admin")
			if want := "harden user set-role: no account with email nobody@example.com\n"; status != userFailed || errOut != want {
				t.Errorf("set-role of an unknown email = %d, %q; want %d, %q", status, errOut, userFailed, want)
			}
		})
	}
}

// TestUserAddReadsOneLine: the password is the first line, without its
// line ending (LF or CR LF, or none at the end of input); spaces are kept.
func TestUserAddReadsOneLine(t *testing.T) {
	tests := []struct{ name, stdin, want string }{
		{"LF", testPassword + "\n", testPassword},
		{"CRLF", testPassword + "\r\n", testPassword},
		{"no line ending", testPassword, testPassword},
		{"first line only", testPassword + "\nsecond line\n", testPassword},
		{"spaces kept", "  " + testPassword + "  \n", "  " + testPassword + "  "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			status, _, errOut := runUserCmd(t, nil, tt.stdin, "add", "--email", "a@example.com", "--data-dir", dir)
			if status != userOK {
				t.Fatalf("add = %d, %q; want 0", status, errOut)
			}
			u, err := openAppDB(t, appdb.Config{DataDir: dir}).UserByEmail(context.Background(), "a@example.com")
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := testHasher.Verify(context.Background(), tt.want, u.PasswordHash); !ok || err != nil {
				t.Errorf("Verify(%q) = %v, %v; want true", tt.want, ok, err)
			}
		})
	}
}

// TestUserRefuses: exact status and message for each bad invocation; no
// account is created and the password is never printed.
func TestUserRefuses(t *testing.T) {
	const refusePW = "harden user add: --password is not accepted: a command line is visible to every user of the machine and kept in shell history; pipe the password on standard input, or type it at the prompt\n"
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantStatus int
		wantStderr string // exact, or a prefix when it ends in "…"
	}{
		{"--password", testPassword, []string{"add", "--email", "a@b.cd", "--password", "secret-in-argv"}, userUsage, refusePW},
		{"-password=", testPassword, []string{"add", "-password=secret-in-argv", "--email", "a@b.cd"}, userUsage, refusePW},
		{"--Password", testPassword, []string{"add", "--Password", "secret-in-argv"}, userUsage, refusePW},
		{"--pw", testPassword, []string{"add", "--pw=secret-in-argv"}, userUsage, refusePW},
		{"no email", testPassword, []string{"add"}, userUsage, "harden user add: --email is required\n"},
		{"bad email", testPassword, []string{"add", "--email", "Ann <a@b.cd>"}, userUsage, "harden user add: --email: not a plain email address\n"},
		{"email too long", testPassword, []string{"add", "--email", strings.Repeat("a", 250) + "@b.cd"}, userUsage, "harden user add: --email: longer than 254 bytes\n"},
		{"bad role", testPassword, []string{"add", "--email", "a@b.cd", "--role", "root"}, userUsage, "harden user add: --role must be user or admin\n"},
		{"bad name", testPassword, []string{"add", "--email", "a@b.cd", "--name", "a\x1b[2Jb"}, userUsage, "harden user add: --name: control characters\n"},
		{"argument", testPassword, []string{"add", "--email", "a@b.cd", testPassword}, userUsage, "harden user add: unexpected argument (the password is read from standard input, never from the command line)\n"},
		{"unknown flag", testPassword, []string{"add", "--email", "a@b.cd", "--admin"}, userUsage, "flag provided but not defined: -admin\n…"},
		{"no password", "", []string{"add", "--email", "a@b.cd"}, userUsage, "harden user add: no password on standard input (pipe it, or run from a terminal to be prompted)\n"},
		{"empty line", "\nsecond line is not read\n", []string{"add", "--email", "a@b.cd"}, userUsage, "harden user add: no password on standard input (pipe it, or run from a terminal to be prompted)\n"},
		{"short password", "eleven char\n", []string{"add", "--email", "a@b.cd"}, userUsage, "harden user add: password shorter than 12 characters\n"},
		{"long password", strings.Repeat("p", 1025) + "\n", []string{"add", "--email", "a@b.cd"}, userUsage, "harden user add: password longer than 1024 bytes\n"},
		{"endless password", strings.Repeat("p", 1<<20), []string{"add", "--email", "a@b.cd"}, userUsage, "harden user add: password longer than 1024 bytes\n"},
		{"Latin-1 password", "p\xe4sswort-lang-genug\n", []string{"add", "--email", "a@b.cd"}, userUsage, "harden user add: password not valid UTF-8\n"},
		{"set-role without role", "", []string{"set-role", "--email", "a@b.cd"}, userUsage, "harden user set-role: --role must be user or admin\n"},
		{"set-role without email", "", []string{"set-role", "--role", "admin"}, userUsage, "harden user set-role: --email is required\n"},
		{"unknown subcommand", "", []string{"delete"}, userUsage, "harden user: unknown subcommand \"delete\"\n\nUsage:…"},
		{"no subcommand", "", nil, userUsage, "Usage:\n  harden user add …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			status, out, errOut := runUserCmd(t, map[string]string{"HARDEN_DATA_DIR": dir}, tt.stdin, tt.args...)
			prefix, isPrefix := strings.CutSuffix(tt.wantStderr, "…")
			if status != tt.wantStatus || out != "" ||
				(isPrefix && !strings.HasPrefix(errOut, prefix)) || (!isPrefix && errOut != tt.wantStderr) {
				t.Errorf("status %d, stdout %q, stderr %q; want %d, nothing, %q", status, out, errOut, tt.wantStatus, tt.wantStderr)
			}
			db := openAppDB(t, appdb.Config{DataDir: dir})
			if _, err := db.UserByEmail(context.Background(), "a@b.cd"); err != appdb.ErrNotFound {
				t.Errorf("UserByEmail after a refusal: error = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestUserDatabaseUnreachable(t *testing.T) {
	status, out, errOut := runUserCmd(t, map[string]string{"HARDEN_DATABASE_URL": "postgres://app:pw-in-url@127.0.0.1:1/app?sslmode=disable&connect_timeout=2"},
		testPassword+"\n", "add", "--email", "a@b.cd")
	if status != userFailed || out != "" || !strings.HasPrefix(errOut, "harden user add: appdb: connecting to PostgreSQL: ") || strings.Contains(errOut, "pw-in-url") {
		t.Errorf("add against a closed port = %d, %q, %q; want %d and a connection error without the password", status, out, errOut, userFailed)
	}
	status, _, errOut = runUserCmd(t, map[string]string{"HARDEN_DATABASE_URL": "postgres://app:pw-in-url@[::1"}, "", "set-role", "--email", "a@b.cd", "--role", "admin")
	if want := "harden user set-role: " + appdb.ErrBadDatabaseURL.Error() + "\n"; status != userFailed || errOut != want {
		t.Errorf("set-role with a bad URL = %d, %q; want %d, %q", status, errOut, userFailed, want)
	}
}

func TestUserHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"add", "-h"}, {"set-role", "--help"}} {
		status, _, errOut := runUserCmd(t, nil, "", args...)
		if status != userOK || !strings.Contains(errOut, "Usage:") {
			t.Errorf("harden user %v = %d, %q; want 0 and the usage", args, status, errOut)
		}
	}
	_, _, errOut := runUserCmd(t, nil, "", "add", "-h")
	for _, want := range []string{"-email", "-role", "-name", "-data-dir", "HARDEN_DATA_DIR", "-database-url", "HARDEN_DATABASE_URL", "standard input"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("harden user add -h does not mention %s", want)
		}
	}
	if strings.Contains(errOut, "-password") {
		t.Error("harden user add -h lists a password flag")
	}
	if _, ok := commands["user"]; !ok {
		t.Error(`"user" is not registered`)
	}
}
