package httpsyntax

import (
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

var originSeeds = []string{
	"https://example.com", "https://example.com/", "HTTPS://EXAMPLE.COM:443",
	"http://localhost:3000", "http://127.0.0.1", "http://[::1]:8080", "http://[::ffff:1.2.3.4]",
	"https://example.com:08443", "https://example.com.", "https://ex_ample.com", "https://example.com:",
	"https://user@example.com", "https://example.com/path", "https://example.com?q", "https://example.com#f",
	"null", "file:///x", "http://0x7f.1", "http://2130706433", "http://[fe80::1%25eth0]",
	"https://xn--bcher-kva.example", "https://bücher.example", "https://exa%6dple.com",
	"https://example.com\\@evil.example", "ftp://example.com", "https://*.example.com",
}

// ldhName is the reference host-name grammar, written independently of
// IsLabels: RFC 1123 labels in lower case. (Not (?i): it folds the long s
// U+017F and the Kelvin sign U+212A into ASCII letters.)
var ldhName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

// referenceOrigin decides s with net/url plus the rules of the grammar, and
// returns the origin a browser would serialise for it.
func referenceOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || (u.Path != "" && u.Path != "/") || u.Host == "" {
		return "", false
	}
	scheme := u.Scheme // net/url lowers it
	if scheme != "https" && scheme != "http" {
		return "", false
	}
	// Only inputs that are literally scheme://host[:port][/]: net/url
	// decodes percent-escapes and keeps what WHATWG would rewrite.
	lit := strings.TrimSuffix(s, "/")
	if !strings.EqualFold(lit, scheme+"://"+u.Host) {
		return "", false
	}
	host := u.Hostname()
	port := u.Port()
	if strings.HasSuffix(u.Host, ":") {
		return "", false
	}
	var canon string
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", false
		}
		// The WHATWG serialiser, computed from the 16-bit groups.
		canon = whatwgIPv6(a)
	} else {
		for i := 0; i < len(host); i++ {
			if host[i] >= 0x80 {
				return "", false // U-labels: configure the A-label
			}
		}
		lh := strings.ToLower(host)
		if len(lh) > 253 || !ldhName.MatchString(lh) {
			return "", false
		}
		if last := lh[strings.LastIndexByte(lh, '.')+1:]; strings.Trim(last, "0123456789") == "" ||
			strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "" {
			a, err := netip.ParseAddr(lh)
			if err != nil || !a.Is4() {
				return "", false
			}
		}
		canon = lh
	}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return "", false
		}
		if !(scheme == "https" && n == 443 || scheme == "http" && n == 80) {
			canon += ":" + port
		}
	}
	return scheme + "://" + canon, true
}

// whatwgIPv6 is the URL standard's IPv6 serialiser, step by step.
func whatwgIPv6(a netip.Addr) string {
	b := a.As16()
	pieces := make([]string, 8)
	zero := make([]bool, 8)
	for i := range pieces {
		v := uint16(b[2*i])<<8 | uint16(b[2*i+1])
		pieces[i] = strconv.FormatUint(uint64(v), 16)
		zero[i] = v == 0
	}
	compress, longest := -1, 1
	for i := 0; i < 8; i++ {
		n := 0
		for i+n < 8 && zero[i+n] {
			n++
		}
		if n > longest {
			compress, longest = i, n
		}
	}
	if compress < 0 {
		return "[" + strings.Join(pieces, ":") + "]"
	}
	return "[" + strings.Join(pieces[:compress], ":") + "::" + strings.Join(pieces[compress+longest:], ":") + "]"
}

// FuzzParseOrigin checks ParseOrigin against net/url and the WHATWG
// serialisation: where the reference accepts, ParseOrigin must accept and
// give the same canonical origin; whatever ParseOrigin accepts, net/url
// must read as the same scheme, host and port, and the result must be a
// fixed point that net/http would accept as a Host.
func FuzzParseOrigin(f *testing.F) {
	for _, s := range originSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := ParseOrigin(s)
		want, refOK := referenceOrigin(s)
		if refOK && (err != nil || o.String() != want) {
			t.Fatalf("ParseOrigin(%q) = %q, %v; net/url and WHATWG give %q", s, o.String(), err, want)
		}
		if err != nil {
			return
		}
		if !refOK {
			t.Fatalf("ParseOrigin(%q) = %q, but the reference refuses it", s, o.String())
		}
		got := o.String()
		again, err := ParseOrigin(got)
		if err != nil || again != o {
			t.Fatalf("ParseOrigin(%q) = %+v, %v; want the fixed point %+v", got, again, err, o)
		}
		if got != strings.ToLower(got) || strings.HasSuffix(got, "/") ||
			strings.HasSuffix(got, ":443") && o.Scheme == "https" || strings.HasSuffix(got, ":80") && o.Scheme == "http" {
			t.Fatalf("ParseOrigin(%q).String() = %q: not a browser's serialisation", s, got)
		}
		if !httpguts.ValidHostHeader(o.HostPort()) {
			t.Fatalf("ParseOrigin(%q).HostPort() = %q: net/http refuses it as a Host", s, o.HostPort())
		}
	})
}

// FuzzParseRequestHost checks that every accepted Host value is one
// net/http accepts, names the same host and port as net/url reads, and
// parses to a fixed point.
func FuzzParseRequestHost(f *testing.F) {
	for _, s := range []string{
		"example.com", "Example.COM:8443", "example.com.", "example.com.:1", "[::1]:80", "[::ffff:1.2.3.4]",
		"127.0.0.1", "127.1", "0x7f.0.0.1", "ex_ample.com", "a..b", "example.com:08080", "evil.example/x",
		"a@b", "[fe80::1%eth0]", "bücher.example", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, port, err := ParseRequestHost(s)
		if err != nil {
			return
		}
		if !httpguts.ValidHostHeader(s) {
			t.Fatalf("ParseRequestHost(%q) accepted what net/http refuses", s)
		}
		u, uerr := url.Parse("http://" + s + "/")
		if uerr != nil {
			t.Fatalf("ParseRequestHost(%q) = %q, %d; net/url refuses it: %v", s, host, port, uerr)
		}
		h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
		if a, err := netip.ParseAddr(h); err == nil {
			h = whatwgIPv6(a)
			if a.Is4() {
				h = a.String()
			}
		}
		if h != host {
			t.Fatalf("ParseRequestHost(%q) host %q; net/url reads %q", s, host, h)
		}
		if p := u.Port(); p != "" && p != strconv.Itoa(port) || p == "" && port != 0 {
			t.Fatalf("ParseRequestHost(%q) port %d; net/url reads %q", s, port, p)
		}
		hp := host
		if port != 0 {
			hp += ":" + strconv.Itoa(port)
		}
		h2, p2, err := ParseHostPort(hp)
		if err != nil || h2 != host || p2 != port {
			t.Fatalf("ParseHostPort(%q) = %q, %d, %v; want the fixed point %q, %d", hp, h2, p2, err, host, port)
		}
	})
}

// FuzzIsLabels checks the hand-written label scanner against the regular
// expression of the same grammar.
func FuzzIsLabels(f *testing.F) {
	for _, s := range []string{"a", "a.b", "a-b", "-a", "a-", "a..b", "A", "a_b", "\u017f", "\u212a", strings.Repeat("a", 64)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := len(s) <= 253 && s == strings.ToLower(s) && ldhName.MatchString(s)
		if got := IsLabels(s); got != want {
			t.Fatalf("IsLabels(%q) = %v, want %v", s, got, want)
		}
	})
}

// FuzzOriginParts runs the differential of FuzzParseOrigin on origins built
// from a scheme, a host and a port, so that most inputs are close to valid
// and both sides of the comparison are exercised.
func FuzzOriginParts(f *testing.F) {
	f.Add("https", "example.com", "")
	f.Add("HTTP", "LocalHost", "8080")
	f.Add("https", "[::ffff:1.2.3.4]", "443")
	f.Add("http", "127.0.0.1", "080")
	f.Add("https", "a-b.c_d.example", "65535")
	f.Add("https", "example.com.", "1")
	f.Add("https", "xn--bcher-kva.example", "")
	f.Fuzz(func(t *testing.T, scheme, host, port string) {
		s := scheme + "://" + host
		if port != "" {
			s += ":" + port
		}
		o, err := ParseOrigin(s)
		want, refOK := referenceOrigin(s)
		if refOK != (err == nil) || refOK && o.String() != want {
			t.Fatalf("ParseOrigin(%q) = %q, %v; reference: %q, %v", s, o.String(), err, want, refOK)
		}
	})
}
