package ratelimit

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"sync"
	"testing"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/clientctx"
)

func TestIPKey(t *testing.T) {
	for _, tc := range []struct {
		addr string
		bits int
		want string
	}{
		{"203.0.113.7", 56, "ip:203.0.113.7"},
		{"::ffff:203.0.113.7", 56, "ip:203.0.113.7"},
		{"2001:db8:abcd:12ff:1:2:3:4", 56, "ip:2001:db8:abcd:1200::/56"},
		{"2001:db8:abcd:1234:ffff::1", 0, "ip:2001:db8:abcd:1200::/56"},
		{"2001:db8:abcd:1234:ffff::1", 64, "ip:2001:db8:abcd:1234::/64"},
		{"2001:db8:abcd:1234:ffff::1", 48, "ip:2001:db8:abcd::/48"},
		{"2001:db8::1", 128, "ip:2001:db8::1/128"},
		{"fe80::1%eth0", 64, "ip:fe80::/64"},
		{"::1", 56, "ip:::/56"},
	} {
		if got := ipKey(netip.MustParseAddr(tc.addr), tc.bits); got != tc.want {
			t.Errorf("ipKey(%s, %d) = %q, want %q", tc.addr, tc.bits, got, tc.want)
		}
	}
	if got := ipKey(netip.Addr{}, 56); got != "ip:unknown" {
		t.Errorf("zero Addr: got %q", got)
	}
}

func TestKeyByIPUsesClientIP(t *testing.T) {
	key := keyByIP(64)
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "[2001:db8:1:2:3:4:5:6]:443"
	if got := key(r); got != "ip:2001:db8:1:2::/64" {
		t.Fatalf("from RemoteAddr: got %q", got)
	}
	// The address resolved by the trust model wins over the TCP peer.
	r = r.WithContext(context.WithValue(r.Context(), clientctx.Key{}, clientip.Info{Addr: netip.MustParseAddr("198.51.100.9")}))
	if got := key(r); got != "ip:198.51.100.9" {
		t.Fatalf("from clientip: got %q", got)
	}
	// An unparsable peer address shares the one "unknown" quota.
	r = httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "garbage"
	if got := key(r); got != "ip:unknown" {
		t.Fatalf("unparsable RemoteAddr: got %q", got)
	}
}

// FuzzIPKey: IPv4 keys are exact; IPv6 keys are the masked prefix, shared by
// every address with the same first bits and by no other.
func FuzzIPKey(f *testing.F) {
	f.Add([]byte{203, 0, 113, 7}, []byte{203, 0, 113, 8}, 56)
	f.Add([]byte{0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0x12, 0xff, 1, 2, 3, 4, 5, 6, 7, 8},
		[]byte{0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0x12, 0x00, 9, 9, 9, 9, 9, 9, 9, 9}, 56)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1}, []byte{10, 0, 0, 1}, 128)
	f.Add([]byte{1}, []byte{}, -3)
	f.Fuzz(func(t *testing.T, a, b []byte, bits int) {
		x, okx := netip.AddrFromSlice(a)
		y, oky := netip.AddrFromSlice(b)
		kx := ipKey(x, bits)
		if !okx {
			if kx != "ip:unknown" {
				t.Fatalf("invalid address keyed %q", kx)
			}
			return
		}
		if bits < 1 || bits > 128 {
			bits = defaultIPv6Prefix
		}
		ux := x.Unmap()
		if ux.Is4() {
			if kx != "ip:"+ux.String() {
				t.Fatalf("IPv4 %s keyed %q", ux, kx)
			}
		} else {
			p, err := netip.ParsePrefix(kx[len("ip:"):])
			if err != nil || p.Bits() != bits || !p.Contains(ux) || p != p.Masked() {
				t.Fatalf("IPv6 %s /%d keyed %q (%v)", ux, bits, kx, err)
			}
		}
		if !oky {
			return
		}
		uy := y.Unmap()
		same := ux == uy
		if !ux.Is4() && !uy.Is4() {
			px, _ := ux.Prefix(bits)
			same = px.Contains(uy)
		}
		if ky := ipKey(y, bits); (kx == ky) != same {
			t.Fatalf("%s and %s (/%d): keys %q and %q, same group %v", ux, uy, bits, kx, ky, same)
		}
	})
}

// TestPartitionKeyCache: the remembered partition keys are always the
// key's own, with more keys than the cache has slots (so that keys evict
// each other), from several goroutines at once.
func TestPartitionKeyCache(t *testing.T) {
	c := newPKCache()
	keys := make([]string, 3*pkCacheSlots)
	want := make([]string, len(keys))
	for i := range keys {
		keys[i] = "ip:10." + strconv.Itoa(i/65536) + "." + strconv.Itoa(i/256%256) + "." + strconv.Itoa(i%256)
		want[i] = partitionKey(keys[i])
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf [32]byte
			for round := range 3 {
				for j := range keys {
					i := (j*(g+1) + round) % len(keys)
					if got := string(c.appendPartitionKey(buf[:0], keys[i])); got != want[i] {
						t.Errorf("key %q: got %s, want %s", keys[i], got, want[i])
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// TestIPKeyCache: the remembered keys and partition keys are always the
// address's own, as ipKey and partitionKey give them, for IPv4, IPv4-mapped
// and zoned IPv6 addresses under several prefixes, with more addresses than
// the cache has slots, from several goroutines at once.
func TestIPKeyCache(t *testing.T) {
	var addrs []netip.Addr
	for i := range ipKeyCacheSlots {
		addrs = append(addrs,
			netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)}),
			netip.MustParseAddr("::ffff:203.0."+strconv.Itoa(i>>8)+"."+strconv.Itoa(i&255)),
			netip.MustParseAddr("2001:db8:"+strconv.FormatInt(int64(i), 16)+"::"+strconv.FormatInt(int64(i), 16)),
			netip.MustParseAddr("fe80::"+strconv.FormatInt(int64(i), 16)+"%eth0"),
		)
	}
	for _, bits := range []int{1, 48, 56, 64, 128} {
		c := newIPKeyCache(bits, true)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for round := range 2 {
					for j := range addrs {
						a := addrs[(j*(g+1)+round)%len(addrs)]
						e := c.get(a)
						if want := ipKey(a, bits); e.key != want {
							t.Errorf("/%d %v: key %q, want %q", bits, a, e.key, want)
							return
						}
						if want := partitionKey(e.key); string(e.pk[:]) != want {
							t.Errorf("/%d %v: partition key %s, want %s", bits, a, e.pk[:], want)
							return
						}
					}
				}
			}()
		}
		wg.Wait()
	}
}
