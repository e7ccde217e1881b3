package csp

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/testenv"
)

// cspSamples are policy lists that exercise the parser's oddities, plus
// random ones built from tokens that collide in sorting, prefixes and
// percent-encoding.
func cspSamples() [][]string {
	lists := [][]string{
		{"default-src 'self' https: 'unsafe-inline'; script-src 'nonce-R4nd' 'strict-dynamic'"},
		{"default-src 'self' https://a.example.com https://a.example.com.evil https://a.example.com/x"},
		{"img-src a_b a-b a~b ab a1 a.b a/b a:b A"},
		{"default-src 'self'", "default-src 'self' https://cdn.example.com"},
		{"img-src https://a.example.com/p/", "img-src https://a.example.com/p/q https://a.example.com/pq"},
		{"img-src https://a.example.com/%41", "img-src https://a.example.com/A"},
		{"script-src 'self'", "script-src 'self'", "script-src 'none'"},
		{"report-to a; report-to b; default-src 'none'"},
		{"DEFAULT-SRC 'SELF'; Script-Src HTTPS://CDN.Example.COM"},
		{"default-src 'self', img-src *"},
		{"      "}, {"abcdef"}, {"abcde"},
	}
	tokens := []string{"'self'", "'none'", "*", "https:", "http:", "data:", "'unsafe-inline'", "'nonce-a'",
		"https://a.example.com", "https://a.example.com/", "https://a.example.com/x", "https://a.example.com/x/",
		"https://a.example.com/%78", "https://a.example.com/%zz", "https://a.example.com.evil", "a_b", "a-b", "a~b", "ab", "A"}
	directives := []string{"default-src", "script-src", "img-src", "report-uri", "frame-ancestors", "style-src"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		var list []string
		for range 1 + r.IntN(3) {
			var parts []string
			used := map[string]bool{}
			for range 1 + r.IntN(3) {
				d := directives[r.IntN(len(directives))]
				if used[d] && r.IntN(4) != 0 {
					continue
				}
				used[d] = true
				srcs := []string{d}
				for range r.IntN(5) {
					srcs = append(srcs, tokens[r.IntN(len(tokens))])
				}
				parts = append(parts, strings.Join(srcs, " "))
			}
			list = append(list, strings.Join(parts, "; "))
		}
		lists = append(lists, list)
	}
	return lists
}

// TestParseAgreesWithObservatory parses every sample with the pinned
// Observatory's own parser and with Parse, and wants the same directives,
// sources (in order), duplicates and errors.
func TestParseAgreesWithObservatory(t *testing.T) {
	script := filepath.Join(filepath.Dir(testenv.Observatory(t)), "csp.mjs")
	samples := cspSamples()
	in, _ := json.Marshal(samples)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var want []struct {
		Error      bool                `json:"error"`
		Directives map[string][]string `json:"directives"`
		Duplicates []string            `json:"duplicates"`
	}
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(samples) {
		t.Fatalf("node output (%d of %d): %v", len(want), len(samples), err)
	}
	for i, list := range samples {
		p, err := Parse(list)
		if want[i].Error {
			if err == nil {
				t.Errorf("%q: parsed, the Observatory refuses it", list)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v, the Observatory parses it", list, err)
			continue
		}
		got := map[string][]string{}
		for k, v := range p.Directives {
			got[k] = v.Values()
		}
		dups := p.Duplicates
		if dups == nil {
			dups = []string{}
		}
		if !reflect.DeepEqual(got, want[i].Directives) || !reflect.DeepEqual(dups, want[i].Duplicates) {
			t.Errorf("%q:\n got %v %v\nwant %v %v", list, got, dups, want[i].Directives, want[i].Duplicates)
		}
	}
}
