package keys

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// minSecretLen is the minimum length of a secret in bytes.
const minSecretLen = 32

// Sizes of the values this package produces.
const (
	// tagSize is the length of an HMAC-SHA256 tag made by [Ring.Sign].
	tagSize = sha256.Size
	// idSize is the length of the key id that starts a sealed value.
	idSize = 4
	// nonceSize is the length of the AES-GCM nonce in a sealed value.
	nonceSize = 12
	// overhead is how much longer a sealed value is than its plaintext:
	// the key id, the nonce and the 16-byte GCM tag.
	overhead = idSize + nonceSize + 16
)

// errInvalid is returned for any value that does not verify or decrypt with
// the ring: altered, truncated, made with another (or a removed) key, or not
// a value at all. It never says which.
var errInvalid = errors.New("keys: invalid or unauthenticated value")

// errNoSecrets is returned by [Parse] and [New] when no secret is given.
var errNoSecrets = errors.New("keys: no secrets")

// secretError reports why one secret was refused. It never contains the
// secret itself.
type secretError struct {
	index  int    // the position of the secret in the list, from 0
	reason string // what is wrong, e.g. "shorter than 32 bytes"
}

func (e *secretError) Error() string {
	return "keys: secret #" + strconv.Itoa(e.index+1) + " refused: " + e.reason
}

// Labels of the HKDF derivations. Each is distinct and none is a prefix of
// another, so the derived keys are independent.
const (
	infoID     = "harden/keys/v1 key-id"
	infoMAC    = "harden/keys/v1 hmac-sha256"
	infoAEAD   = "harden/keys/v1 aes-256-gcm"
	infoDerive = "harden/keys/v1 derive:"
)

// A Ring is an ordered set of keys: the first signs and encrypts, all verify
// and decrypt. It is safe for concurrent use. The zero Ring is not usable;
// make one with [Parse], [New] or [Ephemeral].
type Ring struct {
	keys      []*key
	ephemeral bool
}

type key struct {
	secret []byte // input key material of this ring level
	id     uint32
	aead   cipher.AEAD
	macKey []byte
	macs   sync.Pool // of hash.Hash keyed with macKey
}

// Parse makes a ring from a comma-separated list of secrets, as found in
// HARDEN_SECRETS. Spaces around each secret are ignored; the first secret
// signs and encrypts. Every secret must pass the entropy check described in
// the package documentation.
func Parse(secrets string) (*Ring, error) {
	if strings.TrimSpace(secrets) == "" {
		return nil, errNoSecrets
	}
	parts := strings.Split(secrets, ",")
	bs := make([][]byte, len(parts))
	for i, p := range parts {
		bs[i] = []byte(strings.TrimSpace(p))
	}
	return New(bs)
}

// New makes a ring from secrets, the first of which signs and encrypts.
// Every secret must pass the entropy check described in the package
// documentation, and no secret may appear twice.
func New(secrets [][]byte) (*Ring, error) {
	if len(secrets) == 0 {
		return nil, errNoSecrets
	}
	for i, s := range secrets {
		if reason := weakness(s); reason != "" {
			return nil, &secretError{index: i, reason: reason}
		}
	}
	return newRing(secrets)
}

// Ephemeral returns a ring of one random 256-bit secret, for development and
// tests only. Everything it signs or encrypts becomes invalid when the
// process exits and is not understood by any other process: with it, every
// session ends at restart and instances behind a load balancer reject each
// other's cookies. [Ring.Ephemeral] reports it, so callers can warn.
func Ephemeral() *Ring {
	s := make([]byte, 32)
	_, _ = rand.Read(s) // never fails (crypto/rand, Go 1.24+)
	r, err := newRing([][]byte{s})
	if err != nil {
		panic("keys: " + err.Error()) // unreachable: 32 random bytes
	}
	r.ephemeral = true
	return r
}

// NewSecret returns a new random secret (32 bytes from crypto/rand, base64
// encoded) suitable for HARDEN_SECRETS.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func newRing(secrets [][]byte) (*Ring, error) {
	r := &Ring{keys: make([]*key, len(secrets))}
	for i, s := range secrets {
		k, err := newKey(s)
		if err != nil {
			return nil, err
		}
		for j := range i {
			if r.keys[j].id == k.id {
				return nil, &secretError{index: i, reason: "same key id as secret #" + strconv.Itoa(j+1) + " (duplicate secret)"}
			}
		}
		r.keys[i] = k
	}
	return r, nil
}

func newKey(secret []byte) (*key, error) {
	k := &key{secret: append([]byte(nil), secret...)}
	id, err := hkdf.Key(sha256.New, k.secret, nil, infoID, idSize)
	if err != nil {
		return nil, err
	}
	k.id = binary.BigEndian.Uint32(id)
	if k.macKey, err = hkdf.Key(sha256.New, k.secret, nil, infoMAC, 32); err != nil {
		return nil, err
	}
	encKey, err := hkdf.Key(sha256.New, k.secret, nil, infoAEAD, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	macKey := k.macKey
	k.macs.New = func() any { return hmac.New(sha256.New, macKey) }
	return k, nil
}

// Derive returns the ring of subkeys for purpose (for example "session",
// "csrf", "cookie"): each key of r is replaced by HKDF-SHA256(key, purpose),
// in the same order, so rotation carries over. Rings derived for different
// purposes share no key. Derive is meant for start-up; keep its result.
func (r *Ring) Derive(purpose string) *Ring {
	d := &Ring{keys: make([]*key, len(r.keys)), ephemeral: r.ephemeral}
	for i, k := range r.keys {
		sub, err := hkdf.Key(sha256.New, k.secret, nil, infoDerive+purpose, 32)
		if err != nil {
			panic("keys: hkdf: " + err.Error()) // unreachable for 32-byte output
		}
		if d.keys[i], err = newKey(sub); err != nil {
			panic("keys: " + err.Error()) // unreachable
		}
	}
	return d
}

// Len returns the number of keys in the ring.
func (r *Ring) Len() int { return len(r.keys) }

// Ephemeral reports whether r (or the ring it was derived from) was made by
// [Ephemeral].
func (r *Ring) Ephemeral() bool { return r.ephemeral }

// String describes the ring without revealing any secret.
func (r *Ring) String() string {
	s := "keys.Ring(" + strconv.Itoa(len(r.keys)) + " keys"
	if r.ephemeral {
		s += ", ephemeral"
	}
	return s + ")"
}

// GoString describes the ring without revealing any secret.
func (r *Ring) GoString() string { return r.String() }

// LogValue keeps secrets out of log/slog output.
func (r *Ring) LogValue() slog.Value { return slog.StringValue(r.String()) }

// Sign appends the HMAC-SHA256 tag (32 bytes) of msg under the primary key
// to dst and returns the resulting slice: Sign(nil, msg) is the tag alone.
func (r *Ring) Sign(dst, msg []byte) []byte { return r.keys[0].sum(dst, msg) }

// Verify reports whether tag is the HMAC-SHA256 of msg under any key of the
// ring. Tags are compared in constant time.
func (r *Ring) Verify(msg, tag []byte) bool {
	if len(tag) != tagSize {
		return false
	}
	var buf [tagSize]byte
	for _, k := range r.keys {
		if hmac.Equal(k.sum(buf[:0], msg), tag) {
			return true
		}
	}
	return false
}

func (k *key) sum(dst, msg []byte) []byte {
	h := k.macs.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	dst = h.Sum(dst)
	k.macs.Put(h)
	return dst
}

// Seal encrypts and authenticates plaintext with the primary key (AES-256-GCM,
// random nonce), appends key id ‖ nonce ‖ ciphertext ‖ tag to dst and
// returns the resulting slice: Seal(nil, …) is the sealed value alone, 32
// bytes longer than plaintext. dst and plaintext must not overlap.
// additionalData is authenticated but not encrypted: [Ring.Open] must be
// given the same bytes, which binds the value to its context (a cookie
// name, a store key).
func (r *Ring) Seal(dst, plaintext, additionalData []byte) []byte {
	k := r.keys[0]
	dst = binary.BigEndian.AppendUint32(dst, k.id)
	n := len(dst)
	dst = append(dst, make([]byte, nonceSize)...)
	nonce := dst[n:]
	_, _ = rand.Read(nonce)
	return k.aead.Seal(dst, nonce, plaintext, additionalData)
}

// Open decrypts a value made by [Ring.Seal] with any key of the ring and the
// same additionalData. It returns one error, which never says why, for
// anything else.
func (r *Ring) Open(sealed, additionalData []byte) ([]byte, error) {
	if len(sealed) < overhead {
		return nil, errInvalid
	}
	id := binary.BigEndian.Uint32(sealed)
	for _, k := range r.keys {
		if k.id != id {
			continue
		}
		nonce := sealed[idSize : idSize+nonceSize]
		out, err := k.aead.Open(nil, nonce, sealed[idSize+nonceSize:], additionalData)
		if err != nil {
			return nil, errInvalid
		}
		return out, nil
	}
	return nil, errInvalid
}
