package configerr

import (
	"errors"
	"testing"
)

var errBad = errors.New("is bad")

func TestError(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{Field("cors", "max_age", "86401", errBad), `cors: max_age "86401": is bad`},
		{Field("csrf", "keys", "", errBad), `csrf: keys: is bad`},
		{Entry("cors", "origins", 2, "null", errBad), `cors: origins[2] "null": is bad`},
		{Entry("allowedhosts", "hosts", 0, "a\r\nb", errBad), `allowedhosts: hosts[0] "a\r\nb": is bad`},
		{&Error{Pkg: "ssrf", Field: "allowed_hosts", Index: 1, Value: "x", Reason: "not a host name", Err: errBad}, `ssrf: allowed_hosts[1] "x": not a host name`},
		{&Error{Field: "timeout", Index: -1, Reason: "is negative"}, `timeout: is negative`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestUnwrap(t *testing.T) {
	err := errors.Join(Field("x", "y", "", errBad))
	if !errors.Is(err, errBad) {
		t.Errorf("errors.Is(%v, errBad) = false, want true", err)
	}
	var ce *Error
	if !errors.As(err, &ce) || ce.Field != "y" {
		t.Errorf("errors.As(%v) = %+v, want the *Error for y", err, ce)
	}
}
