package ssrf

import (
	"net/netip"
)

// Reasons an address is refused, as they appear in blockedError.Reason.
const (
	reasonInvalid           = "invalid address"
	reasonZone              = "scoped (zoned) address"
	reasonUnspecified       = "unspecified"
	reasonLoopback          = "loopback"
	reasonPrivate           = "private"
	reasonLinkLocal         = "link-local"
	reasonCGNAT             = "carrier-grade NAT (100.64.0.0/10)"
	reasonMulticast         = "multicast"
	reasonBroadcast         = "broadcast"
	reasonReserved          = "reserved"
	reasonDocumentation     = "documentation"
	reasonBenchmarking      = "benchmarking"
	reasonMetadata          = "cloud metadata"
	reasonUniqueLocal       = "unique-local"
	reasonSiteLocal         = "site-local (deprecated)"
	reasonProtocolAssign    = "IETF protocol assignment"
	reason6to4Relay         = "6to4 relay anycast"
	reasonDiscard           = "discard-only"
	reasonNotGlobalUnicast  = "outside IPv6 global unicast (2000::/3)"
	reasonIPv4Compatible    = "IPv4-compatible IPv6 (deprecated)"
	reasonNAT64LocalUse     = "NAT64 local-use"
	reasonTeredo            = "Teredo tunnel"
	reasonSRv6              = "SRv6 segment identifier"
	prefixIPv4Mapped        = "IPv4-mapped form of "
	prefixNAT64             = "NAT64 form of "
	prefix6to4              = "6to4 form of "
	reasonNonCanonicalIPv4  = "non-canonical IPv4 literal"
	reasonMalformedIP       = "malformed IP literal"
	reasonLocalhostName     = "localhost name"
	reasonBadHostname       = "malformed host name"
	reasonNoAddress         = "host has no address"
	reasonCredentialsInURL  = "credentials in URL"
	reasonMalformedURL      = "malformed URL"
	reasonEmptyHost         = "empty host"
	reasonSchemeNotAllowed  = "scheme not allowed"
	reasonPortNotAllowed    = "port not allowed"
	reasonHostNotAllowed    = "host not in the allowlist"
	reasonNetworkNotAllowed = "network not allowed"
)

// metadataAddrs are the instance-metadata endpoints of the big clouds.
// Every one of them lies in a range refused anyway; they are named so that
// the log says what was attempted.
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true, // AWS, GCP, Azure, OpenStack, DigitalOcean, ...
	netip.MustParseAddr("169.254.170.2"):   true, // AWS ECS task metadata
	netip.MustParseAddr("169.254.169.253"): true, // AWS VPC DNS
	netip.MustParseAddr("169.254.169.123"): true, // AWS time sync
	netip.MustParseAddr("100.100.100.200"): true, // Alibaba Cloud
	netip.MustParseAddr("192.0.0.192"):     true, // Oracle Cloud (classic)
	netip.MustParseAddr("fd00:ec2::254"):   true, // AWS IMDS over IPv6
	netip.MustParseAddr("fd00:ec2::23"):    true, // AWS time sync over IPv6
}

type blockedRange struct {
	prefix netip.Prefix
	reason string
}

func rng(p, reason string) blockedRange { return blockedRange{netip.MustParsePrefix(p), reason} }

// blocked4 are the IPv4 ranges refused (IANA special-purpose registry,
// RFC 6890 and successors). Everything else is public.
var blocked4 = []blockedRange{
	rng("0.0.0.0/8", reasonUnspecified), // "this network"; 0.0.0.0 reaches the local host
	rng("10.0.0.0/8", reasonPrivate),
	rng("100.64.0.0/10", reasonCGNAT),
	rng("127.0.0.0/8", reasonLoopback),
	rng("169.254.0.0/16", reasonLinkLocal),
	rng("172.16.0.0/12", reasonPrivate),
	rng("192.0.0.0/24", reasonProtocolAssign),
	rng("192.0.2.0/24", reasonDocumentation), // TEST-NET-1
	rng("192.88.99.0/24", reason6to4Relay),
	rng("192.168.0.0/16", reasonPrivate),
	rng("198.18.0.0/15", reasonBenchmarking),
	rng("198.51.100.0/24", reasonDocumentation), // TEST-NET-2
	rng("203.0.113.0/24", reasonDocumentation),  // TEST-NET-3
	rng("224.0.0.0/4", reasonMulticast),
	rng("255.255.255.255/32", reasonBroadcast), // before 240/4, to name it
	rng("240.0.0.0/4", reasonReserved),
}

// blocked6 are the IPv6 ranges refused inside 2000::/3 or named before the
// global-unicast rule; the IPv4-embedding forms are handled in checkAddr.
var blocked6 = []blockedRange{
	rng("::/128", reasonUnspecified),
	rng("::1/128", reasonLoopback),
	rng("64:ff9b:1::/48", reasonNAT64LocalUse),
	rng("100::/64", reasonDiscard),
	rng("2001::/32", reasonTeredo), // refused whole: the client address is obfuscated
	rng("2001:db8::/32", reasonDocumentation),
	rng("2001::/23", reasonProtocolAssign), // benchmarking 2001:2::/48, ORCHID, ...
	rng("3fff::/20", reasonDocumentation),  // RFC 9637
	rng("5f00::/16", reasonSRv6),           // RFC 9602
	rng("fc00::/7", reasonUniqueLocal),
	rng("fe80::/10", reasonLinkLocal),
	rng("fec0::/10", reasonSiteLocal),
	rng("ff00::/8", reasonMulticast),
}

var (
	compat6        = netip.MustParsePrefix("::/96")
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
)

// checkAddr reports whether a may be connected to by an outbound request:
// nil for a public unicast address, else a *blockedError (errors.Is
// errAddressNotAllowed and ErrDestinationNotAllowed) naming the range.
//
// Refused: unspecified, loopback, private (RFC 1918), link-local, CGNAT,
// IETF protocol assignments, documentation and benchmarking ranges,
// multicast, broadcast, reserved (240/4), cloud metadata addresses, and in
// IPv6 everything outside 2000::/3 (unique-local, link-local, site-local,
// multicast, discard, IPv4-compatible, ...), Teredo, NAT64 local-use and
// SRv6. IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses
// are judged by the IPv4 address they carry. Zoned addresses are refused.
func checkAddr(a netip.Addr) error {
	if reason := addrReason(a); reason != "" {
		return &blockedError{Kind: errAddressNotAllowed, Reason: reason, Addr: a}
	}
	return nil
}

// addrReason is the reason a is refused, or "". The common case — a public
// address — is decided with a few byte comparisons; the tables above are
// the specification, and tests check that both agree.
func addrReason(a netip.Addr) string {
	if !a.IsValid() {
		return reasonInvalid
	}
	if a.Zone() != "" {
		return reasonZone
	}
	if a.Is4() {
		return reason4(a.As4())
	}
	b := a.As16()
	if b[0]&0xe0 == 0x20 { // 2000::/3, global unicast: a few exceptions
		switch {
		case b[0] == 0x20 && b[1] == 0x02: // 2002::/16, 6to4
			return embedded(prefix6to4, [4]byte{b[2], b[3], b[4], b[5]})
		case b[0] == 0x20 && b[1] == 0x01 && b[2] <= 0x01, // 2001::/23
			b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8, // 2001:db8::/32
			b[0] == 0x3f && b[1] == 0xff && b[2]&0xf0 == 0:               // 3fff::/20
			return reason6Table(a)
		}
		return ""
	}
	// Outside 2000::/3 nothing is public; find the most telling reason.
	if a.Is4In6() {
		return embedded(prefixIPv4Mapped, [4]byte{b[12], b[13], b[14], b[15]})
	}
	if nat64WellKnown.Contains(a) {
		return embedded(prefixNAT64, [4]byte{b[12], b[13], b[14], b[15]})
	}
	if metadataAddrs[a] {
		return reasonMetadata
	}
	if r := reason6Table(a); r != "" {
		return r
	}
	if compat6.Contains(a) {
		return reasonIPv4Compatible
	}
	return reasonNotGlobalUnicast
}

func reason6Table(a netip.Addr) string {
	for _, br := range blocked6 {
		if br.prefix.Contains(a) {
			return br.reason
		}
	}
	return ""
}

// reason4 is blocked4 and the IPv4 metadata addresses as a switch.
func reason4(b [4]byte) string {
	switch b[0] {
	case 0:
		return reasonUnspecified
	case 10:
		return reasonPrivate
	case 100:
		if b[1]&0xc0 == 64 {
			if b == [4]byte{100, 100, 100, 200} {
				return reasonMetadata
			}
			return reasonCGNAT
		}
	case 127:
		return reasonLoopback
	case 169:
		if b[1] == 254 {
			if metadataAddrs[netip.AddrFrom4(b)] {
				return reasonMetadata
			}
			return reasonLinkLocal
		}
	case 172:
		if b[1]&0xf0 == 16 {
			return reasonPrivate
		}
	case 192:
		switch {
		case b[1] == 0 && b[2] == 0:
			if b[3] == 192 {
				return reasonMetadata
			}
			return reasonProtocolAssign
		case b[1] == 0 && b[2] == 2:
			return reasonDocumentation
		case b[1] == 88 && b[2] == 99:
			return reason6to4Relay
		case b[1] == 168:
			return reasonPrivate
		}
	case 198:
		switch {
		case b[1]&0xfe == 18:
			return reasonBenchmarking
		case b[1] == 51 && b[2] == 100:
			return reasonDocumentation
		}
	case 203:
		if b[1] == 0 && b[2] == 113 {
			return reasonDocumentation
		}
	}
	switch {
	case b[0] >= 240:
		if b == [4]byte{255, 255, 255, 255} {
			return reasonBroadcast
		}
		return reasonReserved
	case b[0] >= 224:
		return reasonMulticast
	}
	return ""
}

// reason4Table is reason4 read from the tables (tests compare the two).
func reason4Table(a netip.Addr) string {
	if metadataAddrs[a] {
		return reasonMetadata
	}
	for _, br := range blocked4 {
		if br.prefix.Contains(a) {
			return br.reason
		}
	}
	return ""
}

// embedded judges the IPv4 address carried by an IPv6 form.
func embedded(form string, v4 [4]byte) string {
	if reason := reason4(v4); reason != "" {
		return form + reason
	}
	return ""
}
