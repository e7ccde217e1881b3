package validate_test

import (
	"testing"

	"github.com/go-playground/validator/v10"
)

// TestEmailRuleMatchesBakedIn checks that the email rule with its fast
// path accepts and refuses what go-playground's own rule does.
func TestEmailRuleMatchesBakedIn(t *testing.T) {
	v := std.Engine()
	plain := validator.New()
	for _, s := range []string{"ada.lovelace@example.com", "Ada.Lovelace@Example.com", "a+b@sub.example.org",
		"x!#$%&'*+-/=?^_`{|}~y@example.com", "a..b@example.com", "a@example", "a@example.c0m", "a@1.2.3.4",
		"a@[127.0.0.1]", `"a b"@example.com`, "Ada <a@example.com>", "<a@example.com>", "é@example.com",
		"a@exämple.com", "a@example.com.", "", " a@example.com", "not an email", "a@b.c", "a@b-.com"} {
		got := v.Var(s, "email") == nil
		want := plain.Var(s, "email") == nil
		if got != want {
			t.Errorf("email rule on %q: %v, go-playground's own: %v", s, got, want)
		}
	}
}
