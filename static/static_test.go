package static

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// site lays out a directory with secrets beside public files, and a symlink
// that points out of it.
func site(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "public")
	files := map[string]string{
		".env":             "SECRET=1",
		".git/config":      "[core]",
		"index.html":       "<h1>home</h1>",
		"app.js":           "console.log(1)",
		"app.3f9a1c2b.css": "body{}",
		"sub/index.html":   "sub",
		"empty/keep.txt":   "k",
		"sub/.hidden/x":    "x",
		"noext":            "<script>alert(1)</script>",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "outside.txt"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../outside.txt", filepath.Join(dir, "escape.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestServe(t *testing.T) {
	fsys, err := Dir(site(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(fsys))
	defer srv.Close()

	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
		wantType   string
		wantCache  string
	}{
		{"/", 200, "<h1>home</h1>", "text/html; charset=utf-8", "no-cache"},
		{"/app.js", 200, "console.log(1)", "text/javascript; charset=utf-8", "no-cache"},
		{"/app.3f9a1c2b.css", 200, "body{}", "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/sub/", 200, "sub", "text/html; charset=utf-8", "no-cache"},
		{"/noext", 200, "<script>alert(1)</script>", "application/octet-stream", "no-cache"},
		{"/.env", 404, `{"error":"Not found"}` + "\n", "application/json; charset=utf-8", "no-store"},
		{"/.git/config", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/sub/.hidden/x", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/%2eenv", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/%2e%2e/outside.txt", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/..%2foutside.txt", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/sub/..%2f..%2foutside.txt", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/%252e%252e/outside.txt", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/%2e%2e%5coutside.txt", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/escape.txt", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/empty/", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/empty", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/missing.js", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/a%00b", 404, `{"error":"Not found"}` + "\n", "", ""},
		// A file is not served under a directory URL.
		{"/app.js/", 404, `{"error":"Not found"}` + "\n", "application/json; charset=utf-8", "no-store"},
		{"/app.js%2f", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/app.js%2F", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/sub/index.html/", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/noext/", 404, `{"error":"Not found"}` + "\n", "", ""},
		{"/app.js//", 404, `{"error":"Not found"}` + "\n", "", ""},
		// A directory is its index.html with or without the slash, and
		// never a listing.
		{"/sub", 200, "sub", "text/html; charset=utf-8", "no-cache"},
		{"/sub%2f", 200, "sub", "text/html; charset=utf-8", "no-cache"},
		{"/sub/index.html", 200, "sub", "text/html; charset=utf-8", "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			req, err := http.NewRequest("GET", srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			// Send the path exactly as written, encodings included.
			req.URL.Opaque = tt.path
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body := make([]byte, 1024)
			n, _ := resp.Body.Read(body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if got := string(body[:n]); got != tt.wantBody {
				t.Errorf("body = %q, want %q", got, tt.wantBody)
			}
			if tt.wantType != "" {
				if got := resp.Header.Get("Content-Type"); got != tt.wantType {
					t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
				}
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if tt.wantCache != "" {
				if got := resp.Header.Get("Cache-Control"); got != tt.wantCache {
					t.Errorf("Cache-Control = %q, want %q", got, tt.wantCache)
				}
			}
		})
	}
}

// TestTrailingSlash mounts the handler as an application does, on an FS
// without directories of its own (as embed.FS): a file is 404 under a URL
// ending in a slash, raw or escaped, and a directory is its index.html or
// 404 with or without one.
func TestTrailingSlash(t *testing.T) {
	fsys := fstest.MapFS{
		"app.js":          {Data: []byte("run()")},
		"docs/index.html": {Data: []byte("docs")},
		"img/logo.png":    {Data: []byte("png")},
	}
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", New(fsys)))
	const notFound = `{"error":"Not found"}` + "\n"
	for _, tt := range []struct {
		target string
		status int
		body   string
	}{
		{"/static/app.js", 200, "run()"},
		{"/static/app.js/", 404, notFound},
		{"/static/app.js%2f", 404, notFound},
		{"/static/app.js%2F", 404, notFound},
		{"/static/app.js/x", 404, notFound},
		{"/static/docs/index.html/", 404, notFound},
		{"/static/docs", 200, "docs"},
		{"/static/docs/", 200, "docs"},
		{"/static/img", 404, notFound},
		{"/static/img/", 404, notFound},
		{"/static/img/logo.png/", 404, notFound},
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", tt.target, nil))
		if w.Code != tt.status || w.Body.String() != tt.body {
			t.Errorf("GET %s: got %d %q, want %d %q", tt.target, w.Code, w.Body.String(), tt.status, tt.body)
		}
		if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options = %q", tt.target, got)
		}
	}
}

// TestConditional checks the validators of files without a modification
// time (an embed.FS's): an ETag of the content, so that a browser
// revalidating a "no-cache" file gets 304 rather than the whole file, and
// If-Range and If-Match work. Files on disk keep Last-Modified.
func TestConditional(t *testing.T) {
	sum := sha256.Sum256([]byte("run()"))
	tag := `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
	s := New(fstest.MapFS{"app.js": {Data: []byte("run()")}})
	for _, tt := range []struct {
		name, method string
		header       http.Header
		status       int
		body         string
	}{
		{"plain", "GET", nil, 200, "run()"},
		{"HEAD", "HEAD", nil, 200, ""},
		{"If-None-Match matching", "GET", http.Header{"If-None-Match": {tag}}, 304, ""},
		{"If-None-Match in a list", "GET", http.Header{"If-None-Match": {`"x", ` + tag}}, 304, ""},
		{"If-None-Match weak", "GET", http.Header{"If-None-Match": {"W/" + tag}}, 304, ""},
		{"If-None-Match *", "HEAD", http.Header{"If-None-Match": {"*"}}, 304, ""},
		{"If-None-Match other", "GET", http.Header{"If-None-Match": {`"other"`}}, 200, "run()"},
		{"If-Match other", "GET", http.Header{"If-Match": {`"other"`}}, 412, `{"error":"Precondition failed"}` + "\n"},
		{"If-Match matching", "GET", http.Header{"If-Match": {tag}}, 200, "run()"},
		{"If-Range matching", "GET", http.Header{"Range": {"bytes=0-2"}, "If-Range": {tag}}, 206, "run"},
		{"If-Range other", "GET", http.Header{"Range": {"bytes=0-2"}, "If-Range": {`"other"`}}, 200, "run()"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/app.js", nil)
			maps.Copy(r.Header, tt.header)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.status, tt.body)
			}
			wantTag, wantCache := tag, "no-cache"
			if tt.status >= 400 {
				wantCache = "no-store" // a refusal; the 412 keeps the file's ETag
			}
			if got := w.Header().Get("ETag"); got != wantTag {
				t.Errorf("ETag = %q, want %q", got, wantTag)
			}
			if got := w.Header().Get("Cache-Control"); got != wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, wantCache)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if got := w.Header().Get("Last-Modified"); got != "" {
				t.Errorf("Last-Modified = %q, want none", got)
			}
		})
	}
}

// TestRangeRefusals checks that the refusals of Range and precondition
// requests are the package's JSON errors, like every other refusal, not
// http.ServeContent's plain text naming its parser's error; a 416 keeps
// the Content-Range that tells the client the file's length.
func TestRangeRefusals(t *testing.T) {
	s := New(fstest.MapFS{"a.txt": {Data: []byte("hello"), ModTime: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}})
	for _, tt := range []struct {
		name         string
		header       http.Header
		status       int
		body, crange string
	}{
		{"beyond the end", http.Header{"Range": {"bytes=10-"}}, 416, `{"error":"Range not satisfiable"}` + "\n", "bytes */5"},
		{"malformed", http.Header{"Range": {"bytes=x-y"}}, 416, `{"error":"Range not satisfiable"}` + "\n", ""},
		{"If-Unmodified-Since before", http.Header{"If-Unmodified-Since": {"Wed, 01 Jan 2025 00:00:00 GMT"}}, 412, `{"error":"Precondition failed"}` + "\n", ""},
		{"satisfiable", http.Header{"Range": {"bytes=1-2"}}, 206, "el", "bytes 1-2/5"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/a.txt", nil)
			maps.Copy(r.Header, tt.header)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.status || w.Body.String() != tt.body {
				t.Errorf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.status, tt.body)
			}
			if got := w.Header().Get("Content-Range"); got != tt.crange {
				t.Errorf("Content-Range = %q, want %q", got, tt.crange)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			if tt.status >= 400 {
				if got := w.Header().Get("Content-Type"); got != "application/json; charset=utf-8" {
					t.Errorf("Content-Type = %q, want the JSON error's", got)
				}
			}
		})
	}
}

func TestMethods(t *testing.T) {
	s := New(fstest.MapFS{"a.txt": {Data: []byte("a")}})
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/a.txt", nil))
	if w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" || w.Body.String() != `{"error":"Method not allowed"}`+"\n" {
		t.Errorf("POST: %d %q Allow=%q", w.Code, w.Body.String(), w.Header().Get("Allow"))
	}
	w = httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("HEAD", "/a.txt", nil))
	if w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != "1" {
		t.Errorf("HEAD: %d %q", w.Code, w.Body.String())
	}
}

func TestFingerprinted(t *testing.T) {
	for name, want := range map[string]bool{
		"app.3f9a1c2b.js":    true,
		"app-3f9a1c2b7d.css": true,
		"app.js":             false,
		"deadbeef":           false,
		"v1.2.3.js":          false,
		"logo.png":           false,
		"a.DEADBEEF00.woff2": true,
	} {
		if got := fingerprinted(name); got != want {
			t.Errorf("fingerprinted(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"/", "/a/b.js", "/.env", "/a/../b", "/a//b", "/a\\..\\b", "/a\x00", "/..", "/a/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		name, err := resolve(p)
		if err != nil {
			return
		}
		if !fsValid(name) {
			t.Fatalf("resolve(%q) = %q, not a valid fs path", p, name)
		}
		for _, bad := range []string{"..", "/.", "\\", "\x00"} {
			if containsSeg(name, bad) {
				t.Fatalf("resolve(%q) = %q contains %q", p, name, bad)
			}
		}
	})
}

func fsValid(name string) bool { return fs.ValidPath(name) }

// containsSeg reports whether name holds bad; "/." stands for any segment
// that starts with a dot.
func containsSeg(name, bad string) bool {
	if bad == "/." {
		return strings.HasPrefix(name, ".") && name != "." || strings.Contains(name, "/.")
	}
	return strings.Contains(name, bad)
}

func ExampleNew() {
	fsys := fstest.MapFS{"app.js": {Data: []byte("run()")}, ".env": {Data: []byte("SECRET=1")}}
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static", New(fsys)))
	for _, p := range []string{"/static/app.js", "/static/.env", "/static/"} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest("GET", p, nil))
		fmt.Println(p, w.Code)
	}
	// Output:
	// /static/app.js 200
	// /static/.env 404
	// /static/ 404
}

// TestContentWriterReadFrom: the writer around http.ServeContent keeps
// the wrapped writer's ReadFrom (sendfile for files on disk).
func TestContentWriterReadFrom(t *testing.T) {
	rec := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
	var w http.ResponseWriter = &contentWriter{ResponseWriter: rec, r: httptest.NewRequest("GET", "/", nil)}
	rf, ok := w.(io.ReaderFrom)
	if !ok {
		t.Fatal("contentWriter has no ReadFrom")
	}
	if n, err := rf.ReadFrom(strings.NewReader("abc")); n != 3 || err != nil || !rec.used || rec.Body.String() != "abc" {
		t.Errorf("ReadFrom = %d, %v; wrapped ReadFrom used %v, body %q", n, err, rec.used, rec.Body)
	}
}

// readFromRecorder is a ResponseRecorder with a ReadFrom that says it ran.
type readFromRecorder struct {
	*httptest.ResponseRecorder
	used bool
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.used = true
	return io.Copy(r.ResponseRecorder, src)
}
