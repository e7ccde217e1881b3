package session

import (
	"encoding/binary"
	"errors"
)

// The session record, before encryption, is a compact binary form (version
// 1). For a typical record it encodes and decodes several times faster than
// JSON with fewer allocations, and is about 40% smaller (see
// BenchmarkEncoding):
//
//	0x01 ‖ uvarint created ‖ uvarint touched ‖ str userID ‖ uvarint n ‖ n × (str key ‖ str value)
//
// where times are Unix milliseconds and str is uvarint length ‖ bytes.
const encodingV1 = 0x01

var errCorrupt = errors.New("session: corrupt record")

// state is the persistent part of a session.
type state struct {
	created int64 // Unix ms: start of the absolute lifetime
	touched int64 // Unix ms: last time the record was saved (idle timeout)
	userID  string
	values  map[string]string
}

func (st *state) appendEncoded(dst []byte) []byte {
	dst = append(dst, encodingV1)
	// Timestamps are stored as their two's-complement bit pattern; decode
	// converts back, so every int64 survives the round trip unchanged.
	dst = binary.AppendUvarint(dst, uint64(st.created)) // #nosec G115 -- bit-pattern round trip with decode
	dst = binary.AppendUvarint(dst, uint64(st.touched)) // #nosec G115 -- bit-pattern round trip with decode
	dst = appendString(dst, st.userID)
	dst = binary.AppendUvarint(dst, uint64(len(st.values)))
	for k, v := range st.values {
		dst = appendString(dst, k)
		dst = appendString(dst, v)
	}
	return dst
}

func (st *state) encodedLen() int {
	n := 1 + 2*binary.MaxVarintLen64 + binary.MaxVarintLen64 + len(st.userID) + binary.MaxVarintLen64
	for k, v := range st.values {
		n += 2*binary.MaxVarintLen64 + len(k) + len(v)
	}
	return n
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// decode parses b into st. It never panics, whatever b holds.
func (st *state) decode(b []byte) error {
	d := decoder{b: b}
	if v := d.byte(); v != encodingV1 {
		return errCorrupt
	}
	st.created = int64(d.uvarint()) // #nosec G115 -- inverse of appendEncoded's conversion
	st.touched = int64(d.uvarint()) // #nosec G115 -- inverse of appendEncoded's conversion
	st.userID = d.string()
	n := d.uvarint()
	if d.err || n > uint64(len(d.b))/2 { // each pair takes at least 2 bytes
		return errCorrupt
	}
	st.values = make(map[string]string, n)
	for range n {
		k := d.string()
		st.values[k] = d.string()
	}
	if d.err || len(d.b) != 0 || st.created < 0 || st.touched < 0 {
		return errCorrupt
	}
	return nil
}

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = true
		d.b = nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
