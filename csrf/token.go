package csrf

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"sync"

	"github.com/harden-go/harden/respond"
)

// Token format.
//
//	raw     = nonce(16) ‖ HMAC-SHA256(csrf key, kind ‖ nonce ‖ binding)   48 bytes
//	masked  = pad(48) ‖ (raw XOR pad)                                      96 bytes
//	token   = base64url(masked), no padding                               128 characters
//
// kind is 's' for a session binding and 'p' for a pre-session id, so that the
// two can never be confused. The one-time pad is fresh for every token handed
// out, so the bytes of a token embedded in a compressed response change every
// time (BREACH cannot recover it byte by byte), while all of them verify.
const (
	nonceLen   = 16
	rawLen     = nonceLen + sha256.Size // the tag of keys.Ring.Sign
	maskedLen  = 2 * rawLen
	tokenLen   = (maskedLen*8 + 5) / 6 // length of an encoded token: 128
	preIDBytes = 32
	preIDLen   = (preIDBytes*8 + 5) / 6 // 43
	maxBinding = 256
)

const (
	kindSession    = 's'
	kindPreSession = 'p'
)

var (
	b64       = base64.RawURLEncoding
	b64strict = base64.RawURLEncoding.Strict()
)

// binding is what a token is bound to.
type binding struct {
	kind byte
	id   string
}

// mac computes the HMAC message kind ‖ nonce ‖ id into buf and returns it.
func (b binding) message(buf []byte, nonce []byte) []byte {
	buf = append(buf[:0], b.kind)
	buf = append(buf, nonce...)
	return append(buf, b.id...)
}

// newToken returns a fresh masked token bound to b.
func (p *Protector) newToken(b binding) string {
	var buf [tokenLen]byte
	return string(p.appendToken(buf[:0], b))
}

// appendToken appends a fresh masked token bound to b to dst.
func (p *Protector) appendToken(dst []byte, b binding) []byte {
	var rnd [nonceLen + rawLen]byte // nonce ‖ pad
	_, _ = rand.Read(rnd[:])        // never fails (crypto/rand)
	nonce, pad := rnd[:nonceLen], rnd[nonceLen:]

	sc := scratchPool.Get().(*scratch)
	raw := sc.raw[:]
	copy(raw, nonce)
	signed := p.ring.Sign(raw[:nonceLen], b.message(sc.msg[:0], nonce))
	copy(raw[nonceLen:], signed[nonceLen:]) // a no-op when appended in place

	var masked [maskedLen]byte
	copy(masked[:rawLen], pad)
	for i := range rawLen {
		masked[rawLen+i] = raw[i] ^ pad[i]
	}
	clear(raw) // the unmasked token does not linger in the pool
	scratchPool.Put(sc)
	return b64.AppendEncode(dst, masked[:])
}

// scratch holds an HMAC message and the raw token signed into it: the
// hash takes both through an interface, so stack arrays would escape to
// the heap on every request.
type scratch struct {
	msg [1 + nonceLen + maxBinding]byte
	raw [rawLen]byte
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// verifyToken reports whether tok is a well-formed token bound to b under any
// key of the ring. The tag is compared in constant time (keys.Ring.Verify).
func (p *Protector) verifyToken(tok string, b binding) bool {
	raw, ok := unmask(tok)
	if !ok {
		return false
	}
	sc := scratchPool.Get().(*scratch)
	ok = p.ring.Verify(b.message(sc.msg[:0], raw[:nonceLen]), raw[nonceLen:])
	scratchPool.Put(sc)
	return ok
}

// unmask decodes and unmasks a token, without checking its signature. It
// decodes base64url itself (strict alphabet, no padding) so that the hot
// path does not copy the token to the heap.
func unmask(tok string) (raw [rawLen]byte, ok bool) {
	if len(tok) != tokenLen {
		return raw, false
	}
	var masked [maskedLen]byte
	for i, j := 0, 0; i < tokenLen; i, j = i+4, j+3 {
		a, b, c, d := b64dec[tok[i]], b64dec[tok[i+1]], b64dec[tok[i+2]], b64dec[tok[i+3]]
		if a|b|c|d == 0xff {
			return raw, false
		}
		// Four 6-bit values make three bytes; shifts drop the high bits.
		masked[j], masked[j+1], masked[j+2] = a<<2|b>>4, b<<4|c>>2, c<<6|d
	}
	for i := range rawLen {
		raw[i] = masked[i] ^ masked[rawLen+i]
	}
	return raw, true
}

// b64dec maps base64url characters to their values, others to 0xff.
var b64dec = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = 0xff
	}
	for i := range len(alphabet) {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// requestBinding returns what the tokens of r are bound to: r's session, or
// else the pre-session cookie r carries.
func (p *Protector) requestBinding(r *http.Request) (binding, bool) {
	if k := p.sessionKey(r); k != "" {
		return binding{kindSession, k}, true
	}
	if id, ok := p.preSessionID(r); ok {
		return binding{kindPreSession, id}, true
	}
	return binding{}, false
}

// preSessionID returns the first well-formed pre-session id among r's
// cookies.
func (p *Protector) preSessionID(r *http.Request) (string, bool) {
	for _, v := range p.cookie.Values(r) {
		if validPreID(v) {
			return v, true
		}
	}
	return "", false
}

func validPreID(v string) bool {
	if len(v) != preIDLen {
		return false
	}
	var b [preIDBytes]byte
	n, err := b64strict.Decode(b[:], []byte(v))
	return err == nil && n == preIDBytes
}

func newPreID() string {
	var b [preIDBytes]byte
	_, _ = rand.Read(b[:])
	var out [preIDLen]byte
	b64.Encode(out[:], b[:])
	return string(out[:])
}

// checkToken is the token layer of Check.
func (p *Protector) checkToken(r *http.Request) error {
	tok := r.Header.Get(p.header)
	if tok == "" {
		var err error
		if tok, err = p.formToken(r); err != nil {
			return err
		}
		if tok == "" {
			return errMissingToken
		}
	}
	b, ok := p.requestBinding(r)
	if !ok {
		return errMissingCookie
	}
	if len(b.id) > maxBinding || !p.verifyToken(tok, b) {
		return errInvalidToken
	}
	return nil
}

// formToken reads the token field of a form body, reading at most
// p.maxForm bytes: ParseForm alone would read 10 MB, ParseMultipartForm
// would spill files to disk.
func (p *Protector) formToken(r *http.Request) (string, error) {
	if r.PostForm == nil {
		if r.Body == nil || r.Body == http.NoBody {
			return "", nil
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var err error
		switch mt {
		case "application/x-www-form-urlencoded":
			r.Body = http.MaxBytesReader(nil, r.Body, p.maxForm)
			err = r.ParseForm()
		case "multipart/form-data":
			r.Body = http.MaxBytesReader(nil, r.Body, p.maxForm)
			err = r.ParseMultipartForm(p.maxForm) // #nosec G120 -- the body is capped by the MaxBytesReader just above
		default:
			return "", nil
		}
		if err != nil {
			if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
				return "", ErrFormTooLarge
			}
			return "", errMissingToken
		}
	}
	if vs := r.PostForm[p.field]; len(vs) > 0 {
		return vs[0], nil
	}
	return "", nil
}

// requestState is what Token and TemplateField need about a request that
// passed the Handler, stored in its context under stateKey.
type requestState struct {
	p *Protector
	w http.ResponseWriter

	mu    sync.Mutex
	preID string // a pre-session id set on w during this request
}

type stateKey struct{}

// token returns a fresh masked token for r, bound to r's session or to its
// pre-session cookie, adding a new pre-session cookie to w when r has
// neither.
func (p *Protector) token(w http.ResponseWriter, r *http.Request) string {
	b, ok := p.tokenBinding(w, r)
	if !ok {
		return ""
	}
	return p.newToken(b)
}

// tokenBinding returns what a token handed out for r is bound to, setting
// the pre-session cookie on w when r has neither a session nor that cookie
// (once per request). It reports false when the Protector issues no tokens
// or the binding is too long to sign.
func (p *Protector) tokenBinding(w http.ResponseWriter, r *http.Request) (binding, bool) {
	if p.ring == nil {
		return binding{}, false
	}
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	if st != nil && st.p != p {
		st = nil
	}
	b, ok := p.requestBinding(r)
	if !ok {
		b = binding{kind: kindPreSession}
		if st != nil {
			st.mu.Lock()
			if st.preID == "" {
				st.preID = newPreID()
				p.cookie.Set(w, r, st.preID)
			}
			b.id = st.preID
			st.mu.Unlock()
		} else {
			b.id = newPreID()
			p.cookie.Set(w, r, b.id)
		}
	}
	if len(b.id) > maxBinding {
		return binding{}, false
	}
	return b, true
}

// Token returns a fresh masked token for r, which must have passed a
// [Protector.Handler] (otherwise Token returns ""). The token is bound to
// r's session or to its pre-session cookie; when r has neither, Token sets
// a new pre-session cookie, so call it before the response starts. Every
// call returns a different string; all of them verify. A token bound to a
// session stops verifying when the session is regenerated (login), so
// fetch a new one after login.
func Token(r *http.Request) string {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	if st == nil {
		return ""
	}
	return st.p.token(st.w, r)
}

// TemplateField returns a hidden form input carrying a fresh masked token, for
// html/template:
//
//	data.CSRFField = csrf.TemplateField(r)
//	<form method="post">{{.CSRFField}} ...</form>
//
// r must have passed a [Protector.Handler]; otherwise TemplateField returns
// "". Call it before the response starts (it may set the pre-session cookie).
func TemplateField(r *http.Request) template.HTML {
	st, _ := r.Context().Value(stateKey{}).(*requestState)
	if st == nil {
		return ""
	}
	tok := st.p.token(st.w, r)
	if tok == "" {
		return ""
	}
	// The field name is restricted to [A-Za-z0-9_.-] by New and the token
	// is base64url: neither needs escaping.
	return template.HTML(`<input type="hidden" name="` + st.p.field + `" value="` + tok + `">`) // #nosec G203 -- field name validated by New ([A-Za-z0-9_.-]), token is our own base64url
}

// TokenHandler returns the token endpoint for single-page applications: GET
// (and HEAD) answer {"token":"..."} with Cache-Control: no-store, setting the
// pre-session cookie when the request has neither it nor a session; other
// methods get 405 through the shared responder. Send the token back in the
// header named by Config.HeaderName.
func (p *Protector) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			respond.Reject(w, r, &respond.Rejection{
				Status:  http.StatusMethodNotAllowed,
				Message: "Method not allowed",
				Header:  http.Header{"Allow": {"GET, HEAD"}},
			})
			return
		}
		b, ok := p.tokenBinding(w, r)
		h := w.Header()
		// This response's own values, in one block (Header.Set would
		// allocate a slice for each); a slice shared by every response
		// would let a write into one response's header map reach all
		// later ones. Capacity 1 each, so an Add further out copies
		// instead of writing into the next value.
		vals := make([]string, 3)
		vals[0], vals[1], vals[2] = "application/json; charset=utf-8", "no-store", "nosniff"
		h["Content-Type"] = vals[0:1:1]
		h["Cache-Control"] = vals[1:2:2]
		h["X-Content-Type-Options"] = vals[2:3:3]
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusOK)
			return
		}
		// The token is base64url: it needs no JSON escaping.
		body := make([]byte, 0, len(`{"token":""}`)+1+tokenLen)
		body = append(body, `{"token":"`...)
		if ok {
			body = p.appendToken(body, b)
		}
		body = append(body, "\"}\n"...)
		_, _ = w.Write(body) // #nosec G705 -- JSON (nosniff) carrying only a token appendToken generated (base64url), no request input
	})
}
