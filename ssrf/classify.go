package ssrf

import (
	"net/netip"
)

// Reasons an address is refused, as they appear in BlockedError.Reason.
const (
	ReasonInvalid           = "invalid address"
	ReasonZone              = "scoped (zoned) address"
	ReasonUnspecified       = "unspecified"
	ReasonLoopback          = "loopback"
	ReasonPrivate           = "private"
	ReasonLinkLocal         = "link-local"
	ReasonCGNAT             = "carrier-grade NAT (100.64.0.0/10)"
	ReasonMulticast         = "multicast"
	ReasonBroadcast         = "broadcast"
	ReasonReserved          = "reserved"
	ReasonDocumentation     = "documentation"
	ReasonBenchmarking      = "benchmarking"
	ReasonMetadata          = "cloud metadata"
	ReasonUniqueLocal       = "unique-local"
	ReasonSiteLocal         = "site-local (deprecated)"
	ReasonProtocolAssign    = "IETF protocol assignment"
	Reason6to4Relay         = "6to4 relay anycast"
	ReasonDiscard           = "discard-only"
	ReasonNotGlobalUnicast  = "outside IPv6 global unicast (2000::/3)"
	ReasonIPv4Compatible    = "IPv4-compatible IPv6 (deprecated)"
	ReasonNAT64LocalUse     = "NAT64 local-use"
	ReasonTeredo            = "Teredo tunnel"
	ReasonSRv6              = "SRv6 segment identifier"
	prefixIPv4Mapped        = "IPv4-mapped form of "
	prefixNAT64             = "NAT64 form of "
	prefix6to4              = "6to4 form of "
	ReasonNonCanonicalIPv4  = "non-canonical IPv4 literal"
	ReasonMalformedIP       = "malformed IP literal"
	ReasonLocalhostName     = "localhost name"
	ReasonBadHostname       = "malformed host name"
	ReasonNoAddress         = "host has no address"
	ReasonCredentialsInURL  = "credentials in URL"
	ReasonMalformedURL      = "malformed URL"
	ReasonEmptyHost         = "empty host"
	ReasonSchemeNotAllowed  = "scheme not allowed"
	ReasonPortNotAllowed    = "port not allowed"
	ReasonHostNotAllowed    = "host not in the allowlist"
	ReasonNetworkNotAllowed = "network not allowed"
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
	rng("0.0.0.0/8", ReasonUnspecified), // "this network"; 0.0.0.0 reaches the local host
	rng("10.0.0.0/8", ReasonPrivate),
	rng("100.64.0.0/10", ReasonCGNAT),
	rng("127.0.0.0/8", ReasonLoopback),
	rng("169.254.0.0/16", ReasonLinkLocal),
	rng("172.16.0.0/12", ReasonPrivate),
	rng("192.0.0.0/24", ReasonProtocolAssign),
	rng("192.0.2.0/24", ReasonDocumentation), // TEST-NET-1
	rng("192.88.99.0/24", Reason6to4Relay),
	rng("192.168.0.0/16", ReasonPrivate),
	rng("198.18.0.0/15", ReasonBenchmarking),
	rng("198.51.100.0/24", ReasonDocumentation), // TEST-NET-2
	rng("203.0.113.0/24", ReasonDocumentation),  // TEST-NET-3
	rng("224.0.0.0/4", ReasonMulticast),
	rng("255.255.255.255/32", ReasonBroadcast), // before 240/4, to name it
	rng("240.0.0.0/4", ReasonReserved),
}

// blocked6 are the IPv6 ranges refused inside 2000::/3 or named before the
// global-unicast rule; the IPv4-embedding forms are handled in checkAddr.
var blocked6 = []blockedRange{
	rng("::/128", ReasonUnspecified),
	rng("::1/128", ReasonLoopback),
	rng("64:ff9b:1::/48", ReasonNAT64LocalUse),
	rng("100::/64", ReasonDiscard),
	rng("2001::/32", ReasonTeredo), // refused whole: the client address is obfuscated
	rng("2001:db8::/32", ReasonDocumentation),
	rng("2001::/23", ReasonProtocolAssign), // benchmarking 2001:2::/48, ORCHID, ...
	rng("3fff::/20", ReasonDocumentation),  // RFC 9637
	rng("5f00::/16", ReasonSRv6),           // RFC 9602
	rng("fc00::/7", ReasonUniqueLocal),
	rng("fe80::/10", ReasonLinkLocal),
	rng("fec0::/10", ReasonSiteLocal),
	rng("ff00::/8", ReasonMulticast),
}

var (
	compat6        = netip.MustParsePrefix("::/96")
	nat64WellKnown = netip.MustParsePrefix("64:ff9b::/96")
)

// CheckAddr reports whether a may be connected to by an outbound request:
// nil for a public unicast address, else a *BlockedError (errors.Is
// ErrAddressNotAllowed and ErrDestinationNotAllowed) naming the range.
//
// Refused: unspecified, loopback, private (RFC 1918), link-local, CGNAT,
// IETF protocol assignments, documentation and benchmarking ranges,
// multicast, broadcast, reserved (240/4), cloud metadata addresses, and in
// IPv6 everything outside 2000::/3 (unique-local, link-local, site-local,
// multicast, discard, IPv4-compatible, ...), Teredo, NAT64 local-use and
// SRv6. IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses
// are judged by the IPv4 address they carry. Zoned addresses are refused.
func CheckAddr(a netip.Addr) error {
	if reason := addrReason(a); reason != "" {
		return &BlockedError{Kind: ErrAddressNotAllowed, Reason: reason, Addr: a}
	}
	return nil
}

// addrReason is the reason a is refused, or "". The common case — a public
// address — is decided with a few byte comparisons; the tables above are
// the specification, and tests check that both agree.
func addrReason(a netip.Addr) string {
	if !a.IsValid() {
		return ReasonInvalid
	}
	if a.Zone() != "" {
		return ReasonZone
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
		return ReasonMetadata
	}
	if r := reason6Table(a); r != "" {
		return r
	}
	if compat6.Contains(a) {
		return ReasonIPv4Compatible
	}
	return ReasonNotGlobalUnicast
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
		return ReasonUnspecified
	case 10:
		return ReasonPrivate
	case 100:
		if b[1]&0xc0 == 64 {
			if b == [4]byte{100, 100, 100, 200} {
				return ReasonMetadata
			}
			return ReasonCGNAT
		}
	case 127:
		return ReasonLoopback
	case 169:
		if b[1] == 254 {
			if metadataAddrs[netip.AddrFrom4(b)] {
				return ReasonMetadata
			}
			return ReasonLinkLocal
		}
	case 172:
		if b[1]&0xf0 == 16 {
			return ReasonPrivate
		}
	case 192:
		switch {
		case b[1] == 0 && b[2] == 0:
			if b[3] == 192 {
				return ReasonMetadata
			}
			return ReasonProtocolAssign
		case b[1] == 0 && b[2] == 2:
			return ReasonDocumentation
		case b[1] == 88 && b[2] == 99:
			return Reason6to4Relay
		case b[1] == 168:
			return ReasonPrivate
		}
	case 198:
		switch {
		case b[1]&0xfe == 18:
			return ReasonBenchmarking
		case b[1] == 51 && b[2] == 100:
			return ReasonDocumentation
		}
	case 203:
		if b[1] == 0 && b[2] == 113 {
			return ReasonDocumentation
		}
	}
	switch {
	case b[0] >= 240:
		if b == [4]byte{255, 255, 255, 255} {
			return ReasonBroadcast
		}
		return ReasonReserved
	case b[0] >= 224:
		return ReasonMulticast
	}
	return ""
}

// reason4Table is reason4 read from the tables (tests compare the two).
func reason4Table(a netip.Addr) string {
	if metadataAddrs[a] {
		return ReasonMetadata
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
