package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/internal/xsstest"
	"github.com/harden-go/harden/ssrf"
)

func TestContact(t *testing.T) {
	a, srv := routeApp(t, Config{AuthLimit: DefaultAuthLimit})
	c := newClient(t, srv.URL)
	status, body := c.post("/api/contact", `{"name":"  Ada \n Lovelace ","email":" Ada@Example.COM ","message":"Hi <b>there</b><script>alert(1)</script> <a href=\"javascript:alert(1)\">x</a>"}`)
	if status != 200 || body != contactBody {
		t.Fatalf("contact: %d %q", status, body)
	}
	msgs, _ := a.db.Messages(context.Background(), 10)
	if len(msgs) != 1 || msgs[0].Name != "Ada Lovelace" || msgs[0].Email != "ada@example.com" || msgs[0].Body != "Hi <b>there</b> x" {
		t.Fatalf("stored %+v", msgs)
	}

	tests := []struct {
		name, ctype, body string
		wantStatus        int
		wantBody          string
	}{
		{"empty name", "application/json", `{"name":" ","email":"a@example.com","message":"hi"}`, 400, fieldRefusal("name", "is required")},
		{"name of 101 characters", "application/json", `{"name":"` + strings.Repeat("n", 101) + `","email":"a@example.com","message":"hi"}`, 400,
			fieldRefusal("name", "must be at most 100 characters long")},
		{"bad email", "application/json", `{"name":"A","email":"a@","message":"hi"}`, 400, fieldRefusal("email", "must be a valid email address")},
		{"message that sanitizes to nothing", "application/json", `{"name":"A","email":"a@example.com","message":"<script>alert(1)</script>"}`, 400,
			fieldRefusal("message", "is required")},
		{"message of 5001 characters", "application/json", `{"name":"A","email":"a@example.com","message":"` + strings.Repeat("m", 5001) + `"}`, 400,
			fieldRefusal("message", "must be at most 5000 characters long")},
		{"operator instead of a string", "application/json", `{"name":"A","email":"a@example.com","message":{"$gt":""}}`, 400, fieldRefusal("message", "must be a string")},
		{"unknown field", "application/json", `{"name":"A","email":"a@example.com","message":"hi","admin":true}`, 400, fieldRefusal("admin", "is not an allowed field")},
		{"duplicate key", "application/json", `{"name":"A","name":"B","email":"a@example.com","message":"hi"}`, 400, fieldRefusal("name", "appears more than once")},
		{"trailing data", "application/json", `{"name":"A","email":"a@example.com","message":"hi"}{}`, 400, devErr("Request body must contain a single JSON value", "")},
		{"text/plain", "text/plain", `name=A`, 415, devErr("Unsupported media type", "")},
		{"over 64 KiB", "application/json", `{"message":"` + strings.Repeat("m", 65<<10) + `"}`, 413, devErr("Request body too large", "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := messageCount(t, a)
			status, body := c.do("POST", "/api/contact", tt.ctype, tt.body, map[string]string{"X-CSRF-Token": c.token()})
			if status != tt.wantStatus || body != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if messageCount(t, a) != n {
				t.Error("a message was stored")
			}
		})
	}
	// 5000 characters of a script that takes 3 bytes each fit.
	if status, body := c.post("/api/contact", `{"name":"A","email":"a@example.com","message":"`+strings.Repeat("語", 5000)+`"}`); status != 200 {
		t.Errorf("5000 three-byte characters: %d %q", status, body)
	}
}

func TestAdminRoutes(t *testing.T) {
	a, srv := routeApp(t, Config{})
	addUser(t, a, "admin@example.com", userPW, appdb.RoleAdmin)
	addUser(t, a, "user@example.com", userPW, appdb.RoleUser)
	if _, err := a.db.AddMessage(context.Background(), appdb.Message{Name: `<i>Mallory</i>`, Email: "m@example.com", Body: "<b>bold</b>"}); err != nil {
		t.Fatal(err)
	}
	// A row that no sanitizer saw (an older version, a manual insert):
	// the page sanitizes it again.
	if _, err := a.db.AddMessage(context.Background(), appdb.Message{Name: "Raw", Email: "r@example.com", Body: `<img src=x onerror=alert(1)><b>kept</b>`}); err != nil {
		t.Fatal(err)
	}
	anon, user, admin := newClient(t, srv.URL), newClient(t, srv.URL), newClient(t, srv.URL)
	user.login("user@example.com", userPW)
	admin.login("admin@example.com", userPW)
	for _, path := range []string{"/api/admin/messages", "/admin"} {
		if status, body := anon.do("GET", path, "", "", nil); status != 401 || body != authRequired {
			t.Errorf("anonymous %s: %d %q", path, status, body)
		}
		if status, body := user.do("GET", path, "", "", nil); status != 403 || body != forbiddenBody {
			t.Errorf("user %s: %d %q", path, status, body)
		}
	}
	status, body := admin.do("GET", "/api/admin/messages", "", "", nil)
	var got struct{ Messages []appdb.Message }
	if err := json.Unmarshal([]byte(body), &got); status != 200 || err != nil || len(got.Messages) != 2 || got.Messages[1].Name != "<i>Mallory</i>" {
		t.Fatalf("admin messages: %d %q", status, body)
	}
	status, page := admin.do("GET", "/admin", "", "", nil)
	if status != 200 || !strings.Contains(page, `<span class="name">&lt;i&gt;Mallory&lt;/i&gt;</span>`) ||
		!strings.Contains(page, `<div class="body"><b>bold</b></div>`) || !strings.Contains(page, `<div class="body"><b>kept</b></div>`) {
		t.Errorf("admin page: %d\n%s", status, page)
	}
	if strings.Contains(page, "onerror") {
		t.Error("the admin page carries an event handler")
	}

	// Demotion takes effect at once: roles are read per request.
	u, _ := a.db.UserByEmail(context.Background(), "admin@example.com")
	if err := a.db.SetRole(context.Background(), u.ID, appdb.RoleUser); err != nil {
		t.Fatal(err)
	}
	if status, body := admin.do("GET", "/api/admin/messages", "", "", nil); status != 403 || body != forbiddenBody {
		t.Errorf("demoted admin: %d %q", status, body)
	}
}

// previewApp is an app whose preview client may reach exactly one
// loopback test server; any other dial fails the test.
func previewApp(t *testing.T, target *httptest.Server) (*App, *httptest.Server, *lockedBuffer) {
	t.Helper()
	ap := netip.MustParseAddrPort(target.Listener.Addr().String())
	buf := &lockedBuffer{}
	a, srv := routeApp(t, Config{SecurityLog: newSecLog(t, buf), previewSSRF: ssrf.Config{
		DangerouslyAllowAddrs: []netip.AddrPort{ap},
		DangerouslyDialContext: func(ctx context.Context, network, address string) (net.Conn, error) {
			if address != ap.String() {
				t.Errorf("the preview client dialed %s", address)
				return nil, errors.New("test: dial refused")
			}
			var d net.Dialer
			return d.DialContext(ctx, network, address)
		},
		// Names never reach DNS.
		LookupNetIP: func(ctx context.Context, host string) ([]netip.Addr, error) {
			if host == "rebind.test" {
				return []netip.Addr{netip.MustParseAddr("10.0.0.1")}, nil
			}
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		},
	}})
	return a, srv, buf
}

func TestPreview(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		default:
			fmt.Fprint(w, "<!doctype html><html><head><title>  A &amp; B\n page </title></head><body>hi</body></html>")
		}
	}))
	defer target.Close()
	a, srv, log := previewApp(t, target)
	addUser(t, a, "pat@example.com", userPW, appdb.RoleUser)
	anon, c := newClient(t, srv.URL), newClient(t, srv.URL)
	c.login("pat@example.com", userPW)

	if status, body := anon.post("/api/preview", `{"url":"`+target.URL+`/"}`); status != 401 || body != authRequired {
		t.Errorf("anonymous: %d %q", status, body)
	}
	if status, body := c.do("POST", "/api/preview", "application/json", `{"url":"`+target.URL+`/"}`, nil); status != 403 || body != missingToken {
		t.Errorf("no token: %d %q", status, body)
	}
	if status, body := c.post("/api/preview", `{"url":"`+target.URL+`/page"}`); status != 200 || body != `{"status":200,"title":"A \u0026 B page"}`+"\n" {
		t.Errorf("allowed server: %d %q", status, body)
	}
	// Development shows a 4xx's cause as detail, but not which host or
	// address was refused: that stays in the security log.
	const refused = `{"error":"destination not allowed","detail":"ssrf: destination not allowed","request_id":"test-req-1"}` + "\n"
	for _, u := range []string{
		"http://127.0.0.1/", "http://127.0.0.1:" + strings.Split(target.Listener.Addr().String(), ":")[1] + "0/",
		"http://localhost/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0177.0.0.1/",
		"http://0x7f.1/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://rebind.test/",
		"http://user:pw@example.com/", "ftp://example.com/", "file:///etc/passwd", "gopher://127.0.0.1/", "http://example.com:6379/",
		"not a url", target.URL + "/redirect",
		// A name that does not resolve answers like an internal one (no
		// probing of split-horizon names), and its query is never logged.
		"http://nonexistent.test/?q=private-data",
	} {
		if status, body := c.post("/api/preview", `{"url":"`+u+`"}`); status != 400 || body != refused {
			t.Errorf("%s: %d %q, want 400 %q", u, status, body, refused)
		}
	}
	var blocked int
	for _, ev := range log.events(t) {
		if ev["event"] == "ssrf_blocked" {
			blocked++
			if blocked == 1 {
				// The first refusal, http://127.0.0.1/: its cause is logged.
				d, _ := json.Marshal(ev["details"])
				if !strings.Contains(string(d), `"reason":"loopback"`) || !strings.Contains(string(d), `127.0.0.1`) {
					t.Errorf("ssrf_blocked details %s, want the reason and address", d)
				}
			}
		}
	}
	if blocked != 19 {
		t.Errorf("%d ssrf_blocked events, want 19", blocked)
	}
	if strings.Contains(log.String(), "private-data") {
		t.Error("a preview URL's query reached the security log")
	}
}

// avatarBody is a multipart body with data in field.
func avatarBody(t *testing.T, field string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile(field, "../../etc/passwd.png")
	fw.Write(data)
	mw.Close()
	return mw.FormDataContentType(), &b
}

func TestAvatar(t *testing.T) {
	a, srv := routeApp(t, Config{})
	u := addUser(t, a, "ava@example.com", userPW, appdb.RoleUser)
	anon, c := newClient(t, srv.URL), newClient(t, srv.URL)
	c.login("ava@example.com", userPW)
	var pngBuf bytes.Buffer
	png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 2, 2)))
	big := append(bytes.Clone(pngBuf.Bytes()), make([]byte, 5<<20)...)
	dir := filepath.Join(a.cfg.DataDir, "avatars")
	files := func() []string {
		es, _ := os.ReadDir(dir)
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}
	tests := []struct {
		name       string
		c          *client
		field      string
		data       []byte
		noToken    bool
		wantStatus int
		wantBody   string
	}{
		{"anonymous", anon, "avatar", pngBuf.Bytes(), false, 401, authRequired},
		{"no token", c, "avatar", pngBuf.Bytes(), true, 403, missingToken},
		{"HTML named .png", c, "avatar", []byte("<html><script>alert(1)</script></html>"), false, 415, devErr("Unsupported file type", "")},
		{"over 5 MB", c, "avatar", big, false, 413, devErr("File too large", "")},
		{"another field", c, "file", pngBuf.Bytes(), false, 400, devErr("Unexpected file field", "")},
		{"PNG", c, "avatar", pngBuf.Bytes(), false, 201, successBody},
		// A second upload replaces the first: one file per user, however many uploads.
		{"PNG again", c, "avatar", pngBuf.Bytes(), false, 201, successBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(files())
			ctype, body := avatarBody(t, tt.field, tt.data)
			h := map[string]string{}
			if !tt.noToken {
				h["X-CSRF-Token"] = tt.c.token()
			}
			resp := tt.c.resp("POST", "/api/avatar", ctype, body, h)
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus || string(got) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, got, tt.wantStatus, tt.wantBody)
			}
			want := before
			if tt.wantStatus == 201 && before == 0 {
				want++
			}
			if n := len(files()); n != want {
				t.Errorf("%d files stored, want %d", n, want)
			}
		})
	}
	names := files()
	if len(names) != 1 || names[0] != u.ID+".png" {
		t.Fatalf("stored files %v", names)
	}
	data, _ := os.ReadFile(filepath.Join(dir, names[0]))
	if !bytes.Equal(data, pngBuf.Bytes()) {
		t.Error("stored file differs")
	}
}

// TestAdminPageSanitizesOutput renders every XSS vector, stored raw, and
// checks each message body on the page with the browser-grade checker.
func TestAdminPageSanitizesOutput(t *testing.T) {
	a, srv := routeApp(t, Config{})
	addUser(t, a, "root@example.com", userPW, appdb.RoleAdmin)
	stored := 0
	for _, v := range xsstest.XSSVectors {
		_, err := a.db.AddMessage(context.Background(), appdb.Message{Name: "Vector", Email: "x@example.com", Body: v})
		if _, ok := errors.AsType[*appdb.ValidationError](err); ok {
			continue // a NUL byte: the database refuses it
		}
		if err != nil {
			t.Fatal(err)
		}
		stored++
	}
	c := newClient(t, srv.URL)
	c.login("root@example.com", userPW)
	_, page := c.do("GET", "/admin", "", "", nil)
	parts := strings.Split(page, `<div class="body">`)
	if len(parts) != stored+1 || stored < len(xsstest.XSSVectors)-2 {
		t.Fatalf("%d message bodies on the page, %d stored of %d", len(parts)-1, stored, len(xsstest.XSSVectors))
	}
	for _, p := range parts[1:] {
		body, _, _ := strings.Cut(p, "</div>\n</article>")
		if bad := xsstest.Executable(body); bad != "" {
			t.Errorf("message body %q: %s", body, bad)
		}
	}
}
