package allowedhosts_test

import (
	"fmt"

	"github.com/harden-go/harden/allowedhosts"
)

func ExampleChecker_Allowed() {
	c, err := allowedhosts.New(allowedhosts.Config{Hosts: []string{"www.example.com"}})
	if err != nil {
		panic(err)
	}
	for _, host := range []string{"www.example.com", "WWW.example.com.:443", "evil.example", "www.example.com:8080"} {
		fmt.Printf("%-22s %v\n", host, c.Allowed(host, true))
	}
	// Output:
	// www.example.com        true
	// WWW.example.com.:443   true
	// evil.example           false
	// www.example.com:8080   false
}
