package scan

import (
	"strings"
	"testing"
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
		`<table><select><keygen><meta name=referrer content=origin>`,
		`<select><iframe><style><script src="//x.example/a.js"></script></style></iframe><title><meta name=referrer content=origin></title></select>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		d := parseDocument(page)
		lower := strings.ToLower(page)
		if !strings.Contains(lower, "<meta") && (len(d.metaCSP) > 0 || d.hasReferrer) {
			t.Errorf("parseDocument(%q) found a <meta> policy in a page without <meta", page)
		}
		if !strings.Contains(lower, "<script") && len(d.scripts) > 0 {
			t.Errorf("parseDocument(%q) found a script in a page without <script", page)
		}
	})
}
