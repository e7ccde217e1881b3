// Package csp parses Content-Security-Policy values the way the Mozilla HTTP
// Observatory does, so that a grade computed by package scan agrees with the
// Observatory's.
//
// The Observatory's parser is stricter and odder than a browser's, and the
// grade depends on its oddities, so they are reproduced on purpose:
//
//   - a directive repeated inside one policy makes the whole value invalid,
//     except report-uri and report-to, which are recorded as duplicates (the
//     last occurrence wins);
//   - a policy shorter than six characters is invalid;
//   - a source-list directive (name ending in "-src") with no sources means
//     'none';
//   - sources are lower-cased, sorted by English collation, and a source that
//     starts with the previous one in the same policy is dropped;
//   - several policies (several headers, or a header and a <meta>) are
//     intersected by a path-prefix match between neighbouring sources, and a
//     directive that appears only in a later policy becomes 'none';
//   - <meta> policies lose frame-ancestors, report-uri and sandbox.
//
// What it defends against: nothing by itself; it is the reader of untrusted
// header text, so it never panics and bounds its work by the input length.
//
// How it fails: [Parse] returns [ErrInvalid] (wrapped with the reason) for a
// value the Observatory calls invalid.
package csp
