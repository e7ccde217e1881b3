package scan

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/idna"

	"github.com/harden-go/harden/scan/internal/js"
)

// nodeHeaders is a response's header fields as the Observatory sees them
// through Node's HTTP client: names lower-cased, values decoded as latin1,
// repeated fields joined with ", " (the first kept for the few fields Node
// refuses to repeat), Set-Cookie kept as a list.
type nodeHeaders struct {
	fields    map[string]string
	setCookie []string
}

// nodeFirstOnly are the fields for which Node keeps the first value only.
var nodeFirstOnly = map[string]bool{
	"content-type": true, "content-length": true, "user-agent": true, "referer": true,
	"host": true, "authorization": true, "proxy-authorization": true,
	"if-modified-since": true, "if-unmodified-since": true, "from": true,
	"location": true, "max-forwards": true, "retry-after": true, "etag": true,
	"last-modified": true, "server": true, "age": true, "expires": true,
}

func newNodeHeaders(h http.Header) nodeHeaders {
	n := nodeHeaders{fields: make(map[string]string, len(h))}
	for k, vs := range h {
		name := strings.ToLower(k)
		if name == "set-cookie" {
			for _, v := range vs {
				n.setCookie = append(n.setCookie, sanitizeValue(js.Latin1(v)))
			}
			continue
		}
		if len(vs) == 0 {
			continue
		}
		if nodeFirstOnly[name] {
			n.fields[name] = sanitizeValue(js.Latin1(vs[0]))
			continue
		}
		parts := make([]string, len(vs))
		for i, v := range vs {
			parts[i] = js.Latin1(v)
		}
		n.fields[name] = sanitizeValue(strings.Join(parts, ", "))
	}
	return n
}

// get returns the field and whether it was present; the Observatory treats
// an empty value as absent in most rules.
func (n nodeHeaders) get(name string) (string, bool) {
	v, ok := n.fields[name]
	return v, ok
}

// sanitizeValue drops control characters and trims spaces and tabs, as
// axios does with every header value.
func sanitizeValue(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r == 0x7f {
				return -1
			}
			return r
		}, s)
	}
	return strings.Trim(s, " \t")
}

// pageText is the body as the Observatory's HTTP client hands it over: a
// body that parses as JSON is replaced by its value's string form, and a
// falsy value (empty text, 0, false, null) means no page at all.
func pageText(body []byte) (string, bool) {
	if len(body) == 0 {
		return "", false
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		s := jsString(v)
		switch x := v.(type) {
		case nil:
			return "", false
		case bool:
			return s, x
		case float64:
			return s, x != 0
		case string:
			return s, x != ""
		}
		return s, true
	}
	return string(body), true
}

// jsString is String(v) for a value decoded from JSON.
func jsString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e != nil {
				parts[i] = jsString(e)
			}
		}
		return strings.Join(parts, ",")
	}
	return "[object Object]"
}

// htmlTypes are the media types the Observatory parses as HTML.
var htmlTypes = map[string]bool{"text/html": true, "application/xhtml+xml": true}

// mediaType is the part of Content-Type before the first ';', untrimmed.
func mediaType(contentType string) string {
	mt, _, _ := strings.Cut(contentType, ";")
	return mt
}

// script is one <script> element of the page.
type script struct {
	html      bool // in the HTML namespace (an SVG script has no src)
	hasSrc    bool
	src       string // the src attribute
	integrity string
	hasInteg  bool
}

// document is what the checks need from a page's HTML.
type document struct {
	metaCSP     []string
	referrer    []string // the last <meta name=referrer>, as a one-element list
	hasReferrer bool
	scripts     []script
	base        *url.URL // the document base URL from <base href>, if absolute
}

// parseDocument reads the <meta> and <script> elements of a page, skipping
// <template> contents as the DOM does. Scripts and <base> come from the
// page parsed as a document with scripting disabled (a jsdom document's
// default); <meta> elements from the page parsed as a fragment with
// scripting enabled, as the Observatory and browsers read them.
func parseDocument(text string) *document {
	d := &document{}
	d.metas(text)
	root, err := html.ParseWithOptions(strings.NewReader(text), html.ParseOptionEnableScripting(false))
	if err != nil {
		return d
	}
	baseSeen := false
	walkElements(root, false, func(c *html.Node, inSelect bool) {
		switch {
		case c.Data == "script":
			// Inside a <select> the Observatory's parser creates no SVG or
			// MathML element, so every script there is an HTML one.
			d.scripts = append(d.scripts, readScript(c, c.Namespace == "" || inSelect))
		case c.Data == "base" && c.Namespace == "" && !inSelect && !baseSeen:
			if href, ok := attr(c, "href"); ok {
				baseSeen = true
				if u, ok := parseAbsoluteURL(href); ok {
					d.base = u
				}
			}
		}
	})
	return d
}

// readScript reads the src and integrity attributes of a script element.
func readScript(n *html.Node, isHTML bool) script {
	s := script{html: isHTML}
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		switch a.Key {
		case "src":
			if !s.hasSrc {
				s.hasSrc, s.src = true, a.Val
			}
		case "integrity":
			if !s.hasInteg {
				s.hasInteg, s.integrity = true, a.Val
			}
		}
	}
	return s
}

// walkElements calls visit for every element under n in document order,
// skipping template contents, and says whether the element is inside a
// <select> as the Observatory's parser reads one. That parser follows the
// HTML parsing rules from before the customizable <select>: inside a
// <select> every start tag but options, <hr>, scripts and templates is
// ignored, and an <input>, <keygen>, <textarea> or <select> closes the
// <select>. This package's parser follows the newer rules, which keep the elements;
// the text of a raw-text element kept there (<iframe>, <style>, <title>,
// ...) is markup under the older rules, so it is parsed again and walked
// as the inside of the <select>. scripting is the option n was parsed with.
func walkElements(n *html.Node, scripting bool, visit func(c *html.Node, inSelect bool)) {
	var walk func(n *html.Node, open *bool, depth int)
	walk = func(n *html.Node, open *bool, depth int) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			html5 := c.Namespace == ""
			if html5 && c.DataAtom == atom.Template {
				continue // a template's contents are not in the document
			}
			in := open != nil && *open
			if in && html5 && (c.DataAtom == atom.Input || c.DataAtom == atom.Keygen || c.DataAtom == atom.Textarea || c.DataAtom == atom.Select) {
				// A <select> inside a <select> closes it and opens none.
				*open, in = false, false
				if c.DataAtom == atom.Select {
					visit(c, false)
					walk(c, open, depth)
					continue
				}
			}
			visit(c, in)
			if in && html5 && rawTextInSelect[c.DataAtom] && depth < maxSelectReparse {
				for t := c.FirstChild; t != nil; t = t.NextSibling {
					if t.Type != html.TextNode {
						continue
					}
					sel, after := reparseInSelect(t.Data, scripting)
					walk(sel, open, depth+1)
					if after.FirstChild != nil {
						*open = false // the text closed the <select>
						walk(after, open, depth+1)
					}
				}
			}
			next := open
			if html5 && c.DataAtom == atom.Select && !in {
				selectOpen := true
				next = &selectOpen
			}
			walk(c, next, depth)
		}
	}
	walk(n, nil, 0)
}

// rawTextInSelect are the elements whose contents the newer parsing rules
// keep as text inside a <select>, where the older rules ignore the start
// tag and parse the contents as markup.
var rawTextInSelect = map[atom.Atom]bool{
	atom.Iframe: true, atom.Style: true, atom.Xmp: true, atom.Noembed: true,
	atom.Noframes: true, atom.Title: true, atom.Plaintext: true, atom.Noscript: true,
}

// maxSelectReparse bounds the nesting of parses again: each level parses a
// strictly shorter text, but a page is untrusted.
const maxSelectReparse = 8

// reparseInSelect parses text as the inside of a <select> (a <select>
// start tag, then text, in a <body>) and returns that <select> and, under
// one parent, what the text puts after it once something in it closed the
// <select>.
func reparseInSelect(text string, scripting bool) (sel, after *html.Node) {
	sel = &html.Node{Type: html.ElementNode, Data: "select", DataAtom: atom.Select}
	after = &html.Node{Type: html.DocumentNode}
	context := &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader("<select>"+text), context, html.ParseOptionEnableScripting(scripting))
	if err != nil || len(nodes) == 0 {
		return sel, after
	}
	if nodes[0].Type == html.ElementNode && nodes[0].DataAtom == atom.Select {
		sel, nodes = nodes[0], nodes[1:]
	}
	for _, n := range nodes {
		after.AppendChild(n)
	}
	return sel, after
}

// metas reads the <meta> policies of a page parsed as the contents of a
// <template> with scripting enabled, as the Observatory's parser does.
// With scripting on, <noscript> holds text: a policy or referrer <meta>
// inside it applies in no browser that runs scripts, so it must not earn
// the page a policy it does not have. A <meta> inside a <select> is
// dropped too, as that parser drops it.
func (d *document) metas(text string) {
	context := &html.Node{Type: html.ElementNode, Data: "template", DataAtom: atom.Template}
	nodes, err := html.ParseFragmentWithOptions(strings.NewReader(text), context, html.ParseOptionEnableScripting(true))
	if err != nil {
		return
	}
	top := &html.Node{Type: html.DocumentNode}
	for _, n := range nodes {
		top.AppendChild(n)
	}
	walkElements(top, true, func(c *html.Node, inSelect bool) {
		if c.Namespace == "" && c.DataAtom == atom.Meta && !inSelect {
			d.meta(c)
		}
	})
}

func (d *document) meta(n *html.Node) {
	equiv, hasEquiv := attr(n, "http-equiv")
	content, hasContent := attr(n, "content")
	if hasEquiv && hasContent {
		if content != "" && strings.ToLower(js.Trim(equiv)) == "content-security-policy" {
			d.metaCSP = append(d.metaCSP, content)
		}
		return
	}
	if name, ok := attr(n, "name"); ok && strings.ToLower(js.Trim(name)) == "referrer" {
		if hasContent && content != "" {
			d.referrer, d.hasReferrer = []string{content}, true
		}
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// parseAbsoluteURL parses s as an absolute URL the way a browser would for
// the common cases: special schemes accept "https:host" and backslashes.
func parseAbsoluteURL(s string) (*url.URL, bool) {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	colon := strings.IndexByte(s, ':')
	if colon <= 0 {
		return nil, false
	}
	scheme := strings.ToLower(s[:colon])
	for i, r := range scheme {
		if !(r >= 'a' && r <= 'z' || i > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.')) {
			return nil, false
		}
	}
	rest := s[colon+1:]
	if specialScheme(scheme) {
		rest = strings.ReplaceAll(rest, `\`, "/")
		rest = "//" + strings.TrimLeft(rest, "/")
	}
	u, err := url.Parse(scheme + ":" + rest)
	if err != nil || specialScheme(scheme) && u.Host == "" {
		return nil, false // a special URL needs a host: "http://" does not parse
	}
	if u.Host != "" {
		u.Host = strings.ToLower(u.Host)
		if p := u.Port(); (scheme == "http" && p == "80") || (scheme == "https" && p == "443") {
			u.Host = u.Hostname()
		}
	}
	if u.Opaque == "" && u.Path == "" && u.Host != "" {
		u.Path = "/"
	}
	return u, true
}

// scriptSrc is the src IDL attribute of a script element: the attribute
// resolved against the document base URL when it parses, the raw value
// otherwise (as against about:blank).
func (d *document) scriptSrc(s script) string {
	if d.base != nil && specialScheme(d.base.Scheme) {
		if rel, ok := sameSchemeRelative(s.src, d.base.Scheme); ok {
			// "https:a.js" against an https: base is a path, not a host.
			if ref, err := url.Parse(rel); err == nil {
				return urlString(d.base.ResolveReference(ref))
			}
		}
	}
	if u, ok := parseAbsoluteURL(s.src); ok {
		return urlString(u)
	}
	if s.src == "" {
		if d.base != nil {
			return d.base.String()
		}
		return "about:blank"
	}
	if d.base != nil && d.base.Opaque == "" && !hasScheme(s.src) {
		// A base like data:,x cannot resolve anything, and a src with a
		// scheme that did not parse ("http://") stays as written.
		src := strings.TrimSpace(s.src)
		if specialScheme(d.base.Scheme) {
			// Against a special base a backslash is a slash:
			// "\\cdn.example\a.js" names the host cdn.example.
			path, query, hasQuery := strings.Cut(src, "?")
			src = strings.ReplaceAll(path, `\`, "/")
			if hasQuery {
				src += "?" + query
			}
		}
		ref, err := url.Parse(src)
		if err != nil {
			// A stray "%" does not stop a browser from resolving the URL.
			ref, err = url.Parse(strayPercent.ReplaceAllString(src, "%25$1"))
		}
		if err == nil {
			return urlString(d.base.ResolveReference(ref))
		}
	}
	return s.src
}

// urlString writes u as the URL standard serializes it, for the host of a
// special URL: an internationalized name in ASCII (punycode), and an IPv4
// address in any of its forms ("127.1", "0x7f.0.0.1") as four decimal
// numbers, so that a script's host is compared with the site's as the
// Observatory compares them.
func urlString(u *url.URL) string {
	if !specialScheme(u.Scheme) || u.Host == "" {
		return u.String()
	}
	host, port := u.Hostname(), u.Port()
	if strings.HasPrefix(u.Host, "[") {
		return u.String()
	}
	if ascii, err := idna.Lookup.ToASCII(host); err == nil {
		host = ascii
	}
	if ip, ok := parseURLIPv4(host); ok {
		host = ip
	}
	v := *u
	v.Host = host
	if port != "" {
		v.Host += ":" + port
	}
	return v.String()
}

// parseURLIPv4 reads host as the URL standard's IPv4 parser does: one to
// four dot-separated numbers, each decimal, octal (leading 0) or hex (0x),
// the last filling the remaining bytes.
func parseURLIPv4(host string) (string, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 || len(parts) > 4 {
		return "", false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
			p, base = p[2:], 16
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			p, base = p[1:], 8
		}
		n, err := strconv.ParseUint(p, base, 64)
		if p == "" || err != nil {
			return "", false
		}
		nums[i] = n
	}
	last := len(nums) - 1
	var addr uint64
	for i, n := range nums[:last] {
		if n > 255 {
			return "", false
		}
		addr |= n << (8 * (3 - i))
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return "", false
	}
	addr |= nums[last]
	return fmt.Sprintf("%d.%d.%d.%d", addr>>24, addr>>16&255, addr>>8&255, addr&255), true
}

var (
	schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	strayPercent = regexp.MustCompile(`%([^0-9A-Fa-f]|[0-9A-Fa-f][^0-9A-Fa-f]|[0-9A-Fa-f]?$)`)
)

// hasScheme reports whether src starts with a URL scheme.
func hasScheme(src string) bool {
	return schemePrefix.MatchString(strings.TrimFunc(src, func(r rune) bool { return r <= ' ' }))
}

// specialScheme reports whether scheme is one of the URL standard's special
// schemes with a host (file: aside).
func specialScheme(scheme string) bool {
	switch scheme {
	case "http", "https", "ws", "wss", "ftp":
		return true
	}
	return false
}

// sameSchemeRelative returns the part after the scheme of src when src
// names scheme without an authority ("https:a.js", "https:/a.js"): against
// a base of the same special scheme, the URL standard reads it as a
// relative reference.
func sameSchemeRelative(src, scheme string) (string, bool) {
	src = strings.TrimFunc(src, func(r rune) bool { return r <= ' ' })
	colon := strings.IndexByte(src, ':')
	if colon <= 0 || !strings.EqualFold(src[:colon], scheme) {
		return "", false
	}
	rest := strings.ReplaceAll(src[colon+1:], `\`, "/")
	if strings.HasPrefix(rest, "//") {
		return "", false
	}
	return rest, true
}
