package ratelimit

import (
	"crypto/sha256"
	"encoding/base64"
	"hash/maphash"
	"net/http"
	"net/netip"
	"sync/atomic"

	"github.com/harden-go/harden/clientip"
)

// defaultIPv6Prefix is the IPv6 prefix length that [keyByIP] groups by when
// none is configured. A single subscriber usually holds a whole /56 (or /48,
// or /64): keying by the full 128-bit address would give every one of its
// 2⁷² addresses a fresh quota.
const defaultIPv6Prefix = 56

// unknownIPKey is the one key shared by every request whose client address
// is unknown: such requests share one quota rather than none.
const unknownIPKey = "ip:unknown"

// keyByIP returns the key function that keys a request by its client
// address as resolved by the trust model ([clientip.Get]): an IPv4 address
// as itself (/32), an IPv6 address by its first ipv6Prefix bits (1 to 128;
// any other value means 56). It is Config.Key's default.
//
// The address is only as good as the proxy configuration: behind a proxy
// that clientip does not trust, every client has the proxy's address and
// shares one quota.
func keyByIP(ipv6Prefix int) func(*http.Request) string {
	if ipv6Prefix < 1 || ipv6Prefix > 128 {
		ipv6Prefix = defaultIPv6Prefix
	}
	return func(r *http.Request) string { return ipKey(clientip.Get(r).Addr, ipv6Prefix) }
}

// ipKey is the key of addr: "ip:203.0.113.7" for IPv4 (IPv4-mapped IPv6
// addresses count as IPv4), "ip:2001:db8:aa00::/56" for IPv6 grouped by
// ipv6Prefix bits (1 to 128; any other value means defaultIPv6Prefix),
// and "ip:unknown" for the zero Addr. A zone is ignored.
func ipKey(addr netip.Addr, ipv6Prefix int) string {
	if !addr.IsValid() {
		return unknownIPKey
	}
	if ipv6Prefix < 1 || ipv6Prefix > 128 {
		ipv6Prefix = defaultIPv6Prefix
	}
	var buf [64]byte
	return string(appendIPKey(buf[:0], addr.Unmap().WithZone(""), ipv6Prefix))
}

// appendIPKey appends the key of addr, valid, unmapped and without a zone,
// to b; ipv6Prefix is in range.
func appendIPKey(b []byte, addr netip.Addr, ipv6Prefix int) []byte {
	b = append(b, "ip:"...)
	if addr.Is4() {
		return addr.AppendTo(b)
	}
	p, _ := addr.Prefix(ipv6Prefix) // cannot fail: bits in range, no zone
	return p.AppendTo(b)
}

// ipKeyCacheSlots is the number of client keys a Limiter with the default
// Key remembers.
const ipKeyCacheSlots = 1024

// ipKeyCache remembers the keys (and partition keys) of recent client
// addresses for a Limiter keyed by [keyByIP], so that a client's requests
// cost one formatted key and one SHA-256 between them rather than one each.
// It is a direct-mapped table indexed by a keyed hash of the address; an
// entry is used only when its address is the request's, so a client never
// gets another's key. Its size is fixed: at most ipKeyCacheSlots entries.
type ipKeyCache struct {
	seed  maphash.Seed
	bits  int  // the IPv6 prefix length
	pk    bool // entries carry the partition key
	slots [ipKeyCacheSlots]atomic.Pointer[ipKeyEntry]
}

// ipKeyEntry is written once, before it is published, and never after.
type ipKeyEntry struct {
	addr netip.Addr // unmapped, no zone; IPv6 masked to the prefix
	key  string     // ipKey(addr, bits)
	pk   [16]byte   // the partition key of key, when the cache's pk is set
}

func newIPKeyCache(ipv6Prefix int, pk bool) *ipKeyCache {
	return &ipKeyCache{seed: maphash.MakeSeed(), bits: ipv6Prefix, pk: pk}
}

// get returns the entry of addr, which must be valid.
func (c *ipKeyCache) get(addr netip.Addr) *ipKeyEntry {
	addr = addr.Unmap().WithZone("")
	if !addr.Is4() {
		p, _ := addr.Prefix(c.bits) // cannot fail: bits in range, no zone
		addr = p.Addr()
	}
	a := addr.As16()
	slot := &c.slots[maphash.Bytes(c.seed, a[:])%ipKeyCacheSlots]
	if e := slot.Load(); e != nil && e.addr == addr {
		return e
	}
	e := &ipKeyEntry{addr: addr}
	var buf [48]byte // "ip:" and the longest IPv6 prefix, "ffff:…:ffff/128", fit
	e.key = string(appendIPKey(buf[:0], addr, c.bits))
	if c.pk {
		appendPartitionKey(e.pk[:0], e.key)
	}
	slot.Store(e)
	return e
}

// KeyByUser returns a key function for Config.Key that keys a request by
// the user id that userID extracts ("user:" + id), and falls back to
// fallback (nil means the client address, IPv6 grouped by /56, as the
// default Key does) when userID returns "" — so anonymous requests are
// still limited, by address.
//
// userID must read an identity the server established (a session, a
// verified token), never a header or parameter the client chooses freely,
// or a client picks a fresh quota with every request. The limiter must
// therefore run after the middleware that authenticates, for example:
//
//	ratelimit.KeyByUser(func(r *http.Request) string {
//		if u, ok := auth.UserFrom(r.Context()); ok {
//			return u.ID
//		}
//		return ""
//	}, nil)
func KeyByUser(userID, fallback func(r *http.Request) string) func(r *http.Request) string {
	if fallback == nil {
		fallback = keyByIP(defaultIPv6Prefix)
	}
	return func(r *http.Request) string {
		if id := userID(r); id != "" {
			return "user:" + id
		}
		return fallback(r)
	}
}

// appendPartitionKey appends the partition key ("pk") that the draft-8 and
// draft-11 headers carry for key to b: the first 12 bytes of SHA-256(key),
// in standard base64 (16 characters). A client that knows its key (for
// example "ip:203.0.113.7") can compute it; it reveals nothing the client
// does not already know, and nothing about other clients.
func appendPartitionKey(b []byte, key string) []byte {
	sum := sha256.Sum256([]byte(key))
	return base64.StdEncoding.AppendEncode(b, sum[:12])
}

// pkCacheSlots is the number of partition keys a Limiter remembers.
const pkCacheSlots = 1024

// pkCache remembers the partition keys of recent keys, so that a client's
// requests cost one SHA-256 between them rather than one each. It is a
// direct-mapped table indexed by a keyed hash: a slot holds the last key
// that mapped to it, and a key found in its slot is compared in full, so a
// client never gets another key's partition key. Its size is fixed: at
// most pkCacheSlots entries, each the key (already held by the request)
// and 16 bytes.
type pkCache struct {
	seed  maphash.Seed
	slots [pkCacheSlots]atomic.Pointer[pkEntry]
}

// pkEntry is written once, before it is published, and never after.
type pkEntry struct {
	key string
	pk  [16]byte // the partition key of key
}

func newPKCache() *pkCache { return &pkCache{seed: maphash.MakeSeed()} }

// appendPartitionKey appends the partition key of key to b.
func (c *pkCache) appendPartitionKey(b []byte, key string) []byte {
	slot := &c.slots[maphash.String(c.seed, key)%pkCacheSlots]
	if e := slot.Load(); e != nil && e.key == key {
		return append(b, e.pk[:]...)
	}
	e := &pkEntry{key: key}
	appendPartitionKey(e.pk[:0], key)
	slot.Store(e)
	return append(b, e.pk[:]...)
}
