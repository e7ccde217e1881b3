package testenv

import (
	"errors"
	"fmt"
	"testing"

	"github.com/harden-go/harden/internal/configerr"
)

func TestMatchConfig(t *testing.T) {
	errSentinel := errors.New("cors: invalid config")
	errCause := errors.New("must be -1, 0 or 1..86400")
	layer := configerr.Field("cors", "max_age", "100000", errCause)
	joined := errors.Join(errSentinel, fmt.Errorf("harden: %w", errors.Join(errors.New("other"), layer)))
	tests := []struct {
		name string
		err  error
		want error
		ok   bool
	}{
		{"sentinel, errors.Is", joined, errSentinel, true},
		{"cause of a joined, wrapped configuration error", joined, ConfigCause("must be -1, 0 or 1..86400"), true},
		{"cause alone", layer, ConfigCause("must be -1, 0 or 1..86400"), true},
		{"other cause", joined, ConfigCause("must be 0 or more"), false},
		{"a plain error's text is not a cause", joined, ConfigCause("other"), false},
		{"cause of a configuration error without one", configerr.Field("cors", "origins", "", nil), ConfigCause(""), false},
		{"nil", nil, ConfigCause("must be -1, 0 or 1..86400"), false},
		{"absent sentinel", layer, errSentinel, false},
	}
	for _, tt := range tests {
		if got := MatchConfig(tt.err, tt.want); got != tt.ok {
			t.Errorf("%s: MatchConfig(%v, %q) = %v, want %v", tt.name, tt.err, tt.want, got, tt.ok)
		}
	}
}
