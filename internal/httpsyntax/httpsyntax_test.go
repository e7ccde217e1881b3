package httpsyntax

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOriginCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com", "https://example.com"},
		{"https://example.com/", "https://example.com"},
		{"HTTPS://Example.COM", "https://example.com"},
		{"https://example.com:443", "https://example.com"},
		{"http://example.com:80", "http://example.com"},
		{"https://example.com:80", "https://example.com:80"},
		{"http://example.com:443", "http://example.com:443"},
		{"https://example.com:8443", "https://example.com:8443"},
		{"https://app.example.com:65535", "https://app.example.com:65535"},
		{"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
		{"https://a-b.c-d.example", "https://a-b.c-d.example"},
		{"https://1.example.com", "https://1.example.com"},
		{"https://localhost", "https://localhost"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]", "http://[::1]"},
		{"http://[::1]:8080/", "http://[::1]:8080"},
		{"http://[0:0:0:0:0:0:0:1]", "http://[::1]"},
		// WHATWG serialises IPv6 in hex, embedded IPv4 included.
		{"http://[::FFFF:1.2.3.4]", "http://[::ffff:102:304]"},
		{"http://[::ffff:102:304]", "http://[::ffff:102:304]"},
		{"http://[2001:DB8:0:0:1:0:0:1]", "http://[2001:db8::1:0:0:1]"},
		{"http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:2::3]"},
		{"http://[1:0:0:0:2:0:0:0]", "http://[1::2:0:0:0]"},
		{"http://[1:0:2:0:3:0:4:0]", "http://[1:0:2:0:3:0:4:0]"},
		{"http://[::]", "http://[::]"},
		{"https://" + strings.Repeat("a", 63) + ".example", "https://" + strings.Repeat("a", 63) + ".example"},
	}
	for _, tt := range tests {
		o, err := ParseOrigin(tt.in)
		if err != nil {
			t.Errorf("ParseOrigin(%q): got error %v, want %q", tt.in, err, tt.want)
			continue
		}
		if got := o.String(); got != tt.want {
			t.Errorf("ParseOrigin(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestStricter lists the inputs that net/url or a browser (WHATWG URL)
// accepts and harden refuses on purpose, each with its reason.
func TestStricter(t *testing.T) {
	long := strings.Repeat("a", 63) + "."
	tests := []struct {
		in     string
		want   error
		reason string
	}{
		{"https://example.com:08443", ErrPort, "a leading zero: browsers send 8443; two spellings of one origin"},
		{"https://example.com:", ErrPort, "an empty port: browsers drop it; two spellings of one origin"},
		{"https://example.com:0", ErrPort, "port 0 cannot be connected to"},
		{"https://example.com:65536", ErrPort, "out of range"},
		{"https://example.com.", ErrHost, "a trailing dot makes a second origin of the same site"},
		{"https://ex_ample.com", ErrHost, "underscore: not an LDH host name (RFC 1123)"},
		{"https://-example.com", ErrHost, "a label starting with a hyphen (RFC 1123)"},
		{"https://example-.com", ErrHost, "a label ending with a hyphen (RFC 1123)"},
		{"https://exa%6dple.com", ErrHost, "percent-encoding: WHATWG decodes it, a string comparison would not"},
		{"https://example.com\\", ErrHost, "a backslash is a path separator to WHATWG"},
		{"https://exam\tple.com", ErrHost, "WHATWG strips tabs and newlines"},
		{"http://127.1", ErrHost, "short IPv4: browsers read 127.0.0.1"},
		{"http://0x7f.0.0.1", ErrHost, "hex IPv4: browsers read 127.0.0.1"},
		{"http://2130706433", ErrHost, "decimal IPv4: browsers read 127.0.0.1"},
		{"http://127.0.0.01", ErrHost, "leading zero in IPv4: octal to inet_aton"},
		{"http://0x", ErrHost, "ends in a number (WHATWG): an IPv4 spelling"},
		{"http://[fe80::1%25eth0]", ErrHost, "an IPv6 zone names one machine's interface"},
		{"http://::1", ErrHost, "IPv6 without brackets"},
		{"https://bücher.example", ErrHost, "a U-label: configure the A-label browsers send"},
		{"https://EXAMPLE.\u212aOM", ErrHost, "the Kelvin sign lowers to k under strings.ToLower"},
		{"https://" + strings.Repeat(long, 4) + "com", ErrHost, "longer than 253 bytes"},
		{"https://" + strings.Repeat("a", 64) + ".example", ErrHost, "a label longer than 63 bytes"},
		{"https://a..example", ErrHost, "an empty label"},
		{"https://user@example.com", ErrUserinfo, "userinfo is dropped by browsers and can make another host read as trusted"},
		{"https://example.com@evil.example", ErrUserinfo, "userinfo"},
		{"https://example.com/app", ErrPath, "a path: an origin has none"},
		{"https://example.com//", ErrPath, "a path"},
		{"https://example.com?", ErrPath, "an empty query"},
		{"https://example.com#", ErrPath, "an empty fragment"},
		{"https://example.com/?a=1", ErrPath, "a query"},
		{"ftp://example.com", ErrScheme, "an origin harden serves is http or https"},
		{"example.com", ErrSyntax, "no scheme"},
		{"https:example.com", ErrSyntax, "no authority"},
		{"https://", ErrHost, "no host"},
		{"https:///", ErrHost, "no host"},
		{"null", ErrOpaque, "sent by sandboxed documents of any site"},
		{"file:///etc/passwd", ErrOpaque, "file: origins are opaque"},
		{"", ErrEmpty, "nothing"},
		{"https://*.example.com", ErrHost, "a pattern is not an origin"},
		{" https://example.com", ErrScheme, "leading white space"},
		{"https://example.com ", ErrHost, "trailing white space"},
	}
	for _, tt := range tests {
		_, err := ParseOrigin(tt.in)
		if !errors.Is(err, tt.want) {
			t.Errorf("ParseOrigin(%q): got %v, want %v (%s)", tt.in, err, tt.want, tt.reason)
		}
	}
}

func TestParseRequestHost(t *testing.T) {
	tests := []struct {
		in       string
		wantHost string
		wantPort int
		wantErr  error
	}{
		{"example.com", "example.com", 0, nil},
		{"Example.COM:8443", "example.com", 8443, nil},
		{"example.com.", "example.com", 0, nil},
		{"example.com.:8443", "example.com", 8443, nil},
		{"127.0.0.1:80", "127.0.0.1", 80, nil},
		{"[::1]:8080", "[::1]", 8080, nil},
		{"[0::1]", "[::1]", 0, nil},
		{"example.com..", "", 0, ErrHost},
		{".", "", 0, ErrHost},
		{"", "", 0, ErrEmpty},
		{"[::1]x", "", 0, ErrHost},
		{"[::1", "", 0, ErrHost},
		{"[1.2.3.4]", "", 0, ErrHost},
		{"example.com:8443:1", "", 0, ErrPort},
		{"example.com:+80", "", 0, ErrPort},
		{"example.com:123456", "", 0, ErrPort},
		{"evil.example/x", "", 0, ErrHost},
		{"evil.example@good.example", "", 0, ErrHost},
		{"good.example evil", "", 0, ErrHost},
		{"127.0.0.1.", "", 0, ErrHost},
	}
	for _, tt := range tests {
		host, port, err := ParseRequestHost(tt.in)
		if host != tt.wantHost || port != tt.wantPort || !errors.Is(err, tt.wantErr) {
			t.Errorf("ParseRequestHost(%q) = %q, %d, %v; want %q, %d, %v", tt.in, host, port, err, tt.wantHost, tt.wantPort, tt.wantErr)
		}
	}
	// ParseHostPort is the same grammar without the trailing dot.
	if _, _, err := ParseHostPort("example.com."); !errors.Is(err, ErrHost) {
		t.Errorf("ParseHostPort(%q): got %v, want %v", "example.com.", err, ErrHost)
	}
}

func TestParseHostNoAllocationWhenCanonical(t *testing.T) {
	for _, s := range []string{"example.com", "192.0.2.1", "[2001:db8::1]", "[::ffff:102:304]"} {
		got := testing.AllocsPerRun(100, func() {
			if _, err := ParseHost(s); err != nil {
				t.Fatal(err)
			}
		})
		if got != 0 {
			t.Errorf("ParseHost(%q): %v allocations, want 0", s, got)
		}
	}
}

func TestIsLabels(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"a", true},
		{"a.b-c.d", true},
		{"1", true},
		{"a.", false},
		{".a", false},
		{"A", false},
		{"a_b", false},
		{"a-", false},
		{"-a", false},
		{"a/b", false},
		{"", false},
		{strings.Repeat("a", 64), false},
	}
	for _, tt := range tests {
		if got := IsLabels(tt.in); got != tt.want {
			t.Errorf("IsLabels(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestOriginIsLoopback(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"http://localhost:3000", true},
		{"http://app.localhost", true},
		{"http://127.0.0.2", true},
		{"http://[::1]", true},
		{"http://localhost.example.com", false},
		{"http://example.com", false},
		{"http://[::ffff:127.0.0.1]", true},
		{"http://10.0.0.1", false},
	}
	for _, tt := range tests {
		o, err := ParseOrigin(tt.in)
		if err != nil {
			t.Fatalf("ParseOrigin(%q): %v", tt.in, err)
		}
		if got := o.IsLoopback(); got != tt.want {
			t.Errorf("%q IsLoopback() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParsePublicURL(t *testing.T) {
	o, err := ParsePublicURL("https://Example.com:443/")
	if err != nil || o.String() != "https://example.com" || o.HostPort() != "example.com" {
		t.Errorf("ParsePublicURL: got %q, %q, %v; want %q, %q, nil", o.String(), o.HostPort(), err, "https://example.com", "example.com")
	}
	if _, err := ParsePublicURL("null"); !errors.Is(err, ErrScheme) {
		t.Errorf("ParsePublicURL(null): got %v, want %v", err, ErrScheme)
	}
}

func TestTrimOWS(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{" \t a b \t", "a b"},
		{"\r\na\n", "\r\na\n"}, // CR and LF are not OWS
		{"x", "x"},
	}
	for _, tt := range tests {
		if got := TrimOWS(tt.in); got != tt.want {
			t.Errorf("TrimOWS(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorsDoNotEchoInput(t *testing.T) {
	in := "https://secret-token@evil.example/path"
	_, err := ParseOrigin(in)
	if err == nil || strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "evil") {
		t.Errorf("ParseOrigin error %v: want an error that does not contain the input", err)
	}
}
