// Package static serves files safely: no dotfiles, no directory listings, no
// escape from the root, an explicit Content-Type on every file.
//
// What it defends against: http.FileServer serves .env, .git/config and
// other dotfiles, lists directories (leaking file names), and follows
// symlinks out of the served tree when given an os.DirFS. Here any path
// segment that starts with "." is 404, a directory answers with its
// index.html or 404, names are resolved inside an fs.FS (for a directory on
// disk, [Dir] opens it with os.Root, which refuses symlinks and ".." that
// leave it), and a Content-Type is chosen from the extension (never by
// sniffing the content: an uploaded "image" cannot become HTML) with
// X-Content-Type-Options: nosniff.
//
// Defaults: GET and HEAD only (others 405); Cache-Control "no-cache" (the
// browser revalidates with Last-Modified, or, for a file without a
// modification time such as an embed.FS's, with an ETag of its content's
// SHA-256, computed at each request); names carrying a content hash
// (app.3f9a1c2b.js, app-3f9a1c2b7d.css: 8 or more hex digits between dots
// or after a dash) get "public, max-age=31536000, immutable".
//
// How it fails: every refusal is a 404, 405, 412 (a failed If-Match) or 416
// (a Range that cannot be satisfied, with its Content-Range) through package
// respond; a read error is a 500 without its Go error text.
//
// Imports: the standard library and package respond.
package static

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/harden-go/harden/respond"
)

// server serves the files of an fs.FS.
type server struct {
	fsys fs.FS
}

// New returns a handler serving the files of fsys (for example an embed.FS,
// or the result of [Dir]). Strip any URL prefix with http.StripPrefix
// before it.
func New(fsys fs.FS) http.Handler { return &server{fsys: fsys} }

// Dir opens the directory dir for serving through os.Root: names cannot
// leave it through "..", absolute paths or symlinks.
func Dir(dir string) (fs.FS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return root.FS(), nil
}

var errNotFound = errors.New("static: not found")

// resolve maps a URL path to the name of a file in the FS, or returns an
// error when the path must not be served: a segment starting with "." (which
// covers "..", ".env" and ".git"), a backslash or NUL, or an invalid name.
func resolve(urlPath string) (string, error) {
	p := strings.TrimPrefix(urlPath, "/")
	if p == "" {
		return ".", nil
	}
	for seg := range strings.SplitSeq(p, "/") {
		// Dot segments hide secrets (.env, .git) and walk upwards (..).
		if strings.HasPrefix(seg, ".") {
			return "", errNotFound
		}
	}
	// Backslashes are separators on some systems; NUL truncates names in C.
	if strings.ContainsAny(p, "\\\x00") {
		return "", errNotFound
	}
	name := strings.TrimSuffix(p, "/")
	if !fs.ValidPath(name) {
		return "", errNotFound
	}
	return name, nil
}

// ServeHTTP serves the file named by r.URL.Path.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		respond.Reject(w, r, &respond.Rejection{
			Status: http.StatusMethodNotAllowed, Message: "Method not allowed",
			Header: http.Header{"Allow": {"GET, HEAD"}},
		})
		return
	}
	name, err := resolve(r.URL.Path)
	if err != nil {
		notFound(w, r)
		return
	}
	f, st, err := s.open(name)
	if err != nil {
		notFound(w, r)
		return
	}
	if !st.IsDir() && strings.HasSuffix(r.URL.Path, "/") {
		// "app.js/" (or "app.js%2f") names a directory: serving the file
		// there gives it a second URL, under which relative links and
		// cache rules differ (path confusion); the filesystem says ENOTDIR.
		_ = f.Close()
		notFound(w, r)
		return
	}
	if st.IsDir() {
		// No listings: a directory is its index.html or nothing.
		_ = f.Close() // read-only: nothing to flush
		name = path.Join(name, "index.html")
		f, st, err = s.open(name)
		if err != nil {
			notFound(w, r)
			return
		}
		if st.IsDir() {
			_ = f.Close()
			notFound(w, r)
			return
		}
	}
	defer func() { _ = f.Close() }()
	serveFile(w, r, name, f, st)
}

// serveFile answers with the content of f, the file name with info st:
// its Content-Type, Cache-Control and validator, then http.ServeContent for
// the conditional and range requests.
func serveFile(w http.ResponseWriter, r *http.Request, name string, f fs.File, st fs.FileInfo) {
	h := w.Header()
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if fingerprinted(path.Base(name)) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		b, err := io.ReadAll(io.LimitReader(f, st.Size()+1))
		if err != nil {
			respond.Reject(w, r, &respond.Rejection{Status: http.StatusInternalServerError, Message: "Internal server error"})
			return
		}
		rs = strings.NewReader(string(b))
	}
	modtime := st.ModTime()
	if modtime.IsZero() || modtime.Equal(time.Unix(0, 0)) {
		modtime = time.Time{} // embed.FS has no times: no Last-Modified
		// Without Last-Modified, "no-cache" would make the browser fetch
		// the whole file again at every use, never a 304: the content's
		// hash is the validator instead.
		tag, err := contentTag(rs)
		if err != nil {
			respond.Reject(w, r, &respond.Rejection{Status: http.StatusInternalServerError, Message: "Internal server error"})
			return
		}
		h.Set("ETag", tag)
	}
	http.ServeContent(&contentWriter{ResponseWriter: w, r: r}, r, name, modtime, rs)
}

// contentWriter passes http.ServeContent's answers through, except its
// refusals: a Range that cannot be satisfied (416, which it answers in plain
// text with the parser's error, "invalid range: failed to overlap"), a failed
// If-Match or If-Unmodified-Since (412, without a body) and a file it
// cannot seek (500). Those get the JSON error of package respond like every
// other refusal, keeping the Content-Range that a 416 carries.
type contentWriter struct {
	http.ResponseWriter
	r       *http.Request
	refused bool
}

// refusalMessages are the messages of ServeContent's refusals.
var refusalMessages = map[int]string{
	http.StatusPreconditionFailed:           "Precondition failed",
	http.StatusRequestedRangeNotSatisfiable: "Range not satisfiable",
}

func (w *contentWriter) WriteHeader(code int) {
	if w.refused {
		return
	}
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.refused = true
	msg, ok := refusalMessages[code]
	if !ok {
		code, msg = http.StatusInternalServerError, "Internal server error"
	}
	respond.Reject(w.ResponseWriter, w.r, &respond.Rejection{Status: code, Message: msg})
}

// Write drops ServeContent's own body of a refusal: the JSON error is
// written.
func (w *contentWriter) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// ReadFrom keeps the wrapped writer's ReadFrom (net/http's sends a file on
// disk with sendfile), and drops the body of a refusal as Write does.
func (w *contentWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.refused {
		return io.Copy(io.Discard, src)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *contentWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// contentTag returns a strong entity tag of the content of rs (the first
// 128 bits of its SHA-256, base64url) and rewinds rs.
func contentTag(rs io.ReadSeeker) (string, error) {
	sum := sha256.New()
	if _, err := io.Copy(sum, rs); err != nil {
		return "", err
	}
	if _, err := rs.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return `"` + base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:16]) + `"`, nil
}

// notFound is the answer to every path that is not served.
func notFound(w http.ResponseWriter, r *http.Request) {
	respond.Reject(w, r, &respond.Rejection{Status: http.StatusNotFound, Message: "Not found"})
}

func (s *server) open(name string) (fs.File, fs.FileInfo, error) {
	f, err := s.fsys.Open(name)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() && !st.IsDir() {
		_ = f.Close() // devices, sockets, pipes
		return nil, nil, errNotFound
	}
	return f, st, nil
}

// fingerprinted reports whether a file name carries a content hash: a run of
// at least 8 hex digits that is a whole dot-separated part or follows a dash.
func fingerprinted(base string) bool {
	parts := strings.Split(base, ".")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts[:len(parts)-1] {
		if i := strings.LastIndexByte(p, '-'); i >= 0 {
			p = p[i+1:]
		}
		if len(p) >= 8 && strings.Trim(p, "0123456789abcdefABCDEF") == "" {
			return true
		}
	}
	return false
}
