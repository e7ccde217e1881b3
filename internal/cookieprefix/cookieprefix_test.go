package cookieprefix

import "testing"

func TestStrip(t *testing.T) {
	for in, want := range map[string]string{
		"__Host-sid":         "sid",
		"__Secure-sid":       "sid",
		"sid":                "sid",
		"__Host-__Secure-id": "id",
	} {
		if got := Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
}
