package scan

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

// FuzzParseDocument feeds untrusted pages to the reader of <meta> policies,
// scripts and <base>: it must not panic, and it finds no <meta> or script
// in a page that has no such tag.
func FuzzParseDocument(f *testing.F) {
	for _, s := range []string{
		`<meta http-equiv="Content-Security-Policy" content="default-src 'none'"><meta name=referrer content=no-referrer>`,
		`<head><noscript><meta http-equiv="Content-Security-Policy" content="default-src 'none'"></noscript></head>`,
		`<select><svg><script src="http://x.example/a.js"></script></svg><textarea></textarea><meta name=referrer content=unsafe-url></select>`,
		`<template><meta http-equiv=content-security-policy content="x"><script src=a.js></script></template>`,
		`<frameset><meta http-equiv=content-security-policy content="default-src 'none'"></frameset>`,
		`<base href="https://cdn.example/"><script src="a.js" integrity="sha384-x"></script>`,
		`<base href="https://a.example/"><script src="\\b.example\c.js"></script><script src="https:d.js"></script><script src="%zz%4"></script><script src="http://"></script>`,
		`<base href="data:,x"><script src="../a.js"></script><base href="https://x/"><script src="#f"></script>`,
		`<script src="https://0x7f.1/a.js"></script><script src="https://4294967296/"></script><script src="https://ÄÖ.example:8443/"></script><script src="https://[::1]/"></script>`,
		`<table><select><keygen><meta name=referrer content=origin>`,
		`<select><iframe><style><script src="//x.example/a.js"></script></style></iframe><title><meta name=referrer content=origin></title></select>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		d := parseDocument(page)
		for _, s := range d.scripts {
			_ = d.scriptSrc(s) // resolving against any <base> must not panic
		}
		lower := strings.ToLower(page)
		if !strings.Contains(lower, "<meta") && (len(d.metaCSP) > 0 || d.hasReferrer) {
			t.Errorf("parseDocument(%q) found a <meta> policy in a page without <meta", page)
		}
		if !strings.Contains(lower, "<script") && len(d.scripts) > 0 {
			t.Errorf("parseDocument(%q) found a script in a page without <script", page)
		}
	})
}

// htmlSamples are pages built from the tags that switch the HTML parser's
// modes (select, raw text, foreign content, tables, templates, frames),
// with <meta> policies and scripts among them.
func htmlSamples() []string {
	tags := []string{"select", "option", "optgroup", "svg", "math", "template", "noscript", "iframe", "style",
		"title", "textarea", "table", "tr", "td", "frameset", "head", "body", "html", "p", "div", "button",
		"datalist", "object", "hr", "input", "keygen", "foreignObject", "desc", "mi", "annotation-xml", "xmp",
		"noembed", "noframes", "caption", "colgroup", "col", "tbody", "th", "frame", "form", "a", "li", "ul"}
	r := rand.New(rand.NewPCG(7, 9))
	pages := make([]string, 0, 1000)
	for range cap(pages) {
		var b strings.Builder
		for i := range 3 + r.IntN(12) {
			id := string(rune('a' + i))
			switch r.IntN(7) {
			case 0:
				b.WriteString(`<meta http-equiv="Content-Security-Policy" content="default-src '` + id + `'">`)
			case 1:
				b.WriteString(`<meta name="referrer" content="` + id + `">`)
			case 2:
				b.WriteString(`<script src="https://x.example/` + id + `.js"></script>`)
			case 3:
				b.WriteString("</" + tags[r.IntN(len(tags))] + ">")
			default:
				b.WriteString("<" + tags[r.IntN(len(tags))] + ">")
			}
		}
		pages = append(pages, b.String())
	}
	return pages
}

// TestParseDocumentAgreesWithObservatory reads every sample with the pinned
// Observatory's HTML parser (jsdom) and with parseDocument, and wants the
// same <meta> policies, referrer and script sources.
func TestParseDocumentAgreesWithObservatory(t *testing.T) {
	script := filepath.Join(filepath.Dir(testenv.Observatory(t)), "html.mjs")
	pages := htmlSamples()
	in, _ := json.Marshal(pages)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var want []struct {
		CSP      []string `json:"csp"`
		Referrer []string `json:"referrer"`
		Scripts  []string `json:"scripts"`
	}
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(pages) {
		t.Fatalf("node output: %v (%d results for %d pages)", err, len(want), len(pages))
	}
	for i, page := range pages {
		d := parseDocument(page)
		scripts := []string{}
		for _, s := range d.scripts {
			if s.html && s.hasSrc {
				scripts = append(scripts, d.scriptSrc(s))
			}
		}
		got := []any{append([]string{}, d.metaCSP...), append([]string{}, d.referrer...), scripts}
		w := []any{append([]string{}, want[i].CSP...), append([]string{}, want[i].Referrer...), append([]string{}, want[i].Scripts...)}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s\n got  csp, referrer, scripts %q\n want %q", page, got, w)
		}
	}
}

func TestParseURLIPv4(t *testing.T) {
	for _, tt := range []struct {
		host, want string
		ok         bool
	}{
		{"127.0.0.1", "127.0.0.1", true},
		{"127.1", "127.0.0.1", true},
		{"0x7f.0.0.1", "127.0.0.1", true},
		{"0177.0.0.1", "127.0.0.1", true},
		{"2130706433", "127.0.0.1", true},
		{"0x", "0.0.0.0", true},
		{"127.0.0.1.", "127.0.0.1", true},
		{"4294967295", "255.255.255.255", true},
		{"4294967296", "", false},
		{"256.0.0.1", "", false},
		{"1.2.3.4.5", "", false},
		{"08.0.0.1", "", false},
		{"example.com", "", false},
		{"", "", false},
	} {
		got, ok := parseURLIPv4(tt.host)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseURLIPv4(%q) = %q, %v; want %q, %v", tt.host, got, ok, tt.want, tt.ok)
		}
	}
}
