package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harden-go/harden/session"
)

// TestSessionAmongOtherCookies: the session cookie is found wherever it is
// among other cookies, on one Cookie line or several (HTTP/2 splits
// them); a request with only other cookies has no session.
func TestSessionAmongOtherCookies(t *testing.T) {
	m, _ := newManager(t, nil)
	sc := setCookie(t, m, httptest.NewRequest("GET", "http://localhost/", nil))
	pair, _, _ := strings.Cut(sc, ";") // name=value
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"alone", []string{pair}, "b"},
		{"after others", []string{"theme=dark; lang=en; " + pair}, "b"},
		{"on a second line", []string{"theme=dark", pair + "; lang=en"}, "b"},
		{"only other cookies", []string{"theme=dark; lang=en"}, ""},
		{"a name that merely contains it", []string{"x" + pair}, ""},
		{"no Cookie header", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://localhost/", nil)
			for _, l := range tt.lines {
				r.Header.Add("Cookie", l)
			}
			var got string
			m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = session.From(r).Get("a")
			})).ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("value = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestOtherCookiesCostNothing: a request carrying only other cookies costs
// the middleware what a request without cookies costs: none of them is
// parsed.
func TestOtherCookiesCostNothing(t *testing.T) {
	m, _ := newManager(t, nil)
	h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	bare := httptest.NewRequest("GET", "http://localhost/", nil)
	other := httptest.NewRequest("GET", "http://localhost/", nil)
	other.Header.Set("Cookie", "__Host-csrf=hg0XYMUXOAxHBFuSCirUvqW2c2_26mFaVRAQ-PysSYE; theme=dark")
	w := httptest.NewRecorder()
	want := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, bare) })
	if got := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, other) }); got != want {
		t.Errorf("allocations with other cookies = %v, without cookies %v", got, want)
	}
}
