package xsstest

import (
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// XSSVectors gathers filter-evasion vectors from the OWASP XSS Filter Evasion
// Cheat Sheet (cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.md in
// OWASP/CheatSheetSeries), PortSwigger's XSS cheat sheet (event handlers
// that fire without interaction, SVG/MathML, mutation XSS) and the
// javascript:/data: URL obfuscations both list. Each must come out of the
// rich-text policy with no executable markup. Host names are under the
// reserved .invalid top-level domain, so a browser test that renders them
// can never reach a real host.
var XSSVectors = []string{
	// Plain script, case and spacing games.
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://cdn.invalid/xss.js></SCRIPT>`,
	`<ScRiPt>alert(1)</sCrIpT>`,
	`<SCRIPT/XSS SRC="http://xss.invalid/xss.js"></SCRIPT>`,
	`<SCRIPT/SRC="http://xss.invalid/xss.js"></SCRIPT>`,
	`<<SCRIPT>alert("XSS");//\<</SCRIPT>`,
	`<SCRIPT SRC=http://xss.invalid/xss.js?< B >`,
	`<SCRIPT SRC=//xss.invalid/.j>`,
	`<SCRIPT a=">" SRC="httx://xss.invalid/xss.js"></SCRIPT>`,
	`<SCRIPT "a='>'" SRC="httx://xss.invalid/xss.js"></SCRIPT>`,
	"<SCRIPT a=`>` SRC=\"httx://xss.invalid/xss.js\"></SCRIPT>",
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
	`<a href="https://example.invalid" onclick="alert(1)">x</a>`,
	`<a href="https://example.invalid" style="position:fixed;inset:0">x</a>`,
	`<a href="https:javascript:alert(1)">x</a>`,
	`<a href="//evil.invalid/">x</a>`,
	`<a href="https://user:pass@evil.invalid/">x</a>`,
	`<a href="http://insecure.invalid/">x</a>`,
	`<a href="/relative">x</a>`,
	`<a href="https://example.invalid" target="_self" rel="opener">x</a>`,
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
	`<iframe src=http://xss.invalid/scriptlet.html <`,
	`<FRAMESET><FRAME SRC="javascript:alert('XSS');"></FRAMESET>`,
	`<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.invalid/scriptlet.html"></OBJECT>`,
	`<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciPjxzY3JpcHQ+YWxlcnQoMSk8L3NjcmlwdD48L3N2Zz4=" type="image/svg+xml"></EMBED>`,
	`<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
	`<META HTTP-EQUIV="refresh" CONTENT="0;url=data:text/html base64,PHNjcmlwdD5hbGVydCgnWFNTJyk8L3NjcmlwdD4K">`,
	`<META HTTP-EQUIV="Set-Cookie" Content="USERID=<SCRIPT>alert('XSS')</SCRIPT>">`,
	`<LINK REL="stylesheet" HREF="javascript:alert('XSS');">`,
	`<STYLE>@import'http://xss.invalid/xss.css';</STYLE>`,
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
	`<a href="https://example.invalid/"<script>alert(1)</script>x</a>`,
	"<img src=x onerror=alert(1)//",
	`<a href="https://example.invalid/?q=&quot;onmouseover=alert(1)//">x</a>`,
}

var allowedElements = map[atom.Atom]bool{
	atom.B: true, atom.I: true, atom.Em: true, atom.Strong: true, atom.P: true, atom.Br: true, atom.A: true,
}

// Executable returns a description of the first executable or disallowed
// markup in out, as a browser would parse it, or "". Allowed are the
// elements b, i, em, strong, p, br and a, and on a only an absolute https
// href with a host, rel="nofollow noopener" and target="_blank"; no
// comments, no foreign (SVG, MathML) content.
func Executable(out string) string {
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
			bad = "node type " + strconv.FormatUint(uint64(n.Type), 10)
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
