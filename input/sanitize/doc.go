// Package sanitize holds harden's HTML sanitization policies, built on
// github.com/microcosm-cc/bluemonday (pinned at v1.0.27: every earlier
// version is retracted by its author).
//
// What it defends against: stored and reflected cross-site scripting through
// user-supplied HTML. A string that passed through [RichText] can be
// rendered as HTML (template.HTML) and carries no executable markup: no
// script, style, iframe, SVG or MathML element, no event-handler attribute,
// no javascript:, data: or relative URL.
//
// Policies ([RichText] and [Strict]; by name, "richtext" and "strict", in
// the `normalize` struct tag of input/validate):
//
//   - "richtext": the small allowlist of the reference guide: b, i, em,
//     strong, p, br, and a with an absolute https href only. Every kept link
//     gets rel="nofollow noopener" and target="_blank". Everything else is
//     removed; the text content of removed elements is kept (escaped), except
//     for script, style and similar elements whose content is dropped whole.
//   - "strict": no markup at all. Tags are removed, the remaining text is
//     HTML-escaped, so the result is safe inside an HTML element.
//
// Plain text that is shown in an HTML page should usually be stored as typed
// and escaped on output by html/template; use "strict" only where a field
// must be stored as inert HTML.
//
// The policies are built once and are safe for concurrent use. Sanitizing
// is not idempotent with respect to escaping: running "strict" twice escapes
// the ampersands of the first pass again.
package sanitize
