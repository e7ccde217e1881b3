package proxy

import (
	"bytes"
	"io"
)

// nonceReader replaces every occurrence of a placeholder with the nonce in
// the body it reads, as strings.ReplaceAll would on the whole body, while
// streaming: a placeholder split across two reads of the upstream is
// found, because the longest tail of each read that could begin one is
// held back until the next.
type nonceReader struct {
	src         io.ReadCloser
	placeholder []byte
	nonce       []byte
	pending     []byte // read, not yet searched to the end: a possible placeholder start
	out         []byte // ready to return
	chunk       []byte
	err         error
}

func newNonceReader(src io.ReadCloser, placeholder, nonce string) *nonceReader {
	return &nonceReader{src: src, placeholder: []byte(placeholder), nonce: []byte(nonce)}
}

func (n *nonceReader) Read(p []byte) (int, error) {
	for len(n.out) == 0 {
		if n.err != nil {
			if len(n.pending) > 0 {
				// The source ended: what was held back was no placeholder.
				n.out, n.pending = n.pending, nil
				break
			}
			return 0, n.err
		}
		if n.chunk == nil {
			n.chunk = make([]byte, 16<<10)
		}
		m, err := n.src.Read(n.chunk)
		n.err = err
		n.pending = append(n.pending, n.chunk[:m]...)
		n.scan()
	}
	c := copy(p, n.out)
	n.out = n.out[c:]
	return c, nil
}

// scan moves pending to out, replacing every whole placeholder and keeping
// back the longest tail that is a proper prefix of the placeholder.
func (n *nonceReader) scan() {
	buf := n.out[:0]
	in := n.pending
	for {
		i := bytes.Index(in, n.placeholder)
		if i < 0 {
			break
		}
		buf = append(buf, in[:i]...)
		buf = append(buf, n.nonce...)
		in = in[i+len(n.placeholder):]
	}
	k := partialSuffix(in, n.placeholder)
	buf = append(buf, in[:len(in)-k]...)
	n.out = buf
	n.pending = append(n.pending[:0], in[len(in)-k:]...)
}

// partialSuffix returns the length of the longest suffix of b that is a
// proper prefix of placeholder.
func partialSuffix(b, placeholder []byte) int {
	for k := min(len(b), len(placeholder)-1); k > 0; k-- {
		if bytes.HasPrefix(placeholder, b[len(b)-k:]) {
			return k
		}
	}
	return 0
}

func (n *nonceReader) Close() error { return n.src.Close() }
