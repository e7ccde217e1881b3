package testenv

import (
	"errors"

	"github.com/harden-go/harden/internal/configerr"
)

// ConfigCause stands, in a test's list of wanted errors, for a layer's
// unexported configuration sentinel, by its text: the cause (Err) of the
// layer's *ConfigError. See [MatchConfig].
type ConfigCause string

func (c ConfigCause) Error() string { return string(c) }

// MatchConfig reports whether err matches want: with errors.Is or, when
// want is a [ConfigCause], by holding (in its tree of wrapped and joined
// errors) a configuration error whose cause has that text.
func MatchConfig(err, want error) bool {
	if c, ok := want.(ConfigCause); ok {
		return hasCause(err, string(c))
	}
	return errors.Is(err, want)
}

// hasCause reports whether err's tree holds a *configerr.Error whose cause
// has the text cause.
func hasCause(err error, cause string) bool {
	if ce, ok := err.(*configerr.Error); ok && ce.Err != nil && ce.Err.Error() == cause {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return hasCause(u.Unwrap(), cause)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			if hasCause(e, cause) {
				return true
			}
		}
	}
	return false
}
