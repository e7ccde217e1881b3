package clientip

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

var xffSeeds = []string{
	"", "203.0.113.7", "198.51.100.66, 203.0.113.7", "[2001:db8::7]:443", "2001:db8::7",
	"::ffff:203.0.113.7", "fe80::1%eth0", "unknown", "garbage", " , ,", "1.2.3.4:99999",
	"[1.2.3.4]", "[::1", "1.2.3.4:80:90", "01.2.3.4", "[fe80::1%25eth0]:80", "\t1.2.3.4 \t",
}

// referenceXFFItem is a second, independent parser of X-Forwarded-For items
// built on netip's own host:port parsing. It must agree with parseXFFItem.
func referenceXFFItem(s string) (netip.Addr, bool) {
	s = strings.Trim(s, " \t")
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().WithZone("").Unmap(), true
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.WithZone("").Unmap(), true
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return a.WithZone("").Unmap(), true
		}
	}
	return netip.Addr{}, false
}

func FuzzXForwardedFor(f *testing.F) {
	for _, s := range xffSeeds {
		f.Add(s)
	}
	res := mustNew(f, Config{TrustedHops: 1})
	peer := netip.MustParseAddr("10.0.0.2")
	want := netip.MustParseAddr(client)
	f.Fuzz(func(t *testing.T, hdr string) {
		// The two item parsers agree.
		got, ok := parseXFFItem(hdr)
		ref, refOK := referenceXFFItem(hdr)
		if ok != refOK || got != ref {
			t.Errorf("parseXFFItem(%q) = %v, %v; reference says %v, %v", hdr, got, ok, ref, refOK)
		}

		// Whatever the client sends, the proxy's appended entry wins.
		r := req(lb)
		r.Header["X-Forwarded-For"] = []string{hdr + ", " + client}
		if a := res.Resolve(r).Addr; a != want {
			t.Fatalf("client value %q + proxy entry: got %v, want %v", hdr, a, want)
		}
		r.Header["X-Forwarded-For"] = []string{hdr, client}
		if a := res.Resolve(r).Addr; a != want {
			t.Fatalf("client line %q + proxy line: got %v, want %v", hdr, a, want)
		}

		// Alone, the header yields the peer or its right-most item.
		r.Header["X-Forwarded-For"] = []string{hdr}
		a := res.Resolve(r).Addr
		last := hdr
		if j := strings.LastIndexByte(hdr, ','); j >= 0 {
			last = hdr[j+1:]
		}
		item, itemOK := parseXFFItem(last)
		if a != peer && (!itemOK || a != item) {
			t.Fatalf("header %q: got %v, want %v or the right-most item", hdr, a, peer)
		}
	})
}

var forwardedSeeds = []string{
	"", "for=203.0.113.7", `for="[2001:db8::7]:4711";proto=https;host=example.com`, "for=_hidden",
	"for=unknown", `for="203\.0.113.7"`, `for="x`, "for=1;for=2", "proto=https", ";;,,", "FOR=1.2.3.4 ; by=_x",
	`for=198.51.100.66, for="[::ffff:203.0.113.7]"`, "for=1.2.3.4:_obf", `host="a;b,c"`, "=x", "for=\"\\\"",
}

// formatForwarded writes elements back as a Forwarded line, quoting every
// value.
func formatForwarded(elems []fwdElement) string {
	q := func(v string) string {
		return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
	}
	var b strings.Builder
	for i, e := range elems {
		if i > 0 {
			b.WriteString(", ")
		}
		var pairs []string
		if e.forNode != "" {
			pairs = append(pairs, "for="+q(e.forNode))
		}
		if e.proto != "" {
			pairs = append(pairs, "proto="+q(e.proto))
		}
		if e.host != "" {
			pairs = append(pairs, "host="+q(e.host))
		}
		b.WriteString(strings.Join(pairs, ";"))
	}
	return b.String()
}

func FuzzForwarded(f *testing.F) {
	for _, s := range forwardedSeeds {
		f.Add(s)
	}
	res := mustNew(f, Config{TrustedHops: 1, Header: "Forwarded"})
	peer := netip.MustParseAddr("10.0.0.2")
	want := netip.MustParseAddr(client)
	f.Fuzz(func(t *testing.T, line string) {
		elems, ok := parseForwarded(line, nil)
		if ok {
			// Writing the elements back and parsing again changes nothing.
			again, ok2 := parseForwarded(formatForwarded(elems), nil)
			if !ok2 || len(again) != len(elems) {
				t.Fatalf("round trip of %q: %v %q", line, ok2, formatForwarded(elems))
			}
			for i := range elems {
				if again[i] != elems[i] {
					t.Fatalf("round trip of %q: element %d = %+v, want %+v", line, i, again[i], elems[i])
				}
			}
		}

		r := req(lb)
		// A proxy line after any client line always wins.
		r.Header[http.CanonicalHeaderKey("Forwarded")] = []string{line, "for=" + client}
		if a := res.Resolve(r).Addr; a != want {
			t.Fatalf("client line %q + proxy line: got %v, want %v", line, a, want)
		}
		// Appended on the same line, the proxy's element wins or the walk
		// fails closed to the peer.
		r.Header["Forwarded"] = []string{line + ", for=" + client}
		if a := res.Resolve(r).Addr; a != want && a != peer {
			t.Fatalf("client value %q + proxy element: got %v, want %v or %v", line, a, want, peer)
		}
		// Alone: the peer, or the address of the right-most element.
		r.Header["Forwarded"] = []string{line}
		a := res.Resolve(r).Addr
		if a != peer {
			if !ok || len(elems) == 0 {
				t.Fatalf("unparsable %q gave %v, want %v", line, a, peer)
			}
			if n, _ := parseNode(elems[len(elems)-1].forNode); n != a {
				t.Fatalf("%q gave %v, want %v or %v", line, a, peer, n)
			}
		}
	})
}
