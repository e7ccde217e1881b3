package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/password"
)

func init() {
	register(command{name: "user", summary: "add an account to the reference app, or change its role", run: runUser})
}

// Exit statuses of harden user.
const (
	userOK     = 0 // done
	userFailed = 1 // the account exists already or is unknown, or the database failed
	userUsage  = 2 // bad flags, arguments, email, role or password
)

// userTimeout bounds the database work of one command.
const userTimeout = 30 * time.Second

const userUsageText = `Usage:
  harden user add --email EMAIL [--role user|admin] [--name NAME] < password
  harden user set-role --email EMAIL --role user|admin

Manages the accounts of the reference app that "harden serve" runs, in the
same database: the SQLite file under --data-dir, or PostgreSQL when
--database-url is set.

add reads the password from standard input: typed at a prompt that does not
echo it when standard input is a terminal, otherwise the first line piped in
("harden user add --email a@example.com --role admin < file", or from a
secrets manager). It is never taken from an argument: command lines are
visible to every user of the machine and kept in shell histories. A
password has at least 12 characters and at most 1024 bytes of UTF-8; it is
stored hashed with argon2id and never printed.

Exit status: 0 done, 1 the account exists already (add) or is unknown
(set-role) or the database failed, 2 usage error or a value refused.

Run "harden user add -h" or "harden user set-role -h" for the flags.
`

func runUser(args []string, stdout, stderr io.Writer) int {
	return userCommand(context.Background(), args, os.Stdin, os.Getenv, stdout, stderr)
}

func userCommand(ctx context.Context, args []string, stdin io.Reader, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, userUsageText)
		return userUsage
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, args[1:], stdin, getenv, stdout, stderr)
	case "set-role":
		return userSetRole(ctx, args[1:], getenv, stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stderr, userUsageText)
		return userOK
	}
	fmt.Fprintf(stderr, "harden user: unknown subcommand %q\n\n", args[0])
	fmt.Fprint(stderr, userUsageText)
	return userUsage
}

// userFlags are the flags of every subcommand.
type userFlags struct {
	fs                   *flag.FlagSet
	email, role          string
	dataDir, databaseURL string
}

func newUserFlags(name, usage string, getenv func(string) string, stderr io.Writer) *userFlags {
	f := &userFlags{fs: flag.NewFlagSet("harden user "+name, flag.ContinueOnError)}
	f.fs.SetOutput(stderr)
	dataDir := getenv("HARDEN_DATA_DIR")
	if dataDir == "" {
		dataDir = "data" // as harden serve
	}
	f.fs.StringVar(&f.email, "email", "", "the account's email address (required)")
	f.fs.StringVar(&f.dataDir, "data-dir", dataDir, "directory of the SQLite files, as for harden serve (HARDEN_DATA_DIR)")
	f.fs.StringVar(&f.databaseURL, "database-url", getenv("HARDEN_DATABASE_URL"), "PostgreSQL DSN, as for harden serve; prefer the variable, which ps does not show (HARDEN_DATABASE_URL)")
	f.fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		f.fs.PrintDefaults()
	}
	return f
}

// parse parses args and checks the email and role. It returns the exit
// status to end with, or -1 to go on.
func (f *userFlags) parse(args []string, stderr io.Writer) int {
	if err := f.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return userOK
		}
		return userUsage
	}
	prefix := f.fs.Name() + ": "
	if f.fs.NArg() > 0 {
		// Not echoed: it may well be a password typed on the command line.
		fmt.Fprintf(stderr, "%sunexpected argument (the password is read from standard input, never from the command line)\n", prefix)
		return userUsage
	}
	if f.email == "" {
		fmt.Fprintf(stderr, "%s--email is required\n", prefix)
		return userUsage
	}
	email, err := appdb.NormalizeEmail(f.email)
	if err != nil {
		fmt.Fprintf(stderr, "%s--email: %s\n", prefix, reason(err))
		return userUsage
	}
	f.email = email
	if f.role != appdb.RoleUser && f.role != appdb.RoleAdmin {
		fmt.Fprintf(stderr, "%s--role must be user or admin\n", prefix)
		return userUsage
	}
	return -1
}

// open opens the database the flags name.
func (f *userFlags) open(ctx context.Context) (*appdb.DB, error) {
	return appdb.Open(ctx, appdb.Config{DataDir: f.dataDir, DatabaseURL: f.databaseURL})
}

func reason(err error) string {
	if ve, ok := errors.AsType[*appdb.ValidationError](err); ok {
		return ve.Reason
	}
	return err.Error()
}

func userAdd(ctx context.Context, args []string, stdin io.Reader, getenv func(string) string, stdout, stderr io.Writer) int {
	const usage = "Usage: harden user add --email EMAIL [--role user|admin] [--name NAME] < password\n\nThe password is read from standard input, never from an argument.\n\nFlags:\n"
	// Refused before parsing, so the value is neither used nor echoed in
	// an error: a password on a command line is visible in ps and
	// /proc to every local user, and stays in the shell history.
	if passwordFlag(args) {
		fmt.Fprintln(stderr, "harden user add: --password is not accepted: a command line is visible to every user of the machine and kept in shell history; pipe the password on standard input, or type it at the prompt")
		return userUsage
	}
	f := newUserFlags("add", usage, getenv, stderr)
	var name string
	f.fs.StringVar(&f.role, "role", appdb.RoleUser, "user or admin")
	f.fs.StringVar(&name, "name", "", "display name (optional)")
	if status := f.parse(args, stderr); status >= 0 {
		return status
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "harden user add: %v\n", err)
		return userUsage
	}
	if err := appdb.CheckPassword(pw); err != nil {
		fmt.Fprintf(stderr, "harden user add: password %s\n", reason(err))
		return userUsage
	}
	h, err := password.New(password.Config{})
	if err != nil {
		fmt.Fprintln(stderr, "harden user add: the password could not be hashed")
		return userFailed
	}
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		fmt.Fprintln(stderr, "harden user add: the password could not be hashed")
		return userFailed
	}
	ctx, cancel := context.WithTimeout(ctx, userTimeout)
	defer cancel()
	db, err := f.open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "harden user add: %v\n", err)
		return userFailed
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, appdb.User{Email: f.email, Name: name, Role: f.role, PasswordHash: hash})
	switch {
	case errors.Is(err, appdb.ErrEmailTaken):
		fmt.Fprintf(stderr, "harden user add: an account with email %s exists already (harden user set-role changes its role)\n", f.email)
		return userFailed
	case err != nil:
		if ve, ok := errors.AsType[*appdb.ValidationError](err); ok {
			fmt.Fprintf(stderr, "harden user add: --%s: %s\n", ve.Field, ve.Reason)
			return userUsage
		}
		fmt.Fprintf(stderr, "harden user add: %v\n", err)
		return userFailed
	}
	fmt.Fprintf(stdout, "harden user add: created %s with role %s (id %s)\n", u.Email, u.Role, u.ID)
	return userOK
}

func userSetRole(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	const usage = "Usage: harden user set-role --email EMAIL --role user|admin\n\nFlags:\n"
	f := newUserFlags("set-role", usage, getenv, stderr)
	f.fs.StringVar(&f.role, "role", "", "the new role: user or admin (required)")
	if status := f.parse(args, stderr); status >= 0 {
		return status
	}
	ctx, cancel := context.WithTimeout(ctx, userTimeout)
	defer cancel()
	db, err := f.open(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "harden user set-role: %v\n", err)
		return userFailed
	}
	defer db.Close()
	u, err := db.UserByEmail(ctx, f.email)
	if err == nil {
		err = db.SetRole(ctx, u.ID, f.role)
	}
	switch {
	case errors.Is(err, appdb.ErrNotFound):
		fmt.Fprintf(stderr, "harden user set-role: no account with email %s\n", f.email)
		return userFailed
	case err != nil:
		fmt.Fprintf(stderr, "harden user set-role: %v\n", err)
		return userFailed
	}
	fmt.Fprintf(stdout, "harden user set-role: %s now has role %s (was %s)\n", u.Email, f.role, u.Role)
	return userOK
}

// passwordFlag reports whether args try to give a password flag, in any of
// the forms the flag package accepts (-password, --password=x), or as
// -pw or -pass.
func passwordFlag(args []string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue // a flag's value, or an argument (refused anyway)
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.EqualFold(name, "password") || strings.EqualFold(name, "pw") || strings.EqualFold(name, "pass") {
			return true
		}
	}
	return false
}

// readPassword reads the password: at a prompt without echo when stdin is
// a terminal (typed twice), else the first line of stdin.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if pw, ok, err := terminalPassword(stdin, stderr); ok || err != nil {
		return pw, err
	}
	pw, err := readPasswordLine(stdin)
	if err == nil && pw == "" {
		err = errors.New("no password on standard input (pipe it, or run from a terminal to be prompted)")
	}
	return pw, err
}

// readPasswordLine reads the first line of r, without its line ending. It
// reads no more than the longest password allowed plus CR LF, so a huge
// input is refused without being held in memory.
func readPasswordLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, appdb.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", errors.New("reading the password from standard input failed")
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	return line, nil
}
