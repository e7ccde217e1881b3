package configerr

import (
	"strconv"
	"strings"
)

// Error describes one invalid configuration entry.
type Error struct {
	Pkg    string // the reporting package, the message's prefix: "cors"
	Field  string // the setting, as the configuration file names it: "origins", "https.exempt"
	Index  int    // the entry's position in a list setting, or -1
	Value  string // the offending value as configured; "" for none or a secret
	Reason string // what is wrong, when Err's text does not say it; or ""
	Err    error  // the package's sentinel, for errors.Is
}

// Field returns the error of a single-valued setting.
func Field(pkg, field, value string, err error) *Error {
	return &Error{Pkg: pkg, Field: field, Index: -1, Value: value, Err: err}
}

// Entry returns the error of entry index of a list setting.
func Entry(pkg, field string, index int, value string, err error) *Error {
	return &Error{Pkg: pkg, Field: field, Index: index, Value: value, Err: err}
}

// Error returns `pkg: field[index] "value": reason`, leaving out the parts
// that are empty; without a Reason, Err's text stands in its place.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Pkg != "" {
		b.WriteString(e.Pkg)
		b.WriteString(": ")
	}
	b.WriteString(e.Field)
	if e.Index >= 0 {
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(e.Index))
		b.WriteByte(']')
	}
	if e.Value != "" {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(e.Value))
	}
	b.WriteString(": ")
	switch {
	case e.Reason != "":
		b.WriteString(e.Reason)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }
