package securecookie

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/harden-go/harden/keys"
)

// maxValueLen is the longest encoded value a [Codec] makes or accepts.
// Browsers keep about 4096 bytes per cookie, name and attributes included.
const maxValueLen = 4096

// Errors of a [Codec].
var (
	// ErrInvalid is returned by Decode for any value that is not a valid,
	// unexpired value of this codec. It never says which check failed.
	ErrInvalid = errors.New("cookie: invalid value")
	// ErrTooLong is returned by Encode when the encoded value would be
	// longer than 4096 bytes, about what browsers keep of a cookie.
	ErrTooLong = errors.New("cookie: value too long")
)

const (
	versionSigned    = 0x01
	versionEncrypted = 0x02
	expiryLen        = 8
	tagLen           = sha256.Size // the tag of keys.Ring.Sign
	sealOverhead     = 32          // how much keys.Ring.Seal adds: key id, nonce, GCM tag
)

var b64 = base64.RawURLEncoding.Strict()

// errNoKeys is New's error for a missing or empty key ring.
var errNoKeys = errors.New("cookie: keys: required")

// Config configures a [Codec].
type Config struct {
	// Keys is the key ring, usually derived for the feature
	// (ring.Derive("session")). Required. The codec derives from it a
	// subkey for Name, so values of different cookies are not
	// interchangeable.
	Keys *keys.Ring
	// Name is the name of the cookie whose values this codec makes.
	Name string
	// Encrypt hides the data (AES-256-GCM) instead of only signing it
	// (HMAC-SHA256). Default false: signed, readable by the client.
	Encrypt bool
	// MaxAge, when positive, puts an expiry inside every value: Decode
	// refuses it afterwards even if the client kept the cookie. Default 0:
	// no expiry in the value.
	MaxAge time.Duration
	// Now returns the current time. Default time.Now; set it in tests.
	Now func() time.Time
}

// Codec makes and checks signed or encrypted cookie values. It is safe for
// concurrent use.
type Codec struct {
	ring    *keys.Ring
	encrypt bool
	maxAge  time.Duration
	now     func() time.Time
}

// New returns the codec of cfg. It refuses a missing key ring; a negative
// MaxAge counts as none.
func New(cfg Config) (*Codec, error) {
	if cfg.Keys == nil || cfg.Keys.Len() == 0 {
		return nil, errNoKeys
	}
	c := &Codec{
		// A value made for one cookie is invalid in another: each name
		// has its own subkey.
		ring:    cfg.Keys.Derive("cookie:" + cfg.Name),
		encrypt: cfg.Encrypt,
		maxAge:  cfg.MaxAge,
		now:     cfg.Now,
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Encode returns the cookie-safe value carrying data.
func (c *Codec) Encode(data []byte) (string, error) {
	var expiry uint64
	if c.maxAge > 0 {
		// An expiry before 1970 is already past: 1 (not 0, which means
		// none) keeps such a value expired instead of valid forever.
		expiry = 1
		if exp := c.now().Add(c.maxAge).Unix(); exp > 1 {
			expiry = uint64(exp)
		}
	}
	var raw []byte
	if c.encrypt {
		size := 1 + sealOverhead + expiryLen + len(data)
		if b64.EncodedLen(size) > maxValueLen {
			return "", ErrTooLong
		}
		pt := make([]byte, 0, expiryLen+len(data))
		pt = binary.BigEndian.AppendUint64(pt, expiry)
		pt = append(pt, data...)
		raw = make([]byte, 1, size)
		raw[0] = versionEncrypted
		raw = c.ring.Seal(raw, pt, raw[:1])
	} else {
		size := 1 + expiryLen + len(data) + tagLen
		if b64.EncodedLen(size) > maxValueLen {
			return "", ErrTooLong
		}
		raw = make([]byte, 0, size)
		raw = append(raw, versionSigned)
		raw = binary.BigEndian.AppendUint64(raw, expiry)
		raw = append(raw, data...)
		raw = c.ring.Sign(raw, raw)
	}
	return b64.EncodeToString(raw), nil
}

// Decode returns the data carried by value, or [ErrInvalid].
func (c *Codec) Decode(value string) ([]byte, error) {
	if len(value) > maxValueLen || len(value) < 2 {
		return nil, ErrInvalid
	}
	raw, err := b64.DecodeString(value)
	if err != nil || len(raw) == 0 {
		return nil, ErrInvalid
	}
	var body []byte // expiry ‖ data
	switch {
	case raw[0] == versionSigned && !c.encrypt:
		if len(raw) < 1+expiryLen+tagLen {
			return nil, ErrInvalid
		}
		n := len(raw) - tagLen
		if !c.ring.Verify(raw[:n], raw[n:]) {
			return nil, ErrInvalid
		}
		body = raw[1:n]
	case raw[0] == versionEncrypted && c.encrypt:
		body, err = c.ring.Open(raw[1:], raw[:1])
		if err != nil || len(body) < expiryLen {
			return nil, ErrInvalid
		}
	default:
		return nil, ErrInvalid
	}
	// A clock before 1970 counts as past every expiry: fail closed.
	if expiry := binary.BigEndian.Uint64(body); expiry != 0 {
		if now := c.now().Unix(); now < 0 || uint64(now) >= expiry {
			return nil, ErrInvalid
		}
	}
	return body[expiryLen:], nil
}
