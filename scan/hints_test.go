package scan

import (
	"strings"
	"testing"
)

// stopped is a site whose http:// chain ended at a redirect to another host
// that was not followed.
func stopped(to string, hops ...*Response) *Site {
	s := withHTTP(recorded(good(), ""), hops...)
	s.HTTP.StoppedAt = to
	return s
}

func TestRedirectionFromFirstLocation(t *testing.T) {
	for _, tt := range []struct {
		name       string
		site       *Site
		wantResult string
		wantScore  int
		wantDesc   string
	}{
		{"https on another host", stopped("https://www.example.com/",
			resp("http://example.com/", 301, "Location", "https://www.example.com/")),
			"redirection-off-host-from-http", -5, "not followed"},
		{"http on another host", stopped("http://www.example.com/",
			resp("http://example.com/", 301, "Location", "http://www.example.com/")),
			"redirection-not-to-https-on-initial-redirection", -10, "(www.example.com)"},
		{"same-host https first, then another host", stopped("https://www.example.com/",
			resp("http://example.com/", 301, "Location", "https://example.com/"),
			resp("https://example.com/", 302, "Location", "https://www.example.com/")),
			"redirection-to-https", 0, "not followed"},
		{"same-host http first, then https elsewhere", stopped("https://www.example.com/",
			resp("http://example.com/", 301, "Location", "/x"),
			resp("http://example.com/x", 301, "Location", "https://www.example.com/")),
			"redirection-not-to-https-on-initial-redirection", -10, "not followed"},
	} {
		rep, err := Grade(tt.site, GradeOptions{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, _ := rep.Test(TestRedirection)
		if got.Result != tt.wantResult || got.ScoreModifier != tt.wantScore {
			t.Errorf("%s: got %s %+d, want %s %+d", tt.name, got.Result, got.ScoreModifier, tt.wantResult, tt.wantScore)
		}
		if !strings.Contains(got.Description, tt.wantDesc) || !strings.Contains(got.Data, "(not followed)") {
			t.Errorf("%s: description %q / data %q, want %q and the unfollowed URL", tt.name, got.Description, got.Data, tt.wantDesc)
		}
	}
}

func TestRedirectionHints(t *testing.T) {
	tlsPort := withHTTP(recorded(good(), ""), &Response{URL: "http://example.com:8443/", Status: 400,
		Header: hdr("Content-Type", "text/plain; charset=utf-8"), Body: []byte("Client sent an HTTP request to an HTTPS server.\n")})
	rep, err := Grade(tlsPort, GradeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := rep.Test(TestRedirection)
	if got.Result != "redirection-missing" || got.ScoreModifier != -20 {
		t.Errorf("TLS-only port: got %s %+d, want redirection-missing -20 (as the Observatory)", got.Result, got.ScoreModifier)
	}
	if !strings.Contains(got.Description, "reached a TLS-only listener") || !strings.Contains(got.Fix, "--http-port") {
		t.Errorf("TLS-only port: description %q, fix %q; want the --http-port hint", got.Description, got.Fix)
	}

	plain400 := withHTTP(recorded(good(), ""), &Response{URL: "http://example.com/", Status: 400, Body: []byte("bad request")})
	rep, _ = Grade(plain400, GradeOptions{})
	if got, _ := rep.Test(TestRedirection); strings.Contains(got.Fix, "--http-port") {
		t.Errorf("a plain 400 got the TLS-port hint: %q", got.Fix)
	}

	noHTTP := recorded(good(), "")
	noHTTP.HTTP, noHTTP.HTTPStart = nil, "http://example.com:8443/"
	rep, _ = Grade(noHTTP, GradeOptions{})
	got, _ = rep.Test(TestRedirection)
	if got.Result != "redirection-not-needed-no-http" || !strings.Contains(got.Description, "nothing answered on http://example.com:8443/") || !strings.Contains(got.Description, "--http-port") {
		t.Errorf("no plain HTTP: got %s %q", got.Result, got.Description)
	}
}

// TestFixTextsTrue guards advice that would be false of harden: the stack
// passes a handler's own X-Powered-By and Server through, and the CORS
// allowlist is cors.Config.Origins.
func TestFixTextsTrue(t *testing.T) {
	for r, a := range advices {
		for _, bad := range []string{"headers strips", "stack strips", "stack removes", "AllowedOrigins"} {
			if strings.Contains(a.fix, bad) {
				t.Errorf("%s: fix %q claims %q", r, a.fix, bad)
			}
		}
	}
	fix := advices["information-disclosure-version"].fix
	for _, want := range []string{"in a Go handler, do not set them", "harden proxy"} {
		if !strings.Contains(fix, want) {
			t.Errorf("disclosure fix %q lacks %q", fix, want)
		}
	}
}
