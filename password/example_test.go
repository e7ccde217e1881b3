package password_test

import (
	"fmt"

	"github.com/harden-go/harden/password"
)

// A login: verify, upgrade old hashes, and spend the same time for
// unknown users.
func Example() {
	h, _ := password.New(password.Config{})
	users := map[string]string{} // email → stored hash
	users["ada@example.com"], _ = h.Hash("correct horse battery staple")

	login := func(email, pw string) bool {
		stored, known := users[email]
		if !known {
			h.DummyVerify(pw)
			return false
		}
		ok, err := h.Verify(pw, stored)
		if err != nil || !ok {
			return false
		}
		if h.NeedsRehash(stored) {
			users[email], _ = h.Hash(pw)
		}
		return true
	}
	fmt.Println(login("ada@example.com", "correct horse battery staple"))
	fmt.Println(login("ada@example.com", "wrong"))
	fmt.Println(login("bob@example.com", "anything"))
	// Output:
	// true
	// false
	// false
}
