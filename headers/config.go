package headers

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/harden-go/harden/internal/configerr"
)

// Config selects the security headers and their values. The zero value is
// helmet 8's default set (see the package documentation). A string field left
// empty takes the default named in its comment; to leave a header out, list
// its name in Omit.
type Config struct {
	// CSP configures Content-Security-Policy.
	CSP CSP `json:"csp" yaml:"csp"`
	// HSTS configures Strict-Transport-Security.
	HSTS HSTS `json:"hsts" yaml:"hsts"`

	// CrossOriginOpenerPolicy: same-origin (default), same-origin-allow-popups,
	// noopener-allow-popups or unsafe-none.
	CrossOriginOpenerPolicy string `json:"cross_origin_opener_policy,omitempty" yaml:"cross_origin_opener_policy,omitempty"`
	// CrossOriginResourcePolicy: same-origin (default), same-site or cross-origin.
	CrossOriginResourcePolicy string `json:"cross_origin_resource_policy,omitempty" yaml:"cross_origin_resource_policy,omitempty"`
	// CrossOriginEmbedderPolicy: require-corp, credentialless or unsafe-none.
	// Default: not sent (as in helmet 8; it breaks pages that embed
	// cross-origin resources without CORP).
	CrossOriginEmbedderPolicy string `json:"cross_origin_embedder_policy,omitempty" yaml:"cross_origin_embedder_policy,omitempty"`
	// ReferrerPolicy: a comma-separated list of policy tokens. Default: no-referrer.
	ReferrerPolicy string `json:"referrer_policy,omitempty" yaml:"referrer_policy,omitempty"`
	// FrameOptions is X-Frame-Options: SAMEORIGIN (default) or DENY.
	FrameOptions string `json:"frame_options,omitempty" yaml:"frame_options,omitempty"`
	// PermittedCrossDomainPolicies is X-Permitted-Cross-Domain-Policies:
	// none (default), master-only, by-content-type or all.
	PermittedCrossDomainPolicies string `json:"permitted_cross_domain_policies,omitempty" yaml:"permitted_cross_domain_policies,omitempty"`
	// DNSPrefetchControl is X-DNS-Prefetch-Control: off (default) or on.
	DNSPrefetchControl string `json:"dns_prefetch_control,omitempty" yaml:"dns_prefetch_control,omitempty"`
	// PermissionsPolicy is the Permissions-Policy value. Default: not sent
	// (helmet parity). [Strict] sets one that turns off every powerful
	// feature.
	PermissionsPolicy string `json:"permissions_policy,omitempty" yaml:"permissions_policy,omitempty"`

	// Omit lists headers, by name, that are not sent at all. Only the
	// headers this package sets can be omitted.
	Omit []string `json:"omit,omitempty" yaml:"omit,omitempty"`

	// APISet sends the page set (everything above) only on responses a
	// browser renders as a document or runs as a script, and the compact
	// API set on every other response (JSON, images, styles, plain text):
	//
	//	Content-Security-Policy: default-src 'none'; frame-ancestors 'none'
	//	Cross-Origin-Resource-Policy: (as configured)
	//	Referrer-Policy: (as configured)
	//	Strict-Transport-Security: (as configured, over HTTPS)
	//	X-Content-Type-Options: nosniff
	//	X-Frame-Options: DENY
	//	Cache-Control: no-store (JSON answers that set no Cache-Control)
	//
	// The set is chosen by the response's Content-Type and status when its
	// header is written: text/html, application/xhtml+xml, JavaScript, a
	// body without a Content-Type (a browser may sniff it) and 304 Not
	// Modified get the page set; JSON, images, SVG, XML, styles, fonts,
	// text, 204 and 1xx the compact set. A handler that asks for [Nonce]
	// gets the page set whatever it answers. The compact policy is enforced
	// even with CSP.ReportOnly: it cannot break an answer that is not a
	// page. Default: false, every response gets the page set, as helmet
	// sends it.
	APISet bool `json:"api_set,omitempty" yaml:"api_set,omitempty"`
}

// CSP configures the Content-Security-Policy header.
type CSP struct {
	// Preset is the policy Directives start from: "" for helmet 8's
	// (default), or "strict" for Google's strict CSP with Trusted Types
	// (see the package documentation).
	Preset string `json:"preset,omitempty" yaml:"preset,omitempty"`
	// Directives set or replace directives of the preset's policy (helmet's,
	// unless Preset or DropDefaults says otherwise). Keys are directive names (script-src);
	// values are source expressions, keywords quoted ('self'). An empty list
	// sends the directive without a value (upgrade-insecure-requests).
	Directives map[string][]string `json:"directives,omitempty" yaml:"directives,omitempty"`
	// DropDefaults starts from an empty policy instead of helmet's. The
	// policy must still set default-src.
	DropDefaults bool `json:"drop_defaults,omitempty" yaml:"drop_defaults,omitempty"`
	// Remove lists directives to leave out of the policy (applied after
	// Directives).
	Remove []string `json:"remove,omitempty" yaml:"remove,omitempty"`
	// Nonce adds a fresh 'nonce-…' to script-src on every request; read it
	// with [Nonce].
	Nonce bool `json:"nonce,omitempty" yaml:"nonce,omitempty"`
	// StyleNonce also adds the nonce to style-src.
	StyleNonce bool `json:"style_nonce,omitempty" yaml:"style_nonce,omitempty"`
	// StrictDynamic adds 'strict-dynamic' to script-src: scripts loaded by a
	// nonce'd script are trusted, host allowlists are ignored by CSP3 browsers.
	// It needs Nonce or a hash in script-src.
	StrictDynamic bool `json:"strict_dynamic,omitempty" yaml:"strict_dynamic,omitempty"`
	// ReportOnly sends Content-Security-Policy-Report-Only instead: violations
	// are reported, nothing is blocked.
	ReportOnly bool `json:"report_only,omitempty" yaml:"report_only,omitempty"`
	// TrustedTypes, with the strict preset, names the Trusted Types policies
	// the page may create (trusted-types name…; 'allow-duplicates' and
	// 'none' quoted). Default: no trusted-types directive, any policy name
	// may be created; require-trusted-types-for 'script' still makes every
	// DOM XSS sink refuse plain strings.
	TrustedTypes []string `json:"trusted_types,omitempty" yaml:"trusted_types,omitempty"`
	// ReportURL, when set, is where browsers send violation reports: it adds
	// "report-to csp-endpoint" and "report-uri URL" to the policy and a
	// Reporting-Endpoints header. An absolute https URL or a path.
	ReportURL string `json:"report_url,omitempty" yaml:"report_url,omitempty"`
	// DangerouslyAllowUnsafeScripts accepts, in script-src, script-src-elem,
	// script-src-attr (and default-src when there is no script-src), the
	// sources that let an injected script run: 'unsafe-inline',
	// 'unsafe-eval', data:, * and the bare schemes https: and http:.
	// Without it [New] refuses them, except 'unsafe-inline' and https:
	// as the fallback of a nonce- or hash-based script-src with
	// 'strict-dynamic' (the strict preset's policy), which every browser
	// that knows nonces ignores. Default: false.
	DangerouslyAllowUnsafeScripts bool `json:"dangerously_allow_unsafe_scripts,omitempty" yaml:"dangerously_allow_unsafe_scripts,omitempty"`
}

// HSTS configures Strict-Transport-Security.
type HSTS struct {
	// MaxAge in seconds. Default (0): 31536000, one year.
	MaxAge int `json:"max_age,omitempty" yaml:"max_age,omitempty"`
	// NoSubDomains leaves out includeSubDomains (sent by default).
	NoSubDomains bool `json:"no_subdomains,omitempty" yaml:"no_subdomains,omitempty"`
	// Preload adds the preload token. Browsers' preload lists require a
	// max-age of at least a year and includeSubDomains.
	Preload bool `json:"preload,omitempty" yaml:"preload,omitempty"`
}

// restrictivePermissionsPolicy disables every powerful browser feature for
// the page and every frame in it.
const restrictivePermissionsPolicy = "accelerometer=(), autoplay=(), bluetooth=(), camera=(), " +
	"display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), hid=(), " +
	"idle-detection=(), magnetometer=(), microphone=(), midi=(), payment=(), picture-in-picture=(), " +
	"publickey-credentials-get=(), screen-wake-lock=(), serial=(), sync-xhr=(), usb=(), " +
	"xr-spatial-tracking=()"

// Strict returns a configuration for HTML applications that load only their
// own scripts and styles: a nonce-based CSP with default-src 'none', no
// framing, no referrer, cross-origin isolation and a restrictive
// Permissions-Policy.
func Strict() Config {
	return Config{
		CSP: CSP{
			DropDefaults: true,
			Nonce:        true,
			Directives: map[string][]string{
				"default-src":               {"'none'"},
				"script-src":                {"'self'"},
				"style-src":                 {"'self'"},
				"img-src":                   {"'self'"},
				"font-src":                  {"'self'"},
				"connect-src":               {"'self'"},
				"manifest-src":              {"'self'"},
				"form-action":               {"'self'"},
				"frame-ancestors":           {"'none'"},
				"base-uri":                  {"'none'"},
				"object-src":                {"'none'"},
				"script-src-attr":           {"'none'"},
				"upgrade-insecure-requests": {},
			},
		},
		HSTS:                      HSTS{MaxAge: 63072000},
		CrossOriginEmbedderPolicy: "require-corp",
		FrameOptions:              "DENY",
		PermissionsPolicy:         restrictivePermissionsPolicy,
	}
}

// ErrInvalidConfig is wrapped by every *harden.ConfigError that [New]
// returns.
var ErrInvalidConfig = errors.New("headers: invalid config")

// Names of the headers this package sets, in canonical form.
const (
	hCSP           = "Content-Security-Policy"
	hCSPReportOnly = "Content-Security-Policy-Report-Only"
	hCOOP          = "Cross-Origin-Opener-Policy"
	hCORP          = "Cross-Origin-Resource-Policy"
	hCOEP          = "Cross-Origin-Embedder-Policy"
	hOAC           = "Origin-Agent-Cluster"
	hReferrer      = "Referrer-Policy"
	hHSTS          = "Strict-Transport-Security"
	hNosniff       = "X-Content-Type-Options"
	hDNSPrefetch   = "X-Dns-Prefetch-Control"
	hDownload      = "X-Download-Options"
	hFrame         = "X-Frame-Options"
	hCrossDomain   = "X-Permitted-Cross-Domain-Policies"
	hXSS           = "X-Xss-Protection"
	hPermissions   = "Permissions-Policy"
	hReporting     = "Reporting-Endpoints"
	hCacheControl  = "Cache-Control"
	hContentType   = "Content-Type"
)

var knownHeaders = []string{hCSP, hCOOP, hCORP, hCOEP, hOAC, hReferrer, hHSTS, hNosniff,
	hDNSPrefetch, hDownload, hFrame, hCrossDomain, hXSS, hPermissions}

// defaultDirectives is helmet 8's policy, in helmet's order.
var defaultDirectives = []directive{
	{"default-src", []string{"'self'"}},
	{"base-uri", []string{"'self'"}},
	{"font-src", []string{"'self'", "https:", "data:"}},
	{"form-action", []string{"'self'"}},
	{"frame-ancestors", []string{"'self'"}},
	{"img-src", []string{"'self'", "data:"}},
	{"object-src", []string{"'none'"}},
	{"script-src", []string{"'self'"}},
	{"script-src-attr", []string{"'none'"}},
	{"style-src", []string{"'self'", "https:", "'unsafe-inline'"}},
	{"upgrade-insecure-requests", nil},
}

// presetStrict is the CSP.Preset of Google's strict CSP with Trusted
// Types, described in the package documentation.
const presetStrict = "strict"

// strictDirectives is [presetStrict]'s policy; the nonce is appended to
// script-src per response.
var strictDirectives = []directive{
	{"default-src", []string{"'self'"}},
	{"base-uri", []string{"'none'"}},
	{"font-src", []string{"'self'", "https:", "data:"}},
	{"form-action", []string{"'self'"}},
	{"frame-ancestors", []string{"'self'"}},
	{"img-src", []string{"'self'", "data:"}},
	{"object-src", []string{"'none'"}},
	{"script-src", []string{"'strict-dynamic'", "https:", "'unsafe-inline'"}},
	{"script-src-attr", []string{"'none'"}},
	{"style-src", []string{"'self'", "https:", "'unsafe-inline'"}},
	{"upgrade-insecure-requests", nil},
	{"require-trusted-types-for", []string{"'script'"}},
}

type directive struct {
	name   string
	values []string
}

// keywords must be single-quoted in a policy; unquoted they are host names.
var keywords = []string{"none", "self", "strict-dynamic", "report-sample", "inline-speculation-rules",
	"unsafe-inline", "unsafe-eval", "unsafe-hashes", "wasm-unsafe-eval", "unsafe-allow-redirects"}

type errList []error

// add reports field (entry index of a list, or -1) with value and the
// reason.
func (l *errList) add(field string, index int, value, reason string) {
	*l = append(*l, &configerr.Error{Pkg: "headers", Field: field, Index: index, Value: value, Reason: reason, Err: ErrInvalidConfig})
}

// policy builds the CSP directive list, validating it.
func (c *CSP) policy(errs *errList) []directive {
	out := c.baseDirectives(errs)
	out = c.setDirectives(out, errs)
	out = c.removeDirectives(out, errs)
	if directiveIndex(out, "default-src") < 0 {
		errs.add("csp.directives", -1, "", "the policy must set default-src (the fallback for every fetch directive)")
	}
	c.applyNonces(out, errs)
	c.checkScripts(out, errs)
	if c.ReportURL != "" {
		if reason := checkReportURL(c.ReportURL); reason != "" {
			errs.add("csp.report_url", -1, c.ReportURL, reason)
		} else {
			out = append(out, directive{"report-uri", []string{c.ReportURL}}, directive{"report-to", []string{reportGroup}})
		}
	}
	return out
}

// directiveIndex returns the index of the directive called name in dirs,
// or -1.
func directiveIndex(dirs []directive, name string) int {
	return slices.IndexFunc(dirs, func(d directive) bool { return d.name == name })
}

// baseDirectives checks Preset, TrustedTypes and DropDefaults, and returns
// a copy of the directives the policy starts from: the preset's, the
// defaults, or none when the defaults are dropped.
func (c *CSP) baseDirectives(errs *errList) []directive {
	var out []directive
	base := defaultDirectives
	switch c.Preset {
	case "":
	case presetStrict:
		base = strictDirectives
		if len(c.TrustedTypes) > 0 {
			base = append(slices.Clip(base), directive{"trusted-types", c.TrustedTypes})
		}
	default:
		errs.add("csp.preset", -1, c.Preset, fmt.Sprintf("not a preset; the one preset is %q", presetStrict))
	}
	if len(c.TrustedTypes) > 0 && c.Preset != presetStrict {
		errs.add("csp.trusted_types", -1, "", fmt.Sprintf("needs preset %q (or a trusted-types directive)", presetStrict))
	}
	if c.DropDefaults && c.Preset != "" {
		errs.add("csp.drop_defaults", -1, "true", fmt.Sprintf("contradicts preset %q; set one of them", c.Preset))
	}
	if c.Preset == presetStrict {
		for i, v := range c.TrustedTypes {
			if reason := checkTrustedType(v); reason != "" {
				errs.add("csp.trusted_types", i, v, reason)
			}
		}
	}
	if !c.DropDefaults || c.Preset != "" {
		for _, d := range base {
			out = append(out, directive{d.name, slices.Clone(d.values)})
		}
	}
	return out
}

// directiveNames returns the names of Directives in a stable order:
// default-src first, the others sorted.
func (c *CSP) directiveNames() []string {
	names := make([]string, 0, len(c.Directives))
	for name := range c.Directives {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		// default-src first: it is the fallback a reader looks for.
		switch {
		case a == b:
			return 0
		case a == "default-src":
			return -1
		case b == "default-src":
			return 1
		}
		return strings.Compare(a, b)
	})
	return names
}

// setDirectives validates Directives and sets them in out. Directives in a
// stable order: defaults keep their place, new ones follow sorted by name.
func (c *CSP) setDirectives(out []directive, errs *errList) []directive {
	for _, name := range c.directiveNames() {
		if !validDirectiveName(name) {
			errs.add("csp.directives", -1, name, "invalid directive name")
			continue
		}
		if !slices.Contains(cspDirectives, name) {
			errs.add("csp.directives", -1, name, unknownDirective(name))
			continue
		}
		vals := c.Directives[name]
		checkDirectiveValues(name, vals, errs)
		d := directive{name, slices.Clone(vals)}
		if i := directiveIndex(out, name); i >= 0 {
			out[i] = d
		} else {
			out = append(out, d)
		}
	}
	return out
}

// checkDirectiveValues checks the values vals of the directive name.
func checkDirectiveValues(name string, vals []string, errs *errList) {
	field := "csp.directives." + name
	for i, v := range vals {
		if reason := checkValue(name, v); reason != "" {
			errs.add(field, i, v, reason)
		}
	}
	if len(vals) > 1 && name != "trusted-types" && slices.ContainsFunc(vals, func(v string) bool { return strings.EqualFold(v, "'none'") }) {
		// Browsers ignore 'none' beside other sources: the directive
		// would allow what 'none' seems to forbid.
		errs.add(field, -1, strings.Join(vals, " "), "'none' must be the only source of a directive")
	}
}

// removeDirectives deletes the directives named in Remove from out.
func (c *CSP) removeDirectives(out []directive, errs *errList) []directive {
	for k, name := range c.Remove {
		i := directiveIndex(out, name)
		if i < 0 {
			errs.add("csp.remove", k, name, "not a directive of the policy")
			continue
		}
		out = slices.Delete(out, i, i+1)
	}
	return out
}

// applyNonces checks the directives Nonce, StyleNonce and StrictDynamic
// need in out, and adjusts out for them: a style nonce drops style-src's
// 'unsafe-inline', StrictDynamic adds 'strict-dynamic' to script-src.
func (c *CSP) applyNonces(out []directive, errs *errList) {
	if c.Nonce || c.StrictDynamic {
		if directiveIndex(out, "script-src") < 0 {
			errs.add("csp.directives", -1, "", "nonce and strict_dynamic need a script-src directive")
		}
	}
	if c.StyleNonce && !c.Nonce {
		errs.add("csp.style_nonce", -1, "true", "needs nonce")
	}
	if c.StyleNonce && directiveIndex(out, "style-src") < 0 {
		errs.add("csp.style_nonce", -1, "true", "needs a style-src directive")
	}
	if c.StyleNonce {
		// A nonce makes browsers ignore 'unsafe-inline': drop it so the
		// policy says what it does.
		if i := directiveIndex(out, "style-src"); i >= 0 {
			out[i].values = slices.DeleteFunc(out[i].values, func(v string) bool { return v == "'unsafe-inline'" })
		}
	}
	if c.StrictDynamic {
		i := directiveIndex(out, "script-src")
		if i >= 0 && !c.Nonce && !slices.ContainsFunc(out[i].values, isHashSource) {
			errs.add("csp.strict_dynamic", -1, "true", "needs nonce or a hash source in script-src")
		}
		if i >= 0 && !slices.Contains(out[i].values, "'strict-dynamic'") {
			out[i].values = append(out[i].values, "'strict-dynamic'")
		}
	}
}

const reportGroup = "csp-endpoint"

// cspDirectives are the directive names a policy may set: CSP Level 3's,
// Trusted Types' and upgrade-insecure-requests. A misspelt name
// (scirpt-src) is ignored by browsers, silently leaving its protection to
// default-src or to nothing, so New refuses it.
var cspDirectives = []string{
	"base-uri", "child-src", "connect-src", "default-src", "fenced-frame-src", "font-src",
	"form-action", "frame-ancestors", "frame-src", "img-src", "manifest-src", "media-src",
	"object-src", "report-to", "report-uri", "require-trusted-types-for", "sandbox",
	"script-src", "script-src-attr", "script-src-elem", "style-src", "style-src-attr",
	"style-src-elem", "trusted-types", "upgrade-insecure-requests", "webrtc", "worker-src",
}

// unknownDirective returns the reason for refusing name, naming the
// directive it is closest to when that is a likely misspelling.
func unknownDirective(name string) string {
	best, dist := "", 3
	for _, d := range cspDirectives {
		if n := editDistance(name, d); n < dist {
			best, dist = d, n
		}
	}
	if best != "" {
		return fmt.Sprintf("not a CSP directive; did you mean %q?", best)
	}
	return "not a CSP directive (CSP Level 3, Trusted Types or upgrade-insecure-requests)"
}

// editDistance is the Levenshtein distance of a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// unsafeScriptSources are the script sources that let an attacker's script
// run, each with the reason.
var unsafeScriptSources = map[string]string{
	"'unsafe-inline'": "lets injected inline scripts and event handlers run (XSS); use csp.nonce or a hash source",
	"'unsafe-eval'":   "lets strings become code (eval, new Function), the sink of DOM XSS; remove it",
	"data:":           "lets an injection run a script from a data: URL it writes itself; remove it",
	"*":               "lets scripts load from any host; list the hosts, or use csp.nonce",
	"https:":          "lets scripts load from any https host; list the hosts, or use csp.nonce",
	"http:":           "lets scripts load from any host, in clear text; list the hosts, or use csp.nonce",
}

// checkScripts refuses the sources of the policy's script directives that
// let an injected script run (see [CSP.DangerouslyAllowUnsafeScripts]).
func (c *CSP) checkScripts(out []directive, errs *errList) {
	if c.DangerouslyAllowUnsafeScripts {
		return
	}
	names := []string{"script-src", "script-src-elem", "script-src-attr"}
	if !slices.ContainsFunc(out, func(d directive) bool { return d.name == "script-src" }) {
		names = append(names, "default-src")
	}
	for _, d := range out {
		if !slices.Contains(names, d.name) {
			continue
		}
		fallback := strictFallback(d.values, c.Nonce && d.name == "script-src")
		for _, v := range d.values {
			lv := strings.ToLower(v)
			reason, bad := unsafeScriptSources[lv]
			if !bad || fallback && (lv == "'unsafe-inline'" || lv == "https:") {
				continue
			}
			errs.add("csp.directives."+d.name, -1, v, reason+"; or set csp.dangerously_allow_unsafe_scripts")
		}
	}
}

// strictFallback reports whether values are the strict CSP's script-src:
// 'strict-dynamic' with a nonce (nonce is true) or a hash, and otherwise
// only the fallback for browsers without CSP3, 'unsafe-inline' and https:,
// which a browser that knows nonces or hashes ignores ('unsafe-inline')
// and one that knows 'strict-dynamic' ignores too (https:). Any other
// source ('self', a host) would be honoured by CSP2 browsers beside
// 'unsafe-inline'; such a list is not the fallback. The other unsafe
// sources do not decide it: each is refused on its own.
func strictFallback(values []string, nonce bool) bool {
	dynamic, hash := false, false
	for _, v := range values {
		switch lv := strings.ToLower(v); {
		case lv == "'strict-dynamic'":
			dynamic = true
		case isHashSource(v):
			hash = true
		case lv == "'unsafe-inline'", lv == "https:", lv == "'report-sample'":
		case unsafeScriptSources[lv] != "":
			// Refused on its own account ('unsafe-eval', data:, ...).
		default:
			return false
		}
	}
	return dynamic && (nonce || hash)
}

func validDirectiveName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// checkValue validates one value of directive name and returns why it is
// bad: the Trusted Types directives have their own grammar.
func checkValue(name, v string) string {
	switch name {
	case "require-trusted-types-for":
		if v != "'script'" {
			return "the only value is 'script'"
		}
		return ""
	case "trusted-types":
		return checkTrustedType(v)
	}
	return checkSource(v)
}

// checkTrustedType validates a trusted-types value: a policy name or
// 'none', 'allow-duplicates' or a '*' wildcard.
func checkTrustedType(v string) string {
	switch v {
	case "'none'", "'allow-duplicates'", "*":
		return ""
	case "":
		return "empty policy name"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		// The tt-policy-name grammar; it also stops header and directive
		// injection (no CR, LF, space, ; or ,).
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-#=_/@.%", c) >= 0) {
			return "not a Trusted Types policy name"
		}
	}
	return ""
}

// checkSource validates one source expression and returns why it is bad.
func checkSource(v string) string {
	if v == "" {
		return "empty source expression"
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		// Stops header injection (CR, LF, NUL) and directive injection (; ,).
		if c <= ' ' || c >= 0x7f || c == ';' || c == ',' {
			return "contains a forbidden character (control, space, ; or ,)"
		}
	}
	if slices.Contains(keywords, strings.ToLower(v)) || isHashSource("'"+v+"'") ||
		strings.HasPrefix(strings.ToLower(v), "nonce-") {
		return "a keyword, nonce or hash must be single-quoted"
	}
	if strings.HasPrefix(v, "'") {
		inner := strings.ToLower(strings.Trim(v, "'"))
		if len(v) < 3 || !strings.HasSuffix(v, "'") {
			return "not a valid quoted keyword"
		}
		if strings.HasPrefix(inner, "nonce-") {
			return "static nonces defeat CSP; use csp.nonce for a fresh nonce per response"
		}
		if !slices.Contains(keywords, inner) && !isHashSource(v) {
			return "not a known keyword or hash"
		}
	}
	return ""
}

// isHashSource reports whether v is 'sha256-…', 'sha384-…' or 'sha512-…'
// with a base64 value.
func isHashSource(v string) bool {
	if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
		return false
	}
	v = v[1 : len(v)-1]
	for _, alg := range []string{"sha256-", "sha384-", "sha512-"} {
		if b64, ok := strings.CutPrefix(v, alg); ok && b64 != "" {
			for i := 0; i < len(b64); i++ {
				c := b64[i]
				if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
					c == '+' || c == '/' || c == '=' || c == '-' || c == '_') {
					return false
				}
			}
			return true
		}
	}
	return false
}

func checkReportURL(s string) string {
	if !safeValue(s) || strings.ContainsAny(s, " ;,\"") {
		return "contains a forbidden character"
	}
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "must be a path or an absolute https URL"
	}
	return ""
}

// safeValue reports whether s can be sent as a header value: no control
// characters (CR, LF and NUL would split or truncate the header).
func safeValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// oneOf validates an enumerated header value, returning the default for "".
func oneOf(errs *errList, field, v, def string, allowed ...string) string {
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	errs.add(field, -1, v, "not one of "+strings.Join(allowed, ", "))
	return def
}

var referrerTokens = []string{"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin",
	"strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"}

func referrerPolicy(errs *errList, v string) string {
	if v == "" {
		return "no-referrer"
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		p = strings.ToLower(strings.TrimSpace(p))
		if !slices.Contains(referrerTokens, p) {
			errs.add("referrer_policy", -1, p, "not a referrer policy")
		}
		if p == "unsafe-url" || p == "no-referrer-when-downgrade" {
			errs.add("referrer_policy", -1, p, "leaks full URLs to other origins; use strict-origin-when-cross-origin or no-referrer")
		}
		parts[i] = p
	}
	return strings.Join(parts, ",")
}

func permissionsPolicy(errs *errList, v string) string {
	if !safeValue(v) {
		errs.add("permissions_policy", -1, v, "contains a control character")
		return ""
	}
	// Structured-field dictionary members: feature=(allowlist), ...
	for _, m := range strings.Split(v, ",") {
		m = strings.TrimSpace(m)
		name, list, ok := strings.Cut(m, "=")
		if !ok || !validDirectiveName(name) || list == "" {
			errs.add("permissions_policy", -1, m, "not a feature=allowlist member")
			continue
		}
		if list != "*" && (!strings.HasPrefix(list, "(") || !strings.HasSuffix(list, ")")) {
			errs.add("permissions_policy", -1, m, "the allowlist must be * or a parenthesised list")
		}
	}
	return v
}

func hstsValue(errs *errList, c HSTS) string {
	age := c.MaxAge
	if age == 0 {
		age = 31536000
	}
	if age < 0 {
		errs.add("hsts.max_age", -1, strconv.Itoa(age), "must not be negative; 0 means the default, 31536000 (a year)")
	}
	v := "max-age=" + strconv.Itoa(age)
	if !c.NoSubDomains {
		v += "; includeSubDomains"
	}
	if c.Preload {
		if age < 31536000 || c.NoSubDomains {
			errs.add("hsts.preload", -1, "true", "preload lists require max_age of at least 31536000 and includeSubDomains (no_subdomains false)")
		}
		v += "; preload"
	}
	return v
}

// errNoHeaders is returned when every header is omitted.
var errNoHeaders = errors.New("headers: every header is omitted; remove the middleware instead")
