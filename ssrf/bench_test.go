package ssrf

import (
	"net/netip"
	"net/url"
	"testing"
)

// BenchmarkDialCheck is the connect-time check of one dial (target
// ≤ 1 µs): parse "ip:port", classify the address, check the port.
func BenchmarkDialCheck(b *testing.B) {
	c, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, addr := range []string{"93.184.215.14:443", "[2606:4700:4700::1111]:443"} {
		b.Run(addr, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.guard.control("tcp", addr, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCheckAddr is the classifier alone, on a public address (the
// slow path: every range is tested).
func BenchmarkCheckAddr(b *testing.B) {
	for _, s := range []string{"93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"} {
		a := netip.MustParseAddr(s)
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if checkAddr(a) != nil {
					b.Fatal("refused")
				}
			}
		})
	}
}

// BenchmarkCheckURL is the per-request URL check.
func BenchmarkCheckURL(b *testing.B) {
	c, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	u, _ := url.Parse("https://www.example.com/some/page?x=1")
	b.ReportAllocs()
	for b.Loop() {
		if err := c.guard.checkURL(u); err != nil {
			b.Fatal(err)
		}
	}
}
