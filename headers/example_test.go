package headers_test

import (
	"errors"
	"fmt"

	"github.com/harden-go/harden"
	"github.com/harden-go/harden/headers"
)

// ExampleNew_refused shows New refusing a configuration: every problem at
// once, each naming the field as a configuration file spells it, the value
// and the fix.
func ExampleNew_refused() {
	_, err := headers.New(headers.Config{CSP: headers.CSP{Directives: map[string][]string{
		"scirpt-src": {"'self'"},
		"script-src": {"'self'", "'unsafe-inline'"},
	}}})
	fmt.Println(err)
	var ce *harden.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field, ce.Value)
	// Output:
	// headers: csp.directives "scirpt-src": not a CSP directive; did you mean "script-src"?
	// headers: csp.directives.script-src "'unsafe-inline'": lets injected inline scripts and event handlers run (XSS); use csp.nonce or a hash source; or set csp.dangerously_allow_unsafe_scripts
	// true csp.directives scirpt-src
}
