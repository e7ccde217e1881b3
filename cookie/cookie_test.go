package cookie_test

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/cookie"
	"github.com/harden-go/harden/keys"
)

const (
	secretOld   = "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS="
	secretNew   = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	secretOther = "Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV4Y29yZ2VncmF1bHQ"
)

func ring(t testing.TB, secrets string) *keys.Ring {
	t.Helper()
	r, err := keys.Parse(secrets)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestNewRefusesBadConfig lists every Config New refuses, with the exact
// message.
func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   cookie.Config
		field string
		want  string
	}{
		{"no name", cookie.Config{}, "name", `cookie: name: empty or not a valid cookie name (an RFC 6265 token)`},
		{"bad name", cookie.Config{Name: "a b"}, "name", `cookie: name "a b": empty or not a valid cookie name (an RFC 6265 token)`},
		{"name with =", cookie.Config{Name: "a=b"}, "name", `cookie: name "a=b": empty or not a valid cookie name (an RFC 6265 token)`},
		{"host insecure", cookie.Config{Name: "__Host-sid", DangerouslyAllowInsecure: true}, "dangerously_allow_insecure",
			`cookie: dangerously_allow_insecure "true": a __Host- cookie must be Secure; drop the prefix for development over plain HTTP`},
		{"host domain", cookie.Config{Name: "__Host-sid", Domain: "example.com"}, "domain", `cookie: domain "example.com": a __Host- cookie must not have a Domain`},
		{"host path", cookie.Config{Name: "__Host-sid", Path: "/app"}, "path", `cookie: path "/app": a __Host- cookie must have Path "/"`},
		{"secure insecure", cookie.Config{Name: "__Secure-sid", DangerouslyAllowInsecure: true}, "dangerously_allow_insecure",
			`cookie: dangerously_allow_insecure "true": a __Secure- cookie must be Secure; drop the prefix for development over plain HTTP`},
		{"none insecure", cookie.Config{Name: "sid", SameSite: "None", DangerouslyAllowInsecure: true}, "same_site",
			`cookie: same_site "None": None requires Secure; it cannot be combined with dangerously_allow_insecure`},
		{"samesite typo", cookie.Config{Name: "sid", SameSite: "lax"}, "same_site", `cookie: same_site "lax": must be "Lax", "Strict" or "None"`},
		{"relative path", cookie.Config{Name: "sid", Path: "app"}, "path", `cookie: path "app": must start with / and contain no control characters or ;`},
		{"path injection", cookie.Config{Name: "sid", Path: "/; Domain=evil.com"}, "path",
			`cookie: path "/; Domain=evil.com": must start with / and contain no control characters or ;`},
		{"domain injection", cookie.Config{Name: "sid", Domain: "a.com; Secure"}, "domain", `cookie: domain "a.com; Secure": not a valid domain`},
		{"negative max age", cookie.Config{Name: "sid", MaxAge: -time.Second}, "max_age",
			`cookie: max_age "-1s": must not be negative; 0 means no Max-Age (the browser forgets the cookie when it closes)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cookie.New(tt.cfg)
			var ce *cookie.ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, cookie.ErrInvalidConfig) {
				t.Fatalf("New err = %v, want *ConfigError", err)
			}
			if ce.Field != tt.field {
				t.Fatalf("ConfigError.Field = %q, want %q (%v)", ce.Field, tt.field, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("message\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestCookieAttributes(t *testing.T) {
	plain := httptest.NewRequest("GET", "http://localhost/", nil)
	https := httptest.NewRequest("GET", "https://localhost/", nil)
	https.TLS = &tls.ConnectionState{}
	tests := []struct {
		name string
		cfg  cookie.Config
		r    *http.Request
		want string
	}{
		{"defaults", cookie.Config{Name: "__Host-sid"}, plain, "__Host-sid=v; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"strict max age", cookie.Config{Name: "__Secure-x", SameSite: "Strict", MaxAge: time.Hour, Path: "/a"}, plain,
			"__Secure-x=v; Path=/a; Max-Age=3600; HttpOnly; Secure; SameSite=Strict"},
		{"dev over http", cookie.Config{Name: "sid", DangerouslyAllowInsecure: true}, plain, "sid=v; Path=/; HttpOnly; SameSite=Lax"},
		{"dev over https", cookie.Config{Name: "sid", DangerouslyAllowInsecure: true}, https, "sid=v; Path=/; HttpOnly; Secure; SameSite=Lax"},
		{"script access", cookie.Config{Name: "t", DangerouslyAllowScriptAccess: true, Domain: "example.com"}, plain,
			"t=v; Path=/; Domain=example.com; Secure; SameSite=Lax"},
		{"none", cookie.Config{Name: "t", SameSite: "None"}, plain, "t=v; Path=/; HttpOnly; Secure; SameSite=None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := cookie.New(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			s.Set(w, tt.r, "v")
			if got := w.Header().Get("Set-Cookie"); got != tt.want {
				t.Fatalf("Set-Cookie = %q\n want %q", got, tt.want)
			}
		})
	}
	s, _ := cookie.New(cookie.Config{Name: "__Host-sid"})
	w := httptest.NewRecorder()
	s.Expire(w, plain)
	if got, want := w.Header().Get("Set-Cookie"), "__Host-sid=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax"; got != want {
		t.Fatalf("Expire Set-Cookie = %q, want %q", got, want)
	}
}

func codec(t testing.TB, secrets, name string, encrypt bool, maxAge time.Duration, now func() time.Time) *cookie.Codec {
	t.Helper()
	c, err := cookie.NewCodec(cookie.CodecConfig{Keys: ring(t, secrets), Name: name, Encrypt: encrypt, MaxAge: maxAge, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCodec(t *testing.T) {
	for _, encrypt := range []bool{false, true} {
		name := map[bool]string{false: "signed", true: "encrypted"}[encrypt]
		t.Run(name, func(t *testing.T) {
			data := []byte("user=42;role=admin")
			c := codec(t, secretOld, "c", encrypt, 0, nil)
			v, err := c.Encode(data)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := c.Decode(v); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("Decode = %q, %v", got, err)
			}
			if strings.Contains(v, "admin") {
				t.Fatal("value shows the data in clear")
			}
			if encrypt {
				raw, _ := base64.RawURLEncoding.DecodeString(v)
				if bytes.Contains(raw, data) {
					t.Fatal("encrypted value contains the plaintext")
				}
			}

			// Any single change of the value is refused.
			for i := range len(v) {
				for _, ch := range []byte{'A', '_', '0'} {
					if v[i] == ch {
						continue
					}
					bad := v[:i] + string(ch) + v[i+1:]
					if got, err := c.Decode(bad); err == nil {
						t.Fatalf("Decode(changed at %d) = %q, want ErrInvalid", i, got)
					}
				}
			}
			for _, bad := range []string{"", "x", v[:len(v)-1], v + "A", strings.Repeat("A", 4096+1), "!!!!", "AQ"} {
				if _, err := c.Decode(bad); !errors.Is(err, cookie.ErrInvalid) {
					t.Errorf("Decode(%.20q) err = %v, want ErrInvalid", bad, err)
				}
			}

			// Values are bound to the cookie name and to the mode.
			if _, err := codec(t, secretOld, "other", encrypt, 0, nil).Decode(v); err == nil {
				t.Fatal("a value for cookie c decodes as cookie other")
			}
			if _, err := codec(t, secretOld, "c", !encrypt, 0, nil).Decode(v); err == nil {
				t.Fatal("a value decodes in the other mode")
			}

			// Rotation.
			if got, err := codec(t, secretNew+","+secretOld, "c", encrypt, 0, nil).Decode(v); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("after rotation Decode = %q, %v; want the data", got, err)
			}
			if _, err := codec(t, secretNew+","+secretOther, "c", encrypt, 0, nil).Decode(v); err == nil {
				t.Fatal("a value made with a removed secret decodes")
			}
		})
	}
}

func TestCodecExpiry(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	for _, encrypt := range []bool{false, true} {
		c := codec(t, secretOld, "c", encrypt, time.Hour, clock)
		v, _ := c.Encode([]byte("x"))
		now = now.Add(59 * time.Minute)
		if _, err := c.Decode(v); err != nil {
			t.Fatalf("encrypt=%v: Decode before expiry: %v", encrypt, err)
		}
		now = now.Add(time.Minute)
		if _, err := c.Decode(v); !errors.Is(err, cookie.ErrInvalid) {
			t.Fatalf("encrypt=%v: Decode after expiry err = %v, want ErrInvalid", encrypt, err)
		}
		now = now.Add(-time.Hour)
	}
}

func TestCodecTooLong(t *testing.T) {
	c := codec(t, secretOld, "c", true, 0, nil)
	if _, err := c.Encode(make([]byte, 4000)); !errors.Is(err, cookie.ErrTooLong) {
		t.Fatalf("Encode(4000 bytes) err = %v, want ErrTooLong", err)
	}
	v, err := c.Encode(make([]byte, 3000))
	if err != nil || len(v) > 4096 {
		t.Fatalf("Encode(3000 bytes) = %d chars, %v", len(v), err)
	}
}

func TestReadPicksFirstValid(t *testing.T) {
	s, _ := cookie.New(cookie.Config{Name: "sid"})
	c := codec(t, secretOld, "sid", false, 0, nil)
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	if err := c.Write(w, r, s, []byte("good")); err != nil {
		t.Fatal(err)
	}
	good := w.Result().Cookies()[0].Value
	// A tossed cookie of the same name comes first; the valid one wins.
	r.Header.Set("Cookie", "sid=tossed; other=1; sid="+good)
	if got, ok := c.Read(r, s); !ok || string(got) != "good" {
		t.Fatalf("Read = %q, %v; want good", got, ok)
	}
	r.Header.Set("Cookie", "sid=tossed")
	if got, ok := c.Read(r, s); ok {
		t.Fatalf("Read(only a forged cookie) = %q, true", got)
	}
}

// FuzzDecode: no input panics, and whatever decodes is exactly what was
// encoded (it re-encodes and decodes to the same data).
func FuzzDecode(f *testing.F) {
	signed := codec(f, secretOld+","+secretNew, "c", false, time.Hour, nil)
	sealed := codec(f, secretOld+","+secretNew, "c", true, time.Hour, nil)
	for _, c := range []*cookie.Codec{signed, sealed} {
		for _, d := range []string{"", "x", "user=1", strings.Repeat("z", 300)} {
			v, _ := c.Encode([]byte(d))
			f.Add(v)
		}
	}
	f.Add("AQ")
	f.Add("Ag")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, v string) {
		for _, c := range []*cookie.Codec{signed, sealed} {
			data, err := c.Decode(v)
			if err != nil {
				if !errors.Is(err, cookie.ErrInvalid) {
					t.Fatalf("Decode err %v is not ErrInvalid", err)
				}
				continue
			}
			v2, err := c.Encode(data)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if d2, err := c.Decode(v2); err != nil || !bytes.Equal(d2, data) {
				t.Fatalf("round trip of decoded data failed: %v", err)
			}
		}
	})
}

// FuzzCookieHeader feeds arbitrary Cookie headers through the request
// parser and the codec: no panic, and no forged value is accepted.
func FuzzCookieHeader(f *testing.F) {
	s, _ := cookie.New(cookie.Config{Name: "__Host-sid"})
	c := codec(f, secretOld, "__Host-sid", false, 0, nil)
	v, _ := c.Encode([]byte("id"))
	f.Add("__Host-sid=" + v)
	f.Add("a=1; __Host-sid=x; __Host-sid=" + v)
	f.Add(`__Host-sid="` + v + `"`)
	f.Add("__Host-sid=;;;=;")
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		if len(s.Values(r)) > 8 {
			t.Fatal("more than 8 candidates")
		}
		if data, ok := c.Read(r, s); ok && string(data) != "id" {
			t.Fatalf("Read accepted forged data %q", data)
		}
	})
}

func BenchmarkDecodeSigned(b *testing.B) {
	c := codec(b, secretOld, "c", false, 0, nil)
	v, _ := c.Encode(make([]byte, 32))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(v); err != nil {
			b.Fatal(err)
		}
	}
}
