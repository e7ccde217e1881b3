package proxy

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// locationUpstream answers with the Location, Content-Location and Refresh
// of the request's X-Test-* headers ("{up}" is its own origin) and the
// status of X-Test-Status (302 by default).
func locationUpstream(t *testing.T) *upstream {
	var self string
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		for _, name := range []string{"Location", "Content-Location", "Refresh"} {
			if v := r.Header.Get("X-Test-" + name); v != "" {
				w.Header().Set(name, strings.ReplaceAll(v, "{up}", self))
			}
		}
		status := http.StatusFound
		if r.Header.Get("X-Test-Status") == "201" {
			status = http.StatusCreated
		}
		w.WriteHeader(status)
		io.WriteString(w, "moved")
	})
	self = up.URL
	return up
}

func TestLocationRewritten(t *testing.T) {
	up := locationUpstream(t)
	upHost := strings.TrimPrefix(up.URL, "http://")
	_, port, _ := net.SplitHostPort(upHost)
	tests := []struct {
		name, header, value, want string
	}{
		{"own origin", "Location", "{up}/internal?a=1&b=%2F#top", "https://example.com/internal?a=1&b=%2F#top"},
		{"own origin, no path", "Location", "{up}", "https://example.com"},
		{"scheme and host case", "Location", "HTTP://" + strings.ToUpper(upHost) + "/x", "https://example.com/x"},
		{"double slash path", "Location", "{up}//evil.example/x", "https://example.com//evil.example/x"},
		{"relative", "Location", "/login?next=%2F", "/login?next=%2F"},
		{"scheme-relative", "Location", "//" + upHost + "/x", "//" + upHost + "/x"},
		{"third party", "Location", "https://accounts.example.net/auth?r=" + up.URL, "https://accounts.example.net/auth?r=" + up.URL},
		{"other port", "Location", "http://127.0.0.1:1/x", "http://127.0.0.1:1/x"},
		{"other scheme", "Location", "https://" + upHost + "/x", "https://" + upHost + "/x"},
		{"other name for the host", "Location", "http://localhost:" + port + "/x", "http://localhost:" + port + "/x"},
		{"userinfo trick", "Location", "http://" + upHost + "@evil.example/x", "http://" + upHost + "@evil.example/x"},
		{"content-location", "Content-Location", "{up}/items/7", "https://example.com/items/7"},
		{"refresh", "Refresh", "5; url={up}/next", "5; url=https://example.com/next"},
		{"refresh quoted", "Refresh", "0;URL='{up}/next'", "0;URL='https://example.com/next'"},
		{"refresh bare", "Refresh", "3, {up}/n", "3, https://example.com/n"},
		{"refresh relative", "Refresh", "5; url=/next", "5; url=/next"},
		{"refresh without url", "Refresh", "30", "30"},
	}
	_, srv := start(t, prodConfig(up.URL))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := send(t, srv, "GET", "/", "", map[string]string{"X-Test-" + tt.header: tt.value})
			if res.status != http.StatusFound || res.body != "moved" {
				t.Errorf("got %d %q, want the upstream's 302", res.status, res.body)
			}
			if got := res.header.Values(tt.header); len(got) != 1 || got[0] != tt.want {
				t.Errorf("%s %q, want %q", tt.header, got, tt.want)
			}
		})
	}
	// 201 Created's Location too.
	res := send(t, srv, "POST", "/items", "", map[string]string{"X-Test-Status": "201", "X-Test-Location": "{up}/items/8"})
	if got := res.header.Get("Location"); res.status != 201 || got != "https://example.com/items/8" {
		t.Errorf("201: %d Location %q, want https://example.com/items/8", res.status, got)
	}
}

func TestLocationUpstreamPathPrefix(t *testing.T) {
	up := locationUpstream(t)
	_, srv := start(t, prodConfig(up.URL+"/app"))
	for value, want := range map[string]string{
		"{up}/app/x?y=1": "https://example.com/x?y=1",
		"{up}/app":       "https://example.com",
		"{up}/app?y=1":   "https://example.com?y=1",
		"{up}/apple":     "https://example.com/apple", // not the prefix: kept
		"{up}/other":     "https://example.com/other",
	} {
		res := send(t, srv, "GET", "/", "", map[string]string{"X-Test-Location": value})
		if got := res.header.Get("Location"); got != want {
			t.Errorf("%s: Location %q, want %q", value, got, want)
		}
	}
}

// Without a public URL (development) the upstream's origin is removed: a
// path-absolute reference, resolved by the client against the URL it
// asked for, so no Host header is ever written into it.
func TestLocationWithoutPublicURL(t *testing.T) {
	up := locationUpstream(t)
	_, srv := start(t, devConfig(up.URL))
	for value, want := range map[string]string{
		"{up}/internal?a=1#f":   "/internal?a=1#f",
		"{up}":                  "/",
		"{up}?a=1":              "/?a=1",
		"{up}//evil.example/x":  "/.//evil.example/x", // not "//evil.example/x", another host
		`{up}/\evil.example/x`:  `/./\evil.example/x`,
		"/relative":             "/relative",
		"https://other.test/x":  "https://other.test/x",
		"{up}/a%2Fb?q=%20#frag": "/a%2Fb?q=%20#frag",
	} {
		res := send(t, srv, "GET", "/", "", map[string]string{"Host": "evil.localhost", "X-Test-Location": value})
		if got := res.header.Get("Location"); res.status != http.StatusFound || got != want {
			t.Errorf("%s: %d Location %q, want 302 %q", value, res.status, got, want)
		}
	}
}

// A unix-socket upstream has no origin of its own: nothing is rewritten.
func TestLocationUnixSocketUpstream(t *testing.T) {
	sock := t.TempDir() + "/app.sock"
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	s := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", r.Header.Get("X-Test-Location"))
		w.WriteHeader(http.StatusFound)
	})}
	go s.Serve(ln)
	defer s.Close()
	_, srv := start(t, prodConfig("unix:"+sock))
	for _, loc := range []string{"/relative?x=1", "http://unix/x", "http://example.com/x", "https://accounts.example.net/a"} {
		res := send(t, srv, "GET", "/", "", map[string]string{"X-Test-Location": loc})
		if got := res.header.Get("Location"); res.status != http.StatusFound || got != loc {
			t.Errorf("%s: %d Location %q, want 302 unchanged", loc, res.status, got)
		}
	}
}

// FuzzPublicLocation checks that a rewritten Location never names a host
// but the public one: with a public URL it is on that origin, without one
// it is a path-absolute reference no browser reads as another host.
func FuzzPublicLocation(f *testing.F) {
	for _, s := range []string{
		"http://127.0.0.1:3001/internal?a=1#f", "http://127.0.0.1:3001", "http://127.0.0.1:3001//evil.example",
		`http://127.0.0.1:3001/\evil.example`, "HTTP://127.0.0.1:3001/app/x", "http://127.0.0.1:3001@evil.example/",
		"/relative", "https://other.test/", "http://127.0.0.1:3001?x", "http://127.0.0.1:3001#f", "http://127.0.0.1:3001/app",
	} {
		f.Add(s)
	}
	target, _ := url.Parse("http://127.0.0.1:3001/app")
	public, _ := url.Parse("https://example.com")
	withURL := &Proxy{target: upstreamTarget{url: target}, publicOrigin: public}
	without := &Proxy{target: upstreamTarget{url: target}}
	f.Fuzz(func(t *testing.T, loc string) {
		if out, ok := withURL.publicLocation(loc); ok {
			u, err := url.Parse(out)
			if !strings.HasPrefix(out, "https://example.com") || err == nil && u.Host != "example.com" {
				t.Fatalf("%q rewritten to %q, off the public origin", loc, out)
			}
		}
		if out, ok := without.publicLocation(loc); ok {
			if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.HasPrefix(out, `/\`) {
				t.Fatalf("%q rewritten to %q, not a path-absolute reference", loc, out)
			}
		}
	})
}
