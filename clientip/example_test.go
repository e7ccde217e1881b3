package clientip_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harden-go/harden/clientip"
)

// One load balancer at 10.0.0.2 appends the address it saw. Whatever the
// client wrote to the left of it is never the answer.
func ExampleResolver_Resolve() {
	res, err := clientip.New(clientip.Config{TrustedProxies: []string{"10.0.0.0/8"}})
	if err != nil {
		panic(err)
	}
	for _, tc := range []struct{ peer, xff string }{
		{"10.0.0.2:4711", "203.0.113.7"},                   // the proxy's entry
		{"10.0.0.2:4711", "198.51.100.66, 203.0.113.7"},    // spoofed left entry
		{"10.0.0.2:4711", "198.51.100.66, not-an-address"}, // fail closed
		{"192.0.2.1:4711", "198.51.100.66"},                // untrusted peer
	} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.peer
		r.Header.Set("X-Forwarded-For", tc.xff)
		fmt.Printf("%-15s %-31q -> %v\n", tc.peer, tc.xff, res.Resolve(r).Addr)
	}
	// Output:
	// 10.0.0.2:4711   "203.0.113.7"                   -> 203.0.113.7
	// 10.0.0.2:4711   "198.51.100.66, 203.0.113.7"    -> 203.0.113.7
	// 10.0.0.2:4711   "198.51.100.66, not-an-address" -> 10.0.0.2
	// 192.0.2.1:4711  "198.51.100.66"                 -> 192.0.2.1
}

func ExampleParseTrusted() {
	for _, env := range []string{"", "2", "10.0.0.0/8,192.168.1.7", "0.0.0.0/0"} {
		cfg, err := clientip.ParseTrusted(env)
		fmt.Printf("%q: hops=%d proxies=%v err=%v\n", env, cfg.TrustedHops, cfg.TrustedProxies, err)
	}
	// Output:
	// "": hops=0 proxies=[] err=<nil>
	// "2": hops=2 proxies=[] err=<nil>
	// "10.0.0.0/8,192.168.1.7": hops=0 proxies=[10.0.0.0/8 192.168.1.7] err=<nil>
	// "0.0.0.0/0": hops=0 proxies=[] err=clientip: trusted_proxies[0] "0.0.0.0/0": range trusts most of the Internet (needs DangerouslyTrustBroadRanges)
}
