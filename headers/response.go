package headers

import (
	"net/http"
	"strings"

	"github.com/harden-go/harden/internal/statuswriter"
)

// apiPolicy is the Content-Security-Policy of the compact API set, as
// OWASP's REST Security Cheat Sheet gives it: nothing may load, run or
// frame the response.
const apiPolicy = "default-src 'none'; frame-ancestors 'none'"

// apiFrameOptions is the compact set's X-Frame-Options: an API answer is
// never a frame's document.
const apiFrameOptions = "DENY"

// compileAPISet splits the page set into the compact set and the rest.
// Omitted headers are absent from both, as they are from static.
func (h *Headers) compileAPISet() {
	h.apiSet = true
	if h.cspName != "" {
		h.api = append(h.api, field{hCSP, apiPolicy})
	}
	for _, f := range h.static {
		switch f.name {
		case hNosniff, hReferrer, hCORP:
			h.api = append(h.api, f)
		case hFrame:
			h.frame = f.value
			h.api = append(h.api, field{hFrame, apiFrameOptions})
		default:
			h.pageOnly = append(h.pageOnly, f)
		}
	}
}

// pageResponse reports whether a response with this Content-Type and
// status gets the page set rather than the compact API set: it is a
// document a browser renders or a script it runs (a worker gets its policy
// from its own response), or a browser may sniff it into one.
//
//   - text/html and application/xhtml+xml: pages.
//   - JavaScript types: scripts (a worker's or service worker's policy is
//     its script's response's).
//   - No Content-Type on a response with a body: net/http and browsers
//     sniff one, which may be text/html.
//   - 304 Not Modified: a cache merges its headers into the stored
//     response, which may be a page; the compact policy would replace the
//     page's.
//   - Everything else (JSON, images, SVG and XML documents, styles, fonts,
//     text, 204, 1xx): the compact set. nosniff, in both sets, makes the
//     browser keep to the declared type; SVG or XML opened directly is
//     then a document without scripts (default-src 'none'), which is the
//     safe way to be wrong.
func pageResponse(contentType string, status int) bool {
	switch {
	case status == http.StatusNotModified:
		return true
	case status < 200 || status == http.StatusNoContent:
		return false
	}
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch mt {
	case "":
		return true
	case "text/html", "application/xhtml+xml":
		return true
	}
	return isJavaScript(mt)
}

// isJavaScript reports whether mt is one of the JavaScript MIME type
// essences of the WHATWG MIME Sniffing standard.
func isJavaScript(mt string) bool {
	switch mt {
	case "application/ecmascript", "application/javascript", "application/x-ecmascript",
		"application/x-javascript", "text/ecmascript", "text/javascript", "text/jscript",
		"text/livescript", "text/x-ecmascript", "text/x-javascript":
		return true
	}
	return strings.HasPrefix(mt, "text/javascript1.")
}

// isJSON reports whether the Content-Type is JSON (application/json or a
// +json type such as application/problem+json).
func isJSON(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// slots is the number of header values a response holds without a further
// allocation: the largest page set (13 fields, HSTS, CSP) plus the compact
// set's CSP and Cache-Control.
const slots = 18

// response is a Headers handler's per-request record, in one allocation:
// the ResponseWriter wrapper whose hook settles the set, the lazily drawn
// nonce and the block the header values are copied into.
type response struct {
	sw     statuswriter.Writer
	h      *Headers
	hdr    http.Header
	https  bool
	done   bool // next has returned: no body follows the header
	nonce  string
	policy string // the policy with nonce, once drawn
	csp    int    // slot of the CSP value placed by start, -1 if none
	frame  int    // slot of the X-Frame-Options value placed by start, -1 if none
	n      int    // slots used
	vals   [slots]string
}

var _ statuswriter.HeaderHook = (*response)(nil)

// put sets hdr[name] to v in a slot of the block (capacity 1: an append by
// a handler copies instead of writing into the next header's value) and
// returns the slot, -1 when the block is full.
func (rs *response) put(name, v string) int {
	if rs.n == len(rs.vals) {
		rs.hdr[name] = []string{v}
		return -1
	}
	i := rs.n
	rs.vals[i] = v
	rs.hdr[name] = rs.vals[i : i+1 : i+1]
	rs.n++
	return i
}

// ours reports whether hdr[name] is still the value start placed in slot i,
// untouched by the handler.
func (rs *response) ours(name string, i int) bool {
	vs := rs.hdr[name]
	return i >= 0 && len(vs) == 1 && &vs[0] == &rs.vals[i]
}

// start places the set a response carries until its header is settled:
// with APISet the compact set, the strictest, so that a response answered
// outside the hook (a panic's 500) is never left with less; otherwise the
// page set with the policy that has no nonce.
func (rs *response) start() {
	h := rs.h
	rs.csp, rs.frame = -1, -1
	if h.apiSet {
		for _, f := range h.api {
			i := rs.put(f.name, f.value)
			switch f.name {
			case hCSP:
				rs.csp = i
			case hFrame:
				rs.frame = i
			}
		}
	} else {
		for _, f := range h.static {
			rs.put(f.name, f.value)
		}
		if h.cspName != "" {
			rs.csp = rs.put(h.cspName, h.bare)
		}
	}
	if rs.https {
		rs.put(hHSTS, h.hsts)
	}
}

// draw returns the response's nonce, drawing it (and building the policy
// around it) on the first call.
func (rs *response) draw() string {
	if rs.nonce == "" {
		rs.policy, rs.nonce = newPolicy(rs.h.parts)
	}
	return rs.nonce
}

// BeforeHeader settles the set once the handler's Content-Type and status
// are known: the page set for a page or a response whose nonce was asked
// for, the compact set otherwise.
func (rs *response) BeforeHeader(_ http.ResponseWriter, status int) error {
	var ct string
	if vs := rs.hdr[hContentType]; len(vs) > 0 {
		ct = vs[0]
	}
	if rs.nonce != "" || pageResponse(ct, status) && !(rs.done && ct == "" && status != http.StatusNotModified) {
		rs.page()
		return nil
	}
	// Sensitive API answers must not be kept by shared or browser caches
	// (OWASP REST); a handler's own Cache-Control wins.
	if rs.h.apiSet && isJSON(ct) {
		if _, ok := rs.hdr[hCacheControl]; !ok {
			rs.put(hCacheControl, "no-store")
		}
	}
	return nil
}

// page turns the set placed by start into the page set, leaving alone any
// header the handler changed or set itself.
func (rs *response) page() {
	h := rs.h
	policy := h.csp
	if h.parts != nil {
		rs.draw()
		policy = rs.policy
	}
	if !h.apiSet {
		if rs.ours(h.cspName, rs.csp) {
			rs.vals[rs.csp] = policy
		}
		return
	}
	for _, f := range h.pageOnly {
		if _, set := rs.hdr[f.name]; !set {
			rs.put(f.name, f.value)
		}
	}
	if rs.ours(hFrame, rs.frame) {
		rs.vals[rs.frame] = h.frame
	}
	if rs.ours(hCSP, rs.csp) {
		delete(rs.hdr, hCSP)
		rs.put(h.cspName, policy)
	}
}
