package password_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/harden-go/harden/internal/configerr"
	"github.com/harden-go/harden/password"
)

const pw = "correct horse battery staple"

// Made once with golang.org/x/crypto/bcrypt for pw (the last for 72 "a").
const (
	bcrypt12   = "$2a$12$vss41fszW1VlWgQIbE.Up.6ZdlIcDvRazcM73fc6313pvJDuunJQ6"
	bcrypt10   = "$2a$10$r9poyqsueT/IQFWO3GPg1.Wx8KOYe6wccp0r.99qClrF6698ZKAOS"
	bcrypt4    = "$2a$04$YP/0D4pypJQOuvD49iHoBuFdYJrU41nXxFT1tIL.bvx4pwXUkzCz6"
	bcrypt4x72 = "$2a$04$WSgzfi.jku5Qaad3tuC/O.yFgy5jbGmPGaEkMzBTq7ZIO6iTx9fCq"
)

// fast are OWASP's minimum parameters: quick enough for tests.
var fast = password.Argon2Params{Memory: 7168, Iterations: 5, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func hasher(t testing.TB, cfg password.Config) *password.Hasher {
	t.Helper()
	if cfg.Argon2 == (password.Argon2Params{}) {
		cfg.Argon2 = fast
	}
	h, err := password.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestDefaultIsRFC9106(t *testing.T) {
	h, err := password.New(password.Config{})
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	m := phc.FindStringSubmatch(enc)
	if m == nil || m[1] != "65536" || m[2] != "3" || m[3] != "4" {
		t.Fatalf("default hash %q is not argon2id m=65536,t=3,p=4 in PHC form", enc)
	}
	if ok, err := h.Verify(context.Background(), pw, enc); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
	if h.NeedsRehash(enc) {
		t.Fatal("NeedsRehash(fresh default hash) = true")
	}
}

func TestHashVerify(t *testing.T) {
	h := hasher(t, password.Config{})
	a, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Hash(context.Background(), pw)
	if a == b {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !phc.MatchString(a) {
		t.Fatalf("hash %q is not a PHC argon2id string", a)
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{pw, true}, {pw + " ", false}, {strings.ToUpper(pw), false}, {"", false}, {pw[:len(pw)-1], false}} {
		if ok, err := h.Verify(context.Background(), tt.pw, a); ok != tt.want || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want %v", tt.pw, ok, err, tt.want)
		}
	}
	// Long passwords count in full (no truncation).
	long := strings.Repeat("x", 1000)
	enc, err := h.Hash(context.Background(), long)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := h.Verify(context.Background(), long[:999]+"y", enc); ok {
		t.Fatal("a password differing at byte 1000 verifies")
	}
	// Unicode is hashed as given.
	enc, _ = h.Hash(context.Background(), "pässwörd-密码")
	if ok, _ := h.Verify(context.Background(), "pässwörd-密码", enc); !ok {
		t.Fatal("unicode password does not verify")
	}
}

func TestLengthLimits(t *testing.T) {
	h := hasher(t, password.Config{})
	if _, err := h.Hash(context.Background(), ""); !errors.Is(err, password.ErrEmptyPassword) {
		t.Errorf("Hash(\"\") err = %v", err)
	}
	tooLong := strings.Repeat("a", 1024+1) // the default MaxLength, plus one
	if _, err := h.Hash(context.Background(), tooLong); !errors.Is(err, password.ErrPasswordTooLong) {
		t.Errorf("Hash(1025 bytes) err = %v", err)
	}
	enc, _ := h.Hash(context.Background(), pw)
	if ok, err := h.Verify(context.Background(), tooLong, enc); ok || !errors.Is(err, password.ErrPasswordTooLong) {
		t.Errorf("Verify(1025 bytes) = %v, %v", ok, err)
	}
}

func TestBcryptNoTruncation(t *testing.T) {
	a72 := strings.Repeat("a", 72)
	// What bcrypt itself does: anything after byte 72 is ignored.
	if bcrypt.CompareHashAndPassword([]byte(bcrypt4x72), []byte(a72+"anything")) != nil {
		t.Fatal("expected x/crypto/bcrypt to truncate (the surprise this package prevents)")
	}
	h := hasher(t, password.Config{MinBcryptCost: 4})
	if ok, err := h.Verify(context.Background(), a72, bcrypt4x72); !ok || err != nil {
		t.Fatalf("Verify(72 bytes) = %v, %v", ok, err)
	}
	if ok, err := h.Verify(context.Background(), a72+"anything", bcrypt4x72); ok || !errors.Is(err, password.ErrPasswordTooLong) {
		t.Fatalf("Verify(80 bytes against bcrypt) = %v, %v; want false, ErrPasswordTooLong", ok, err)
	}
	hb := hasher(t, password.Config{Algorithm: "bcrypt"})
	if _, err := hb.Hash(context.Background(), a72+"b"); !errors.Is(err, password.ErrPasswordTooLong) {
		t.Fatalf("bcrypt Hash(73 bytes) err = %v", err)
	}
}

func TestBcryptVerification(t *testing.T) {
	// Cost 12 is slow (more so under -race): one verification of it, the
	// rest at cost 4 with MinBcryptCost lowered.
	h := hasher(t, password.Config{})
	if ok, err := h.Verify(context.Background(), pw, bcrypt12); !ok || err != nil {
		t.Errorf("Verify(cost 12) = %v, %v; want true", ok, err)
	}
	if !h.NeedsRehash(bcrypt12) {
		t.Errorf("NeedsRehash(bcrypt) = false under argon2id")
	}
	if ok, err := h.Verify(context.Background(), pw, bcrypt10); ok || !errors.Is(err, password.ErrWeakHash) {
		t.Errorf("Verify(cost 10) = %v, %v; want ErrWeakHash", ok, err)
	}
	if ok, err := h.Verify(context.Background(), pw, bcrypt4); ok || !errors.Is(err, password.ErrWeakHash) {
		t.Errorf("Verify(cost 4) = %v, %v; want ErrWeakHash", ok, err)
	}
	legacy := hasher(t, password.Config{MinBcryptCost: 4})
	for _, enc := range []string{bcrypt4, "$2b$" + bcrypt4[4:], "$2y$" + bcrypt4[4:]} { // Go, Node, PHP prefixes
		if ok, err := legacy.Verify(context.Background(), pw, enc); !ok || err != nil {
			t.Errorf("Verify(%s…) = %v, %v; want true", enc[:7], ok, err)
		}
		if ok, err := legacy.Verify(context.Background(), "wrong", enc); ok || err != nil {
			t.Errorf("Verify(wrong, %s…) = %v, %v; want false, nil", enc[:7], ok, err)
		}
		if !legacy.NeedsRehash(enc) {
			t.Errorf("NeedsRehash(%s…) = false", enc[:7])
		}
	}
}

func TestBcryptMode(t *testing.T) {
	h := hasher(t, password.Config{Algorithm: "bcrypt"})
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost([]byte(enc)); cost != 12 {
		t.Fatalf("bcrypt cost %d, want 12", cost)
	}
	if h.NeedsRehash(enc) {
		t.Fatal("NeedsRehash(own bcrypt hash) = true")
	}
	argon, _ := hasher(t, password.Config{}).Hash(context.Background(), pw)
	if !h.NeedsRehash(argon) {
		t.Fatal("bcrypt hasher does not ask to rehash an argon2id hash")
	}
}

func TestNeedsRehash(t *testing.T) {
	h := hasher(t, password.Config{})
	own, _ := h.Hash(context.Background(), pw)
	stronger := fast
	stronger.Iterations++
	other, _ := hasher(t, password.Config{Argon2: stronger}).Hash(context.Background(), pw)
	for enc, want := range map[string]bool{own: false, other: true, bcrypt12: true, "garbage": true, "": true} {
		if got := h.NeedsRehash(enc); got != want {
			t.Errorf("NeedsRehash(%.30q) = %v, want %v", enc, got, want)
		}
	}
	// A hash with other parameters still verifies (they are in the string).
	if ok, err := h.Verify(context.Background(), pw, other); !ok || err != nil {
		t.Fatalf("Verify(hash with other params) = %v, %v", ok, err)
	}
}

func TestMalformedHashes(t *testing.T) {
	h := hasher(t, password.Config{})
	good, _ := h.Hash(context.Background(), pw)
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=..,t=..,p=.., salt, tag
	join := func(p ...string) string { return strings.Join(p, "$") }
	bad := map[string]string{
		"empty":            "",
		"plain text":       pw,
		"argon2i":          join("", "argon2i", parts[2], parts[3], parts[4], parts[5]),
		"version 16":       join("", "argon2id", "v=16", parts[3], parts[4], parts[5]),
		"no version":       join("", "argon2id", parts[3], parts[4], parts[5]),
		"m=0":              join("", "argon2id", "v=19", "m=0,t=5,p=1", parts[4], parts[5]),
		"p=0":              join("", "argon2id", "v=19", "m=7168,t=5,p=0", parts[4], parts[5]),
		"t=0":              join("", "argon2id", "v=19", "m=7168,t=0,p=1", parts[4], parts[5]),
		"p=256":            join("", "argon2id", "v=19", "m=7168,t=5,p=256", parts[4], parts[5]),
		"huge memory":      join("", "argon2id", "v=19", "m=4294967295,t=5,p=1", parts[4], parts[5]),
		"huge passes":      join("", "argon2id", "v=19", "m=7168,t=100000,p=1", parts[4], parts[5]),
		"leading zero":     join("", "argon2id", "v=19", "m=07168,t=5,p=1", parts[4], parts[5]),
		"order":            join("", "argon2id", "v=19", "t=5,m=7168,p=1", parts[4], parts[5]),
		"bad salt":         join("", "argon2id", "v=19", parts[3], "!!!!", parts[5]),
		"padded tag":       join("", "argon2id", "v=19", parts[3], parts[4], parts[5]+"="),
		"short tag":        join("", "argon2id", "v=19", parts[3], parts[4], "AAAA"),
		"extra part":       good + "$x",
		"bcrypt short":     "$2a$12$short",
		"bcrypt cost 99":   "$2a$99$" + bcrypt12[7:],
		"bcrypt bad char":  bcrypt12[:59] + "!",
		"bcrypt version 3": "$3a$" + bcrypt12[4:],
		"scrypt":           "$scrypt$ln=16,r=8,p=1$c2FsdA$aGFzaA",
	}
	for name, enc := range bad {
		if ok, err := h.Verify(context.Background(), pw, enc); ok || !errors.Is(err, password.ErrInvalidHash) {
			t.Errorf("%s: Verify = %v, %v; want false, ErrInvalidHash", name, ok, err)
		}
	}
}

// TestNewRefusesBadConfig lists every Config New refuses, with the exact
// message.
func TestNewRefusesBadConfig(t *testing.T) {
	argon := func(mem, iter uint32, lanes uint8, salt, key uint32) password.Config {
		return password.Config{Argon2: password.Argon2Params{Memory: mem, Iterations: iter, Parallelism: lanes, SaltLength: salt, KeyLength: key}}
	}
	tests := []struct {
		name  string
		cfg   password.Config
		field string
		want  string
	}{
		{"algorithm", password.Config{Algorithm: "md5"}, "algorithm", `password: algorithm "md5": must be "argon2id" or "bcrypt"`},
		{"weak argon", argon(4096, 3, 1, 16, 32), "argon2.memory_kib",
			`password: argon2.memory_kib "4096": below OWASP's minimum (memory_kib ≥ 7168 and memory_kib × iterations ≥ 35840)`},
		{"weak product", argon(8192, 2, 1, 16, 32), "argon2.memory_kib",
			`password: argon2.memory_kib "8192": below OWASP's minimum (memory_kib ≥ 7168 and memory_kib × iterations ≥ 35840)`},
		{"short salt", argon(65536, 3, 4, 8, 32), "argon2.salt_length", `password: argon2.salt_length "8": must be between 16 and 64 bytes`},
		{"long key", argon(65536, 3, 4, 16, 65), "argon2.key_length", `password: argon2.key_length "65": must be between 16 and 64 bytes`},
		{"no lanes", argon(65536, 3, 0, 16, 32), "argon2.parallelism", `password: argon2.parallelism "0": must be at least 1`},
		{"no passes", argon(65536, 0, 4, 16, 32), "argon2.iterations", `password: argon2.iterations "0": must be at least 1`},
		{"bcrypt 10", password.Config{BcryptCost: 10}, "bcrypt_cost", `password: bcrypt_cost "10": must be between 12 and 31`},
		{"min above cost", password.Config{MinBcryptCost: 13}, "min_bcrypt_cost", `password: min_bcrypt_cost "13": must be between 4 and bcrypt_cost (12)`},
		{"max length", password.Config{MaxLength: 4}, "max_length", `password: max_length "4": must be between 8 and 65536`},
		{"bcrypt max length", password.Config{Algorithm: "bcrypt", MaxLength: 128}, "max_length",
			`password: max_length "128": bcrypt reads at most 72 bytes and longer passwords are refused; set max_length to 72 or less, or use argon2id`},
		{"concurrency", password.Config{MaxConcurrent: -1}, "max_concurrent", `password: max_concurrent "-1": must not be negative; 0 means the default, GOMAXPROCS up to 8`},
		{"negative budget", password.Config{MemoryBudget: -1}, "memory_budget", `password: memory_budget "-1": must not be negative; 0 means the default, 64 MiB`},
		{"budget below one hash", password.Config{Argon2: password.Argon2Params{Memory: 65536, Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32}, MemoryBudget: 32 << 20}, "memory_budget",
			`password: memory_budget "33554432": smaller than one hash of the configured parameters (67108864 bytes); raise it or lower argon2.memory_kib`},
		{"negative queue", password.Config{MaxQueue: -1}, "max_queue", `password: max_queue "-1": must not be negative; 0 means the default, 16 per concurrent hash`},
	}
	for _, tt := range tests {
		_, err := password.New(tt.cfg)
		var ce *configerr.Error
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, password.ErrInvalidConfig) {
			t.Errorf("%s: New err = %v, want ConfigError for %s", tt.name, err, tt.field)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("%s: message\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func BenchmarkArgon2idHash(b *testing.B) {
	h, _ := password.New(password.Config{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(context.Background(), pw); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

func BenchmarkArgon2idVerify(b *testing.B) {
	h, _ := password.New(password.Config{})
	enc, _ := h.Hash(context.Background(), pw)
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := h.Verify(context.Background(), pw, enc); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

func BenchmarkBcrypt12Verify(b *testing.B) {
	h, _ := password.New(password.Config{})
	for b.Loop() {
		if ok, err := h.Verify(context.Background(), pw, bcrypt12); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}

// BenchmarkDummyVerify should match BenchmarkArgon2idVerify: an unknown
// user costs the same time as a known one.
func BenchmarkDummyVerify(b *testing.B) {
	h, _ := password.New(password.Config{})
	b.ReportAllocs()
	for b.Loop() {
		h.DummyVerify(context.Background(), pw)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}
