package input

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/harden-go/harden/respond"
)

// UploadConfig configures [Upload]. The zero value accepts one image (PNG,
// JPEG, GIF or WebP) of at most 1 MiB in the field "file".
type UploadConfig struct {
	// Field is the form field that carries the file(s). Default "file".
	Field string `json:"field,omitempty" yaml:"field,omitempty"`
	// MaxFileBytes caps each file. Default 1 MiB.
	MaxFileBytes int64 `json:"max_file_bytes,omitempty" yaml:"max_file_bytes,omitempty"`
	// MaxFiles bounds the number of files. Default 1.
	MaxFiles int `json:"max_files,omitempty" yaml:"max_files,omitempty"`
	// MaxTotalBytes caps the whole multipart body, files, other fields and
	// part headers included. Default MaxFiles × MaxFileBytes + 64 KiB.
	MaxTotalBytes int64 `json:"max_total_bytes,omitempty" yaml:"max_total_bytes,omitempty"`
	// Types lists the accepted media types as http.DetectContentType names
	// them from the content. Default: image/png, image/jpeg, image/gif,
	// image/webp.
	Types []string `json:"types,omitempty" yaml:"types,omitempty"`
	// MaxFields bounds the non-file fields (for example a CSRF token).
	// Default 16; their values together are capped at 10 KiB.
	MaxFields int `json:"max_fields,omitempty" yaml:"max_fields,omitempty"`
}

// defaultUploadTypes are the file types [Upload] accepts by default.
var defaultUploadTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// extensions of the types http.DetectContentType can name and that an
// allowlist is likely to hold; other types get ".bin".
var extensions = map[string]string{
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
	"image/bmp": ".bmp", "image/x-icon": ".ico", "application/pdf": ".pdf", "application/zip": ".zip",
	"audio/mpeg": ".mp3", "audio/wave": ".wav", "video/mp4": ".mp4", "video/webm": ".webm",
	"font/woff": ".woff", "font/woff2": ".woff2", "text/plain; charset=utf-8": ".txt",
}

// File is one received file. Nothing in it comes from the client's file
// name or part Content-Type.
type File struct {
	// Type is the media type sniffed from the content.
	Type string
	// Name is a generated name: 32 random hex digits and the extension of
	// Type. Use it (or your own) to store the file; never the client's.
	Name string
	// Size is the length of Data.
	Size int64
	// Data is the content.
	Data []byte
}

// Upload receives multipart/form-data file uploads within limits.
//
// It streams the body (nothing is written to disk), refusing:
//   - a body that is not multipart/form-data (415);
//   - a declared or actual body over MaxTotalBytes, a file over
//     MaxFileBytes, more than MaxFiles files (413);
//   - a file whose content, sniffed with http.DetectContentType, is not of
//     an accepted type, whatever its name and part Content-Type say (415);
//   - a file in another field than Field, too many other fields
//     (400/413), a malformed body (400), and no file at all (400 naming
//     Field).
//
// The client's file name is never used. Serve stored uploads with their
// sniffed type and X-Content-Type-Options: nosniff (a file can be both a
// valid image and something else).
type Upload struct {
	field     string
	maxFile   int64
	maxFiles  int
	maxTotal  int64
	maxFields int
	types     map[string]bool
}

// NewUpload returns an Upload for cfg, or an error naming what is wrong.
func NewUpload(cfg UploadConfig) (*Upload, error) {
	u := &Upload{field: cfg.Field, maxFile: cfg.MaxFileBytes, maxFiles: cfg.MaxFiles,
		maxTotal: cfg.MaxTotalBytes, maxFields: cfg.MaxFields, types: map[string]bool{}}
	if u.maxFile < 0 || u.maxFiles < 0 || u.maxTotal < 0 || u.maxFields < 0 {
		return nil, errors.New("input: UploadConfig limits must not be negative")
	}
	if u.field == "" {
		u.field = "file"
	}
	if u.maxFile == 0 {
		u.maxFile = 1 << 20
	}
	if u.maxFiles == 0 {
		u.maxFiles = 1
	}
	if u.maxTotal == 0 {
		u.maxTotal = int64(u.maxFiles)*u.maxFile + 64<<10
	}
	if u.maxFields == 0 {
		u.maxFields = 16
	}
	types := cfg.Types
	if len(types) == 0 {
		types = defaultUploadTypes
	}
	for _, t := range types {
		if _, _, err := mime.ParseMediaType(t); err != nil || strings.Contains(t, "*") {
			return nil, fmt.Errorf("input: UploadConfig.Types: %q is not a media type", t)
		}
		u.types[t] = true
	}
	return u, nil
}

// MaxTotalBytes returns the cap on the whole body; a [BodyLimit] in front
// of the upload route must allow at least this much.
func (u *Upload) MaxTotalBytes() int64 { return u.maxTotal }

// maxFieldBytes caps the values of the non-file fields together.
const maxFieldBytes = 10 << 10

// Receive reads r's multipart body within the limits and returns the
// files it accepted (at least one) and the non-file fields. Errors are
// [*Error] values.
func (u *Upload) Receive(w http.ResponseWriter, r *http.Request) (files []File, fields url.Values, err error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, ErrUnsupportedMediaType
	}
	if r.ContentLength > u.maxTotal {
		return nil, nil, ErrBodyTooLarge
	}
	if r.Body == nil {
		return nil, nil, ErrMalformedMultipart
	}
	body := http.MaxBytesReader(w, r.Body, u.maxTotal)
	mr := multipart.NewReader(body, params["boundary"])
	fields = url.Values{}
	nFields, fieldBytes := 0, 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, readErr(err, ErrMalformedMultipart)
		}
		name := part.FormName()
		if name == "" {
			_ = part.Close() // the request is refused as malformed either way
			return nil, nil, ErrMalformedMultipart
		}
		if !isFilePart(part) {
			nFields++
			if nFields > u.maxFields {
				return nil, nil, errTooManyFields
			}
			v, err := io.ReadAll(io.LimitReader(part, int64(maxFieldBytes-fieldBytes+1)))
			if err != nil {
				return nil, nil, readErr(err, ErrMalformedMultipart)
			}
			fieldBytes += len(v)
			if fieldBytes > maxFieldBytes {
				return nil, nil, ErrBodyTooLarge
			}
			fields.Add(name, string(v))
			continue
		}
		if name != u.field {
			return nil, nil, errUnexpectedFile
		}
		if len(files) == u.maxFiles {
			return nil, nil, errTooManyFiles
		}
		f, err := u.readFile(part)
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		return nil, nil, FieldErrors(respond.FieldError{Type: "field", Location: locationBody, Path: u.field, Msg: "is required"})
	}
	return files, fields, nil
}

// isFilePart reports whether part's Content-Disposition has a filename
// parameter (even an empty one).
func isFilePart(part *multipart.Part) bool {
	_, params, err := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
	if err != nil {
		return true // FormName parsed it; be strict about anything odd
	}
	_, ok := params["filename"]
	if !ok {
		_, ok = params["filename*"]
	}
	return ok
}

func (u *Upload) readFile(part *multipart.Part) (File, error) {
	data, err := io.ReadAll(io.LimitReader(part, u.maxFile+1))
	if err != nil {
		return File{}, readErr(err, ErrMalformedMultipart)
	}
	if int64(len(data)) > u.maxFile {
		return File{}, errFileTooLarge
	}
	typ := http.DetectContentType(data)
	if !u.types[typ] {
		return File{}, errUnsupportedFileType
	}
	name, err := randomName(typ)
	if err != nil {
		return File{}, err
	}
	return File{Type: typ, Name: name, Size: int64(len(data)), Data: data}, nil
}

// readErr maps a read error: a body over its cap is 413, anything else
// is fallback.
func readErr(err error, fallback *Error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return ErrBodyTooLarge
	}
	return fallback
}

func randomName(typ string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	ext, ok := extensions[typ]
	if !ok {
		ext = ".bin"
	}
	return hex.EncodeToString(b[:]) + ext, nil
}

// Save writes f's content into root under f.Name, refusing to overwrite
// an existing file; the file is created with mode 0600. os.Root keeps the
// write inside the directory whatever the name.
func (f *File) Save(root *os.Root) error {
	out, err := root.OpenFile(f.Name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := out.Write(f.Data); err != nil {
		_ = out.Close() // the write error is the one to report
		return err
	}
	return out.Close()
}
