package sanitize

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// xssCorpus gathers filter-evasion vectors from the OWASP XSS Filter Evasion
// Cheat Sheet (cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.md in
// OWASP/CheatSheetSeries), PortSwigger's XSS cheat sheet (event handlers
// that fire without interaction, SVG/MathML, mutation XSS) and the
// javascript:/data: URL obfuscations both list. Each must come out of the
// rich-text policy with no executable markup.
var xssCorpus = []string{
	// Plain script, case and spacing games.
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://cdn.example/xss.js></SCRIPT>`,
	`<ScRiPt>alert(1)</sCrIpT>`,
	`<SCRIPT/XSS SRC="http://xss.rocks/xss.js"></SCRIPT>`,
	`<SCRIPT/SRC="http://xss.rocks/xss.js"></SCRIPT>`,
	`<<SCRIPT>alert("XSS");//\<</SCRIPT>`,
	`<SCRIPT SRC=http://xss.rocks/xss.js?< B >`,
	`<SCRIPT SRC=//xss.rocks/.j>`,
	`<SCRIPT a=">" SRC="httx://xss.rocks/xss.js"></SCRIPT>`,
	`<SCRIPT "a='>'" SRC="httx://xss.rocks/xss.js"></SCRIPT>`,
	"<SCRIPT a=`>` SRC=\"httx://xss.rocks/xss.js\"></SCRIPT>",
	`</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
	`</script><script>alert('XSS');</script>`,
	"javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"`/+/onmouseover=1/+/[*/[]/+alert(42);//'>",
	// Malformed tags and event handlers.
	`<a onmouseover="alert(document.cookie)">xxs link</a>`,
	`<a onmouseover=alert(document.cookie)>xxs link</a>`,
	`<IMG """><SCRIPT>alert("XSS")</SCRIPT>"\>`,
	`<IMG SRC=# onmouseover="alert('xxs')">`,
	`<IMG SRC= onmouseover="alert('xxs')">`,
	`<IMG onmouseover="alert('xxs')">`,
	`<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`,
	`<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">`,
	"<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
	`<BODY ONLOAD=alert('XSS')>`,
	`<b onmouseover=alert(1)>bold</b>`,
	`<p onclick="alert(1)" style="color:red">para</p>`,
	`<strong/onpointerenter=alert(1)>x</strong>`,
	`<i
onfocus=alert(1) tabindex=1 autofocus>x</i>`,
	`<input autofocus onfocus=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<video><source onerror="alert(1)"></video>`,
	`<audio src=x onerror=alert(1)>`,
	`<body onpageshow=alert(1)>`,
	`<marquee onstart=alert(1)>x</marquee>`,
	`<style>@keyframes x{}</style><b style="animation-name:x" onanimationstart="alert(1)">x</b>`,
	`<xss onbeforescriptexecute=alert(1)><script>1</script>`,
	// javascript:, vbscript:, data: URLs and their encodings.
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt:alert(1)">x</a>`,
	`<a href=" javascript:alert(1)">x</a>`,
	`<a href="jav	ascript:alert('XSS');">x</a>`,
	`<a href="jav&#x09;ascript:alert('XSS');">x</a>`,
	`<a href="jav&#x0A;ascript:alert('XSS');">x</a>`,
	`<a href="jav&#x0D;ascript:alert('XSS');">x</a>`,
	`<a href=" &#14;  javascript:alert('XSS');">x</a>`,
	`<a href="javascript&colon;alert(1)">x</a>`,
	`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;">x</a>`,
	`<a href="&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29">x</a>`,
	`<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">x</a>`,
	"<a href=\"java\x00script:alert(1)\">x</a>",
	`<a href="vbscript:msgbox('XSS')">x</a>`,
	`<a href="livescript:[code]">x</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	`<a href="https://example.com" onclick="alert(1)">x</a>`,
	`<a href="https://example.com" style="position:fixed;inset:0">x</a>`,
	`<a href="https:javascript:alert(1)">x</a>`,
	`<a href="//evil.example/">x</a>`,
	`<a href="https://user:pass@evil.example/">x</a>`,
	`<a href="http://insecure.example/">x</a>`,
	`<a href="/relative">x</a>`,
	`<a href="https://example.com" target="_self" rel="opener">x</a>`,
	`<IMG SRC=javascript:alert(String.fromCharCode(88,83,83))>`,
	`<IMG SRC="jav	ascript:alert('XSS');">`,
	`<IMG SRC='vbscript:msgbox("XSS")'>`,
	`<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
	`<BODY BACKGROUND="javascript:alert('XSS')">`,
	`<IMG DYNSRC="javascript:alert('XSS')">`,
	`<IMG LOWSRC="javascript:alert('XSS')">`,
	`<TABLE BACKGROUND="javascript:alert('XSS')">`,
	`<TABLE><TD BACKGROUND="javascript:alert('XSS')">`,
	`<BASE HREF="javascript:alert('XSS');//">`,
	`<form action="javascript:alert(1)"><button>x</button></form>`,
	`<button formaction="javascript:alert(1)">x</button>`,
	// Frames, objects, meta, style.
	`<IFRAME SRC="javascript:alert('XSS');"></IFRAME>`,
	`<IFRAME SRC=# onmouseover="alert(document.cookie)"></IFRAME>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<iframe src=http://xss.rocks/scriptlet.html <`,
	`<FRAMESET><FRAME SRC="javascript:alert('XSS');"></FRAMESET>`,
	`<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.rocks/scriptlet.html"></OBJECT>`,
	`<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4=" type="image/svg+xml"></EMBED>`,
	`<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
	`<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">`,
	`<META HTTP-EQUIV="Set-Cookie" Content="USERID=<SCRIPT>alert('XSS')</SCRIPT>">`,
	`<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
	`<STYLE>@import'http://xss.rocks/xss.css';</STYLE>`,
	`<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`,
	`<DIV STYLE="background-image: url(javascript:alert('XSS'))">`,
	`<DIV STYLE="width: expression(alert('XSS'));">`,
	`<XSS STYLE="behavior: url(xss.htc);">`,
	`<!--[if gte IE 4]><SCRIPT>alert('XSS');</SCRIPT><![endif]-->`,
	`<XML ID="xss"><I><B><IMG SRC="javas<!-- -->cript:alert('XSS')"></B></I></XML>`,
	`<HEAD><META HTTP-EQUIV="CONTENT-TYPE" CONTENT="text/html; charset=UTF-7"> </HEAD>+ADw-SCRIPT+AD4-alert('XSS');+ADw-/SCRIPT+AD4-`,
	// SVG and MathML.
	`<svg/onload=alert('XSS')>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><animate onbegin=alert(1) attributeName=x dur=1s>`,
	`<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>`,
	`<svg><set attributeName="onmouseover" to="alert(1)"/></svg>`,
	`<svg><foreignObject><iframe src="javascript:alert(1)"></iframe></foreignObject></svg>`,
	`<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>`,
	`<math href="javascript:alert(1)">x</math>`,
	// Mutation XSS and parser differentials.
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">`,
	`<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>`,
	`<template><script>alert(1)</script></template>`,
	`<textarea></textarea><img src=x onerror=alert(1)>`,
	`<title><img src=x onerror=alert(1)></title>`,
	`<b <script>alert(1)</script>>x</b>`,
	`<p title="&quot;><script>alert(1)</script>">x</p>`,
	`<a href="https://example.com/"<script>alert(1)</script>x</a>`,
	"<img src=x onerror=alert(1)//",
	`<a href="https://example.com/?q=&quot;onmouseover=alert(1)//">x</a>`,
}

var allowedElements = map[atom.Atom]bool{
	atom.B: true, atom.I: true, atom.Em: true, atom.Strong: true, atom.P: true, atom.Br: true, atom.A: true,
}

// executable returns a description of the first executable or disallowed
// markup in out, as a browser would parse it, or "".
func executable(out string) string {
	// 1. The DOM a browser builds from the output, as the body of a page.
	body := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragment(strings.NewReader(out), body)
	if err != nil {
		return "unparseable: " + err.Error()
	}
	var bad string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if bad != "" {
			return
		}
		switch n.Type {
		case html.ElementNode:
			if n.Namespace != "" || !allowedElements[n.DataAtom] {
				bad = "element " + n.Namespace + ":" + n.Data
				return
			}
			if msg := checkAttrs(n.DataAtom, n.Attr); msg != "" {
				bad = msg
				return
			}
		case html.TextNode:
		default:
			bad = "node type " + string(rune('0'+n.Type))
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	if bad != "" {
		return bad
	}
	// 2. The raw tokens, for anything a lenient parser would see differently.
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			tok := z.Token()
			if !allowedElements[tok.DataAtom] {
				return "token " + tok.Data
			}
			if msg := checkAttrs(tok.DataAtom, tok.Attr); msg != "" {
				return msg
			}
		case html.CommentToken, html.DoctypeToken:
			return "comment or doctype"
		}
	}
}

func checkAttrs(a atom.Atom, attrs []html.Attribute) string {
	for _, at := range attrs {
		switch {
		case a == atom.A && at.Key == "href":
			u, err := url.Parse(at.Val)
			if err != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(at.Val, "\x00\t\n\r ") {
				return "href " + at.Val
			}
		case a == atom.A && at.Key == "rel":
			if at.Val != "nofollow noopener" {
				return "rel " + at.Val
			}
		case a == atom.A && at.Key == "target":
			if at.Val != "_blank" {
				return "target " + at.Val
			}
		default:
			return "attribute " + at.Key + " on " + a.String()
		}
	}
	return ""
}

func TestXSSCorpus(t *testing.T) {
	if len(xssCorpus) < 50 {
		t.Fatalf("corpus has %d vectors; want at least 50", len(xssCorpus))
	}
	for _, v := range xssCorpus {
		out := RichText(v)
		if msg := executable(out); msg != "" {
			t.Errorf("%q\n→ %q\nkeeps %s", v, out, msg)
		}
		lower := strings.ToLower(out)
		for _, s := range []string{"<script", "<svg", "<math", "<img", "<iframe", "<style", "javascript:", "vbscript:", "data:", " on"} {
			if strings.Contains(lower, s) && strings.Contains(lower, "<") {
				// Text may mention these words; markup may not. The checks
				// above parse; this one catches a tag that the parser
				// might have missed.
				if strings.Contains(s, "<") || tagHas(out, s) {
					t.Errorf("%q → %q contains %q in markup", v, out, s)
				}
			}
		}
		// The strict policy keeps no markup at all.
		if strict := Strict(v); strings.ContainsAny(strict, "<>") {
			t.Errorf("Strict(%q) = %q", v, strict)
		}
	}
}

// tagHas reports whether s occurs inside a tag of out.
func tagHas(out, s string) bool {
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return false
		}
		if tt == html.StartTagToken || tt == html.SelfClosingTagToken || tt == html.EndTagToken {
			if strings.Contains(strings.ToLower(string(z.Raw())), s) {
				return true
			}
		}
	}
}

func TestHarmlessMarkupSurvives(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<b>bold</b> and <i>italic</i>`, `<b>bold</b> and <i>italic</i>`},
		{`<em>em</em><strong>strong</strong>`, `<em>em</em><strong>strong</strong>`},
		{`<p>one<br>two</p>`, `<p>one<br>two</p>`},
		{`<a href="https://example.com/a?b=1&c=2#d">link</a>`, `<a href="https://example.com/a?b=1&amp;c=2#d" rel="nofollow noopener" target="_blank">link</a>`},
		{`<A HREF="HTTPS://Example.com/">up</A>`, `<a href="https://Example.com/" rel="nofollow noopener" target="_blank">up</a>`},
		{`<a href="https://example.com" rel="opener" target="_self">x</a>`, `<a href="https://example.com" rel="nofollow noopener" target="_blank">x</a>`},
		{`Fish & chips < 5 > 3`, `Fish &amp; chips &lt; 5 &gt; 3`},
		{`I <3 Go`, `I &lt;3 Go`},
		{`<div><b>kept</b></div>`, `<b>kept</b>`},
	}
	for _, tt := range tests {
		if got := RichText(tt.in); got != tt.want {
			t.Errorf("RichText(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if msg := executable(RichText(tt.in)); msg != "" {
			t.Errorf("%q: %s", tt.in, msg)
		}
	}
	if got := Strict(`<b>bold</b> & "q"`); got != `bold &amp; &#34;q&#34;` {
		t.Errorf("Strict: %q", got)
	}
}

func TestLookup(t *testing.T) {
	for _, name := range Names() {
		f, ok := Lookup(name)
		if !ok || f("<script>x</script>y") != "y" {
			t.Errorf("Lookup(%q)", name)
		}
	}
	if _, ok := Lookup("ugc"); ok {
		t.Error("unknown policy found")
	}
	if len(Normalizers()) != 2 || RichTextPolicy() == nil {
		t.Error("Normalizers/RichTextPolicy")
	}
}

// FuzzRichText checks that no input yields executable markup.
func FuzzRichText(f *testing.F) {
	for _, v := range xssCorpus {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := RichText(s)
		if msg := executable(out); msg != "" {
			t.Fatalf("%q → %q keeps %s", s, out, msg)
		}
	})
}

func BenchmarkRichText(b *testing.B) {
	s := "Hello! I would like to know more about <b>your</b> analytical engine. See <a href=\"https://example.com/notes\">my notes</a>."
	b.ReportAllocs()
	for b.Loop() {
		RichText(s)
	}
}

func BenchmarkRichTextPlain(b *testing.B) {
	s := "Hello! I would like to know more about your analytical engine.\nThanks, Ada"
	b.ReportAllocs()
	for b.Loop() {
		RichText(s)
	}
}

// FuzzInert checks the fast path: where it returns its input unchanged,
// both bluemonday policies return the same string.
func FuzzInert(f *testing.F) {
	for _, s := range []string{"plain text", "line\nbreak\ttab", "é ü ß 日本", "a\rb", "\xff", "a'b", "x\x00y", "\u2028", "&amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !inert(s) {
			return
		}
		if got := richText.Sanitize(s); got != s {
			t.Fatalf("richtext: fast path %q, bluemonday %q", s, got)
		}
		if got := strict.Sanitize(s); got != s {
			t.Fatalf("strict: fast path %q, bluemonday %q", s, got)
		}
	})
}
