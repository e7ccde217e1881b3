package validate_test

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/validate"
)

// newInputStack wires the input layer the way harden serve does: the
// stack-wide body limit (10 KiB, 5 MiB + 64 KiB for the avatar route) and
// parameter pollution in front of the routes, the contact handler on
// Validator.Bind and the avatar handler on input.Upload.
func newInputStack(t *testing.T) (http.Handler, *memStore) {
	t.Helper()
	avatar, err := input.NewUpload(input.UploadConfig{Field: "avatar", MaxFileBytes: 5 << 20})
	if err != nil {
		t.Fatal(err)
	}
	limit, err := input.NewBodyLimit(input.BodyLimitConfig{Routes: map[string]int64{"POST /api/avatar": avatar.MaxTotalBytes()}})
	if err != nil {
		t.Fatal(err)
	}
	params, err := input.NewParams(input.ParamsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := validate.New(validate.Config{})
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{}
	mux := http.NewServeMux()
	mux.Handle("POST /api/contact", contactHandler(v, st.addContact))
	mux.HandleFunc("POST /api/avatar", func(w http.ResponseWriter, r *http.Request) {
		files, _, err := avatar.Receive(w, r)
		if err != nil {
			input.Reject(w, r, err)
			return
		}
		st.addFile(files[0])
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"success":true}`)
	})
	return limit.Handler(params.Handler(mux)), st
}

type memStore struct {
	mu       sync.Mutex
	contacts []Contact
	files    []input.File
}

func (s *memStore) addContact(c Contact) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.contacts = append(s.contacts, c)
	return nil
}

func (s *memStore) addFile(f input.File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = append(s.files, f)
}

func (s *memStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.contacts) + len(s.files)
}

func TestInputStackOverHTTP(t *testing.T) {
	h, st := newInputStack(t)
	srv := httptest.NewServer(h)
	defer srv.Close()

	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 2, 2)))
	upload := func(data []byte) (string, io.Reader) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("avatar", "me.png")
		fw.Write(data)
		mw.Close()
		return mw.FormDataContentType(), &b
	}
	chunked := func(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) } // no length: chunked

	const good = `{"name":"Ada","email":"ada@example.com","message":"Hi"}`
	tests := []struct {
		name, target, ctype string
		body                func() io.Reader
		wantStatus          int
		wantBody            string
		stored              int
	}{
		{"contact ok", "/api/contact", "application/json", func() io.Reader { return strings.NewReader(good) }, 200,
			`{"success":true,"message":"Message received"}` + "\n", 1},
		{"contact oversize", "/api/contact", "application/json",
			func() io.Reader { return strings.NewReader(`{"name":"` + strings.Repeat("a", 20000) + `"}`) }, 413,
			`{"error":"Request body too large"}` + "\n", 0},
		{"contact oversize chunked", "/api/contact", "application/json",
			func() io.Reader { return chunked(`{"name":"` + strings.Repeat("a", 20000) + `"}`) }, 413,
			`{"error":"Request body too large"}` + "\n", 0},
		{"contact text/plain", "/api/contact", "text/plain", func() io.Reader { return strings.NewReader(good) }, 415,
			`{"error":"Unsupported media type"}` + "\n", 0},
		{"contact with a repeated query parameter", "/api/contact?x=1&x=2", "application/json", func() io.Reader { return strings.NewReader(good) }, 200,
			`{"success":true,"message":"Message received"}` + "\n", 1},
		{"contact $ne in query", "/api/contact?email[$ne]=x", "application/json", func() io.Reader { return strings.NewReader(good) }, 400,
			`{"errors":[{"type":"field","location":"query","path":"[\"email[$ne]\"]","msg":"must not start with \"$\""}]}` + "\n", 0},
		{"avatar ok", "/api/avatar", "", func() io.Reader { return nil }, 201, `{"success":true}`, 1},
		{"avatar fake png", "/api/avatar", "fake", func() io.Reader { return nil }, 415, `{"error":"Unsupported file type"}` + "\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := st.count()
			ctype, body := tt.ctype, tt.body()
			switch tt.target + ":" + tt.ctype {
			case "/api/avatar:":
				ctype, body = upload(pngBuf.Bytes())
			case "/api/avatar:fake":
				ctype, body = upload([]byte("<html><script>alert(1)</script></html>"))
			}
			resp, err := http.Post(srv.URL+tt.target, ctype, body)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || string(got) != tt.wantBody {
				t.Errorf("got %d %s, want %d %s", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			if n := st.count() - before; n != tt.stored {
				t.Errorf("stored %d, want %d", n, tt.stored)
			}
		})
	}
}

// TestEarlyLengthCheck sends only a request head that declares a body over
// the cap: the answer comes from Content-Length alone, before any byte of
// the body is sent.
func TestEarlyLengthCheck(t *testing.T) {
	h, st := newInputStack(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tt := range []struct {
		target, ctype string
		length        int
	}{
		{"/api/contact", "application/json", 10<<10 + 1},
		{"/api/avatar", "multipart/form-data; boundary=x", 6 << 20},
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", tt.target, tt.ctype, tt.length)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			conn.Close() // before Fatalf: srv.Close waits for open connections
			t.Fatalf("%s: %v", tt.target, err)
		}
		got, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 413 || string(got) != `{"error":"Request body too large"}`+"\n" {
			t.Errorf("%s: got %d %s", tt.target, resp.StatusCode, got)
		}
		if !resp.Close {
			t.Errorf("%s: 413 without Connection: close", tt.target)
		}
	}
	if st.count() != 0 {
		t.Errorf("stored %d", st.count())
	}
}
