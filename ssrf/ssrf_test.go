package ssrf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/configerr"
)

// TestCheckURL is the table of refused destinations and encodings, judged
// by the URL rules alone (no resolver, no dialer).
func TestCheckURL(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url    string
		kind   error  // nil = allowed
		reason string // checked when not empty
	}{
		// Canonical literals of refused ranges.
		{"http://127.0.0.1/", errAddressNotAllowed, reasonLoopback},
		{"http://10.0.0.1/", errAddressNotAllowed, reasonPrivate},
		{"http://172.16.5.4/", errAddressNotAllowed, reasonPrivate},
		{"http://192.168.1.1/", errAddressNotAllowed, reasonPrivate},
		{"http://169.254.169.254/latest/meta-data/", errAddressNotAllowed, reasonMetadata},
		{"http://100.100.100.200/", errAddressNotAllowed, reasonMetadata},
		{"http://100.64.0.1/", errAddressNotAllowed, reasonCGNAT},
		{"http://0.0.0.0/", errAddressNotAllowed, reasonUnspecified},
		{"http://224.0.0.1/", errAddressNotAllowed, reasonMulticast},
		{"http://255.255.255.255/", errAddressNotAllowed, reasonBroadcast},
		{"http://240.0.0.1/", errAddressNotAllowed, reasonReserved},
		{"http://192.0.2.1/", errAddressNotAllowed, reasonDocumentation},
		{"http://198.18.0.1/", errAddressNotAllowed, reasonBenchmarking},
		// Decimal, octal, hex, short and other non-canonical IPv4.
		{"http://2130706433/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://0177.0.0.1/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://0x7f.1/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://0x7f000001/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://0X7F.0.0.1/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://127.1/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://127.0.1/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://127.000.000.001/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://127.0.0.1./", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://3232235777/", errHostNotAllowed, reasonNonCanonicalIPv4}, // 192.168.1.1
		{"http://2852039166/", errHostNotAllowed, reasonNonCanonicalIPv4}, // 169.254.169.254
		{"http://0251.0376.0251.0376/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://1.2.3.4.5/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://example.0x1/", errHostNotAllowed, reasonNonCanonicalIPv4},
		{"http://0x/", errHostNotAllowed, reasonNonCanonicalIPv4},
		// Bracketed IPv6 and IPv4 forms in IPv6.
		{"http://[::1]/", errAddressNotAllowed, reasonLoopback},
		{"http://[::1]:443/", errAddressNotAllowed, reasonLoopback},
		{"http://[::]/", errAddressNotAllowed, reasonUnspecified},
		{"http://[::ffff:127.0.0.1]/", errAddressNotAllowed, prefixIPv4Mapped + reasonLoopback},
		{"http://[::ffff:7f00:1]/", errAddressNotAllowed, prefixIPv4Mapped + reasonLoopback},
		{"http://[::ffff:a9fe:a9fe]/", errAddressNotAllowed, prefixIPv4Mapped + reasonMetadata},
		{"http://[0:0:0:0:0:ffff:127.0.0.1]/", errAddressNotAllowed, prefixIPv4Mapped + reasonLoopback},
		{"http://[::127.0.0.1]/", errAddressNotAllowed, reasonIPv4Compatible},
		{"http://[64:ff9b::127.0.0.1]/", errAddressNotAllowed, prefixNAT64 + reasonLoopback},
		{"http://[64:ff9b::a00:1]/", errAddressNotAllowed, prefixNAT64 + reasonPrivate},
		{"http://[2002:7f00:1::1]/", errAddressNotAllowed, prefix6to4 + reasonLoopback},
		{"http://[2002:a9fe:a9fe::]/", errAddressNotAllowed, prefix6to4 + reasonMetadata},
		{"http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/", errAddressNotAllowed, reasonTeredo},
		{"http://[fd00:ec2::254]/", errAddressNotAllowed, reasonMetadata},
		{"http://[fc00::1]/", errAddressNotAllowed, reasonUniqueLocal},
		{"http://[fe80::1]/", errAddressNotAllowed, reasonLinkLocal},
		{"http://[fe80::1%25eth0]/", errHostNotAllowed, reasonZone},
		{"http://[ff02::1]/", errAddressNotAllowed, reasonMulticast},
		{"http://[2001:db8::1]/", errAddressNotAllowed, reasonDocumentation},
		// Names refused without a resolver.
		{"http://localhost/", errHostNotAllowed, reasonLocalhostName},
		{"http://LOCALHOST./", errHostNotAllowed, reasonLocalhostName},
		{"http://api.localhost/", errHostNotAllowed, reasonLocalhostName},
		{"http://ip6-localhost/", errHostNotAllowed, reasonLocalhostName},
		{"http://exa_mple..com/", errHostNotAllowed, reasonBadHostname},
		// Names have the LDH grammar of every harden layer.
		{"http://ex_ample.com/", errHostNotAllowed, reasonBadHostname},
		{"http://-a.example.com/", errHostNotAllowed, reasonBadHostname},
		{"http://a-.example.com/", errHostNotAllowed, reasonBadHostname},
		// Scheme, port, credentials, shape.
		{"ftp://example.com/", errSchemeNotAllowed, ""},
		{"file:///etc/passwd", errSchemeNotAllowed, ""},
		{"gopher://example.com:70/", errSchemeNotAllowed, ""},
		{"javascript:alert(1)", errSchemeNotAllowed, ""},
		{"//example.com/", errSchemeNotAllowed, ""},
		{"http://example.com:8080/", errPortNotAllowed, ""},
		{"http://example.com:22/", errPortNotAllowed, ""},
		{"https://example.com:80/", nil, ""},
		{"http://example.com:0/", errPortNotAllowed, ""},
		{"http://93.184.215.14:6379/", errPortNotAllowed, ""},
		{"http://user:pass@example.com/", errHostNotAllowed, reasonCredentialsInURL},
		{"http://evil.com@127.0.0.1/", errHostNotAllowed, reasonCredentialsInURL},
		{"http:example.com", errHostNotAllowed, reasonEmptyHost},
		{"http:///path", errHostNotAllowed, reasonEmptyHost},
		{"http://%31%32%37.0.0.1/", errInvalidURL, ""},
		{"http://[::1/", errInvalidURL, ""},
		// Allowed.
		{"http://example.com/", nil, ""},
		{"https://EXAMPLE.com:443/a?b=c", nil, ""},
		{"HTTPS://example.com./", nil, ""},
		{"http://93.184.215.14/", nil, ""},
		{"http://[2606:4700:4700::1111]/", nil, ""},
		{"http://[::ffff:8.8.8.8]/", nil, ""},
		{"http://1.2.3.4.nip.io/", nil, ""}, // a name: judged by what it resolves to
		{"http://127。0。0。1/", nil, ""},      // judged after IDNA, at dial: see TestIDNAHostCheckedAtDial
	}
	for _, tc := range tests {
		err := c.Check(tc.url)
		if tc.kind == nil {
			if err != nil {
				t.Errorf("Check(%q) = %v, want allowed", tc.url, err)
			}
			continue
		}
		if !errors.Is(err, ErrDestinationNotAllowed) || !errors.Is(err, tc.kind) {
			t.Errorf("Check(%q) = %v, want %v (and ErrDestinationNotAllowed)", tc.url, err, tc.kind)
			continue
		}
		var be *blockedError
		if tc.reason != "" && (!errors.As(err, &be) || be.Reason != tc.reason) {
			t.Errorf("Check(%q) reason = %v, want %q", tc.url, err, tc.reason)
		}
	}
}

// TestClientRefusesInternalDestinations sends every refused form through
// the client: each fails with ErrDestinationNotAllowed and the (failing)
// test dialer is never reached.
func TestClientRefusesInternalDestinations(t *testing.T) {
	internal := &hitCounter{}
	srv := httptest.NewServer(internal)
	defer srv.Close()
	port := serverAddr(t, srv).Port()
	n := newTestNet(t) // no server may be dialed at all
	n.names["internal.example"] = []netip.Addr{netip.MustParseAddr("10.0.0.5")}
	n.names["meta.example"] = []netip.Addr{netip.MustParseAddr("169.254.169.254")}
	n.names["loop6.example"] = []netip.Addr{netip.MustParseAddr("::1")}
	n.names["mapped.example"] = []netip.Addr{netip.MustParseAddr("::ffff:192.168.0.1")}
	n.names["nat64.example"] = []netip.Addr{netip.MustParseAddr("64:ff9b::7f00:1")}
	// One internal answer among public ones refuses the whole host.
	n.names["mixed.example"] = []netip.Addr{netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("127.0.0.1")}
	n.names["empty.example"] = nil
	c := n.client(Config{AllowedPorts: []uint16{80, 443, port}})
	urls := []string{
		fmt.Sprintf("http://127.0.0.1:%d/", port),
		fmt.Sprintf("http://[::1]:%d/", port),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port),
		fmt.Sprintf("http://2130706433:%d/", port),
		fmt.Sprintf("http://0177.0.0.1:%d/", port),
		fmt.Sprintf("http://0x7f.1:%d/", port),
		fmt.Sprintf("http://localhost:%d/", port),
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://internal.example/",
		"http://meta.example/",
		"http://loop6.example/",
		"http://mapped.example/",
		"http://nat64.example/",
		"http://mixed.example/",
		"http://empty.example/",
	}
	for _, u := range urls {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded, want refused", u)
			continue
		}
		if !errors.Is(err, ErrDestinationNotAllowed) {
			t.Errorf("GET %s: %v, want ErrDestinationNotAllowed", u, err)
		}
	}
	if d := n.dialCount(); d != 0 {
		t.Errorf("the dialer was reached %d times: %v", d, n.dials)
	}
	if internal.count() != 0 {
		t.Errorf("internal server got %d requests", internal.count())
	}
}

// TestResolverAnswersInternal: a public-looking name whose resolver
// answers an internal address is refused at dial time, with the name and
// the address in the error.
func TestResolverAnswersInternal(t *testing.T) {
	n := newTestNet(t)
	n.names["innocent.example.com"] = []netip.Addr{netip.MustParseAddr("192.168.10.20")}
	c := n.client(Config{})
	if err := c.Check("http://innocent.example.com/"); err != nil {
		t.Fatalf("URL rules refuse a plain name: %v", err)
	}
	_, err := c.Get("http://innocent.example.com/admin")
	var be *blockedError
	if !errors.As(err, &be) || !errors.Is(err, errAddressNotAllowed) {
		t.Fatalf("err = %v, want a blockedError for the address", err)
	}
	if be.Host != "innocent.example.com" || be.Addr != netip.MustParseAddr("192.168.10.20") || be.Reason != reasonPrivate || be.Port != 80 {
		t.Errorf("blockedError = %+v", be)
	}
	if n.dialCount() != 0 {
		t.Errorf("dialer reached: %v", n.dials)
	}
}

// TestDNSRebinding: the same name answers the test server's loopback
// address first (allowed explicitly), then an internal one. The check runs
// on every connection, not once per name.
func TestDNSRebinding(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	ap := serverAddr(t, srv)
	n := newTestNet(t, srv)
	n.answer = func(host string, count int) ([]netip.Addr, bool) {
		if host != "rebind.example" {
			return nil, false
		}
		if count == 1 {
			return []netip.Addr{ap.Addr()}, true
		}
		return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, true
	}
	c := n.client(Config{})
	u := fmt.Sprintf("http://rebind.example:%d/", ap.Port())
	get := func() error {
		req, _ := http.NewRequest("GET", u, nil)
		req.Close = true // a new connection each time
		resp, err := c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		return err
	}
	if err := get(); err != nil {
		t.Fatalf("first request (loopback test server): %v", err)
	}
	if err := get(); !errors.Is(err, errAddressNotAllowed) {
		t.Fatalf("second request after rebinding: %v, want errAddressNotAllowed", err)
	}
	if d := n.dialCount(); d != 1 {
		t.Errorf("dials = %v, want only the first", n.dials)
	}
}

// TestRedirectToInternal: an allowed loopback test server redirects to
// internal destinations; every hop is refused and the internal server
// never sees a request.
func TestRedirectToInternal(t *testing.T) {
	internal := &hitCounter{}
	inner := httptest.NewServer(internal)
	defer inner.Close()
	innerPort := serverAddr(t, inner).Port()
	targets := []string{
		fmt.Sprintf("http://127.0.0.1:%d/", innerPort),
		fmt.Sprintf("http://[::1]:%d/", innerPort),
		fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", innerPort),
		fmt.Sprintf("http://2130706433:%d/", innerPort),
		fmt.Sprintf("http://0x7f.1:%d/", innerPort),
		fmt.Sprintf("http://localhost:%d/", innerPort),
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://internal.example/",
		"file:///etc/passwd",
		"gopher://127.0.0.1:6379/_INFO",
	}
	outer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	}))
	defer outer.Close()
	n := newTestNet(t, outer)
	n.names["internal.example"] = []netip.Addr{netip.MustParseAddr("10.0.0.5")}
	c := n.client(Config{})
	for _, target := range targets {
		u := outer.URL + "/?to=" + url.QueryEscape(target)
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("redirect to %s followed", target)
			continue
		}
		if !errors.Is(err, ErrDestinationNotAllowed) {
			t.Errorf("redirect to %s: %v, want ErrDestinationNotAllowed", target, err)
		}
	}
	if internal.count() != 0 {
		t.Errorf("internal server got %d requests", internal.count())
	}
}

func TestRedirects(t *testing.T) {
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/hop":
			http.Redirect(w, r, "/final", http.StatusMovedPermanently)
		case "/final":
			_, _ = io.WriteString(w, "final")
		}
	}))
	defer srv.Close()
	n := newTestNet(t, srv)

	t.Run("followed when allowed", func(t *testing.T) {
		c := n.client(Config{})
		resp, err := c.Get(srv.URL + "/hop")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "final" {
			t.Errorf("body = %q", b)
		}
	})
	t.Run("hop limit", func(t *testing.T) {
		c := n.client(Config{MaxRedirects: 3})
		mu.Lock()
		hits = 0
		mu.Unlock()
		_, err := c.Get(srv.URL + "/loop")
		if !errors.Is(err, errTooManyRedirects) {
			t.Fatalf("err = %v, want errTooManyRedirects", err)
		}
		if errors.Is(err, ErrDestinationNotAllowed) {
			t.Error("a redirect loop is not a refused destination")
		}
		mu.Lock()
		defer mu.Unlock()
		if hits != 4 { // the request and 3 redirects
			t.Errorf("server hits = %d, want 4", hits)
		}
	})
	t.Run("not followed", func(t *testing.T) {
		c := n.client(Config{MaxRedirects: -1})
		resp, err := c.Get(srv.URL + "/hop")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently {
			t.Errorf("status = %d, want 301", resp.StatusCode)
		}
	})
}

func TestResponseLimits(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/exact":
			_, _ = w.Write(make([]byte, 1000))
		case "/chunked": // no Content-Length: found out while reading
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			_, _ = w.Write(make([]byte, 1001))
		case "/declared":
			w.Header().Set("Content-Length", "5000")
			_, _ = w.Write(make([]byte, 5000))
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	defer close(release)
	n := newTestNet(t, srv)
	c := n.client(Config{MaxResponseBytes: 1000})
	slow := n.client(Config{Timeout: 200 * time.Millisecond})

	get := func(path string) ([]byte, error) {
		c := c
		if path == "/slow" {
			c = slow
		}
		resp, err := c.Get(srv.URL + path)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return io.ReadAll(resp.Body)
	}
	if b, err := get("/exact"); err != nil || len(b) != 1000 {
		t.Errorf("/exact: %d bytes, %v; want 1000, nil", len(b), err)
	}
	if b, err := get("/chunked"); !errors.Is(err, ErrResponseTooLarge) || len(b) != 1000 {
		t.Errorf("/chunked: %d bytes, %v; want 1000 then ErrResponseTooLarge", len(b), err)
	}
	if _, err := get("/declared"); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("/declared: %v, want ErrResponseTooLarge", err)
	}
	start := time.Now()
	if _, err := get("/slow"); err == nil {
		t.Error("/slow: no timeout")
	} else if el := time.Since(start); el > 5*time.Second {
		t.Errorf("/slow: timed out after %v, want about 200ms", el)
	}
}

func TestHostAllowlist(t *testing.T) {
	n := newTestNet(t)
	n.names["api.example.com"] = []netip.Addr{netip.MustParseAddr("10.9.9.9")}
	c := n.client(Config{AllowedHosts: []string{"*.example.com", "api.example.org", "93.184.215.14"}})
	for u, want := range map[string]error{
		"http://a.example.com/":      nil,
		"http://a.b.EXAMPLE.com./":   nil,
		"http://example.com/":        errHostNotAllowed,
		"http://evilexample.com/":    errHostNotAllowed,
		"http://api.example.org/":    nil,
		"http://x.api.example.org/":  errHostNotAllowed,
		"http://93.184.215.14/":      nil,
		"http://8.8.8.8/":            errHostNotAllowed,
		"http://bücher.example.com/": errHostNotAllowed, // allowlists hold ASCII names
	} {
		err := c.Check(u)
		if (want == nil) != (err == nil) || (want != nil && !errors.Is(err, want)) {
			t.Errorf("Check(%q) = %v, want %v", u, err, want)
		}
	}
	// Allowed by name, refused by address.
	if _, err := c.Get("http://api.example.com/"); !errors.Is(err, errAddressNotAllowed) {
		t.Errorf("allowlisted name resolving to 10.9.9.9: %v, want errAddressNotAllowed", err)
	}
}

// TestIDNAHostCheckedAtDial: net/http maps "127。0。0。1" (ideographic full
// stops) to 127.0.0.1 before dialing; the dial check refuses it.
func TestIDNAHostCheckedAtDial(t *testing.T) {
	n := newTestNet(t)
	c := n.client(Config{})
	for _, u := range []string{"http://127。0。0。1/", "http://①②⑦.0.0.1/", "http://0x7f。1/", "http://ｌｏｃａｌｈｏｓｔ/"} {
		_, err := c.Get(u)
		if !errors.Is(err, ErrDestinationNotAllowed) {
			t.Errorf("GET %s: %v, want ErrDestinationNotAllowed", u, err)
		}
	}
	if n.dialCount() != 0 {
		t.Errorf("dialer reached: %v", n.dials)
	}
}

// TestDangerousAllowIsExact: the escape hatch opens one address and port,
// not the address's other ports nor the rest of loopback.
func TestDangerousAllowIsExact(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ap := serverAddr(t, srv)
	n := newTestNet(t, srv)
	c := n.client(Config{})
	for _, u := range []string{
		fmt.Sprintf("http://127.0.0.1:%d/", ap.Port()+1),
		fmt.Sprintf("http://127.0.0.2:%d/", ap.Port()),
		fmt.Sprintf("http://[::1]:%d/", ap.Port()),
		"http://127.0.0.1/",
	} {
		if _, err := c.Get(u); !errors.Is(err, ErrDestinationNotAllowed) {
			t.Errorf("GET %s: %v, want refused", u, err)
		}
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatalf("GET the allowed test server: %v", err)
	}
	resp.Body.Close()
	if n.dialCount() != 1 {
		t.Errorf("dials = %v, want only the test server", n.dials)
	}
}

// TestConnectTimeCheck exercises the production dial path — net.Dialer
// with the Control hook — on loopback only. The Control hook refuses
// before connect(2): the listener accepts nothing.
func TestConnectTimeCheck(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 1)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Close()
			accepted <- struct{}{}
		}
	}()
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	d := &net.Dialer{Control: c.guard.control, Timeout: time.Second}
	_, err = d.Dial("tcp", ln.Addr().String())
	if !errors.Is(err, errAddressNotAllowed) {
		t.Fatalf("dial with Control: %v, want errAddressNotAllowed", err)
	}
	select {
	case <-accepted:
		t.Fatal("the listener accepted a connection the Control hook refused")
	case <-time.After(50 * time.Millisecond):
	}
	// The control hook itself.
	for addr, want := range map[string]bool{
		"93.184.215.14:443":         true,
		"93.184.215.14:22":          false,
		"[2606:4700:4700::1111]:80": true,
		"10.0.0.1:80":               false,
		"[::ffff:127.0.0.1]:80":     false,
		"169.254.169.254:80":        false,
		"not-an-address":            false,
	} {
		err := c.guard.control("tcp4", addr, nil)
		if (err == nil) != want {
			t.Errorf("control(%s) = %v, want allowed=%v", addr, err, want)
		}
	}
	if err := c.guard.control("udp", "93.184.215.14:443", nil); err == nil {
		t.Error("control allowed udp")
	}
}

// TestDefaultDialer fetches the loopback test server through the real
// dialer with its Control hook (no test dialer): the hatch lets the exact
// address through at connect time too. Loopback only.
func TestDefaultDialer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()
	other := &hitCounter{}
	otherSrv := httptest.NewServer(other)
	defer otherSrv.Close()
	c, err := New(Config{
		DangerouslyAllowAddrs: []netip.AddrPort{serverAddr(t, srv)},
		LookupNetIP: func(ctx context.Context, host string) ([]netip.Addr, error) {
			t.Errorf("resolver asked for %q", host)
			return nil, errors.New("no DNS in tests")
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello" {
		t.Errorf("body = %q", b)
	}
	if _, err := c.Get(otherSrv.URL); !errors.Is(err, ErrDestinationNotAllowed) {
		t.Errorf("other loopback server: %v, want refused", err)
	}
	if other.count() != 0 {
		t.Error("other loopback server reached")
	}
}

// TestProxyEnvironmentIgnored: HTTP_PROXY would make the transport send the
// request to the proxy, which resolves and connects unchecked.
func TestProxyEnvironmentIgnored(t *testing.T) {
	proxy := &hitCounter{}
	proxySrv := httptest.NewServer(proxy)
	defer proxySrv.Close()
	t.Setenv("HTTP_PROXY", proxySrv.URL)
	t.Setenv("http_proxy", proxySrv.URL)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	n := newTestNet(t, srv)
	resp, err := n.client(Config{}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if proxy.count() != 0 {
		t.Error("the request went through HTTP_PROXY")
	}
}

func TestTransportClosesBodyOnRefusal(t *testing.T) {
	n := newTestNet(t)
	c, err := New(n.config(Config{}))
	if err != nil {
		t.Fatal(err)
	}
	tr := c.Transport
	body := &closeRecorder{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", "http://127.0.0.1/", body)
	if _, err := tr.RoundTrip(req); !errors.Is(err, ErrDestinationNotAllowed) {
		t.Fatalf("RoundTrip: %v", err)
	}
	if !body.closed {
		t.Error("request body not closed on refusal")
	}
	// The Client's RoundTripper closes its pool's idle connections, as
	// http.Client.CloseIdleConnections expects.
	tr.(interface{ CloseIdleConnections() }).CloseIdleConnections()
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]Config{
		"scheme ftp":          {AllowedSchemes: []string{"ftp"}},
		"port 0":              {AllowedPorts: []uint16{0}},
		"host with space":     {AllowedHosts: []string{"exa mple.com"}},
		"numeric host":        {AllowedHosts: []string{"0x7f.1"}},
		"wildcard in middle":  {AllowedHosts: []string{"a.*.com"}},
		"zoned host":          {AllowedHosts: []string{"fe80::1%eth0"}},
		"underscore host":     {AllowedHosts: []string{"ex_ample.com"}},
		"hyphen at label end": {AllowedHosts: []string{"*.example-.com"}},
		"negative body":       {MaxResponseBytes: -1},
		"negative timeout":    {Timeout: -time.Second},
		"invalid allow addr":  {DangerouslyAllowAddrs: []netip.AddrPort{{}}},
		"allow addr port 0":   {DangerouslyAllowAddrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")}},
	} {
		_, err := New(cfg)
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: New = %v, want ErrInvalidConfig", name, err)
		}
		var ce *configerr.Error
		if !errors.As(err, &ce) || ce.Pkg != "ssrf" || ce.Field == "" {
			t.Errorf("%s: New = %v, want a *configerr.Error naming the setting", name, err)
		}
	}
	if _, err := New(Config{AllowedSchemes: []string{"HTTPS"}, AllowedHosts: []string{"*.example.com", "[2606:4700::1]", "Example.ORG."}}); err != nil {
		t.Errorf("valid config refused: %v", err)
	}
}

func TestBlockedErrorText(t *testing.T) {
	err := &blockedError{Kind: errAddressNotAllowed, Reason: reasonLoopback, Host: "a\nb", Addr: netip.MustParseAddr("127.0.0.1"), Port: 80}
	if got := err.Error(); got != `ssrf: destination not allowed: loopback host="a\nb" addr=127.0.0.1 port=80` {
		t.Errorf("Error() = %q", got)
	}
	if errors.Is(err, errPortNotAllowed) || !errors.Is(err, errAddressNotAllowed) {
		t.Error("Is matches the wrong kind")
	}
	wrapped := &url.Error{Op: "Get", URL: "http://x/", Err: err}
	if !errors.Is(wrapped, ErrDestinationNotAllowed) {
		t.Error("not matched through *url.Error")
	}
	if v := err.LogValue(); len(v.Group()) != 5 {
		t.Errorf("LogValue = %v", v)
	}
}

func TestConfigErrorText(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{AllowedHosts: []string{"ok.example", "ex_ample.com"}}, `ssrf: allowed_hosts[1] "ex_ample.com": not an ASCII host name, *.domain or IP address`},
		{Config{AllowedSchemes: []string{"https", "ftp"}}, `ssrf: allowed_schemes[1] "ftp": is not http or https`},
		{Config{AllowedPorts: []uint16{443, 0}}, `ssrf: allowed_ports[1] "0": port 0 cannot be connected to`},
		{Config{DialTimeout: -time.Second}, `ssrf: dial_timeout "-1s": is negative`},
		{Config{MaxResponseBytes: -1}, `ssrf: max_response_bytes "-1": is negative`},
	}
	for _, tt := range tests {
		_, err := New(tt.cfg)
		if err == nil || err.Error() != tt.want {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
