package configerr

import (
	"errors"
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

// List collects the errors of the entries a constructor refuses, in the
// order it checks them. Pkg names the reporting package; Sentinel is what
// the entries added with AddReason wrap, the package's ErrInvalidConfig.
//
//	errs := configerr.List{Pkg: "cookie", Sentinel: ErrInvalidConfig}
//	errs.AddReason("path", -1, cfg.Path, "must start with /")
//	if err := errs.Err(); err != nil {
//		return nil, err
//	}
type List struct {
	Pkg      string // every entry's Error.Pkg
	Sentinel error  // the Err of the entries added with AddReason
	errs     []error
}

// Add records that entry index of field (-1 for a single-valued setting),
// set to value, is refused for err, whose text says why.
func (l *List) Add(field string, index int, value string, err error) {
	l.errs = append(l.errs, &Error{Pkg: l.Pkg, Field: field, Index: index, Value: value, Err: err})
}

// AddReason records that entry index of field (-1 for a single-valued
// setting), set to value, is refused for reason. The entry wraps
// l.Sentinel.
func (l *List) AddReason(field string, index int, value, reason string) {
	l.errs = append(l.errs, &Error{Pkg: l.Pkg, Field: field, Index: index, Value: value, Reason: reason, Err: l.Sentinel})
}

// Err returns the recorded errors joined with errors.Join, or nil when
// none was recorded.
func (l *List) Err() error {
	return errors.Join(l.errs...)
}
