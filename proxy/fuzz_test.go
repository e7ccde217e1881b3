package proxy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/harden-go/harden/input"
)

// FuzzJSONKeys checks the streaming key scan against encoding/json: a body
// the scan passes is valid JSON (or empty) whose decoded value the key
// guard passes, and a valid body whose decoded value the guard refuses is
// refused by the scan (which also refuses keys a later duplicate hid).
func FuzzJSONKeys(f *testing.F) {
	for _, s := range []string{
		`{"user":"a","password":"b"}`, `{"a":{"$ne":1}}`, `{"\u0024ne":1}`, `{"a":{"$ne":1},"a":1}`,
		`[1,{"b":[{"c.d":2}]}]`, `"$ne"`, `{"a":"$ne"}`, `{"__proto__":{}}`, `{"a":1} {"b":2}`, `{`, ``, ` `,
		`{"a":[],"b":{},"c":null,"d":true,"e":1.5e3}`, `[[[[[]]]]]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := scanJSONKeys(body)
		if strings.TrimSpace(string(body)) == "" {
			if err != nil {
				t.Fatalf("empty body refused: %v", err)
			}
			return
		}
		// UseNumber, as the scan: a number too large for a float64 is
		// still JSON.
		var v any
		decodeErr := errors.New("invalid JSON")
		if json.Valid(body) {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber()
			decodeErr = dec.Decode(&v)
		}
		if err == nil {
			if decodeErr != nil {
				t.Fatalf("scan passed %q, which encoding/json refuses: %v", body, decodeErr)
			}
			if kerr := input.CheckKeys(v); kerr != nil {
				t.Fatalf("scan passed %q, whose decoded keys are refused: %v", body, kerr)
			}
			return
		}
		if decodeErr == nil && !errors.Is(err, errNotJSON) {
			return // a refused key: fine whatever the decoded value shows
		}
		if decodeErr == nil && errors.Is(err, errNotJSON) && depth(body) <= maxJSONDepth {
			t.Fatalf("scan says %q is not JSON (%v), encoding/json decodes it", body, err)
		}
		var ie *input.Error
		if !errors.As(err, &ie) {
			t.Fatalf("scan error %v is not an *input.Error", err)
		}
	})
}

// depth is the nesting depth of a JSON text, ignoring strings.
func depth(b []byte) int {
	d, maxd, inStr, esc := 0, 0, false, false
	for _, c := range b {
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == '{' || c == '['):
			d++
			maxd = max(maxd, d)
		case !inStr && (c == '}' || c == ']'):
			d--
		}
	}
	return maxd
}

// FuzzCleanPath checks that the path every layer decides on and the
// upstream receives is clean: absolute, no "//", "." or ".." segment.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/", "/api/login", "//api//login", "/x/../api/login", "/a/./b/", "/..", "", "/%2e%2e/admin", "/a/b/../../../c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if p == "*" {
			return
		}
		r := &http.Request{URL: &url.URL{Path: p}}
		got := cleanPath(r).URL.Path
		want := path.Clean("/" + got)
		if strings.HasSuffix(got, "/") && got != "/" {
			want += "/"
		}
		if got != want || !strings.HasPrefix(got, "/") {
			t.Fatalf("cleanPath(%q) = %q, not clean (%q)", p, got, want)
		}
		if r.URL.Path != p {
			t.Fatalf("cleanPath changed the caller's request: %q", r.URL.Path)
		}
	})
}

// FuzzFirstSignificant checks the sniff of bodies of other media types
// against a reading of the whole body: the first byte after JSON white
// space and a UTF-8 byte order mark, or ' ' past the sniff's reach.
func FuzzFirstSignificant(f *testing.F) {
	for _, s := range []string{"", " ", "{}", "\xef\xbb\xbf[1]", "\xef\xbb", " \t\r\n{", "\xff\xfe{\x00", strings.Repeat(" ", 600) + "{"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		first, found, err := firstSignificant(bufio.NewReaderSize(strings.NewReader(body), sniffLen))
		if err != nil {
			t.Fatalf("firstSignificant(%q): %v", body, err)
		}
		rest := strings.TrimPrefix(body, "\xef\xbb\xbf")
		trimmed := strings.TrimLeft(rest, " \t\r\n")
		switch {
		case trimmed == "" && len(body) < sniffLen:
			if found {
				t.Fatalf("firstSignificant(%q) = %q, want none", body, first)
			}
		case len(body)-len(trimmed) >= sniffLen:
			if !found || first != ' ' {
				t.Fatalf("firstSignificant(%q) = %q %v, want ' ' past the reach", body, first, found)
			}
		case !found || first != trimmed[0]:
			t.Fatalf("firstSignificant(%q) = %q %v, want %q", body, first, found, trimmed[0])
		}
	})
}

// FuzzRequestCookies checks that with HostPrefix the upstream receives
// only cookies that came with the prefix (unprefixed) or are readable,
// and never the proxy's own CSRF cookie.
func FuzzRequestCookies(f *testing.F) {
	for _, s := range []string{"__Host-sid=1; sid=evil; XSRF=t", "a=1;;b", "__Host-=x", csrfCookieName + "=1; __Host-" + csrfCookieName + "=2", "=;=;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") {
			return
		}
		p := &Proxy{csrfCookie: csrfCookieName, cookies: newCookiePolicy(CookieConfig{HostPrefix: true, Readable: []string{"XSRF"}})}
		allowed := map[string]bool{"XSRF": true}
		for pair := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(pair), "=")
			if bare, ok := strings.CutPrefix(name, hostPrefix); ok && bare != "XSRF" && bare != csrfCookieName {
				allowed[bare] = true
			}
		}
		h := http.Header{"Cookie": {line}}
		p.rewriteRequestCookies(h)
		for _, c := range h["Cookie"] {
			for pair := range strings.SplitSeq(c, "; ") {
				name, _, _ := strings.Cut(pair, "=")
				if !allowed[name] {
					t.Fatalf("%q sent upstream as %q: cookie %q did not come with the prefix", line, c, name)
				}
				if name == csrfCookieName {
					t.Fatalf("%q sent upstream as %q: the proxy's own cookie", line, c)
				}
			}
		}
	})
}
