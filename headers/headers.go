package headers

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/harden-go/harden/clientip"
	"github.com/harden-go/harden/internal/configerr"
)

// Headers sets a validated header set on responses. It is safe for
// concurrent use.
//
// The values it holds are never handed to a response: every response gets
// its own copies, in one block allocated per response, because a handler
// may write into the slices of its header map (w.Header()[k][0] = v) and
// a slice shared by all responses would carry that write into every later
// response, racing with them.
type Headers struct {
	static  []field // the page set without HSTS and CSP
	hsts    string  // "" when omitted; sent over HTTPS only
	cspName string  // Content-Security-Policy or -Report-Only; "" when omitted
	csp     string  // the whole policy when there is no nonce
	// With a nonce the policy is parts[0] + nonce + parts[1] [+ nonce + parts[2]].
	parts []string
	// bare is the policy without nonce sources, for proxies.
	bare string

	// With Config.APISet: the compact set (without HSTS), and the fields
	// of static it leaves out, added when a response turns out a page.
	apiSet   bool
	api      []field
	pageOnly []field
	frame    string // the page set's X-Frame-Options, "" when omitted
}

type field struct {
	name  string
	value string
}

// New validates cfg and returns the header set it describes. Every invalid
// setting is reported as a *harden.ConfigError wrapping
// [ErrInvalidConfig], joined with errors.Join.
func New(cfg Config) (*Headers, error) {
	b := &headerBuild{h: &Headers{}}
	b.omitted(cfg.Omit)
	if cfg.CSP.Preset == presetStrict {
		// The strict policy is nonce-based: without a nonce its
		// 'strict-dynamic' would let no script run.
		cfg.CSP.Nonce, cfg.CSP.StrictDynamic = true, true
	}
	if !b.omit[hCSP] {
		b.compileCSP(&cfg.CSP)
	}
	b.addFields(&cfg)
	hsts := hstsValue(&b.errs, cfg.HSTS)
	if !b.omit[hHSTS] {
		b.h.hsts = hsts
	}
	if cfg.APISet {
		b.h.compileAPISet()
	}
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	if len(b.h.static) == 0 && b.h.hsts == "" && b.h.cspName == "" {
		return nil, errNoHeaders
	}
	if err := b.h.checkValues(); err != nil {
		return nil, err
	}
	return b.h, nil
}

// headerBuild is the state of [New]: the header set being compiled, the
// headers Config.Omit leaves out and the errors found so far.
type headerBuild struct {
	h    *Headers
	omit map[string]bool
	errs errList
}

// omitted checks names, Config.Omit, and records the headers they leave
// out.
func (b *headerBuild) omitted(names []string) {
	b.omit = map[string]bool{}
	for i, name := range names {
		canon := http.CanonicalHeaderKey(name)
		if !slices.Contains(knownHeaders, canon) {
			b.errs.add("omit", i, name, "not a header this package sets")
			continue
		}
		b.omit[canon] = true
	}
}

// add adds the field name with value to the page set, unless it is
// omitted or value is empty.
func (b *headerBuild) add(name, value string) {
	if !b.omit[name] && value != "" {
		b.h.static = append(b.h.static, field{name, value})
	}
}

// compileCSP validates c and compiles its policy, with and without nonce
// sources, and the Reporting-Endpoints field its report URL needs.
func (b *headerBuild) compileCSP(c *CSP) {
	h := b.h
	dirs := c.policy(&b.errs)
	h.cspName = hCSP
	if c.ReportOnly {
		h.cspName = hCSPReportOnly
	}
	h.parts = compilePolicy(dirs, c.Nonce, c.StyleNonce)
	h.bare = compilePolicy(dirs, false, false)[0]
	if len(h.parts) == 1 {
		h.csp = h.parts[0]
		h.parts = nil
	}
	if c.ReportURL != "" {
		b.add(hReporting, reportGroup+`="`+c.ReportURL+`"`)
	}
}

// addFields validates the settings of the page set's fields other than
// CSP and HSTS, and adds those fields.
func (b *headerBuild) addFields(cfg *Config) {
	errs := &b.errs
	b.add(hCOOP, oneOf(errs, "cross_origin_opener_policy", cfg.CrossOriginOpenerPolicy, "same-origin",
		"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"))
	b.add(hCORP, oneOf(errs, "cross_origin_resource_policy", cfg.CrossOriginResourcePolicy, "same-origin",
		"same-origin", "same-site", "cross-origin"))
	b.add(hCOEP, oneOf(errs, "cross_origin_embedder_policy", cfg.CrossOriginEmbedderPolicy, "",
		"require-corp", "credentialless", "unsafe-none"))
	b.add(hOAC, "?1")
	b.add(hReferrer, referrerPolicy(errs, cfg.ReferrerPolicy))
	b.add(hNosniff, "nosniff")
	b.add(hDNSPrefetch, oneOf(errs, "dns_prefetch_control", cfg.DNSPrefetchControl, "off", "off", "on"))
	b.add(hDownload, "noopen")
	b.add(hFrame, oneOf(errs, "frame_options", cfg.FrameOptions, "SAMEORIGIN", "SAMEORIGIN", "DENY"))
	b.add(hCrossDomain, oneOf(errs, "permitted_cross_domain_policies", cfg.PermittedCrossDomainPolicies, "none",
		"none", "master-only", "by-content-type", "all"))
	b.add(hXSS, "0")
	if cfg.PermissionsPolicy != "" {
		b.add(hPermissions, permissionsPolicy(errs, cfg.PermissionsPolicy))
	}
}

// checkValues refuses a compiled value that carries a control character.
func (h *Headers) checkValues() error {
	// Defence in depth: whatever the checks of the settings missed, no
	// value may carry a control character into the response.
	for _, f := range slices.Concat(h.static, h.api) {
		if !safeValue(f.value) {
			return &configerr.Error{Pkg: "headers", Field: f.name, Index: -1, Value: f.value, Reason: "value contains a control character", Err: ErrInvalidConfig}
		}
	}
	for _, p := range slices.Concat(h.parts, []string{h.bare}) {
		if !safeValue(p) {
			return &configerr.Error{Pkg: "headers", Field: "csp", Index: -1, Value: p, Reason: "policy contains a control character", Err: ErrInvalidConfig}
		}
	}
	return nil
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
		if !nonce && d.name == "script-src" && slices.Contains(d.values, "'strict-dynamic'") &&
			!slices.ContainsFunc(d.values, isHashSource) {
			// Without its nonce, a 'strict-dynamic' script-src trusts no
			// script in browsers that know it, but its fallbacks
			// (https:, 'unsafe-inline') would let any run in older ones,
			// and graders reject it as invalid: the response that carries
			// no nonce runs no script at all.
			b.WriteString(" 'none'")
			continue
		}
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
	if h.parts == nil || nonce == "" {
		return h.bare
	}
	return strings.Join(h.parts, nonce)
}

// Handler returns next wrapped so that every response carries the header
// set, whatever its status: the headers are in place before next runs, so
// redirects, errors and panics answered further in keep them.
//
// With a nonce or [Config.APISet], the set is settled when the response's
// header is written: the nonce is drawn only for a handler that asks for
// it ([Nonce]) or a response that is a page (see [Config.APISet]), and with
// APISet the compact set placed before next runs becomes the page set
// only then. A response answered outside next's writer (the stack's panic
// 500) keeps the set placed before next ran.
func (h *Headers) Handler(next http.Handler) http.Handler {
	if h.parts == nil && !h.apiSet {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.set(w.Header(), h.hsts != "" && clientip.IsHTTPS(r), h.csp, 0)
			next.ServeHTTP(w, r)
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs := &response{h: h, hdr: w.Header(), https: h.hsts != "" && clientip.IsHTTPS(r)}
		rs.sw.Reset(w, rs)
		rs.start()
		if h.parts != nil {
			// A pointer in the context needs no boxing.
			r = r.WithContext(context.WithValue(r.Context(), nonceKey{}, rs))
		}
		next.ServeHTTP(rs.sw.ResponseWriter(), r)
		// A header written from here on has no body after it.
		rs.done = true
		_ = rs.sw.Finish()
	})
}

// set writes the header set into hdr, HSTS only when https, the CSP as
// policy (none when h has no CSP). Every value is a copy in one block
// allocated for this response, with extra unused slots at its end, which
// it returns: one allocation per response instead of one per header.
func (h *Headers) set(hdr http.Header, https bool, policy string, extra int) []string {
	n := len(h.static) + extra
	if https {
		n++
	}
	if h.cspName != "" {
		n++
	}
	vals := make([]string, n)
	i := 0
	for _, f := range h.static {
		vals[i] = f.value
		// Capacity 1: an append by a handler (Header.Add) copies instead
		// of writing into the next header's value.
		hdr[f.name] = vals[i : i+1 : i+1]
		i++
	}
	if https {
		vals[i] = h.hsts
		hdr[hHSTS] = vals[i : i+1 : i+1]
		i++
	}
	if h.cspName != "" {
		vals[i] = policy
		hdr[h.cspName] = vals[i : i+1 : i+1]
	}
	return vals
}

// SetHeaders sets the header set on hdr for a response to a client that used
// HTTPS or not, as a reverse proxy's ModifyResponse needs. A policy with a
// nonce is sent without one: a proxy cannot place the nonce in the page.
func (h *Headers) SetHeaders(hdr http.Header, https bool) {
	h.set(hdr, h.hsts != "" && https, h.bare, 0)
}

// nonceLen is the length of a 128-bit nonce in unpadded base64url. The URL
// alphabet (CSP's base64-value grammar allows "-" and "_") needs no escaping
// in HTML attributes, so templates print it unchanged.
const nonceLen = 22

type nonceKey struct{}

// newPolicy returns the policy parts joined by a fresh nonce, and the
// nonce, which is a substring of the policy: one allocation.
func newPolicy(parts []string) (policy, nonce string) {
	n := len(parts[0])
	for _, p := range parts[1:] {
		n += nonceLen + len(p)
	}
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (it crashes the program instead)
	var enc [nonceLen]byte
	base64.RawURLEncoding.Encode(enc[:], raw[:])
	var b strings.Builder
	b.Grow(n)
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		// A second insertion point (style-src) gets the same nonce.
		b.Write(enc[:])
		b.WriteString(p)
	}
	policy = b.String()
	start := len(parts[0])
	return policy, policy[start : start+nonceLen]
}

// Nonce returns the CSP nonce of the request, for a template's
// <script nonce="{{.Nonce}}">. It is "" when the request did not pass
// through a Headers handler whose policy uses a nonce.
//
// The first call draws the nonce and makes the response a page: it gets
// the page set with this nonce in its policy, whatever its Content-Type.
// Call it before the response's header is written, from the handler's
// goroutine (like the ResponseWriter, it is not safe for concurrent use).
// A nonce asked for afterwards is not in the policy the response went out
// with, so scripts carrying it are blocked: the page fails closed.
func Nonce(r *http.Request) string {
	if rs, ok := r.Context().Value(nonceKey{}).(*response); ok {
		return rs.draw()
	}
	return ""
}
