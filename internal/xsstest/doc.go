// Package xsstest holds what tests of HTML sanitization share: a corpus
// of cross-site scripting vectors and a checker that parses HTML the way a
// browser does and names any markup outside the rich-text allowlist of
// input/sanitize. The reference app's browser test stores the same vectors
// and renders them.
package xsstest
