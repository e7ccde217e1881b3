package cookieprefix

import "testing"

func TestStrip(t *testing.T) {
	for in, want := range map[string]string{
		"__Host-sid":         "sid",
		"__Secure-sid":       "sid",
		"__HOST-sid":         "sid",
		"__secure-sid":       "sid",
		"sid":                "sid",
		"__Host":             "__Host",
		"_Host-sid":          "_Host-sid",
		"__Host-__secure-id": "id",
	} {
		if got := Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsHostIsSecure(t *testing.T) {
	for _, tc := range []struct {
		name         string
		host, secure bool
	}{
		{"__Host-a", true, false},
		{"__host-a", true, false},
		{"__HoSt-", true, false},
		{"__Secure-a", false, true},
		{"__SECURE-a", false, true},
		{"__Host", false, false},
		{"Host-a", false, false},
		{"a__Host-", false, false},
		{"", false, false},
	} {
		if got := IsHost(tc.name); got != tc.host {
			t.Errorf("IsHost(%q) = %v, want %v", tc.name, got, tc.host)
		}
		if got := IsSecure(tc.name); got != tc.secure {
			t.Errorf("IsSecure(%q) = %v, want %v", tc.name, got, tc.secure)
		}
	}
}
