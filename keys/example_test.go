package keys_test

import (
	"fmt"

	"github.com/harden-go/harden/keys"
)

// Rotation: put the new secret first and keep the old one until every
// value it made has expired.
func Example_rotation() {
	oldRing, _ := keys.Parse("q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=")
	sealed := oldRing.Derive("cookie").Seal(nil, []byte("hello"), nil)

	rotated, _ := keys.Parse("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08," +
		"q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=")
	plain, err := rotated.Derive("cookie").Open(sealed, nil)
	fmt.Println(string(plain), err)

	_, err = keys.Parse("changeme-changeme-changeme-changeme")
	fmt.Println(err)
	// Output:
	// hello <nil>
	// keys: secret #1 refused: less than 256 bits of entropy for its alphabet (use 32 random bytes, e.g. openssl rand -base64 32)
}
