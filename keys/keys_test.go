package keys_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/harden-go/harden/keys"
)

// Secrets used across the tests: random, in the encodings people use.
const (
	secretA = "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS=" // base64, 44 chars
	secretB = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	secretC = "Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV4Y29yZ2VncmF1bHQ"
)

func mustParse(t testing.TB, s string) *keys.Ring {
	t.Helper()
	r, err := keys.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return r
}

func TestParseAcceptsRandomSecrets(t *testing.T) {
	// Random secrets in every usual encoding must pass; try many of each so
	// that a check with false positives shows up.
	encodings := map[string]func([]byte) string{
		"base64":    base64.StdEncoding.EncodeToString,
		"base64url": base64.RawURLEncoding.EncodeToString,
		"hex":       hex.EncodeToString,
		"base32":    base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString,
		"raw":       func(b []byte) string { return string(b) },
	}
	for name, enc := range encodings {
		for i := range 2000 {
			b := make([]byte, 32)
			rand.Read(b)
			s := enc(b)
			if name == "raw" {
				if _, err := keys.New([][]byte{b}); err != nil {
					t.Fatalf("%s #%d: New(random 32 bytes): %v", name, i, err)
				}
				continue
			}
			if _, err := keys.Parse(s); err != nil {
				t.Fatalf("%s #%d: Parse(%q): %v", name, i, s, err)
			}
		}
	}
	if _, err := keys.Parse(keys.NewSecret()); err != nil {
		t.Fatalf("Parse(NewSecret()): %v", err)
	}
}

func TestSignVerifyRotation(t *testing.T) {
	msg := []byte("hello")
	old := mustParse(t, secretA)
	tag := old.Sign(nil, msg)
	if len(tag) != keys.TagSize {
		t.Fatalf("len(tag) = %d, want %d", len(tag), keys.TagSize)
	}
	if !old.Verify(msg, tag) {
		t.Fatal("Verify(own tag) = false")
	}

	rotated := mustParse(t, secretB+","+secretA) // new secret first, old kept
	if !rotated.Verify(msg, tag) {
		t.Fatal("after rotation, a tag made with the old secret does not verify")
	}
	if bytes.Equal(rotated.Sign(nil, msg), tag) {
		t.Fatal("after rotation, the ring still signs with the old secret")
	}
	if !old.Verify(msg, tag) {
		t.Fatal("old ring broken")
	}

	removed := mustParse(t, secretB+","+secretC) // old secret gone
	if removed.Verify(msg, tag) {
		t.Fatal("a tag made with a removed secret still verifies")
	}

	bad := append([]byte(nil), tag...)
	bad[0] ^= 1
	for name, tg := range map[string][]byte{"flipped": bad, "short": tag[:31], "long": append(tag, 0), "nil": nil} {
		if old.Verify(msg, tg) {
			t.Errorf("Verify(%s tag) = true", name)
		}
	}
	if old.Verify([]byte("hellp"), tag) {
		t.Error("Verify(other message) = true")
	}
}

func TestSealOpen(t *testing.T) {
	r := mustParse(t, secretA)
	ad := []byte("context")
	pt := []byte("attack at dawn")
	sealed := r.Seal(nil, pt, ad)
	if len(sealed) != len(pt)+keys.Overhead {
		t.Fatalf("len(sealed) = %d, want %d", len(sealed), len(pt)+keys.Overhead)
	}
	if bytes.Contains(sealed, pt) {
		t.Fatal("sealed value contains the plaintext")
	}
	if s2 := r.Seal(nil, pt, ad); bytes.Equal(s2, sealed) {
		t.Fatal("two seals of the same plaintext are equal (nonce reuse)")
	}
	got, err := r.Open(sealed, ad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, %v; want %q", got, err, pt)
	}
	if _, err := r.Open(sealed, []byte("other context")); !errors.Is(err, keys.ErrInvalid) {
		t.Fatalf("Open(other ad) err = %v, want ErrInvalid", err)
	}
	for i := range sealed {
		bad := append([]byte(nil), sealed...)
		bad[i] ^= 0x80
		if _, err := r.Open(bad, ad); !errors.Is(err, keys.ErrInvalid) {
			t.Fatalf("Open(byte %d flipped) err = %v, want ErrInvalid", i, err)
		}
	}
	for n := range keys.Overhead {
		if _, err := r.Open(sealed[:n], ad); !errors.Is(err, keys.ErrInvalid) {
			t.Fatalf("Open(%d bytes) err = %v, want ErrInvalid", n, err)
		}
	}
	if got, err := r.Open(r.Seal(nil, nil, nil), nil); err != nil || len(got) != 0 {
		t.Fatalf("Open(Seal(empty)) = %q, %v", got, err)
	}

	// Rotation: the old key decrypts after a new one is put first; a removed
	// key does not.
	rotated := mustParse(t, secretB+","+secretA)
	if got, err := rotated.Open(sealed, ad); err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("rotated Open = %q, %v", got, err)
	}
	if newer := rotated.Seal(nil, pt, ad); bytes.Equal(newer[:4], sealed[:4]) { // the 4-byte key id
		t.Fatal("rotated ring seals with the old key id")
	}
	removed := mustParse(t, secretB+","+secretC)
	if _, err := removed.Open(sealed, ad); !errors.Is(err, keys.ErrInvalid) {
		t.Fatalf("Open with removed key err = %v, want ErrInvalid", err)
	}
}

func TestDeriveSeparatesPurposes(t *testing.T) {
	r := mustParse(t, secretA+","+secretB)
	msg := []byte("m")
	session, csrf := r.Derive("session"), r.Derive("csrf")
	if session.Len() != 2 {
		t.Fatalf("Derive kept %d keys, want 2", session.Len())
	}
	tag := session.Sign(nil, msg)
	if csrf.Verify(msg, tag) || r.Verify(msg, tag) {
		t.Fatal("a tag of the session subkey verifies under another purpose")
	}
	if !mustParse(t, secretA+","+secretB).Derive("session").Verify(msg, tag) {
		t.Fatal("Derive is not deterministic")
	}
	if _, err := csrf.Open(session.Seal(nil, msg, nil), nil); err == nil {
		t.Fatal("a value sealed for one purpose opens under another")
	}
	// Rotation carries over to subkeys.
	if !mustParse(t, secretC+","+secretA).Derive("session").Verify(msg, mustParse(t, secretA).Derive("session").Sign(nil, msg)) {
		t.Fatal("derived subkeys do not rotate with the ring")
	}
	if session.Derive("x").Verify(msg, tag) {
		t.Fatal("chained derivation reuses the parent key")
	}
}

func TestRingNeverPrintsSecrets(t *testing.T) {
	r := mustParse(t, secretA)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "ring", r)
	for _, s := range []string{fmt.Sprint(r), fmt.Sprintf("%v %+v %#v %s", r, r, r, r), logs.String()} {
		if strings.Contains(s, secretA) || strings.Contains(s, secretA[:10]) {
			t.Fatalf("output %q reveals the secret", s)
		}
		if !strings.Contains(s, "1 keys") {
			t.Fatalf("output %q does not describe the ring", s)
		}
	}
}

func TestEphemeral(t *testing.T) {
	a, b := keys.Ephemeral(), keys.Ephemeral()
	if !a.Ephemeral() || !a.Derive("x").Ephemeral() {
		t.Fatal("Ephemeral ring not marked")
	}
	if mustParse(t, secretA).Ephemeral() {
		t.Fatal("parsed ring marked ephemeral")
	}
	if b.Verify([]byte("m"), a.Sign(nil, []byte("m"))) {
		t.Fatal("two ephemeral rings share a key")
	}
}

func FuzzOpen(f *testing.F) {
	r := mustParse(f, secretA+","+secretB)
	f.Add(r.Seal(nil, []byte("hello"), []byte("ad")), []byte("ad"))
	f.Add([]byte{}, []byte{})
	f.Add(make([]byte, keys.Overhead), []byte(nil))
	f.Fuzz(func(t *testing.T, sealed, ad []byte) {
		pt, err := r.Open(sealed, ad)
		if err != nil {
			if !errors.Is(err, keys.ErrInvalid) {
				t.Fatalf("Open error %v is not ErrInvalid", err)
			}
			return
		}
		// Anything that opens must be a value this ring sealed: re-seal and
		// open round-trips.
		if got, err := r.Open(r.Seal(nil, pt, ad), ad); err != nil || !bytes.Equal(got, pt) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	r := mustParse(b, secretA)
	msg := make([]byte, 41)
	b.ReportAllocs()
	var buf [keys.TagSize]byte
	for b.Loop() {
		r.Sign(buf[:0], msg)
	}
}

func BenchmarkVerify(b *testing.B) {
	r := mustParse(b, secretA)
	msg := make([]byte, 41)
	tag := r.Sign(nil, msg)
	b.ReportAllocs()
	for b.Loop() {
		if !r.Verify(msg, tag) {
			b.Fatal("verify failed")
		}
	}
}

func BenchmarkSealOpen(b *testing.B) {
	r := mustParse(b, secretA)
	pt := make([]byte, 128)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Open(r.Seal(nil, pt, nil), nil); err != nil {
			b.Fatal(err)
		}
	}
}
