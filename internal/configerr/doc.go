// Package configerr holds the one configuration error type of harden's
// layers. A constructor that refuses its Config returns one *Error per bad
// entry, joined with errors.Join (a [List] collects them), so that every
// mistake is reported at start-up and none is silently ignored. The root
// package exports it once, as harden.ConfigError, so callers match any
// layer's with errors.As(err, new(*harden.ConfigError)), and tell the
// layers apart with errors.Is and the package's ErrInvalidConfig.
//
// The field is named as the configuration file spells it (the JSON and
// YAML name, "trusted_origins", with "." between nested names), not as the
// Go field, so the message points at the line an operator must edit; only
// a setting that code alone can set (json:"-") goes by its Go name.
// The offending value is quoted with %q, so control characters cannot
// forge log lines; a package leaves it empty for a secret.
//
// Imports: the standard library only.
package configerr
