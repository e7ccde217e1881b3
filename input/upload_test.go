package input

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	return img
}

func pngBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifBytes(t testing.TB) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpBytes is the head of a lossless WebP file: what content sniffing
// looks at.
func webpBytes() []byte {
	b := []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")
	return b
}

type part struct {
	field, filename, ctype string
	data                   []byte
}

func multipartBody(t testing.TB, parts ...part) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename != "" {
			h.Set("Content-Disposition", `form-data; name="`+p.field+`"; filename="`+p.filename+`"`)
		} else {
			h.Set("Content-Disposition", `form-data; name="`+p.field+`"`)
		}
		if p.ctype != "" {
			h.Set("Content-Type", p.ctype)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// avatarStore is the shape of POST /api/avatar: one image in "avatar",
// stored under its generated name.
type avatarStore struct {
	up    *Upload
	root  *os.Root
	saved []string
}

func (s *avatarStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	files, _, err := s.up.Receive(w, r)
	if err != nil {
		Reject(w, r, err)
		return
	}
	f := files[0]
	if err := f.Save(s.root); err != nil {
		http.Error(w, "save", 500)
		return
	}
	s.saved = append(s.saved, f.Name)
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, f.Type)
}

func TestUpload(t *testing.T) {
	up, err := NewUpload(UploadConfig{Field: "avatar", MaxFileBytes: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	const (
		tooLarge  = `{"error":"Request body too large"}` + "\n"
		fileLarge = `{"error":"File too large"}` + "\n"
		badType   = `{"error":"Unsupported file type"}` + "\n"
		media     = `{"error":"Unsupported media type"}` + "\n"
	)
	huge := append(pngBytes(t), bytes.Repeat([]byte{0}, 6<<20)...)
	over := append(pngBytes(t), bytes.Repeat([]byte{0}, 5<<20)...) // just over 5 MiB
	html := []byte("<!DOCTYPE html><html><script>alert(document.cookie)</script></html>")
	tests := []struct {
		name       string
		parts      []part
		ctype      string // overrides the multipart type
		raw        []byte // overrides the body
		chunked    bool
		wantStatus int
		wantBody   string
	}{
		{name: "png", parts: []part{{"avatar", "me.png", "image/png", pngBytes(t)}}, wantStatus: 201, wantBody: "image/png"},
		{name: "jpeg named .png", parts: []part{{"avatar", "me.png", "image/png", jpegBytes(t)}}, wantStatus: 201, wantBody: "image/jpeg"},
		{name: "gif", parts: []part{{"avatar", "a.gif", "", gifBytes(t)}}, wantStatus: 201, wantBody: "image/gif"},
		{name: "webp", parts: []part{{"avatar", "a.webp", "image/webp", webpBytes()}}, wantStatus: 201, wantBody: "image/webp"},
		{name: "with a csrf field", parts: []part{{"csrf", "", "", []byte("tok")}, {"avatar", "a.png", "", pngBytes(t)}}, wantStatus: 201, wantBody: "image/png"},
		{name: "fake png (html)", parts: []part{{"avatar", "me.png", "image/png", html}}, wantStatus: 415, wantBody: badType},
		{name: "fake png (svg)", parts: []part{{"avatar", "me.png", "image/png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)}}, wantStatus: 415, wantBody: badType},
		{name: "png magic only in the name", parts: []part{{"avatar", "\x89PNG.png", "image/png", []byte("MZ\x90\x00 executable")}}, wantStatus: 415, wantBody: badType},
		{name: "oversize upload", parts: []part{{"avatar", "big.png", "image/png", huge}}, wantStatus: 413, wantBody: tooLarge},
		{name: "file over 5 MiB", parts: []part{{"avatar", "big.png", "image/png", over}}, wantStatus: 413, wantBody: fileLarge},
		{name: "oversize upload chunked", parts: []part{{"avatar", "big.png", "image/png", huge}}, chunked: true, wantStatus: 413, wantBody: fileLarge},
		{name: "two files", parts: []part{{"avatar", "a.png", "", pngBytes(t)}, {"avatar", "b.png", "", pngBytes(t)}}, wantStatus: 413, wantBody: `{"error":"Too many files"}` + "\n"},
		{name: "other file field", parts: []part{{"document", "a.png", "", pngBytes(t)}}, wantStatus: 400, wantBody: `{"error":"Unexpected file field"}` + "\n"},
		{name: "no file", parts: []part{{"name", "", "", []byte("x")}}, wantStatus: 400, wantBody: fieldBody("body", "avatar", "is required")},
		{name: "json instead of multipart", ctype: "application/json", raw: []byte(`{}`), wantStatus: 415, wantBody: media},
		{name: "multipart without boundary", ctype: "multipart/form-data", raw: []byte(`x`), wantStatus: 415, wantBody: media},
		{name: "broken multipart", ctype: "multipart/form-data; boundary=zzz", raw: []byte("--zzz\r\nbroken"), wantStatus: 400, wantBody: `{"error":"Malformed multipart body"}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			s := &avatarStore{up: up, root: root}
			ctype, body := "", tt.raw
			if tt.parts != nil {
				ctype, body = multipartBody(t, tt.parts...)
			}
			if tt.ctype != "" {
				ctype = tt.ctype
			}
			r := httptest.NewRequest("POST", "/api/avatar", bytes.NewReader(body))
			r.Header.Set("Content-Type", ctype)
			if tt.chunked {
				r.ContentLength = -1
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, r)
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
			entries, _ := os.ReadDir(dir)
			if tt.wantStatus != 201 {
				if len(entries) != 0 || len(s.saved) != 0 {
					t.Errorf("stored %d files on a refusal", len(entries))
				}
				return
			}
			if len(entries) != 1 || entries[0].Name() != s.saved[0] {
				t.Fatalf("stored %v, saved %v", entries, s.saved)
			}
			if !regexp.MustCompile(`^[0-9a-f]{32}\.(png|jpg|gif|webp)$`).MatchString(s.saved[0]) {
				t.Errorf("generated name %q", s.saved[0])
			}
			info, _ := os.Stat(filepath.Join(dir, s.saved[0]))
			if info.Mode().Perm() != 0o600 {
				t.Errorf("mode %v", info.Mode())
			}
		})
	}
}

func TestUploadFilenameNeverUsed(t *testing.T) {
	up, _ := NewUpload(UploadConfig{Field: "f"})
	ctype, body := multipartBody(t, part{"f", "../../etc/passwd.png", "image/png", pngBytes(t)})
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	files, _, err := up.Receive(httptest.NewRecorder(), r)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(files[0].Name, "passwd") || strings.ContainsAny(files[0].Name, "/\\") {
		t.Errorf("name %q", files[0].Name)
	}
}

func TestUploadLimits(t *testing.T) {
	up, _ := NewUpload(UploadConfig{Field: "f", MaxFiles: 3, MaxFields: 1})
	ctype, body := multipartBody(t, part{"a", "", "", []byte("1")}, part{"b", "", "", []byte("2")})
	r := httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	if _, _, err := up.Receive(httptest.NewRecorder(), r); err != errTooManyFields {
		t.Errorf("fields: got %v", err)
	}
	ctype, body = multipartBody(t, part{"f", "1.png", "", pngBytes(t)}, part{"f", "2.gif", "", gifBytes(t)}, part{"x", "", "", []byte("v")})
	r = httptest.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", ctype)
	files, fields, err := up.Receive(httptest.NewRecorder(), r)
	if err != nil || len(files) != 2 || fields.Get("x") != "v" {
		t.Errorf("got %d files, fields %v, %v", len(files), fields, err)
	}
	if up.MaxTotalBytes() != 3<<20+64<<10 {
		t.Errorf("MaxTotalBytes %d", up.MaxTotalBytes())
	}
	for _, cfg := range []UploadConfig{{MaxFileBytes: -1}, {Types: []string{"image/*"}}} {
		if _, err := NewUpload(cfg); err == nil {
			t.Errorf("NewUpload(%+v) accepted", cfg)
		}
	}
}
