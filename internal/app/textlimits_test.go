package app

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/ratelimit"
)

// fieldRefusal is the exact answer to one refused body field.
func fieldRefusal(path, msg string) string {
	return `{"errors":[{"type":"field","location":"body","path":"` + path + `","msg":"` + msg + `"}],"request_id":"test-req-1"}` + "\n"
}

const formType = "application/x-www-form-urlencoded"

// TestContactText checks the contact form's text rules at their
// boundaries: lengths count the characters sent (runes, before
// sanitizing escapes them), names of 100 characters of any script fit the
// database, and text that is not UTF-8 is refused, not stored as U+FFFD.
func TestContactText(t *testing.T) {
	a, srv := routeApp(t, Config{AuthLimit: DefaultAuthLimit})
	c := newClient(t, srv.URL)
	contact := func(name, message string) string {
		return `{"name":"` + name + `","email":"a@example.com","message":"` + message + `"}`
	}
	form := func(name, message string) string {
		return "name=" + name + "&email=a%40example.com&message=" + message
	}
	tests := []struct {
		name, ctype, body string
		wantStatus        int
		wantBody          string
		wantStored        string // the stored message, when accepted
	}{
		{"5000 ampersands", "application/json", contact("A", strings.Repeat("&", 5000)), 200, contactBody, strings.Repeat("&amp;", 5000)},
		{"2000 quotes", "application/json", contact("A", strings.Repeat(`\"`, 2000)), 200, contactBody, strings.Repeat("&#34;", 2000)},
		{"5001 ampersands", "application/json", contact("A", strings.Repeat("&", 5001)), 400, fieldRefusal("message", "must be at most 5000 characters long"), ""},
		{"5000 four-byte characters", "application/json", contact("A", strings.Repeat("😀", 5000)), 200, contactBody, strings.Repeat("😀", 5000)},
		{"5001 four-byte characters", "application/json", contact("A", strings.Repeat("😀", 5001)), 400, fieldRefusal("message", "must be at most 5000 characters long"), ""},
		// 3600 letters and 700 lines of one more: 5000 characters in the
		// textarea, 5700 runes as a browser submits them (CRLF).
		{"form: CRLF counted once", formType, form("A", strings.Repeat("a", 3600)+strings.Repeat("%0D%0Ab", 700)), 200, contactBody,
			strings.Repeat("a", 3600) + strings.Repeat("\nb", 700)},
		// 5000 CJK characters as a browser posts them: 45,000 bytes.
		{"form: 5000 CJK characters", formType, form("A", strings.Repeat(url.QueryEscape("漢"), 5000)), 200, contactBody, strings.Repeat("漢", 5000)},
		{"form: 5001 characters", formType, form("A", strings.Repeat("a", 5001)), 400, fieldRefusal("message", "must be at most 5000 characters long"), ""},
		{"70 CJK characters of name", "application/json", contact(strings.Repeat("漢", 70), "hi"), 200, contactBody, "hi"},
		{"100 CJK characters of name", "application/json", contact(strings.Repeat("漢", 100), "hi"), 200, contactBody, "hi"},
		{"100 four-byte characters of name", "application/json", contact(strings.Repeat("😀", 100), "hi"), 200, contactBody, "hi"},
		{"101 CJK characters of name", "application/json", contact(strings.Repeat("漢", 101), "hi"), 400, fieldRefusal("name", "must be at most 100 characters long"), ""},
		{"form: 100 CJK characters of name", formType, form(strings.Repeat(url.QueryEscape("漢"), 100), "hi"), 200, contactBody, "hi"},
		{"form: 101 CJK characters of name", formType, form(strings.Repeat(url.QueryEscape("漢"), 101), "hi"), 400, fieldRefusal("name", "must be at most 100 characters long"), ""},
		{"name of bytes that are not UTF-8", "application/json", contact("\xff\xfe", "hi"), 400, fieldRefusal("name", "must be valid UTF-8"), ""},
		{"name of a lone surrogate", "application/json", contact(`\ud800`, "hi"), 400, fieldRefusal("name", "must be valid UTF-8"), ""},
		{"message with a lone surrogate", "application/json", contact("A", `hi \udc00`), 400, fieldRefusal("message", "must be valid UTF-8"), ""},
		{"form: name not UTF-8", formType, form("%ff%fe", "hi"), 400, fieldRefusal("name", "must be valid UTF-8"), ""},
		{"form: message not UTF-8", formType, form("A", "hi%c0%a4"), 400, fieldRefusal("message", "must be valid UTF-8"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := messageCount(t, a)
			status, body := c.do("POST", "/api/contact", tt.ctype, tt.body, map[string]string{"X-CSRF-Token": c.token()})
			if status != tt.wantStatus || body != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			msgs, err := a.db.Messages(context.Background(), 1)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantStatus != 200 {
				if messageCount(t, a) != n {
					t.Error("a message was stored")
				}
				return
			}
			if messageCount(t, a) != n+1 || msgs[0].Body != tt.wantStored {
				t.Errorf("stored %q, want %q", msgs[0].Body, tt.wantStored)
			}
		})
	}
}

// TestRegisterNameLength checks the registration name at the boundary:
// 100 characters of a three-byte script are accepted and stored, 101 are
// refused with the validator's message, and a name that is not UTF-8 is
// refused; nothing is stored for a refusal.
func TestRegisterNameLength(t *testing.T) {
	a, srv := routeApp(t, Config{AuthLimit: ratelimit.Spec{Limit: 1000, Window: time.Minute}})
	c := newClient(t, srv.URL)
	reg := func(email, name string) string {
		return `{"email":"` + email + `","password":"` + userPW + `","name":"` + name + `"}`
	}
	tests := []struct {
		name, ctype, body, email string
		wantStatus               int
		wantBody                 string
	}{
		{"100 CJK characters", "application/json", reg("cjk@example.com", strings.Repeat("漢", 100)), "cjk@example.com", 201, successBody},
		{"100 four-byte characters", "application/json", reg("emoji@example.com", strings.Repeat("😀", 100)), "emoji@example.com", 201, successBody},
		{"101 CJK characters", "application/json", reg("long@example.com", strings.Repeat("漢", 101)), "long@example.com", 400,
			fieldRefusal("name", "must be at most 100 characters long")},
		{"form: 101 CJK characters", formType, "email=form%40example.com&password=" + url.QueryEscape(userPW) + "&name=" + strings.Repeat(url.QueryEscape("漢"), 101),
			"form@example.com", 400, fieldRefusal("name", "must be at most 100 characters long")},
		{"not UTF-8", "application/json", reg("bad@example.com", "\xff"), "bad@example.com", 400, fieldRefusal("name", "must be valid UTF-8")},
		{"form: not UTF-8", formType, "email=badform%40example.com&password=" + url.QueryEscape(userPW) + "&name=%ff%fe",
			"badform@example.com", 400, fieldRefusal("name", "must be valid UTF-8")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := c.do("POST", "/api/register", tt.ctype, tt.body, map[string]string{"X-CSRF-Token": c.token()})
			if status != tt.wantStatus || body != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", status, body, tt.wantStatus, tt.wantBody)
			}
			u, err := a.db.UserByEmail(context.Background(), tt.email)
			if tt.wantStatus != 201 {
				if err != appdb.ErrNotFound {
					t.Errorf("an account was stored: %v", err)
				}
				return
			}
			if err != nil || !strings.HasPrefix(tt.body, `{"email":"`+tt.email+`","password":"`+userPW+`","name":"`+u.Name+`"`) {
				t.Errorf("stored %+v, %v", u, err)
			}
		})
	}
}
