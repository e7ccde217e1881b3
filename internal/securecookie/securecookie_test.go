package securecookie_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/cookie"
	"github.com/harden-go/harden/internal/securecookie"
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

func codec(t testing.TB, secrets, name string, encrypt bool, maxAge time.Duration, now func() time.Time) *securecookie.Codec {
	t.Helper()
	c, err := securecookie.New(securecookie.Config{Keys: ring(t, secrets), Name: name, Encrypt: encrypt, MaxAge: maxAge, Now: now})
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
				if _, err := c.Decode(bad); !errors.Is(err, securecookie.ErrInvalid) {
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
		if _, err := c.Decode(v); !errors.Is(err, securecookie.ErrInvalid) {
			t.Fatalf("encrypt=%v: Decode after expiry err = %v, want ErrInvalid", encrypt, err)
		}
		now = now.Add(-time.Hour)
	}
}

func TestCodecTooLong(t *testing.T) {
	c := codec(t, secretOld, "c", true, 0, nil)
	if _, err := c.Encode(make([]byte, 4000)); !errors.Is(err, securecookie.ErrTooLong) {
		t.Fatalf("Encode(4000 bytes) err = %v, want ErrTooLong", err)
	}
	v, err := c.Encode(make([]byte, 3000))
	if err != nil || len(v) > 4096 {
		t.Fatalf("Encode(3000 bytes) = %d chars, %v", len(v), err)
	}
}

// FuzzDecode: no input panics, and whatever decodes is exactly what was
// encoded (it re-encodes and decodes to the same data).
func FuzzDecode(f *testing.F) {
	signed := codec(f, secretOld+","+secretNew, "c", false, time.Hour, nil)
	sealed := codec(f, secretOld+","+secretNew, "c", true, time.Hour, nil)
	for _, c := range []*securecookie.Codec{signed, sealed} {
		for _, d := range []string{"", "x", "user=1", strings.Repeat("z", 300)} {
			v, _ := c.Encode([]byte(d))
			f.Add(v)
		}
	}
	f.Add("AQ")
	f.Add("Ag")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, v string) {
		for _, c := range []*securecookie.Codec{signed, sealed} {
			data, err := c.Decode(v)
			if err != nil {
				if !errors.Is(err, securecookie.ErrInvalid) {
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
		for _, v := range s.Values(r) {
			if data, err := c.Decode(v); err == nil && string(data) != "id" {
				t.Fatalf("Decode accepted forged data %q", data)
			}
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
