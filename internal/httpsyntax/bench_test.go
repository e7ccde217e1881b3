package httpsyntax

import "testing"

func BenchmarkParseRequestHost(b *testing.B) {
	for _, s := range []string{"www.example.com", "www.example.com:8443", "[2001:db8::1]:8443"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := ParseRequestHost(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseOrigin(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseOrigin("https://app.example.com:8443"); err != nil {
			b.Fatal(err)
		}
	}
}
