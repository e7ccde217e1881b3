// Package normalize applies the `normalize` struct tags of package input's
// pipeline: the built-in string normalisers (trim, lower, upper, nfc, nfkc,
// stripctl, squash, email, escape), run in tag order through a struct's
// string fields, string slices and nested structs, with the plan for each
// type checked once and cached. Package validate runs it between decoding
// and validation, adding the sanitize package's HTML policies as further
// names.
//
// Imports: the standard library, golang.org/x/text and input/internal/mailaddr.
package normalize
