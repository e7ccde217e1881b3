// Package cspreport collects Content-Security-Policy violation reports:
// an http.Handler for the endpoint named by a policy's report-uri and
// report-to (headers.Config.CSP.ReportURL), which records each violation
// once in the security log as a csp_violation event.
//
// # What it defends against
//
// A CSP that blocks an injected script stops the attack, but nobody learns
// of it without the reports. The endpoint is public by nature (browsers
// post to it unauthenticated), so it is itself hardened:
//
//   - Size: a body over MaxBodyBytes is refused with 413 before it is read
//     further; at most MaxReports reports of one body are recorded.
//   - Rate: at most Rate events are recorded per minute, whatever the
//     number of clients; the rest are counted as dropped, so a flood of
//     forged reports cannot fill the log.
//   - Duplicates: a violation (directive, blocked URL, page) recorded in
//     the last DedupWindow is not recorded again, so one page load that
//     trips the same rule a hundred times is one event; the memory of
//     recent violations is bounded by MaxDedup.
//   - Leaks: URLs are recorded without their query and fragment (which
//     carry tokens), and every value goes through the security log's
//     redaction and length caps.
//
// # Formats
//
// Both report formats are accepted: the legacy report-uri body
// (Content-Type application/csp-report, {"csp-report":{...}}) and the
// Reporting API's (application/reports+json, a list of reports of type
// "csp-violation").
//
// # Defaults
//
// MaxBodyBytes 16 KiB, MaxReports 10, Rate 60 per minute, DedupWindow 10
// minutes, MaxDedup 1024 entries.
//
// # How it fails
//
// Any request it cannot use gets a plain status and no body naming why:
// 405 for a method other than POST, 415 for another Content-Type, 413 for
// an oversized body, 400 for a body that does not parse. An accepted body
// gets 204, whether or not its reports were recorded.
//
// Imports: the standard library and harden's seclog only.
package cspreport
