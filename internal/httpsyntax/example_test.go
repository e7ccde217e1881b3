package httpsyntax_test

import (
	"fmt"

	"github.com/harden-go/harden/internal/httpsyntax"
)

func ExampleParseOrigin() {
	for _, s := range []string{
		"HTTPS://App.Example.COM:443/",
		"http://[::FFFF:127.0.0.1]:8080",
		"https://app.example.com:08443",
		"https://app.example.com.",
		"https://user@app.example.com",
	} {
		o, err := httpsyntax.ParseOrigin(s)
		if err != nil {
			fmt.Printf("%s: %v\n", s, err)
			continue
		}
		fmt.Printf("%s: %s\n", s, o)
	}
	// Output:
	// HTTPS://App.Example.COM:443/: https://app.example.com
	// http://[::FFFF:127.0.0.1]:8080: http://[::ffff:7f00:1]:8080
	// https://app.example.com:08443: has a port that is not 1-65535 in decimal digits without a leading zero
	// https://app.example.com.: is not a host name (letters, digits and inner hyphens, labels separated by dots) or an IP address
	// https://user@app.example.com: has userinfo (user@ or user:password@)
}

func ExampleParseRequestHost() {
	for _, s := range []string{"WWW.Example.com.:8443", "[2001:DB8::1]", "127.1", "www.example.com/x"} {
		host, port, err := httpsyntax.ParseRequestHost(s)
		fmt.Printf("%q: %q %d %v\n", s, host, port, err)
	}
	// Output:
	// "WWW.Example.com.:8443": "www.example.com" 8443 <nil>
	// "[2001:DB8::1]": "[2001:db8::1]" 0 <nil>
	// "127.1": "" 0 is not a host name (letters, digits and inner hyphens, labels separated by dots) or an IP address
	// "www.example.com/x": "" 0 is not a host name (letters, digits and inner hyphens, labels separated by dots) or an IP address
}
