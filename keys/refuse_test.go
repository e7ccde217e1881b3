package keys

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// secretA is a random secret, base64, 44 characters.
const secretA = "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS="

func TestParseRefusesWeakSecrets(t *testing.T) {
	tests := []struct {
		name, secrets string
		want          string // substring of the reason; "" means errNoSecrets
	}{
		{"empty", "", ""},
		{"spaces", "   ", ""},
		{"short", "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5f", "shorter than 32 bytes"},
		{"hex 128 bits", "9f86d081884c7d659a2feaa0c55ad015", "256 bits"},
		{"digits", "12938475610293847561029384756102938475610293847561029384", "256 bits"},
		{"base64 of 24 bytes", base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1, 2, 3}, 8)) + "xyz", "256 bits"},
		{"one char", strings.Repeat("a", 64), "distinct"},
		{"few chars", strings.Repeat("abcdefg", 10), "distinct"},
		{"run", "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlaaaaaaaaMnOpQrS", "repeated"},
		{"counting", "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cDabcdefghijKlMnOpQrS", "counting"},
		{"counting down", "q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD987654321KlMnOpQrS", "counting"},
		{"pattern", strings.Repeat("q3Jx0vN9m2Lk8PzR", 4), "pattern"},
		{"placeholder", "my-super-secret-key-that-nobody-will-ever-guess-0192", "placeholder"},
		{"placeholder caps", "CHANGEME-q3Jx0vN9m2Lk8PzR4tY7uW1eB6cD5fGhIjKlMnOpQrS", "placeholder"},
		{"second weak", secretA + ",short", "secret #2"},
		{"empty entry", secretA + ",", "secret #2"},
		{"duplicate", secretA + "," + secretA, "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.secrets)
			if err == nil {
				t.Fatalf("Parse = %v, want an error", r)
			}
			if tt.want == "" {
				if !errors.Is(err, errNoSecrets) {
					t.Fatalf("err = %v, want errNoSecrets", err)
				}
				return
			}
			var se *secretError
			if !errors.As(err, &se) {
				t.Fatalf("err = %T %v, want *secretError", err, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q, want it to mention %q", err, tt.want)
			}
			// The error must not leak the secret.
			for _, s := range strings.Split(tt.secrets, ",") {
				if len(s) >= 8 && strings.Contains(err.Error(), s) {
					t.Fatalf("err %q contains the secret", err)
				}
			}
		})
	}
}
