package httpsyntax

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/harden-go/harden/internal/browsertest"
)

// TestBrowserSerialisesOriginsAlike asks a real Chromium for the origin of
// each input (new URL(s).origin, the value its Origin header carries):
// every origin harden accepts must be exactly what the browser serialises;
// most spellings harden refuses are ones the browser never sends (it
// refuses the URL, or serialises it differently); and the few that a
// browser does send as they are, harden refuses by policy (see the package
// documentation), which the test pins so that the list stays honest.
func TestBrowserSerialisesOriginsAlike(t *testing.T) {
	accepted := []string{
		"https://example.com", "https://example.com/", "HTTPS://Example.COM:443", "http://example.com:80",
		"https://example.com:80", "http://example.com:443", "https://app.example.com:8443",
		"https://xn--bcher-kva.example", "https://a-b.c-d.example", "http://localhost:3000",
		"http://127.0.0.1:8080", "http://[::1]", "http://[0:0:0:0:0:0:0:1]:8080", "http://[::FFFF:1.2.3.4]",
		"http://[2001:DB8:0:0:1:0:0:1]", "http://[1:0:0:2:0:0:0:3]", "http://[1:0:0:0:2:0:0:0]",
		"http://[1:0:2:0:3:0:4:0]", "http://[::]",
	}
	// Sent by browsers as they are, refused by harden's LDH and
	// no-trailing-dot policy.
	policy := []string{"https://example.com.", "https://ex_ample.com", "https://-example.com", "https://example-.com"}
	refused := []string{
		"https://example.com:08443", "https://example.com:", "https://exa%6dple.com",
		"https://example.com\\", "https://exam\tple.com", "http://127.1", "http://0x7f.0.0.1",
		"http://2130706433", "http://127.0.0.01", "https://bücher.example", "https://EXAMPLE.\u212aOM",
		"https://user@example.com", "https://example.com/app", "https://example.com?", "https://example.com#",
	}
	all := append(append(append([]string(nil), accepted...), refused...), policy...)
	inputs, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	js := `(` + string(inputs) + `).map(s => { try { return new URL(s).origin } catch (e) { return "error" } })`
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(all) {
		t.Fatalf("Chromium answered %d origins for %d inputs", len(got), len(all))
	}
	for i, s := range accepted {
		o, err := ParseOrigin(s)
		if err != nil {
			t.Errorf("ParseOrigin(%q): %v, want the browser's %q", s, err, got[i])
			continue
		}
		if o.String() != got[i] {
			t.Errorf("ParseOrigin(%q) = %q, Chromium serialises %q", s, o.String(), got[i])
		}
	}
	for i, s := range refused {
		b := got[len(accepted)+i]
		if _, err := ParseOrigin(s); err == nil {
			t.Errorf("ParseOrigin(%q) accepted, want it refused", s)
		}
		if b == strings.TrimSuffix(s, "/") {
			t.Errorf("Chromium sends %q as is; it belongs with the policy refusals", s)
		}
	}
	for i, s := range policy {
		b := got[len(accepted)+len(refused)+i]
		if _, err := ParseOrigin(s); err == nil {
			t.Errorf("ParseOrigin(%q) accepted, want it refused by policy", s)
		}
		if b != s {
			t.Errorf("Chromium serialises %q as %q; it belongs with the other refusals", s, b)
		}
	}
}
