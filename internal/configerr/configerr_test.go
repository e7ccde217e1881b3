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

var errOther = errors.New("is other")

func TestList(t *testing.T) {
	tests := []struct {
		name string
		add  func(l *List)
		want string  // the joined message; "" for a nil error
		is   []error // what the error wraps
		not  []error // what it does not wrap
	}{
		{"none", func(*List) {}, "", nil, nil},
		{"sentinel", func(l *List) { l.Add("keys", -1, "", errBad) }, `csrf: keys: is bad`, []error{errBad}, []error{errOther}},
		{"entry", func(l *List) { l.Add("trusted_origins", 2, "http://x", errBad) }, `csrf: trusted_origins[2] "http://x": is bad`, []error{errBad}, []error{errOther}},
		{"reason", func(l *List) { l.AddReason("max_length", -1, "4", "must be between 8 and 65536") }, `csrf: max_length "4": must be between 8 and 65536`, []error{errOther}, []error{errBad}},
		{"in order", func(l *List) {
			l.Add("b", -1, "", errBad)
			l.AddReason("a", 0, "v", "is wrong")
			l.Add("c", 1, "w", errBad)
		}, "csrf: b: is bad\ncsrf: a[0] \"v\": is wrong\ncsrf: c[1] \"w\": is bad", []error{errBad, errOther}, nil},
	}
	for _, tt := range tests {
		l := List{Pkg: "csrf", Sentinel: errOther}
		tt.add(&l)
		err := l.Err()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Err() = %v, want nil", tt.name, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: Err() = %v, want %q", tt.name, err, tt.want)
			continue
		}
		for _, target := range tt.is {
			if !errors.Is(err, target) {
				t.Errorf("%s: errors.Is(%v, %v) = false, want true", tt.name, err, target)
			}
		}
		for _, target := range tt.not {
			if errors.Is(err, target) {
				t.Errorf("%s: errors.Is(%v, %v) = true, want false", tt.name, err, target)
			}
		}
		var ce *Error
		if !errors.As(err, &ce) || ce.Pkg != "csrf" {
			t.Errorf("%s: errors.As(%v) = %+v, want an *Error of csrf", tt.name, err, ce)
		}
	}
}
