package appdb_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/password"
)

// Registration and login against the embedded SQLite database.
func Example() {
	dir, err := os.MkdirTemp("", "appdb-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := appdb.Open(ctx, appdb.Config{DataDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	// Register: the same rules as "harden user add", then the hash.
	pw := "correct horse battery staple"
	if err := appdb.CheckPassword(pw); err != nil {
		log.Fatal(err)
	}
	h, err := password.New(password.Config{})
	if err != nil {
		log.Fatal(err)
	}
	hash, err := h.Hash(ctx, pw)
	if err != nil {
		log.Fatal(err)
	}
	u, err := db.CreateUser(ctx, appdb.User{Email: "Ann@Example.com", Name: "Ann", PasswordHash: hash})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(u.Email, u.Role)

	_, err = db.CreateUser(ctx, appdb.User{Email: "ann@example.com", PasswordHash: hash})
	fmt.Println(errors.Is(err, appdb.ErrEmailTaken))

	// Login: an unknown email costs a dummy verification, so both
	// failures take the same time and get the same answer.
	login := func(email, pw string) bool {
		u, err := db.UserByEmail(ctx, email)
		if err != nil {
			_ = h.DummyVerify(ctx, pw)
			return false
		}
		ok, err := h.Verify(ctx, pw, u.PasswordHash)
		return err == nil && ok
	}
	fmt.Println(login("ANN@example.com", pw), login("ann@example.com", "wrong password!"), login("eve@example.com", pw))
	// Output:
	// ann@example.com user
	// true
	// true false false
}
