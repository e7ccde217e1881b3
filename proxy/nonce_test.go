package proxy

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// splitReader returns the body in pieces of the given sizes (cycled).
type splitReader struct {
	s     string
	sizes []int
	i     int
}

func (r *splitReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := 1
	if len(r.sizes) > 0 {
		n = max(r.sizes[r.i%len(r.sizes)], 1)
		r.i++
	}
	n = min(n, len(r.s), len(p))
	copy(p, r.s[:n])
	r.s = r.s[n:]
	return n, nil
}

func TestNonceReader(t *testing.T) {
	const ph, nonce = "{{csp-nonce-0123456789}}", "NONCE"
	tests := []struct{ name, body string }{
		{"none", "<p>hello</p>"},
		{"one", `<script nonce="` + ph + `">`},
		{"adjacent", ph + ph},
		{"prefix at end", "abc{{csp-nonce-01"},
		{"false start", "{{csp-{{csp-nonce-0123456789}}"},
		{"empty", ""},
	}
	for _, tt := range tests {
		for _, sizes := range [][]int{nil, {2}, {3, 5}, {1 << 20}} {
			r := newNonceReader(io.NopCloser(&splitReader{s: tt.body, sizes: sizes}), ph, nonce)
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if want := strings.ReplaceAll(tt.body, ph, nonce); string(got) != want {
				t.Errorf("%s, reads of %v: got %q, want %q", tt.name, sizes, got, want)
			}
		}
	}
	// The reader obeys io.Reader's contract.
	body := strings.Repeat("x"+ph+"yy", 100)
	if err := iotest.TestReader(newNonceReader(io.NopCloser(strings.NewReader(body)), ph, nonce),
		[]byte(strings.ReplaceAll(body, ph, nonce))); err != nil {
		t.Error(err)
	}
}

// FuzzNonceSubstitution checks the streaming replacement against
// strings.ReplaceAll on the whole body, for any split into reads.
func FuzzNonceSubstitution(f *testing.F) {
	f.Add("<script nonce=\"{{p}}\">", "{{p}}", "abc", []byte{1, 2, 3})
	f.Add("aaaa", "aa", "b", []byte{1})
	f.Add("ababab", "abab", "X", []byte{3, 1})
	f.Add("x{{p}{{p}}", "{{p}}", "nonce-value-22-chars-x", []byte{4})
	f.Add("", "p", "", []byte{})
	f.Fuzz(func(t *testing.T, body, placeholder, nonce string, sizes []byte) {
		if placeholder == "" {
			return
		}
		split := make([]int, len(sizes))
		for i, s := range sizes {
			split[i] = int(s)
		}
		r := newNonceReader(io.NopCloser(&splitReader{s: body, sizes: split}), placeholder, nonce)
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.ReplaceAll(body, placeholder, nonce); string(got) != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}
