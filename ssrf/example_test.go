package ssrf_test

import (
	"errors"
	"fmt"

	"github.com/harden-go/harden/ssrf"
)

// Check is the request-time rule; the client applies it, plus the
// resolution and connect-time checks, to every request and redirect. This
// example opens no connection.
func ExampleClient_Check() {
	client, err := ssrf.New(ssrf.Config{})
	if err != nil {
		panic(err)
	}
	for _, u := range []string{
		"https://example.com/page",
		"http://169.254.169.254/latest/meta-data/",
		"http://2130706433/",
		"http://[::ffff:127.0.0.1]/",
		"http://example.com:6379/",
		"file:///etc/passwd",
	} {
		err := client.Check(u)
		fmt.Printf("%-42s allowed=%v\n", u, !errors.Is(err, ssrf.ErrDestinationNotAllowed))
	}
	// Output:
	// https://example.com/page                   allowed=true
	// http://169.254.169.254/latest/meta-data/   allowed=false
	// http://2130706433/                         allowed=false
	// http://[::ffff:127.0.0.1]/                 allowed=false
	// http://example.com:6379/                   allowed=false
	// file:///etc/passwd                         allowed=false
}
