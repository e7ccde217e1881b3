package clientip

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/harden-go/harden/internal/configerr"
)

// req builds a request from peer with the given header lines.
func req(peer string, hdr ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://app.example/", nil)
	r.RemoteAddr = peer
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	return r
}

func mustNew(t testing.TB, cfg Config) *Resolver {
	t.Helper()
	res, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return res
}

const (
	lb     = "10.0.0.2:4711" // the trusted load balancer
	client = "203.0.113.7"
	spoof  = "198.51.100.66"
)

var (
	oneHop  = Config{TrustedHops: 1}
	twoHops = Config{TrustedHops: 2}
	cidrs   = Config{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::/48"}}
	fwdHop  = Config{TrustedHops: 1, Header: "Forwarded"}
	fwdCIDR = Config{TrustedProxies: []string{"10.0.0.0/8", "2001:db8:ffff::/48"}, Header: "forwarded"}
)

func TestResolveSpoofing(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		peer string
		hdr  []string
		want string
	}{
		// No proxy trusted: headers are never read.
		{"zero config ignores XFF", Config{}, "192.0.2.1:1000", []string{"X-Forwarded-For", spoof}, "192.0.2.1"},
		{"zero config ignores Forwarded", Config{Header: "Forwarded"}, "192.0.2.1:1000", []string{"Forwarded", "for=" + spoof}, "192.0.2.1"},
		{"untrusted peer ignores XFF", cidrs, "192.0.2.1:1000", []string{"X-Forwarded-For", spoof}, "192.0.2.1"},

		// One trusted hop: the left-most, client-written entry never wins.
		{"one hop, no header", oneHop, lb, nil, "10.0.0.2"},
		{"one hop, proxy entry only", oneHop, lb, []string{"X-Forwarded-For", client}, client},
		{"one hop, spoofed left entry", oneHop, lb, []string{"X-Forwarded-For", spoof + ", " + client}, client},
		{"one hop, many spoofed entries", oneHop, lb, []string{"X-Forwarded-For", "1.1.1.1, 2.2.2.2," + spoof + "," + client}, client},
		{"one hop, spoofed separate line", oneHop, lb, []string{"X-Forwarded-For", spoof, "X-Forwarded-For", client}, client},
		{"one hop, spoofed garbage line", oneHop, lb, []string{"X-Forwarded-For", "<script>", "X-Forwarded-For", client}, client},
		{"one hop, spaces and tabs", oneHop, lb, []string{"X-Forwarded-For", spoof + " ,\t " + client + " \t"}, client},
		{"one hop, port", oneHop, lb, []string{"X-Forwarded-For", spoof + ", " + client + ":5555"}, client},
		{"one hop, IPv6 bare", oneHop, lb, []string{"X-Forwarded-For", spoof + ", 2001:db8::7"}, "2001:db8::7"},
		{"one hop, IPv6 bracketed", oneHop, lb, []string{"X-Forwarded-For", "[2001:db8::7]"}, "2001:db8::7"},
		{"one hop, IPv6 bracketed port", oneHop, lb, []string{"X-Forwarded-For", "[2001:db8::7]:443"}, "2001:db8::7"},
		{"one hop, IPv6 zone dropped", oneHop, lb, []string{"X-Forwarded-For", "fe80::1%eth0"}, "fe80::1"},
		{"one hop, IPv4-mapped unmapped", oneHop, lb, []string{"X-Forwarded-For", "::ffff:" + client}, client},
		{"one hop, IPv4-mapped bracketed", oneHop, lb, []string{"X-Forwarded-For", "[::ffff:203.0.113.7]:80"}, client},
		{"one hop, IPv4-mapped peer", oneHop, "[::ffff:10.0.0.2]:80", []string{"X-Forwarded-For", client}, client},

		// Fail closed: garbage where the client should be gives the last
		// trusted address, never a header value.
		{"garbage at client position", oneHop, lb, []string{"X-Forwarded-For", spoof + ", garbage"}, "10.0.0.2"},
		{"empty item at client position", oneHop, lb, []string{"X-Forwarded-For", spoof + ","}, "10.0.0.2"},
		{"empty header", oneHop, lb, []string{"X-Forwarded-For", ""}, "10.0.0.2"},
		{"hostname at client position", oneHop, lb, []string{"X-Forwarded-For", "evil.example"}, "10.0.0.2"},
		{"bad port", oneHop, lb, []string{"X-Forwarded-For", client + ":99999999"}, "10.0.0.2"},
		{"unclosed bracket", oneHop, lb, []string{"X-Forwarded-For", "[2001:db8::7"}, "10.0.0.2"},
		{"IPv4 in brackets", oneHop, lb, []string{"X-Forwarded-For", "[203.0.113.7]"}, "10.0.0.2"},
		{"unknown", oneHop, lb, []string{"X-Forwarded-For", "unknown"}, "10.0.0.2"},

		// Two hops: the second entry from the right.
		{"two hops", twoHops, lb, []string{"X-Forwarded-For", spoof + ", " + client + ", 10.1.1.1"}, client},
		{"two hops, short list", twoHops, lb, []string{"X-Forwarded-For", "10.1.1.1"}, "10.1.1.1"},
		{"two hops, garbage inner", twoHops, lb, []string{"X-Forwarded-For", client + ", garbage"}, "10.0.0.2"},
		{"two hops, garbage at client", twoHops, lb, []string{"X-Forwarded-For", "garbage, 10.1.1.1"}, "10.1.1.1"},

		// CIDR list: skip every trusted hop, stop at the first untrusted.
		{"cidr, one proxy", cidrs, lb, []string{"X-Forwarded-For", spoof + ", " + client}, client},
		{"cidr, proxy chain", cidrs, lb, []string{"X-Forwarded-For", spoof + ", " + client + ", 10.9.9.9, 10.8.8.8"}, client},
		{"cidr, spoofed trusted-looking entry", cidrs, lb, []string{"X-Forwarded-For", "10.6.6.6, " + client}, client},
		{"cidr, all trusted", cidrs, lb, []string{"X-Forwarded-For", "10.9.9.9"}, "10.9.9.9"},
		{"cidr, IPv6 proxy", cidrs, "[2001:db8:ffff::1]:443", []string{"X-Forwarded-For", spoof + ", 2001:db8:1::9"}, "2001:db8:1::9"},
		{"cidr, IPv4-mapped client", cidrs, lb, []string{"X-Forwarded-For", "::ffff:" + client + ", ::ffff:10.1.1.1"}, client},

		// Forwarded, one hop.
		{"fwd, proxy element only", fwdHop, lb, []string{"Forwarded", "for=" + client}, client},
		{"fwd, spoofed left element", fwdHop, lb, []string{"Forwarded", "for=" + spoof + ", for=" + client}, client},
		{"fwd, spoofed separate line", fwdHop, lb, []string{"Forwarded", "for=" + spoof, "Forwarded", "for=" + client}, client},
		{"fwd, broken client line, clean proxy line", fwdHop, lb, []string{"Forwarded", `for="` + spoof, "Forwarded", "for=" + client}, client},
		{"fwd, client quote swallows proxy element", fwdHop, lb, []string{"Forwarded", `for="` + spoof + `, for=` + client}, "10.0.0.2"},
		{"fwd, quoted IPv6 with port", fwdHop, lb, []string{"Forwarded", `for="[2001:db8::7]:4711"`}, "2001:db8::7"},
		{"fwd, IPv4 with port", fwdHop, lb, []string{"Forwarded", `for="203.0.113.7:80";proto=https`}, client},
		{"fwd, case-insensitive key", fwdHop, lb, []string{"Forwarded", "For=" + client}, client},
		{"fwd, other params", fwdHop, lb, []string{"Forwarded", "by=10.0.0.2;for=" + client + ";host=app.example;proto=http"}, client},
		{"fwd, IPv4-mapped", fwdHop, lb, []string{"Forwarded", `for="[::ffff:203.0.113.7]"`}, client},
		{"fwd, escaped quoted string", fwdHop, lb, []string{"Forwarded", `for="203\.0.113.7"`}, client},
		{"fwd, obfuscated client", fwdHop, lb, []string{"Forwarded", "for=" + spoof + ", for=_hidden"}, "10.0.0.2"},
		{"fwd, obfuscated port ok", fwdHop, lb, []string{"Forwarded", `for="203.0.113.7:_p1"`}, client},
		{"fwd, unknown client", fwdHop, lb, []string{"Forwarded", "for=" + spoof + ", for=unknown"}, "10.0.0.2"},
		{"fwd, no for", fwdHop, lb, []string{"Forwarded", "for=" + spoof + ", proto=https"}, "10.0.0.2"},
		{"fwd, duplicate for", fwdHop, lb, []string{"Forwarded", "for=" + spoof + ";for=" + client}, "10.0.0.2"},
		{"fwd, garbage", fwdHop, lb, []string{"Forwarded", "\x00\x01garbage"}, "10.0.0.2"},
		{"fwd, trailing comma", fwdHop, lb, []string{"Forwarded", "for=" + client + ","}, "10.0.0.2"},
		{"fwd, XFF ignored", fwdHop, lb, []string{"X-Forwarded-For", spoof}, "10.0.0.2"},
		{"fwd, cidr chain", fwdCIDR, lb, []string{"Forwarded", "for=" + spoof + ", for=" + client + `, for="10.3.3.3:80"`}, client},
		{"fwd, cidr IPv6", fwdCIDR, "[2001:db8:ffff::5]:1", []string{"Forwarded", `for="[2001:db8:1::9]"`}, "2001:db8:1::9"},
		{"xff config ignores Forwarded", oneHop, lb, []string{"Forwarded", "for=" + spoof}, "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustNew(t, tt.cfg)
			got := res.Resolve(req(tt.peer, tt.hdr...)).Addr
			if got != netip.MustParseAddr(tt.want) {
				t.Errorf("Resolve().Addr = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestResolveSchemeAndHost(t *testing.T) {
	tests := []struct {
		name       string
		cfg        Config
		tls        bool
		hdr        []string
		wantScheme string
		wantHost   string
	}{
		{"direct http", Config{}, false, nil, "http", "app.example"},
		{"direct tls", Config{}, true, nil, "https", "app.example"},
		{"untrusted XFP ignored", Config{}, false, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "evil.example"}, "http", "app.example"},
		{"untrusted Forwarded ignored", Config{Header: "Forwarded"}, false, []string{"Forwarded", "proto=https;host=evil.example"}, "http", "app.example"},
		{"trusted XFP", oneHop, false, []string{"X-Forwarded-Proto", "https"}, "https", "app.example"},
		{"trusted XFP upper case", oneHop, false, []string{"X-Forwarded-Proto", "HTTPS"}, "https", "app.example"},
		{"trusted XFP http over tls", oneHop, true, []string{"X-Forwarded-Proto", "http"}, "http", "app.example"},
		{"XFP right-most wins", oneHop, false, []string{"X-Forwarded-Proto", "https, http"}, "http", "app.example"},
		{"XFP right-most line wins", oneHop, false, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Proto", "http"}, "http", "app.example"},
		{"XFP garbage falls back", oneHop, true, []string{"X-Forwarded-Proto", "javascript"}, "https", "app.example"},
		{"trusted XFH", oneHop, false, []string{"X-Forwarded-Host", "www.example.com:8443"}, "http", "www.example.com:8443"},
		{"XFH right-most", oneHop, false, []string{"X-Forwarded-Host", "evil.example, www.example.com"}, "http", "www.example.com"},
		{"XFH with path refused", oneHop, false, []string{"X-Forwarded-Host", "evil.example/x"}, "http", "app.example"},
		{"XFH with userinfo refused", oneHop, false, []string{"X-Forwarded-Host", "a@evil.example"}, "http", "app.example"},
		{"XFH IPv6", oneHop, false, []string{"X-Forwarded-Host", "[2001:db8::1]:8080"}, "http", "[2001:db8::1]:8080"},
		{"XFH trailing dot", oneHop, false, []string{"X-Forwarded-Host", "www.example.com."}, "http", "www.example.com."},
		{"XFH port with a leading zero refused", oneHop, false, []string{"X-Forwarded-Host", "www.example.com:08443"}, "http", "app.example"},
		{"XFH empty port refused", oneHop, false, []string{"X-Forwarded-Host", "www.example.com:"}, "http", "app.example"},
		{"XFH port out of range refused", oneHop, false, []string{"X-Forwarded-Host", "www.example.com:99999"}, "http", "app.example"},
		{"XFH underscore refused", oneHop, false, []string{"X-Forwarded-Host", "www_1.example.com"}, "http", "app.example"},
		{"XFH short IPv4 refused", oneHop, false, []string{"X-Forwarded-Host", "127.1"}, "http", "app.example"},
		{"XFH IPv6 zone refused", oneHop, false, []string{"X-Forwarded-Host", "[fe80::1%25eth0]"}, "http", "app.example"},
		{"fwd proto and host", fwdHop, false, []string{"Forwarded", "for=" + client + ";proto=https;host=www.example.com"}, "https", "www.example.com"},
		{"fwd client element, not spoofed one", fwdHop, false, []string{"Forwarded", "for=" + spoof + ";proto=https;host=evil.example, for=" + client + ";proto=http;host=www.example.com"}, "http", "www.example.com"},
		{"fwd outer proxy's proto wins", fwdCIDR, false, []string{"Forwarded", "for=" + client + ";proto=https, for=10.1.1.1;proto=http"}, "https", "app.example"},
		{"fwd inner proto when outer has none", fwdCIDR, false, []string{"Forwarded", "for=" + client + ", for=10.1.1.1;proto=https"}, "https", "app.example"},
		{"fwd quoted host", fwdHop, false, []string{"Forwarded", `for=` + client + `;host="www.example.com:8443"`}, "http", "www.example.com:8443"},
		{"fwd bad host refused", fwdHop, false, []string{"Forwarded", `for=` + client + `;host="evil.example/x"`}, "http", "app.example"},
		{"fwd broken line: direct", fwdHop, true, []string{"Forwarded", `for=` + client + `;proto=http;host="x`}, "https", "app.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req(lb, tt.hdr...)
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			got := mustNew(t, tt.cfg).Resolve(r)
			if got.Scheme != tt.wantScheme || got.Host != tt.wantHost {
				t.Errorf("Resolve() = scheme %q host %q, want %q %q", got.Scheme, got.Host, tt.wantScheme, tt.wantHost)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"hops and proxies", Config{TrustedHops: 1, TrustedProxies: []string{"10.0.0.1"}}, errHopsAndProxies},
		{"negative hops", Config{TrustedHops: -1}, errBadHops},
		{"too many hops", Config{TrustedHops: maxTrustedHops + 1}, errBadHops},
		{"trust all IPv4", Config{TrustedProxies: []string{"0.0.0.0/0"}}, errBroadRange},
		{"trust all IPv6", Config{TrustedProxies: []string{"::/0"}}, errBroadRange},
		{"trust half the Internet", Config{TrustedProxies: []string{"0.0.0.0/1"}}, errBroadRange},
		{"broad IPv6", Config{TrustedProxies: []string{"2000::/3"}}, errBroadRange},
		{"bad cidr", Config{TrustedProxies: []string{"10.0.0.0/33"}}, errBadProxy},
		{"hostname", Config{TrustedProxies: []string{"proxy.internal"}}, errBadProxy},
		{"empty entry", Config{TrustedProxies: []string{""}}, errBadProxy},
		{"zone", Config{TrustedProxies: []string{"fe80::1%eth0"}}, errBadProxy},
		{"broad mapped", Config{TrustedProxies: []string{"::ffff:0:0/90"}}, errBadProxy},
		{"bad header", Config{Header: "X-Real-IP"}, errBadHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New() error = %v, want %v", err, tt.want)
			}
			var ce *configerr.Error
			if !errors.As(err, &ce) {
				t.Errorf("New() error %T is not a *configerr.Error", err)
			}
		})
	}
}

func TestNewReportsEveryError(t *testing.T) {
	_, err := New(Config{TrustedHops: -3, Header: "X", TrustedProxies: []string{"bad", "::/0"}})
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %T does not unwrap to a list", err)
	}
	if got := len(joined.Unwrap()); got != 5 {
		t.Errorf("got %d errors, want 5: %v", got, err)
	}
}

func TestDangerouslyTrustBroadRanges(t *testing.T) {
	res := mustNew(t, Config{TrustedProxies: []string{"0.0.0.0/0"}, DangerouslyTrustBroadRanges: true})
	got := res.Resolve(req("192.0.2.1:1", "X-Forwarded-For", client)).Addr
	if got != netip.MustParseAddr(client) {
		t.Errorf("got %v, want %v", got, client)
	}
}

func TestMappedPrefixMatchesIPv4(t *testing.T) {
	res := mustNew(t, Config{TrustedProxies: []string{"::ffff:10.0.0.0/104"}})
	got := res.Resolve(req(lb, "X-Forwarded-For", client)).Addr
	if got != netip.MustParseAddr(client) {
		t.Errorf("got %v, want %v", got, client)
	}
}

func TestParseTrusted(t *testing.T) {
	tests := []struct {
		in      string
		want    Config
		wantErr error
	}{
		{"", Config{}, nil},
		{"  ", Config{}, nil},
		{"0", Config{}, nil},
		{"2", Config{TrustedHops: 2}, nil},
		{"10.0.0.0/8,192.168.1.7", Config{TrustedProxies: []string{"10.0.0.0/8", "192.168.1.7"}}, nil},
		{" 10.0.0.0/8 , 2001:db8::/32 ", Config{TrustedProxies: []string{"10.0.0.0/8", "2001:db8::/32"}}, nil},
		{"-1", Config{}, errBadHops},
		{"0.0.0.0/0", Config{}, errBroadRange},
		{"2,10.0.0.0/8", Config{}, errBadProxy},
		{"10.0.0.0/8,", Config{}, errBadProxy},
		{"all", Config{}, errBadProxy},
	}
	for _, tt := range tests {
		got, err := ParseTrusted(tt.in)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("ParseTrusted(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			continue
		}
		if got.TrustedHops != tt.want.TrustedHops || len(got.TrustedProxies) != len(tt.want.TrustedProxies) {
			t.Errorf("ParseTrusted(%q) = %+v, want %+v", tt.in, got, tt.want)
			continue
		}
		for i := range got.TrustedProxies {
			if got.TrustedProxies[i] != tt.want.TrustedProxies[i] {
				t.Errorf("ParseTrusted(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		}
	}
}

func TestHandlerStoresInfo(t *testing.T) {
	res := mustNew(t, oneHop)
	var got Info
	h := res.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = Get(r)
		if Get(r).Addr != got.Addr || IsHTTPS(r) != (got.Scheme == "https") {
			t.Errorf("accessors disagree with Get: %v %v", Get(r).Addr, IsHTTPS(r))
		}
	}))
	h.ServeHTTP(httptest.NewRecorder(), req(lb, "X-Forwarded-For", spoof+", "+client, "X-Forwarded-Proto", "https"))
	want := Info{Addr: netip.MustParseAddr(client), Scheme: "https", Host: "app.example"}
	if got != want {
		t.Errorf("Get() = %+v, want %+v", got, want)
	}
}

func TestGetWithoutResolverIsDirect(t *testing.T) {
	r := req("[2001:db8::1]:1234", "X-Forwarded-For", spoof, "X-Forwarded-Proto", "https")
	got := Get(r)
	want := Info{Addr: netip.MustParseAddr("2001:db8::1"), Scheme: "http", Host: "app.example"}
	if got != want {
		t.Errorf("Get() = %+v, want %+v", got, want)
	}
}

// A unix-socket peer has no address; a hop count still trusts it.
func TestHopsTrustUnixPeer(t *testing.T) {
	got := mustNew(t, oneHop).Resolve(req("@", "X-Forwarded-For", client)).Addr
	if got != netip.MustParseAddr(client) {
		t.Errorf("got %v, want %v", got, client)
	}
	got = mustNew(t, cidrs).Resolve(req("@", "X-Forwarded-For", client)).Addr
	if got.IsValid() {
		t.Errorf("cidr config: got %v, want the zero address", got)
	}
}
