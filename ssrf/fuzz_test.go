package ssrf

import (
	"math"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzCheckAddr checks the classifier against the standard library's
// predicates and against itself across IPv4 embeddings: an allowed address
// is none of loopback, private, link-local, multicast, unspecified; and an
// IPv4 address, its IPv4-mapped, NAT64 and 6to4 forms get the same verdict.
func FuzzCheckAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "8.8.8.8", "169.254.169.254", "100.64.0.1", "::1", "::ffff:10.0.0.1",
		"64:ff9b::7f00:1", "2002:c0a8:101::", "2001::1", "fd00:ec2::254", "2606:4700::1111", "fe80::1"} {
		a := netip.MustParseAddr(s)
		if a.Is4() {
			b := a.As4()
			f.Add(b[:])
		} else {
			b := a.As16()
			f.Add(b[:])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var a netip.Addr
		switch {
		case len(b) >= 16:
			a = netip.AddrFrom16([16]byte(b[:16]))
		case len(b) >= 4:
			a = netip.AddrFrom4([4]byte(b[:4]))
		default:
			return
		}
		err := checkAddr(a)
		u := a.Unmap()
		if err == nil && (u.IsLoopback() || u.IsPrivate() || u.IsLinkLocalUnicast() || u.IsLinkLocalMulticast() ||
			u.IsInterfaceLocalMulticast() || u.IsMulticast() || u.IsUnspecified() || !u.IsGlobalUnicast()) {
			t.Fatalf("checkAddr(%v) allowed a non-public address", a)
		}
		if !a.Is4() {
			return
		}
		v4 := a.As4()
		forms := map[string]netip.Addr{
			"mapped": netip.AddrFrom16([16]byte{10: 0xff, 11: 0xff, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]}),
			"nat64":  netip.AddrFrom16([16]byte{0: 0x00, 1: 0x64, 2: 0xff, 3: 0x9b, 12: v4[0], 13: v4[1], 14: v4[2], 15: v4[3]}),
			"6to4":   netip.AddrFrom16([16]byte{0: 0x20, 1: 0x02, 2: v4[0], 3: v4[1], 4: v4[2], 5: v4[3], 15: 1}),
		}
		for name, form := range forms {
			if (checkAddr(form) == nil) != (err == nil) {
				t.Fatalf("%v: %v, but its %s form %v: %v", a, err, name, form, checkAddr(form))
			}
		}
	})
}

// inetAton is the reference reading of a numeric host that getaddrinfo,
// inet_aton and the WHATWG URL parser share: 1 to 4 parts, each decimal,
// octal (leading 0) or hex (0x); the last part fills the remaining bytes.
func inetAton(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	parts := strings.Split(host, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		n, err := strconv.ParseUint(p, base, 64)
		if err != nil || p == "" {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	var v uint64
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	last := nums[len(nums)-1]
	if last >= uint64(1)<<(8*(5-len(nums))) || last > math.MaxUint32 {
		return netip.Addr{}, false
	}
	v |= last
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// FuzzCheckURL checks the URL rules against the reference reading of
// numeric hosts, and against netip for literals: nothing Check allows may
// be an internal address under any of these readings.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1/", "http://[::1]/",
		"http://[::ffff:127.0.0.1]/", "http://example.com/", "https://93.184.215.14:443/", "http://127.0.0.1./",
		"http://0x7f000001:80/", "http://[fe80::1%25eth0]/", "http://localhost/", "http://a@b/", "http:x",
		"http://1.2.3.4.nip.io/", "http://010.0.0.1/", "http://0.0.0.0/", "http://[64:ff9b::a00:1]/",
	} {
		f.Add(s)
	}
	c, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		err := c.Check(raw)
		if err != nil {
			return
		}
		u, perr := url.Parse(raw)
		if perr != nil {
			t.Fatalf("Check(%q) allowed an unparsable URL", raw)
		}
		host := u.Hostname()
		if s := strings.ToLower(u.Scheme); s != "http" && s != "https" {
			t.Fatalf("Check(%q) allowed scheme %q", raw, u.Scheme)
		}
		if u.User != nil || host == "" {
			t.Fatalf("Check(%q) allowed credentials or an empty host", raw)
		}
		if a, ok := inetAton(host); ok && checkAddr(a) != nil {
			t.Fatalf("Check(%q) allowed %q, which inet_aton reads as internal %v", raw, host, a)
		}
		if a, err := netip.ParseAddr(host); err == nil && checkAddr(a) != nil {
			t.Fatalf("Check(%q) allowed internal literal %v", raw, a)
		}
		if isLocalhostName(strings.TrimSuffix(strings.ToLower(host), ".")) {
			t.Fatalf("Check(%q) allowed a localhost name", raw)
		}
		port := u.Port()
		if port != "" && port != "80" && port != "443" {
			t.Fatalf("Check(%q) allowed port %q", raw, port)
		}
	})
}
