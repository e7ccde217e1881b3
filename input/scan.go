package input

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Messages of the strict decoder, shown after the field path.
const (
	msgString     = "must be a string"
	msgBool       = "must be a boolean"
	msgInteger    = "must be an integer"
	msgNumber     = "must be a number"
	msgObject     = "must be an object"
	msgArray      = "must be an array"
	msgRange      = "is out of range"
	msgBase64     = "must be base64-encoded"
	msgDateTime   = "must be an RFC 3339 date-time"
	msgTooMany    = "has too many items"
	msgUnknown    = "is not an allowed field"
	msgDuplicate  = "appears more than once"
	msgTooDeep    = "is nested too deeply"
	msgInvalidKey = "is not a valid key"
	msgUTF8       = "must be valid UTF-8"
)

// scanner checks a JSON document before encoding/json decodes it: syntax
// (in agreement with json.Valid), a single top-level value, the nesting
// depth, duplicate keys, the key guard, unknown fields and value types
// against the destination's schema. It stops at the first problem.
//
// With out != nil it also copies the document into out, leaving out the
// members whose keys the guard refuses (the strip policy).
type scanner struct {
	data     []byte
	pos      int
	depth    int
	maxDepth int
	guard    bool // apply the key guard
	text     bool // refuse strings and keys that are not valid UTF-8 text
	badText  bool // the last string scanned was not (see str)
	noDups   bool // skip the duplicate-key check (syntax-only scans)
	strip    bool // strip refused keys instead of refusing (needs out)
	stripped bool // a key was (or, without out, would be) stripped
	out      []byte
	mute     int // >0: inside a stripped member, copy nothing
	path     path
	err      *Error
	keyBuf   []byte
	seen     [][]byte // keys of the objects being scanned (duplicates)
}

func (s *scanner) fail(e *Error) bool {
	if s.err == nil {
		s.err = e
	}
	return false
}

func (s *scanner) fieldFail(msg string) bool {
	return s.fail(fieldError(locationBody, s.path.String(), msg))
}

func (s *scanner) emit(b ...byte) {
	if s.out != nil && s.mute == 0 {
		s.out = append(s.out, b...)
	}
}

func (s *scanner) emitRaw(from int) {
	if s.out != nil && s.mute == 0 {
		s.out = append(s.out, s.data[from:s.pos]...)
	}
}

func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// document scans the whole input as one value of schema sc.
func (s *scanner) document(sc *schema) bool {
	s.ws()
	if s.pos == len(s.data) {
		return s.fail(errEmptyBody)
	}
	if !s.value(sc) {
		return false
	}
	s.ws()
	if s.pos != len(s.data) {
		return s.fail(ErrTrailingData)
	}
	return true
}

func (s *scanner) value(sc *schema) bool {
	if s.pos >= len(s.data) {
		return s.fail(ErrMalformedJSON)
	}
	k := kAny
	if sc != nil {
		k = sc.kind
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		switch k {
		case kAny, kStruct, kMap:
		default:
			return s.typeFail(k)
		}
		return s.object(sc)
	case c == '[':
		switch k {
		case kAny, kSlice, kArray:
		default:
			return s.typeFail(k)
		}
		return s.array(sc)
	case c == '"':
		start := s.pos
		str, escaped, ok := s.str()
		if !ok {
			return false
		}
		if s.badText {
			return s.fieldFail(msgUTF8)
		}
		s.emitRaw(start)
		switch k {
		case kAny, kString, kText, kQuoted:
			return true
		case kNumber:
			if escaped || !validNumber(str) {
				return s.fieldFail(msgNumber)
			}
			return true
		case kBytes:
			if escaped {
				str = unescape(nil, str)
			}
			if _, err := base64.StdEncoding.DecodeString(string(str)); err != nil {
				return s.fieldFail(msgBase64)
			}
			return true
		case kTime:
			if escaped {
				str = unescape(nil, str)
			}
			if _, err := time.Parse(time.RFC3339, string(str)); err != nil {
				return s.fieldFail(msgDateTime)
			}
			return true
		}
		return s.typeFail(k)
	case c == 't':
		return s.literal("true", k, kBool)
	case c == 'f':
		return s.literal("false", k, kBool)
	case c == 'n':
		return s.literal("null", k, k) // null is accepted everywhere
	case c == '-' || '0' <= c && c <= '9':
		start := s.pos
		if !s.number() {
			return false
		}
		s.emitRaw(start)
		return s.checkNumber(sc, k, s.data[start:s.pos])
	}
	return s.fail(ErrMalformedJSON)
}

func (s *scanner) literal(lit string, k, want kind) bool {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return s.fail(ErrMalformedJSON)
	}
	s.pos += len(lit)
	if s.out != nil && s.mute == 0 {
		s.out = append(s.out, lit...)
	}
	if k != want && k != kAny {
		return s.typeFail(k)
	}
	return true
}

// typeFail names what the destination kind k accepts.
func (s *scanner) typeFail(k kind) bool {
	switch k {
	case kString, kText, kQuoted:
		return s.fieldFail(msgString)
	case kBool:
		return s.fieldFail(msgBool)
	case kInt, kUint:
		return s.fieldFail(msgInteger)
	case kFloat, kNumber:
		return s.fieldFail(msgNumber)
	case kBytes:
		return s.fieldFail(msgBase64)
	case kTime:
		return s.fieldFail(msgDateTime)
	case kStruct, kMap:
		return s.fieldFail(msgObject)
	case kSlice, kArray:
		return s.fieldFail(msgArray)
	}
	return s.fail(errInvalidBody)
}

func (s *scanner) checkNumber(sc *schema, k kind, num []byte) bool {
	switch k {
	case kAny, kNumber:
		return true
	case kInt, kUint:
		var err error
		if k == kInt {
			_, err = strconv.ParseInt(string(num), 10, sc.bits)
		} else {
			_, err = strconv.ParseUint(string(num), 10, sc.bits)
		}
		if err != nil {
			if isIntegerSyntax(num) {
				return s.fieldFail(msgRange)
			}
			return s.fieldFail(msgInteger)
		}
		return true
	case kFloat:
		f, err := strconv.ParseFloat(string(num), sc.bits)
		if err != nil || math.IsInf(f, 0) {
			return s.fieldFail(msgRange)
		}
		return true
	}
	return s.typeFail(k)
}

func isIntegerSyntax(num []byte) bool {
	for i, c := range num {
		if c == '-' && i == 0 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// number scans a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	d := s.data
	i := s.pos
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
	default:
		return s.fail(ErrMalformedJSON)
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			return s.fail(ErrMalformedJSON)
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && '0' <= d[i] && d[i] <= '9' {
			i++
		}
		if i == j {
			return s.fail(ErrMalformedJSON)
		}
	}
	s.pos = i
	return true
}

// validNumber reports whether b is exactly one JSON number.
func validNumber(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	t := scanner{data: b}
	return t.number() && t.pos == len(b)
}

// str scans a string starting at the opening quote and returns its raw
// content (between the quotes) and whether it holds escapes. With s.text
// it also sets s.badText when the string is not UTF-8 text: it holds a
// byte sequence that is not UTF-8, or a \u escape of a lone surrogate,
// which stands for no character (RFC 8259 §8.1, §8.2). encoding/json
// would turn either into U+FFFD, silently changing what was sent.
func (s *scanner) str() (raw []byte, escaped, ok bool) {
	d := s.data
	i := s.pos + 1
	start := i
	bad := false
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			s.badText = bad
			return d[start:i], escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return nil, false, s.fail(ErrMalformedJSON)
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					return nil, false, s.fail(ErrMalformedJSON)
				}
				n := 6
				if s.text {
					switch l := surrogateLen(d[i:]); {
					case l > 0:
						n = l // a pair: one character
					case l < 0:
						bad = true
					}
				}
				i += n
			default:
				return nil, false, s.fail(ErrMalformedJSON)
			}
		case c < 0x20:
			return nil, false, s.fail(ErrMalformedJSON)
		case c >= utf8.RuneSelf && s.text:
			r, size := utf8.DecodeRune(d[i:])
			bad = bad || r == utf8.RuneError && size == 1
			i += size
		default:
			i++
		}
	}
	return nil, false, s.fail(ErrMalformedJSON)
}

// surrogateLen looks at the \u escape that b begins with (its four digits
// checked): 0 when it is not a surrogate, 12 when it is a high surrogate
// followed by an escaped low one (a pair, one character), -1 when it is a
// surrogate alone.
func surrogateLen(b []byte) int {
	r := hexVal(b[2:6])
	switch {
	case !utf16.IsSurrogate(r):
		return 0
	case r < 0xdc00 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' && isHex4(b[8:12]):
		if r2 := hexVal(b[8:12]); r2 >= 0xdc00 && r2 <= 0xdfff {
			return 12
		}
	}
	return -1
}

func isHex4(b []byte) bool {
	return isHex(b[0]) && isHex(b[1]) && isHex(b[2]) && isHex(b[3])
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(b []byte) rune {
	var r rune
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		default:
			c = c - 'A' + 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unescape appends the decoded content of a valid raw JSON string to dst,
// as encoding/json decodes it: invalid UTF-8 and lone surrogates become
// U+FFFD.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\':
			switch raw[i+1] {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r := hexVal(raw[i+2 : i+6])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if r2 := hexVal(raw[i+2 : i+6]); utf16.DecodeRune(r, r2) != utf8.RuneError {
							dst = utf8.AppendRune(dst, utf16.DecodeRune(r, r2))
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, raw[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, raw[i:i+size]...)
			}
			i += size
		}
	}
	return dst
}

// needsFix reports whether raw must go through unescape to be compared:
// it has escapes or bytes that are not valid UTF-8.
func needsFix(raw []byte, escaped bool) bool {
	return escaped || !utf8.Valid(raw)
}

func (s *scanner) enter() bool {
	s.depth++
	if s.maxDepth > 0 && s.depth > s.maxDepth {
		return s.fieldFail(msgTooDeep)
	}
	return true
}

// objectScan is the state of one object while its members are scanned:
// which struct fields and which other keys it has had, for the duplicate
// check, and whether a member has been copied yet.
type objectScan struct {
	sc            *schema
	fieldSeen     uint64              // duplicates of struct fields 0..63
	fieldSeenMore map[int]bool        // duplicates of struct fields 64 and up
	seenMap       map[string]struct{} // duplicates of other keys, past smallObject
	seenBase      int                 // where this object's keys begin in s.seen
	first         bool                // no member copied yet
}

// open enters the object or array whose opening bracket is at s.pos and
// that closes with end, past the white space after the bracket. An empty
// container is closed at once: it reports empty, and ok unless the
// container is nested too deeply.
func (s *scanner) open(end byte) (empty, ok bool) {
	if !s.enter() {
		return false, false
	}
	s.emit(s.data[s.pos])
	s.pos++
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == end {
		s.pos++
		s.emit(end)
		s.depth--
		return true, true
	}
	return false, true
}

// next scans what follows a member or an element of a container that
// closes with end: white space, then ',' (more follows) or end, which
// closes the container and its path segment. Anything else is malformed
// JSON.
func (s *scanner) next(end byte) (more, ok bool) {
	s.ws()
	if s.pos >= len(s.data) {
		return false, s.fail(ErrMalformedJSON)
	}
	switch s.data[s.pos] {
	case ',':
		s.pos++
		return true, true
	case end:
		s.pos++
		s.emit(end)
		s.path.pop()
		s.depth--
		return false, true
	}
	return false, s.fail(ErrMalformedJSON)
}

func (s *scanner) object(sc *schema) bool {
	if empty, ok := s.open('}'); empty || !ok {
		return ok
	}
	seenBase := len(s.seen)
	defer func() { s.seen = s.seen[:seenBase] }()
	o := objectScan{sc: sc, seenBase: seenBase, first: true}
	s.path.pushKeyBytes()
	for {
		if !s.member(&o) {
			return false
		}
		if more, ok := s.next('}'); !more {
			return ok
		}
	}
}

// member scans one member of the object o, from its key to the end of its
// value, and copies it to out unless the key guard strips it.
func (s *scanner) member(o *objectScan) bool {
	key, quoted, ok := s.memberKey()
	if !ok {
		return false
	}
	vs, drop, ok := s.memberSchema(o, key)
	if !ok {
		return false
	}
	if drop {
		s.mute++
	} else {
		if !o.first {
			s.emit(',')
		}
		o.first = false
		if s.out != nil && s.mute == 0 {
			s.out = append(s.out, quoted...)
			s.out = append(s.out, ':')
		}
	}
	if !s.value(vs) {
		return false
	}
	if drop {
		s.mute--
	}
	return true
}

// memberKey scans a member's key and the colon after it, and names the key
// in the path. It returns the key as encoding/json decodes it and the key
// as sent, quotes included.
func (s *scanner) memberKey() (key, quoted []byte, ok bool) {
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, nil, s.fail(ErrMalformedJSON)
	}
	keyStart := s.pos
	raw, escaped, ok := s.str()
	if !ok {
		return nil, nil, false
	}
	if s.badText {
		// Named as encoding/json would decode it, U+FFFD for what is
		// not text: the path never shows the raw bytes.
		s.path.segs[len(s.path.segs)-1].kb = unescape(nil, raw)
		return nil, nil, s.fieldFail(msgUTF8)
	}
	quoted = s.data[keyStart:s.pos]
	// The key as encoding/json decodes it; the path keeps its own copy
	// of an unescaped key, since keyBuf is reused.
	key = raw
	if needsFix(raw, escaped) {
		s.keyBuf = unescape(s.keyBuf[:0], raw)
		key = append([]byte(nil), s.keyBuf...)
	}
	s.path.segs[len(s.path.segs)-1].kb = key
	s.ws()
	if s.pos >= len(s.data) || s.data[s.pos] != ':' {
		return nil, nil, s.fail(ErrMalformedJSON)
	}
	s.pos++
	s.ws()
	return key, quoted, true
}

// memberSchema checks key against the object o (duplicates, the key guard,
// unknown struct fields, map key syntax) and returns the schema of its
// value and whether the member is dropped because the guard strips its key.
func (s *scanner) memberSchema(o *objectScan, key []byte) (vs *schema, drop, ok bool) {
	sc := o.sc
	if sc != nil && sc.kind == kStruct {
		if i, known := sc.fields[string(key)]; known {
			return sc.types[i], false, s.fieldOnce(o, i)
		}
	} else if sc != nil && sc.kind == kMap {
		vs = sc.elem
	}
	if msg := checkKeyBytes(key); msg != "" && s.guard {
		if !s.strip {
			return nil, false, s.fieldFail(msg)
		}
		s.stripped = true
		return nil, true, true
	}
	if sc != nil && sc.kind == kStruct {
		return nil, false, s.fieldFail(msgUnknown)
	}
	if sc != nil && sc.kind == kMap && !validMapKey(sc.mapKey, key) {
		return nil, false, s.fieldFail(msgInvalidKey)
	}
	if !s.noDups && !s.keyOnce(o, key) { // noDups: syntax only
		return nil, false, false
	}
	return vs, false, true
}

// fieldOnce records that the object o has struct field i, and fails if it
// had it already.
func (s *scanner) fieldOnce(o *objectScan, i int) bool {
	if i < 64 {
		if o.fieldSeen&(1<<uint(i)) != 0 {
			return s.fieldFail(msgDuplicate)
		}
		o.fieldSeen |= 1 << uint(i)
		return true
	}
	if o.fieldSeenMore == nil {
		o.fieldSeenMore = map[int]bool{}
	}
	if o.fieldSeenMore[i] {
		return s.fieldFail(msgDuplicate)
	}
	o.fieldSeenMore[i] = true
	return true
}

// keyOnce records that the object o has key, which is not a struct field,
// and fails if it had it already. Up to smallObject keys are searched
// linearly in s.seen; past that, o.seenMap holds them.
func (s *scanner) keyOnce(o *objectScan, key []byte) bool {
	if o.seenMap != nil {
		if _, dup := o.seenMap[string(key)]; dup {
			return s.fieldFail(msgDuplicate)
		}
		o.seenMap[string(key)] = struct{}{}
		return true
	}
	for _, k := range s.seen[o.seenBase:] {
		if string(k) == string(key) {
			return s.fieldFail(msgDuplicate)
		}
	}
	s.seen = append(s.seen, s.path.segs[len(s.path.segs)-1].kb)
	if len(s.seen)-o.seenBase > smallObject {
		o.seenMap = make(map[string]struct{}, 2*smallObject)
		for _, k := range s.seen[o.seenBase:] {
			o.seenMap[string(k)] = struct{}{}
		}
	}
	return true
}

// smallObject is the number of keys up to which duplicates are found by a
// linear search; larger objects use a map.
const smallObject = 16

func validMapKey(k kind, key []byte) bool {
	switch k {
	case kInt:
		_, err := strconv.ParseInt(string(key), 10, 64)
		return err == nil
	case kUint:
		_, err := strconv.ParseUint(string(key), 10, 64)
		return err == nil
	}
	return true
}

func (s *scanner) array(sc *schema) bool {
	if empty, ok := s.open(']'); empty || !ok {
		return ok
	}
	var es *schema
	limit := -1
	if sc != nil {
		es = sc.elem
		if sc.kind == kArray {
			limit = sc.n
		}
	}
	s.path.pushIndex(0)
	for i := 0; ; i++ {
		s.path.setIndex(i)
		if i == limit {
			return s.fieldFail(msgTooMany)
		}
		if i > 0 {
			s.emit(',')
		}
		s.ws()
		if !s.value(es) {
			return false
		}
		if more, ok := s.next(']'); !more {
			return ok
		}
	}
}
