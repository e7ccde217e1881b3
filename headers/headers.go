package headers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"unsafe"

	"github.com/harden-go/harden/clientip"
)

// Headers sets a validated header set on responses. It is safe for
// concurrent use.
type Headers struct {
	static  []field  // sent on every response, values shared (never mutated)
	hsts    []string // nil when omitted; sent over HTTPS only
	cspName string   // Content-Security-Policy or -Report-Only; "" when omitted
	csp     []string // the whole policy when there is no nonce
	// With a nonce the policy is parts[0] + nonce + parts[1] [+ nonce + parts[2]].
	parts []string
	// bare is the policy without nonce sources, for proxies.
	bare string
}

type field struct {
	name  string
	value []string
}

// New validates cfg and returns the header set it describes. Every invalid
// setting is reported as a *ConfigError, joined with errors.Join.
func New(cfg Config) (*Headers, error) {
	var errs errList
	omit := map[string]bool{}
	for _, name := range cfg.Omit {
		canon := http.CanonicalHeaderKey(name)
		if !slices.Contains(knownHeaders, canon) {
			errs.add("Omit", "%q is not a header this package sets", name)
			continue
		}
		omit[canon] = true
	}
	h := &Headers{}
	add := func(name, value string) {
		if !omit[name] && value != "" {
			h.static = append(h.static, field{name, []string{value}})
		}
	}

	if !omit[hCSP] {
		dirs := cfg.CSP.policy(&errs)
		h.cspName = hCSP
		if cfg.CSP.ReportOnly {
			h.cspName = hCSPReportOnly
		}
		h.parts = compilePolicy(dirs, cfg.CSP.Nonce, cfg.CSP.StyleNonce)
		h.bare = compilePolicy(dirs, false, false)[0]
		if len(h.parts) == 1 {
			h.csp = []string{h.parts[0]}
			h.parts = nil
		}
		if cfg.CSP.ReportURL != "" {
			add(hReporting, reportGroup+`="`+cfg.CSP.ReportURL+`"`)
		}
	}
	add(hCOOP, oneOf(&errs, "CrossOriginOpenerPolicy", cfg.CrossOriginOpenerPolicy, "same-origin",
		"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"))
	add(hCORP, oneOf(&errs, "CrossOriginResourcePolicy", cfg.CrossOriginResourcePolicy, "same-origin",
		"same-origin", "same-site", "cross-origin"))
	add(hCOEP, oneOf(&errs, "CrossOriginEmbedderPolicy", cfg.CrossOriginEmbedderPolicy, "",
		"require-corp", "credentialless", "unsafe-none"))
	add(hOAC, "?1")
	add(hReferrer, referrerPolicy(&errs, cfg.ReferrerPolicy))
	add(hNosniff, "nosniff")
	add(hDNSPrefetch, oneOf(&errs, "DNSPrefetchControl", cfg.DNSPrefetchControl, "off", "off", "on"))
	add(hDownload, "noopen")
	add(hFrame, oneOf(&errs, "FrameOptions", cfg.FrameOptions, "SAMEORIGIN", "SAMEORIGIN", "DENY"))
	add(hCrossDomain, oneOf(&errs, "PermittedCrossDomainPolicies", cfg.PermittedCrossDomainPolicies, "none",
		"none", "master-only", "by-content-type", "all"))
	add(hXSS, "0")
	if cfg.PermissionsPolicy != "" {
		add(hPermissions, permissionsPolicy(&errs, cfg.PermissionsPolicy))
	}
	hsts := hstsValue(&errs, cfg.HSTS)
	if !omit[hHSTS] {
		h.hsts = []string{hsts}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(h.static) == 0 && h.hsts == nil && h.cspName == "" {
		return nil, errNoHeaders
	}
	// Defence in depth: whatever the checks above missed, no value may carry
	// a control character into the response.
	for _, f := range h.static {
		if !safeValue(f.value[0]) {
			return nil, &ConfigError{Field: f.name, Reason: "value contains a control character"}
		}
	}
	for _, p := range slices.Concat(h.parts, []string{h.bare}) {
		if !safeValue(p) {
			return nil, &ConfigError{Field: "CSP", Reason: "policy contains a control character"}
		}
	}
	return h, nil
}

// compilePolicy serialises dirs helmet-style (directives joined by ";"),
// split at the places a per-request nonce goes.
func compilePolicy(dirs []directive, nonce, styleNonce bool) []string {
	var parts []string
	var b strings.Builder
	for i, d := range dirs {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(d.name)
		for _, v := range d.values {
			b.WriteByte(' ')
			b.WriteString(v)
		}
		if nonce && d.name == "script-src" || styleNonce && d.name == "style-src" {
			b.WriteString(" 'nonce-")
			parts = append(parts, b.String())
			b.Reset()
			b.WriteByte('\'')
		}
	}
	return append(parts, b.String())
}

// Policy returns the Content-Security-Policy value with nonce as the
// per-request nonce. With nonce "" it returns the policy without any nonce
// source, as a proxy that cannot place a nonce in the page sends it.
func (h *Headers) Policy(nonce string) string {
	if h.csp != nil || nonce == "" {
		return h.bare
	}
	return strings.Join(h.parts, nonce)
}

// Handler returns next wrapped so that every response carries the header
// set, whatever its status: the headers are in place before next runs, so
// redirects, errors and panics answered further in keep them.
func (h *Headers) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = h.apply(w.Header(), r)
		next.ServeHTTP(w, r)
	})
}

// apply sets the headers on hdr and returns r, carrying a fresh nonce in its
// context when the policy uses one.
func (h *Headers) apply(hdr http.Header, r *http.Request) *http.Request {
	for _, f := range h.static {
		hdr[f.name] = f.value // shared read-only slice: no allocation per request
	}
	if h.hsts != nil && clientip.IsHTTPS(r) {
		hdr[hHSTS] = h.hsts
	}
	switch {
	case h.csp != nil:
		hdr[h.cspName] = h.csp
	case h.parts != nil:
		st := newNonceState(r.Context(), h.parts)
		hdr[h.cspName] = st.value[:]
		r = r.WithContext(st)
	}
	return r
}

// SetHeaders sets the header set on hdr for a response to a client that used
// HTTPS or not, as a reverse proxy's ModifyResponse needs. A policy with a
// nonce is sent without one: a proxy cannot place the nonce in the page.
func (h *Headers) SetHeaders(hdr http.Header, https bool) {
	for _, f := range h.static {
		hdr[f.name] = slices.Clone(f.value)
	}
	if h.hsts != nil && https {
		hdr[hHSTS] = slices.Clone(h.hsts)
	}
	if h.cspName != "" {
		hdr[h.cspName] = []string{h.Policy("")}
	}
}

// nonceLen is the length of a 128-bit nonce in unpadded base64url. The URL
// alphabet (CSP's base64-value grammar allows "-" and "_") needs no escaping
// in HTML attributes, so templates print it unchanged.
const nonceLen = 22

// nonceState is the per-request state of a nonce'd policy: it is the
// request's context and holds the header's value slice, so that a request
// costs three allocations: this, the policy's bytes and r.WithContext.
type nonceState struct {
	context.Context
	value [1]string
	nonce string
}

type nonceKey struct{}

// Value returns the state itself for nonceKey and defers to the parent
// context otherwise.
func (s *nonceState) Value(key any) any {
	if key == (nonceKey{}) {
		return s
	}
	return s.Context.Value(key)
}

func newNonceState(parent context.Context, parts []string) *nonceState {
	s := &nonceState{Context: parent}
	n := len(parts[0])
	for _, p := range parts[1:] {
		n += nonceLen + len(p)
	}
	buf := make([]byte, 0, n)
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (it crashes the program instead)
	buf = append(buf, parts[0]...)
	start := len(buf)
	buf = base64.RawURLEncoding.AppendEncode(buf, raw[:])
	for i, p := range parts[1:] {
		if i > 0 { // a second insertion point (style-src) gets the same nonce
			buf = append(buf, buf[start:start+nonceLen]...)
		}
		buf = append(buf, p...)
	}
	// The bytes are never written again, so a string view of them is safe
	// and saves copying the policy on every request.
	v := unsafe.String(unsafe.SliceData(buf), len(buf)) // #nosec G103 -- buf is private to this call and never modified after

	s.value[0] = v
	s.nonce = v[start : start+nonceLen]
	return s
}

// Nonce returns the CSP nonce of the request, for a template's
// <script nonce="{{.Nonce}}">. It is "" when the request did not pass
// through a Headers handler whose policy uses a nonce.
func Nonce(r *http.Request) string {
	if s, ok := r.Context().Value(nonceKey{}).(*nonceState); ok {
		return s.nonce
	}
	return ""
}
