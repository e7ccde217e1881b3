package ssrf

import (
	"errors"
	"net/netip"
	"testing"
)

// TestCheckAddr covers each refused range (first, last, a typical member),
// the named metadata addresses, the IPv6 forms that embed an IPv4 address,
// and the public neighbours of every IPv4 range.
func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr   string
		reason string // "" = allowed
	}{
		// IPv4 ranges.
		{"0.0.0.0", reasonUnspecified},
		{"0.255.255.255", reasonUnspecified},
		{"10.0.0.0", reasonPrivate},
		{"10.1.2.3", reasonPrivate},
		{"10.255.255.255", reasonPrivate},
		{"100.64.0.0", reasonCGNAT},
		{"100.127.255.255", reasonCGNAT},
		{"127.0.0.1", reasonLoopback},
		{"127.0.0.0", reasonLoopback},
		{"127.255.255.254", reasonLoopback},
		{"169.254.0.1", reasonLinkLocal},
		{"169.254.255.255", reasonLinkLocal},
		{"172.16.0.0", reasonPrivate},
		{"172.31.255.255", reasonPrivate},
		{"192.0.0.1", reasonProtocolAssign},
		{"192.0.2.1", reasonDocumentation},
		{"192.88.99.1", reason6to4Relay},
		{"192.168.0.1", reasonPrivate},
		{"192.168.255.255", reasonPrivate},
		{"198.18.0.1", reasonBenchmarking},
		{"198.19.255.255", reasonBenchmarking},
		{"198.51.100.7", reasonDocumentation},
		{"203.0.113.9", reasonDocumentation},
		{"224.0.0.1", reasonMulticast},
		{"239.255.255.250", reasonMulticast},
		{"240.0.0.1", reasonReserved},
		{"254.255.255.255", reasonReserved},
		{"255.255.255.255", reasonBroadcast},
		// Cloud metadata.
		{"169.254.169.254", reasonMetadata},
		{"169.254.170.2", reasonMetadata},
		{"100.100.100.200", reasonMetadata},
		{"192.0.0.192", reasonMetadata},
		{"fd00:ec2::254", reasonMetadata},
		// Public IPv4, including the neighbours of refused ranges.
		{"1.1.1.1", ""},
		{"8.8.8.8", ""},
		{"93.184.215.14", ""},
		{"9.255.255.255", ""},
		{"11.0.0.0", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"126.255.255.255", ""},
		{"128.0.0.0", ""},
		{"169.253.255.255", ""},
		{"169.255.0.0", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"192.0.1.0", ""},
		{"192.0.3.0", ""},
		{"192.167.255.255", ""},
		{"192.169.0.0", ""},
		{"198.17.255.255", ""},
		{"198.20.0.0", ""},
		{"198.51.99.255", ""},
		{"203.0.112.255", ""},
		{"203.0.114.0", ""},
		{"223.255.255.255", ""},
		// IPv6 ranges.
		{"::", reasonUnspecified},
		{"::1", reasonLoopback},
		{"::2", reasonIPv4Compatible},
		{"fc00::1", reasonUniqueLocal},
		{"fd12:3456::1", reasonUniqueLocal},
		{"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", reasonUniqueLocal},
		{"fe80::1", reasonLinkLocal},
		{"febf::1", reasonLinkLocal},
		{"fec0::1", reasonSiteLocal},
		{"ff02::1", reasonMulticast},
		{"ff05::2", reasonMulticast},
		{"2001:db8::1", reasonDocumentation},
		{"2001:db8:ffff::1", reasonDocumentation},
		{"3fff::1", reasonDocumentation},
		{"2001:2::1", reasonProtocolAssign},
		{"2001:10::1", reasonProtocolAssign},
		{"100::1", reasonDiscard},
		{"64:ff9b:1::1", reasonNAT64LocalUse},
		{"5f00::1", reasonSRv6},
		{"4000::1", reasonNotGlobalUnicast},
		{"::ffff:0:0:1", reasonNotGlobalUnicast}, // SIIT ::ffff:0:0:0/96
		// IPv4 forms in IPv6.
		{"::ffff:127.0.0.1", prefixIPv4Mapped + reasonLoopback},
		{"::ffff:7f00:1", prefixIPv4Mapped + reasonLoopback},
		{"::ffff:10.0.0.1", prefixIPv4Mapped + reasonPrivate},
		{"::ffff:169.254.169.254", prefixIPv4Mapped + reasonMetadata},
		{"::ffff:0.0.0.0", prefixIPv4Mapped + reasonUnspecified},
		{"::127.0.0.1", reasonIPv4Compatible},
		{"::8.8.8.8", reasonIPv4Compatible},
		{"64:ff9b::127.0.0.1", prefixNAT64 + reasonLoopback},
		{"64:ff9b::a00:1", prefixNAT64 + reasonPrivate},
		{"64:ff9b::a9fe:a9fe", prefixNAT64 + reasonMetadata},
		{"2002:7f00:1::", prefix6to4 + reasonLoopback},
		{"2002:c0a8:101::1", prefix6to4 + reasonPrivate},
		{"2002:a9fe:a9fe::", prefix6to4 + reasonMetadata},
		{"2001:0:4136:e378:8000:63bf:80ff:fffe", reasonTeredo}, // client 127.0.0.1
		{"2001::1", reasonTeredo},
		// Public IPv6 and public IPv4 forms.
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:80b::200e", ""},
		{"::ffff:8.8.8.8", ""},
		{"64:ff9b::808:808", ""},
		{"2002:808:808::1", ""},
		// Zones.
		{"fe80::1%eth0", reasonZone},
		{"2606:4700:4700::1111%eth0", reasonZone},
	}
	for _, tc := range tests {
		a := netip.MustParseAddr(tc.addr)
		err := checkAddr(a)
		if tc.reason == "" {
			if err != nil {
				t.Errorf("checkAddr(%s) = %v, want allowed", tc.addr, err)
			}
			continue
		}
		var be *blockedError
		if !errors.As(err, &be) {
			t.Errorf("checkAddr(%s) = %v, want refused (%s)", tc.addr, err, tc.reason)
			continue
		}
		if be.Reason != tc.reason {
			t.Errorf("checkAddr(%s) reason = %q, want %q", tc.addr, be.Reason, tc.reason)
		}
		if !errors.Is(err, ErrDestinationNotAllowed) || !errors.Is(err, errAddressNotAllowed) {
			t.Errorf("checkAddr(%s) = %v: not ErrDestinationNotAllowed and errAddressNotAllowed", tc.addr, err)
		}
	}
	if err := checkAddr(netip.Addr{}); err == nil {
		t.Error("checkAddr(zero Addr) allowed")
	}
}

// TestEveryRangeCovered makes sure each table entry is exercised.
func TestEveryRangeCovered(t *testing.T) {
	for _, br := range append(append([]blockedRange(nil), blocked4...), blocked6...) {
		a := br.prefix.Addr()
		if br.prefix.Bits() < a.BitLen() {
			a = a.Next() // an address inside, not only the network address
		}
		if checkAddr(a) == nil {
			t.Errorf("%v (%s): %v allowed", br.prefix, br.reason, a)
		}
	}
	for a := range metadataAddrs {
		var be *blockedError
		if !errors.As(checkAddr(a), &be) || be.Reason != reasonMetadata {
			t.Errorf("metadata address %v: %v", a, checkAddr(a))
		}
	}
}

// TestReason4MatchesTable compares the fast IPv4 switch with the tables at
// the edges of every range and around them.
func TestReason4MatchesTable(t *testing.T) {
	check := func(a netip.Addr) {
		if got, want := reason4(a.As4()), reason4Table(a); got != want {
			t.Errorf("reason4(%v) = %q, table says %q", a, got, want)
		}
	}
	for _, br := range blocked4 {
		first := br.prefix.Masked().Addr()
		last := first
		for i := br.prefix.Bits(); i < 32; i++ {
			b := last.As4()
			bit := 31 - i
			b[3-bit/8] |= 1 << (bit % 8)
			last = netip.AddrFrom4(b)
		}
		for _, a := range []netip.Addr{first, first.Next(), last, last.Prev(), first.Prev(), last.Next()} {
			if a.IsValid() && a.Is4() {
				check(a)
			}
		}
	}
	for a := range metadataAddrs {
		if a.Is4() {
			check(a)
			check(a.Next())
			check(a.Prev())
		}
	}
}

// FuzzReason4 compares the fast IPv4 switch with the tables.
func FuzzReason4(f *testing.F) {
	f.Add([]byte{127, 0, 0, 1})
	f.Add([]byte{100, 100, 100, 200})
	f.Add([]byte{198, 19, 255, 255})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < 4 {
			return
		}
		a := netip.AddrFrom4([4]byte(b[:4]))
		if got, want := reason4(a.As4()), reason4Table(a); got != want {
			t.Fatalf("reason4(%v) = %q, table says %q", a, got, want)
		}
	})
}
