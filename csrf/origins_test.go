package csrf_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harden-go/harden/cors"
	"github.com/harden-go/harden/csrf"
	"github.com/harden-go/harden/keys"
)

// sharedOrigins are configuration entries that CSRF takes from the CORS
// allowlist. Both layers parse them with one grammar, so each must be
// accepted by both or refused by both.
var sharedOrigins = []struct {
	origin string
	valid  bool
}{
	{"https://app.example.com", true},
	{"https://app.example.com/", true},
	{"HTTPS://App.Example.COM:443", true},
	{"https://app.example.com:8443", true},
	{"http://localhost:5173", true},
	{"http://127.0.0.1:3000", true},
	{"http://[::1]:8080", true},
	{"http://[::ffff:127.0.0.1]", true},
	{"https://xn--bcher-kva.example", true},
	{"https://192.0.2.1", true},
	{"https://[2001:db8::1]:8443", true},

	{"https://app.example.com:08443", false}, // a leading zero in the port
	{"https://app.example.com:", false},      // an empty port
	{"https://app.example.com.", false},      // a trailing dot
	{"https://ex_ample.com", false},          // "_" is not LDH
	{"https://-app.example.com", false},
	{"https://app.example.com:0", false},
	{"https://app.example.com:65536", false},
	{"https://127.1", false},
	{"https://[fe80::1%25eth0]", false},
	{"https://bücher.example", false},
	{"https://u@app.example.com", false},
	{"https://app.example.com/app", false},
	{"https://app.example.com?x", false},
	{"https://app.example.com#x", false},
	{"http://app.example.com", false}, // insecure, not loopback
	{"ftp://app.example.com", false},
	{"app.example.com", false},
	{"null", false},
	{"file://", false},
	{"", false},
}

func TestCORSAndCSRFAcceptTheSameOrigins(t *testing.T) {
	ring := keys.Ephemeral()
	for _, tt := range sharedOrigins {
		_, corsErr := cors.New(cors.Config{Origins: []string{tt.origin}})
		_, csrfErr := csrf.New(csrf.Config{Keys: ring, TrustedOrigins: []string{tt.origin}})
		if got := corsErr == nil; got != tt.valid {
			t.Errorf("cors.New(%q): got error %v, want valid=%v", tt.origin, corsErr, tt.valid)
		}
		if got := csrfErr == nil; got != tt.valid {
			t.Errorf("csrf.New(%q): got error %v, want valid=%v", tt.origin, csrfErr, tt.valid)
		}
	}
}

// requestOrigins are Origin header values as a browser, or an attacker,
// sends them.
var requestOrigins = []string{
	"https://app.example.com",
	"https://app.example.com:8443",
	"http://localhost:5173",
	"http://[::1]:8080",
	"http://[::ffff:7f00:1]",
	"https://xn--bcher-kva.example",
	"https://[2001:db8::1]:8443",
	"https://192.0.2.1",
	// Other spellings of allowed origins: a browser never sends them, and
	// both layers must refuse them alike.
	"https://APP.example.com",
	"https://app.example.com:443",
	"https://app.example.com/",
	"https://app.example.com.",
	"https://app.example.com:08443",
	"http://[::ffff:127.0.0.1]",
	"https://[2001:DB8::1]:8443",
	"https://[2001:db8:0::1]:8443",
	"http://app.example.com",
	"https://evil.example",
	"https://app.example.com.evil.example",
	"https://evil-app.example.com",
	"https://sub.app.example.com",
	"null",
	"",
}

// TestCORSAndCSRFTrustTheSameOrigins configures both layers with the same
// allowlist and asserts that for every Origin they give the same verdict:
// cors.Middleware.Trusts and the CORS headers it sets on one side, the CSRF origin layer on
// a cross-site POST (Sec-Fetch-Site present, and absent) on the other.
func TestCORSAndCSRFTrustTheSameOrigins(t *testing.T) {
	var allow []string
	for _, tt := range sharedOrigins {
		if tt.valid {
			allow = append(allow, tt.origin)
		}
	}
	m, err := cors.New(cors.Config{Origins: allow})
	if err != nil {
		t.Fatal(err)
	}
	p, err := csrf.New(csrf.Config{TrustedOrigins: allow, DangerouslyNoToken: true})
	if err != nil {
		t.Fatal(err)
	}
	// As the stack gives it: the normalised CORS list.
	p2, err := csrf.New(csrf.Config{TrustedOrigins: m.Origins(), DangerouslyNoToken: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, origin := range requestOrigins {
		trusts := m.Trusts(origin)

		r := httptest.NewRequest(http.MethodGet, "https://service.example/api", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		h := http.Header{}
		m.SetHeaders(r, h)
		if corsAllowed := h.Get("Access-Control-Allow-Origin") != ""; corsAllowed != trusts {
			t.Errorf("Origin %q: cors allows = %v, Trusts = %v; want the same verdict", origin, corsAllowed, trusts)
		}

		for _, fetchSite := range []string{"cross-site", ""} {
			for i, prot := range []*csrf.Protector{p, p2} {
				r := httptest.NewRequest(http.MethodPost, "https://service.example/api", nil)
				if origin != "" {
					r.Header.Set("Origin", origin)
				}
				if fetchSite != "" {
					r.Header.Set("Sec-Fetch-Site", fetchSite)
				}
				csrfPasses := prot.Check(r) == nil
				// With neither Origin nor Sec-Fetch-Site the origin layer
				// has nothing to judge and the token decides.
				want := trusts || origin == "" && fetchSite == ""
				if csrfPasses != want {
					t.Errorf("Origin %q, Sec-Fetch-Site %q, protector %d: csrf passes = %v, cors trusts = %v", origin, fetchSite, i, csrfPasses, trusts)
				}
			}
		}
	}
}
