// Package scan grades a site's security headers as the Mozilla HTTP
// Observatory does, and goes further.
//
// [Fetch] records what a site answers: http://HOST/ and https://HOST/ (on
// the host's port, or on separate ports by option), every redirect on the way
// (at most ten, on the same host unless FollowOffHost), a CORS preflight from
// a foreign origin, and, only with Options.Probe, an active CORS probe and a
// cross-site form POST. [Grade] is a pure function over that record, so
// every rule is tested on hand-written responses without a network.
//
// The default model, [ModelObservatory], reproduces one Observatory
// release, [ObservatoryRelease], which every report names (later releases
// score some pages differently; docs/scan.md lists how): its ten tests
// (content-security-policy, cookies, cross-origin-resource-sharing,
// redirection, referrer-policy, strict-transport-security,
// subresource-integrity, x-content-type-options, x-frame-options,
// cross-origin-resource-policy), their results and score modifiers, the
// curve that counts bonuses only when the penalties total at most 10, and
// the grade steps, including the quirks a grade depends on: repeated
// header fields joined with ", " as Node's HTTP client does (so a header
// sent twice is invalid), CSP parsing with nonces, hashes and
// 'strict-dynamic', <meta> policies read as that release's HTML parser
// reads them (none inside <noscript> or <select>), any frame-ancestors
// counting for X-Frame-Options, cookies judged from a cookie jar that keeps
// deletions and drops what it refuses, external scripts judged by
// registrable domain, and redirects judged by host name.
// The agreement test runs the real Observatory against local fixtures and
// wants the same grade, score and result for every test.
//
// Redirects to another host are not followed by default: the redirection
// test is then graded from the first Location that leaves the host, with
// the Observatory's rules (https elsewhere is redirection-off-host-from-http,
// http elsewhere redirection-not-to-https-on-initial-redirection). When
// plain HTTP reaches a TLS-only port, or nothing answers there, the result
// says so and names the option that scans another port.
//
// Site mode (Options.Crawl) fetches up to N more pages of the graded page's
// origin (robots.txt and sitemap.xml entries, then links and form actions,
// breadth first) and two error pages (a path that does not exist, and a
// TRACE of the page), grades each with the same tests, and reports as
// [SiteFinding] every test that pages do worse on than the graded page: a
// header the home page sends that the login form or the 404 page lacks.
// Headers that act only on a document (COOP, COEP, Permissions-Policy,
// X-XSS-Protection) are not asked of a response a browser will not render
// as a page with scripts: one that declares a non-document type (JSON, an
// image, plain text) with nosniff, as an API answer with the compact set
// of package headers does.
// [WriteHTML] renders reports as one self-contained page under its own
// strict policy; [ReadReports] and [Compare] compare a run with an earlier
// JSON report (regression mode).
//
// [ModelHarden] also scores the checks beyond the Observatory (obsolete and
// harmful headers, technology and version leaks, Permissions-Policy,
// COOP/COEP, cookie name prefixes, HSTS preload eligibility, the probes) and
// corrects two quirks that hide a risk: a reflected CORS origin with
// credentials, and a frame-ancestors that only a <meta> policy or a wildcard
// provides. In the default model those checks are reported as findings
// that do not count. Every failed test and finding says what to change,
// naming the header and the harden setting that fixes it.
//
// What it defends against: a scan is pointed at sites an operator names, so
// it bounds what it does: per-request timeouts, a body size limit, a redirect
// limit, no redirect to another host unless asked, no request beyond the two
// page fetches, the preflight and (by option) the probes and the crawl. The
// crawl follows URLs the scanned site chooses, so it stays on the graded
// page's origin, is bounded in pages, bytes (32 MiB by default), time and
// concurrency, never submits a form, and, unless the target is a loopback
// address or localhost, connects only through the SSRF guard of package
// ssrf: the origin's host and port only, never an internal address, checked
// at connect time (a site cannot point the scanner into its network). A
// certificate that does not verify is retried without verification only to
// grade it, and the site then fails the HSTS and redirection tests, as with
// the Observatory. The HTML report escapes everything the site controls and
// forbids every script and load by its own Content-Security-Policy.
//
// How it fails: [Fetch] returns [ErrNoResponse] when neither scheme answers;
// [Grade] returns [ErrStatus] for a page status the Observatory does not
// grade (only 2xx, 3xx, 401 and 403 are; crawled pages are graded whatever
// their status). A crawled page that cannot be fetched (refused by the
// guard, over the byte budget, timed out) is listed with its error and not
// graded. [ReadReports] returns [ErrBaseline] for a file that is not a
// report. The HSTS preload list is empty unless given, so no site earns the
// preload bonus by default.
//
// Imports: the standard library, golang.org/x (html, publicsuffix,
// collate), package ssrf and internal/cookieprefix (the prefix rules the
// harden model checks, in any letter case, as the layers apply them).
package scan
