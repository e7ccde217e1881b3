package csrf

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/keys"
)

func newTestProtector(tb testing.TB) *Protector {
	tb.Helper()
	p, err := New(Config{Keys: keys.Ephemeral(), SessionKey: func(*http.Request) string { return "session-key" }})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// FuzzToken feeds arbitrary strings to the token decoder and verifier: they
// never panic, a string that verifies is a real token (128 base64url
// characters), and re-masking a real token keeps it valid.
func FuzzToken(f *testing.F) {
	p := newTestProtector(f)
	good := p.newToken(binding{kindSession, "session-key"})
	f.Add(good)
	f.Add(good[:tokenLen-1])
	f.Add(good + "A")
	f.Add(strings.Repeat("A", tokenLen))
	f.Add(strings.Repeat("_", tokenLen))
	f.Add(strings.Repeat("=", tokenLen))
	f.Add("+" + good[1:])
	f.Add(good[:tokenLen-2] + "==")
	rnd := make([]byte, maskedLen)
	_, _ = rand.Read(rnd)
	f.Add(b64.EncodeToString(rnd))
	f.Add("")
	f.Add("\x00\xff")
	f.Fuzz(func(t *testing.T, tok string) {
		raw, ok := unmask(tok)
		// The hand-written decoder agrees with encoding/base64.
		dec, err := b64strict.DecodeString(tok)
		if want := err == nil && len(dec) == maskedLen && len(tok) == tokenLen; ok != want {
			t.Fatalf("unmask(%q) ok = %v, encoding/base64 says %v", tok, ok, want)
		}
		valid := p.verifyToken(tok, binding{kindSession, "session-key"})
		if valid && (!ok || len(tok) != tokenLen) {
			t.Fatalf("verified a token that does not decode: %q", tok)
		}
		if p.verifyToken(tok, binding{kindPreSession, "session-key"}) {
			t.Fatalf("a token verified for the wrong kind of binding: %q", tok)
		}
		if !ok {
			return
		}
		// Re-mask with a zero pad: same raw token, other encoding.
		var masked [maskedLen]byte
		copy(masked[rawLen:], raw[:])
		again := b64.EncodeToString(masked[:])
		if got := p.verifyToken(again, binding{kindSession, "session-key"}); got != valid {
			t.Fatalf("re-masked token: verify %v, original %v", got, valid)
		}
		req := httptest.NewRequest("POST", "http://app.example/", nil)
		req.Header.Set("X-CSRF-Token", tok)
		if err := p.Check(req); (err == nil) != valid {
			t.Fatalf("Check %v, verify %v", err, valid)
		}
	})
}

// FuzzPreSessionID feeds arbitrary cookie values: only 43 canonical base64url
// characters are accepted.
func FuzzPreSessionID(f *testing.F) {
	f.Add(newPreID())
	f.Add(strings.Repeat("A", preIDLen))
	f.Add(strings.Repeat("A", preIDLen-1) + "B") // non-canonical last character
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		if !validPreID(v) {
			return
		}
		b, err := b64.DecodeString(v)
		if err != nil || len(b) != preIDBytes || b64.EncodeToString(b) != v {
			t.Fatalf("accepted %q, which is not a canonical 32-byte id", v)
		}
	})
}

// FuzzSameOrigin feeds arbitrary Origin headers: only the exact origin of
// the trusted scheme and host is same-origin.
func FuzzSameOrigin(f *testing.F) {
	for _, s := range []string{"https://www.example.com", "https://WWW.example.com", "http://www.example.com",
		"https://www.example.com:443", "https://www.example.com.evil", "null", "", "https://", "https://www.example.com/"} {
		f.Add(s, "https", "www.example.com:443")
	}
	f.Add("http://[::1]:8080", "http", "[::1]:8080")
	f.Fuzz(func(t *testing.T, origin, scheme, host string) {
		info := clientip.Info{Scheme: scheme, Host: host}
		if !sameOrigin(origin, info) {
			return
		}
		h := host
		if scheme == "https" {
			h = strings.TrimSuffix(h, ":443")
		} else {
			h = strings.TrimSuffix(h, ":80")
		}
		if h == "" || (scheme != "https" && scheme != "http") || !strings.EqualFold(origin, scheme+"://"+h) {
			t.Fatalf("sameOrigin(%q, %q://%q) = true", origin, scheme, host)
		}
	})
}

func BenchmarkTokenIssue(b *testing.B) {
	p := newTestProtector(b)
	bnd := binding{kindSession, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.newToken(bnd)
	}
}

func BenchmarkTokenVerify(b *testing.B) {
	p := newTestProtector(b)
	bnd := binding{kindSession, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
	tok := p.newToken(bnd)
	b.ReportAllocs()
	for b.Loop() {
		if !p.verifyToken(tok, bnd) {
			b.Fatal("token refused")
		}
	}
}
