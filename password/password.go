package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/harden-go/harden/internal/configerr"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// The values of [Config].Algorithm.
const (
	algArgon2id = "argon2id"
	algBcrypt   = "bcrypt"
)

// Limits and defaults.
const (
	// defaultMaxLength is the default longest password, in bytes.
	defaultMaxLength = 1024
	// defaultBcryptCost is the bcrypt cost used when Algorithm is "bcrypt",
	// and the lowest cost Verify accepts by default.
	defaultBcryptCost = 12
	// bcryptMaxLen is where bcrypt stops reading a password.
	bcryptMaxLen = 72
	// OWASP's minimum argon2id work: memory (KiB) × passes, and memory.
	minMemoryPasses = 7168 * 5
	minMemory       = 7168
)

// Argon2Params are argon2id's parameters.
type Argon2Params struct {
	Memory      uint32 `json:"memory_kib" yaml:"memory_kib"`   // KiB
	Iterations  uint32 `json:"iterations" yaml:"iterations"`   // passes (t)
	Parallelism uint8  `json:"parallelism" yaml:"parallelism"` // lanes (p)
	SaltLength  uint32 `json:"salt_length" yaml:"salt_length"` // bytes
	KeyLength   uint32 `json:"key_length" yaml:"key_length"`   // bytes
}

// rfc9106Second is RFC 9106 section 4's second recommended option, for
// memory-constrained environments, and the default: 64 MiB, 3 passes.
var rfc9106Second = Argon2Params{Memory: 64 << 10, Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32}

// Config configures a [Hasher]. The zero value is the default.
type Config struct {
	// Algorithm for new hashes: "argon2id" (default) or "bcrypt".
	Algorithm string `json:"algorithm,omitempty" yaml:"algorithm,omitempty"`
	// Argon2 parameters for new hashes. Default RFC 9106's second
	// recommended option: Memory 65536 KiB (64 MiB), 3 Iterations,
	// Parallelism 4, SaltLength 16, KeyLength 32. Its first option, for
	// servers that can afford 2 GiB per concurrent login, is Memory
	// 2097152, 1 Iteration, the rest the same.
	Argon2 Argon2Params `json:"argon2,omitzero" yaml:"argon2,omitempty"`
	// BcryptCost for new bcrypt hashes. Default 12; lower is refused.
	BcryptCost int `json:"bcrypt_cost,omitempty" yaml:"bcrypt_cost,omitempty"`
	// MinBcryptCost is the lowest bcrypt cost Verify accepts: a weaker
	// stored hash gets an error. Default 12. Lower it (to 10, bcrypt's
	// old default) only to migrate legacy hashes, which NeedsRehash then
	// upgrades at the next login.
	MinBcryptCost int `json:"min_bcrypt_cost,omitempty" yaml:"min_bcrypt_cost,omitempty"`
	// MaxLength is the longest password accepted, in bytes. Default 1024.
	// bcrypt reads at most 72 bytes and refuses longer passwords, so with
	// Algorithm "bcrypt" a MaxLength above 72 is refused.
	MaxLength int `json:"max_length,omitempty" yaml:"max_length,omitempty"`
	// MaxConcurrent bounds the hashes computed at once. Default
	// GOMAXPROCS, at most 8; MemoryBudget may lower it further.
	MaxConcurrent int `json:"max_concurrent,omitempty" yaml:"max_concurrent,omitempty"`
	// MemoryBudget bounds the memory, in bytes, of the hashes computed at
	// once: each argon2id hash holds its Argon2.Memory, so with the default
	// 64 MiB budget and parameters one runs at a time. A stored hash with
	// more memory than the budget runs alone. Default 64 MiB (one hash of
	// the default parameters at a time: each already runs on four lanes,
	// and the process stays well under 150 MB of RSS under a login flood;
	// raise it on larger machines), or one hash's memory when that is
	// more; a smaller budget than one hash of the configured parameters is
	// refused.
	MemoryBudget int64 `json:"memory_budget,omitempty" yaml:"memory_budget,omitempty"`
	// MaxQueue bounds the calls waiting for a free slot; beyond it a call
	// fails at once with ErrBusy. Default 16 per concurrent hash.
	MaxQueue int `json:"max_queue,omitempty" yaml:"max_queue,omitempty"`
}

// defaultMemoryBudget is the default [Config].MemoryBudget: 64 MiB.
const defaultMemoryBudget = 64 << 20

// defaultQueuePerSlot is the default queue length per concurrent hash.
const defaultQueuePerSlot = 16

// Errors a caller acts on.
var (
	// ErrEmptyPassword and ErrPasswordTooLong refuse a password before any
	// work: Hash returns them for a registration to explain.
	ErrEmptyPassword   = errors.New("password: empty password")
	ErrPasswordTooLong = errors.New("password: password too long")
	// ErrBusy means the queue of hashes is full: answer 503 with a
	// Retry-After and do not count the attempt as a wrong password.
	ErrBusy = errors.New("password: too many hashes waiting")
)

// Errors of a stored hash that Verify cannot compare against: a login
// handler answers them as a wrong password, and logs their text.
var (
	errInvalidHash = errors.New("password: malformed or unsupported hash")
	errWeakHash    = errors.New("password: stored hash weaker than the configured minimum")
)

// ErrInvalidConfig is wrapped by every configuration error of [New]: a
// *harden.ConfigError naming the setting as the configuration file spells
// it ("argon2.memory_kib"), its value and the reason, which says how to
// fix it. New joins one per bad setting with errors.Join.
var ErrInvalidConfig = errors.New("password: invalid config")

// Hasher hashes and verifies passwords. It is safe for concurrent use.
type Hasher struct {
	algorithm  string
	argon      Argon2Params
	bcryptCost int
	minBcrypt  int
	maxLen     int
	gate       *gate
	dummySalt  []byte
	dummyTag   []byte
	dummyBcr   []byte // a bcrypt hash of a random password at bcryptCost
}

// New validates cfg and returns a Hasher.
func New(cfg Config) (*Hasher, error) {
	h := &Hasher{
		algorithm:  cfg.Algorithm,
		argon:      cfg.Argon2,
		bcryptCost: cfg.BcryptCost,
		minBcrypt:  cfg.MinBcryptCost,
		maxLen:     cfg.MaxLength,
	}
	errs := configerr.List{Pkg: "password", Sentinel: ErrInvalidConfig}
	argonOK := h.checkAlgorithms(&errs)
	h.checkMaxLength(cfg.MaxLength, &errs)
	adm := h.checkAdmission(cfg, argonOK, &errs)
	if err := errs.Err(); err != nil {
		return nil, err
	}
	h.gate = h.newGate(adm)
	if err := h.makeDummies(); err != nil {
		return nil, err
	}
	return h, nil
}

// checkAlgorithms applies the defaults of the algorithm, the argon2id
// parameters and the bcrypt costs, and records those refused. It reports
// whether the argon2id parameters are valid.
func (h *Hasher) checkAlgorithms(errs *configerr.List) (argonOK bool) {
	if h.algorithm == "" {
		h.algorithm = algArgon2id
	}
	if h.algorithm != algArgon2id && h.algorithm != algBcrypt {
		errs.AddReason("algorithm", -1, h.algorithm, `must be "argon2id" or "bcrypt"`)
	}
	if h.argon == (Argon2Params{}) {
		h.argon = rfc9106Second
	}
	argonOK = true
	if field, value, reason := checkArgon(h.argon); reason != "" {
		errs.AddReason("argon2."+field, -1, fmt.Sprint(value), reason)
		argonOK = false
	}
	if h.bcryptCost == 0 {
		h.bcryptCost = defaultBcryptCost
	}
	costOK := h.bcryptCost >= defaultBcryptCost && h.bcryptCost <= bcrypt.MaxCost
	if !costOK {
		errs.AddReason("bcrypt_cost", -1, fmt.Sprint(h.bcryptCost), "must be between 12 and 31")
	}
	if h.minBcrypt == 0 {
		h.minBcrypt = defaultBcryptCost
	}
	if costOK && (h.minBcrypt < bcrypt.MinCost || h.minBcrypt > h.bcryptCost) {
		errs.AddReason("min_bcrypt_cost", -1, fmt.Sprint(h.minBcrypt), fmt.Sprintf("must be between 4 and bcrypt_cost (%d)", h.bcryptCost))
	}
	return argonOK
}

// checkMaxLength applies the default longest password and records it if
// refused; configured is Config.MaxLength as given.
func (h *Hasher) checkMaxLength(configured int, errs *configerr.List) {
	if h.maxLen == 0 {
		h.maxLen = defaultMaxLength
	}
	if h.maxLen < 8 || h.maxLen > 1<<16 {
		errs.AddReason("max_length", -1, fmt.Sprint(h.maxLen), "must be between 8 and 65536")
	} else if h.algorithm == algBcrypt && configured > bcryptMaxLen {
		// bcrypt reads 72 bytes: Hash refuses longer passwords, so a
		// larger maximum promises what the hasher never accepts.
		errs.AddReason("max_length", -1, fmt.Sprint(h.maxLen), "bcrypt reads at most 72 bytes and longer passwords are refused; set max_length to 72 or less, or use argon2id")
	}
}

// admission holds the settings that bound the hashes computed at once, as
// configured: only MaxConcurrent's default is applied.
type admission struct {
	running int   // Config.MaxConcurrent
	budget  int64 // Config.MemoryBudget
	queue   int   // Config.MaxQueue
}

// checkAdmission returns cfg's admission settings and records those
// refused. A memory budget is checked against one hash of the configured
// parameters only when argonOK says they are valid.
func (h *Hasher) checkAdmission(cfg Config, argonOK bool, errs *configerr.List) admission {
	a := admission{running: cfg.MaxConcurrent, budget: cfg.MemoryBudget, queue: cfg.MaxQueue}
	if a.running == 0 {
		a.running = min(runtime.GOMAXPROCS(0), 8)
	}
	if a.running < 0 {
		errs.AddReason("max_concurrent", -1, fmt.Sprint(a.running), "must not be negative; 0 means the default, GOMAXPROCS up to 8")
	}
	if a.budget < 0 {
		errs.AddReason("memory_budget", -1, fmt.Sprint(a.budget), "must not be negative; 0 means the default, 64 MiB")
	}
	if a.queue < 0 {
		errs.AddReason("max_queue", -1, fmt.Sprint(a.queue), "must not be negative; 0 means the default, 16 per concurrent hash")
	}
	if argonOK && a.budget > 0 {
		if one := h.hashBytes(h.argon); a.budget < one {
			errs.AddReason("memory_budget", -1, fmt.Sprint(a.budget), fmt.Sprintf("smaller than one hash of the configured parameters (%d bytes); raise it or lower argon2.memory_kib", one))
		}
	}
	return a
}

// newGate returns the gate of the valid settings a, with the defaults of
// the memory budget and the queue applied.
func (h *Hasher) newGate(a admission) *gate {
	one := h.hashBytes(h.argon)
	if a.budget == 0 {
		a.budget = max(defaultMemoryBudget, one)
	}
	// The budget lowers the concurrency: the memory of the hashes running
	// at once is what a login flood can make the process hold.
	n := max(1, min(a.running, int(a.budget/one)))
	if a.queue == 0 {
		a.queue = defaultQueuePerSlot * n
	}
	return &gate{maxRunning: n, budget: a.budget, maxQueue: a.queue}
}

// makeDummies makes what DummyVerify verifies against: a random salt and
// tag at the configured argon2id parameters, and with bcrypt a hash at the
// configured cost.
func (h *Hasher) makeDummies() error {
	h.dummySalt = random(int(h.argon.SaltLength))
	h.dummyTag = random(int(h.argon.KeyLength))
	if h.algorithm == algBcrypt {
		// A valid bcrypt hash of a random password made at cost 4, then
		// relabelled with the configured cost: verifying against it costs
		// exactly a real verification.
		b, err := bcrypt.GenerateFromPassword(random(16), bcrypt.MinCost)
		if err != nil {
			return err
		}
		h.dummyBcr = []byte(fmt.Sprintf("%s%02d%s", b[:4], h.bcryptCost, b[6:]))
	}
	return nil
}

// checkArgon returns the field of p at fault, its value and why, or
// reason "".
func checkArgon(p Argon2Params) (field string, value uint32, reason string) {
	switch {
	case p.Parallelism == 0:
		return "parallelism", 0, "must be at least 1"
	case p.Iterations == 0:
		return "iterations", 0, "must be at least 1"
	case p.Memory < minMemory || uint64(p.Memory)*uint64(p.Iterations) < minMemoryPasses:
		return "memory_kib", p.Memory, "below OWASP's minimum (memory_kib ≥ 7168 and memory_kib × iterations ≥ 35840)"
	case p.Memory < 8*uint32(p.Parallelism):
		return "memory_kib", p.Memory, "must be at least 8 KiB per lane"
	case p.SaltLength < 16 || p.SaltLength > 64:
		return "salt_length", p.SaltLength, "must be between 16 and 64 bytes"
	case p.KeyLength < 16 || p.KeyLength > 64:
		return "key_length", p.KeyLength, "must be between 16 and 64 bytes"
	}
	return "", 0, ""
}

func random(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return b
}

var b64 = base64.RawStdEncoding.Strict()

// hashBytes is the memory one new hash (or DummyVerify) holds.
func (h *Hasher) hashBytes(p Argon2Params) int64 {
	if h.algorithm == algBcrypt {
		return bcryptBytes
	}
	return argonBytes(p)
}

// Hash returns the encoded hash of pw in the configured algorithm. It
// waits for a slot (see [Config].MaxConcurrent and MemoryBudget) until ctx
// ends, returning ctx's error, and fails at once with [ErrBusy] when the
// queue is full: give it the request's context, so that a client that
// gave up leaves the queue. A hash once started runs to its end.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if pw == "" {
		return "", ErrEmptyPassword
	}
	if len(pw) > h.maxLen {
		return "", ErrPasswordTooLong
	}
	if h.algorithm == algBcrypt {
		if len(pw) > bcryptMaxLen {
			return "", ErrPasswordTooLong
		}
		if err := h.gate.acquire(ctx, bcryptBytes); err != nil {
			return "", err
		}
		defer h.gate.release(bcryptBytes, false)
		b, err := bcrypt.GenerateFromPassword([]byte(pw), h.bcryptCost)
		return string(b), err
	}
	p := h.argon
	need := argonBytes(p)
	if err := h.gate.acquire(ctx, need); err != nil {
		return "", err
	}
	defer h.gate.release(need, true)
	salt := random(int(p.SaltLength))
	tag := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	return encodeArgon(p, salt, tag), nil
}

func encodeArgon(p Argon2Params, salt, tag []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism, b64.EncodeToString(salt), b64.EncodeToString(tag))
}

// Verify reports whether pw matches encoded. A wrong password is
// (false, nil); an error means the comparison could not be made (see the
// package documentation): besides the hash errors, ctx's error when ctx
// ended while the call waited for a slot, and [ErrBusy] when the queue was
// full.
func (h *Hasher) Verify(ctx context.Context, pw, encoded string) (bool, error) {
	if len(pw) > h.maxLen {
		return false, ErrPasswordTooLong
	}
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, salt, tag, err := parseArgon(encoded)
		if err != nil {
			return false, err
		}
		need := argonBytes(p)
		if err := h.gate.acquire(ctx, need); err != nil {
			return false, err
		}
		defer h.gate.release(need, true)
		got := argon2.IDKey([]byte(pw), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
		return subtle.ConstantTimeCompare(got, tag) == 1, nil
	case strings.HasPrefix(encoded, "$2"):
		cost, err := parseBcrypt(encoded)
		if err != nil {
			return false, err
		}
		if cost < h.minBcrypt {
			return false, errWeakHash
		}
		if len(pw) > bcryptMaxLen {
			return false, ErrPasswordTooLong // bcrypt would ignore the rest
		}
		if err := h.gate.acquire(ctx, bcryptBytes); err != nil {
			return false, err
		}
		defer h.gate.release(bcryptBytes, false)
		err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(pw))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		if err != nil {
			return false, errInvalidHash
		}
		return true, nil
	}
	return false, errInvalidHash
}

// DummyVerify spends the time of one Verify at the configured parameters
// and always fails: call it when the user of a login is unknown, so the
// response time does not reveal which accounts exist. It waits for a slot
// as Verify does and returns the same ctx error or [ErrBusy] (else nil),
// so an unknown account is refused exactly as a known one.
func (h *Hasher) DummyVerify(ctx context.Context, pw string) error {
	if len(pw) > h.maxLen {
		return nil // Verify would refuse as fast
	}
	if h.algorithm == algBcrypt {
		if len(pw) > bcryptMaxLen {
			return nil
		}
		if err := h.gate.acquire(ctx, bcryptBytes); err != nil {
			return err
		}
		defer h.gate.release(bcryptBytes, false)
		_ = bcrypt.CompareHashAndPassword(h.dummyBcr, []byte(pw))
		return nil
	}
	p := h.argon
	need := argonBytes(p)
	if err := h.gate.acquire(ctx, need); err != nil {
		return err
	}
	defer h.gate.release(need, true)
	got := argon2.IDKey([]byte(pw), h.dummySalt, p.Iterations, p.Memory, p.Parallelism, p.KeyLength)
	subtle.ConstantTimeCompare(got, h.dummyTag)
	return nil
}

// NeedsRehash reports whether encoded is not a hash in the configured
// algorithm and parameters (or is malformed): after a successful Verify,
// hash the password again and store the new hash.
func (h *Hasher) NeedsRehash(encoded string) bool {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, _, _, err := parseArgon(encoded)
		return err != nil || h.algorithm != algArgon2id || p != h.argon
	case strings.HasPrefix(encoded, "$2"):
		cost, err := parseBcrypt(encoded)
		return err != nil || h.algorithm != algBcrypt || cost < h.bcryptCost
	}
	return true
}

// Limits on stored argon2id parameters, so that a corrupted hash cannot
// make one verification take minutes or gigabytes.
const (
	maxStoredMemory     = 4 << 20 // KiB: 4 GiB
	maxStoredIterations = 100
)

// parseArgon parses "$argon2id$v=19$m=M,t=T,p=P$salt$tag" strictly.
func parseArgon(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return p, nil, nil, errInvalidHash
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return p, nil, nil, errInvalidHash
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
			return p, nil, nil, errInvalidHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, nil, nil, errInvalidHash
		}
		vals[i] = n
	}
	mem, iter, par := vals[0], vals[1], vals[2]
	if par == 0 || par > 255 || iter == 0 || iter > maxStoredIterations ||
		mem > maxStoredMemory || mem < 8*par {
		return p, nil, nil, errInvalidHash
	}
	p.Memory, p.Iterations, p.Parallelism = uint32(mem), uint32(iter), uint8(par)
	salt, err1 := b64.DecodeString(parts[4])
	tag, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return p, nil, nil, errInvalidHash
	}
	saltLen, tagLen := len(salt), len(tag)
	if saltLen < 8 || saltLen > 64 || tagLen < 16 || tagLen > 64 {
		return p, nil, nil, errInvalidHash
	}
	p.SaltLength, p.KeyLength = uint32(saltLen), uint32(tagLen)
	return p, salt, tag, nil
}

// parseBcrypt checks "$2?$CC$" + 53 characters of bcrypt's alphabet and
// returns the cost.
func parseBcrypt(s string) (int, error) {
	if len(s) != 60 || s[0] != '$' || s[1] != '2' || !strings.ContainsRune("abxy", rune(s[2])) || s[3] != '$' || s[6] != '$' {
		return 0, errInvalidHash
	}
	cost, err := strconv.Atoi(s[4:6])
	if err != nil || cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return 0, errInvalidHash
	}
	for i := 7; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '/' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return 0, errInvalidHash
		}
	}
	return cost, nil
}
