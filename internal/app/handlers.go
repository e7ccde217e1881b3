package app

import (
	"encoding/json"
	"errors"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/input/sanitize"
	"github.com/harden-go/harden/input/validate"
	"github.com/harden-go/harden/internal/appdb"
	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/session"
)

// adminListed is how many messages the admin routes show, newest first.
const adminListed = 200

// Fixed answers.
const (
	successBody = `{"success":true}` + "\n"
	contactBody = `{"success":true,"message":"Message received"}` + "\n"
)

// formFiller is a payload that the page's forms may also post as
// application/x-www-form-urlencoded (without script).
type formFiller interface {
	fromForm(url.Values)
}

// bind fills dst from a JSON body or, for the page's forms, from an
// urlencoded form, then normalises and validates it. On failure it answers
// the refusal and returns false. Forms come through the parameter
// pollution layer, so each field has one value.
func bind(w http.ResponseWriter, r *http.Request, v *validate.Validator, dst formFiller) bool {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
		if err := r.ParseForm(); err != nil {
			input.Reject(w, r, err)
			return false
		}
		dst.fromForm(r.PostForm)
		if err := v.Check(dst); err != nil {
			input.Reject(w, r, err)
			return false
		}
		return true
	}
	return v.Bind(w, r, dst)
}

// writeJSON answers status with a fixed JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeValue answers 200 with v as JSON.
func writeValue(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, string(b)+"\n")
}

// unavailable answers 503 for a database that cannot answer; the cause is
// logged (event server_error, which the security log gives every 5xx),
// never shown.
func unavailable(w http.ResponseWriter, r *http.Request, err error) {
	respond.Reject(w, r, &respond.Rejection{Status: http.StatusServiceUnavailable, Message: "Service unavailable", Err: err})
}

// internalError answers 500 for a programming or wiring error (event
// server_error).
func internalError(w http.ResponseWriter, r *http.Request, err error) {
	respond.Reject(w, r, &respond.Rejection{Status: http.StatusInternalServerError, Message: "Internal server error", Err: err})
}

// fieldError answers 400 {"errors":[...]} for one body field.
func fieldError(w http.ResponseWriter, r *http.Request, path, msg string) {
	input.Reject(w, r, input.FieldErrors(respond.FieldError{Type: "field", Location: "body", Path: path, Msg: msg}))
}

// storeRefused answers a value the database refuses to store: a 400
// naming the field (the validator's rules count characters, the
// database's bytes), or 503 for any other error.
func storeRefused(w http.ResponseWriter, r *http.Request, err error) {
	ve, ok := errors.AsType[*appdb.ValidationError](err)
	if !ok {
		unavailable(w, r, err)
		return
	}
	msg := "is invalid"
	switch {
	case ve.Field == "email":
		msg = "must be a valid email address"
	case strings.HasPrefix(ve.Reason, "longer than "):
		msg = "must be at most " + strings.TrimPrefix(ve.Reason, "longer than ")
	case strings.HasPrefix(ve.Reason, "shorter than "):
		msg = "must be at least " + strings.TrimPrefix(ve.Reason, "shorter than ")
	}
	fieldError(w, r, ve.Field, msg)
}

// contactForm is the payload of POST /api/contact.
type contactForm struct {
	// Name: trimmed, NFC, no control characters, inner white space
	// collapsed; 1 to 100 characters.
	Name string `json:"name" normalize:"trim,nfc,stripctl,squash" validate:"required,max=100"`
	// Email: one valid address, normalised (trimmed, lower-cased).
	Email string `json:"email" normalize:"email" validate:"required,email,max=254"`
	// Message: NFC, no control characters; 1 to 5000 characters as sent,
	// counted in runes before the handler reduces it to the rich-text
	// allowlist, so escaping ("&" becomes "&amp;") never counts against
	// the writer. The page's textarea has maxlength=5000, which counts
	// UTF-16 code units: never fewer than runes, so whatever it lets
	// through fits.
	Message string `json:"message" normalize:"trim,nfc,stripctl" validate:"required,max=5000"`
}

func (c *contactForm) fromForm(v url.Values) {
	c.Name, c.Email = v.Get("name"), v.Get("email")
	// A browser submits each line break of a textarea as CRLF, but its
	// maxlength counted one character: counted as one here too.
	c.Message = strings.ReplaceAll(v.Get("message"), "\r\n", "\n")
}

// contact stores a message of the contact form. Bind answers every bad
// input itself, so the database is reached only with a clean value.
func (a *App) contact(w http.ResponseWriter, r *http.Request) {
	var c contactForm
	if !bind(w, r, a.contactV, &c) {
		return
	}
	// Stored XSS: only the rich-text allowlist is stored (and the admin
	// page sanitizes again on output). Sanitized after the length check,
	// which counts what the writer sent.
	body := sanitize.RichText(c.Message)
	if body == "" {
		fieldError(w, r, "message", "is required") // nothing but markup
		return
	}
	m := appdb.Message{Name: c.Name, Email: c.Email, Body: body}
	if s := session.From(r); s != nil {
		m.UserID = s.UserID()
	}
	if _, err := a.db.AddMessage(r.Context(), m); err != nil {
		storeRefused(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contactBody)
}

// adminMessages lists the stored messages (role admin).
func (a *App) adminMessages(w http.ResponseWriter, r *http.Request) {
	msgs, err := a.db.Messages(r.Context(), adminListed)
	if err != nil {
		unavailable(w, r, err)
		return
	}
	if msgs == nil {
		msgs = []appdb.Message{}
	}
	writeValue(w, r, struct {
		Messages []appdb.Message `json:"messages"`
	}{msgs})
}

// adminEntry is one message of the admin page.
type adminEntry struct {
	Name, Email string        // plain text, escaped by html/template
	Body        template.HTML // sanitized again on output
	Date        string
}

// adminPage renders the stored messages (role admin). The message bodies
// were sanitized when they were stored; they are sanitized again here,
// so a row written by another path (an older version, a manual insert)
// still cannot carry markup outside the allowlist. Names and emails are
// plain text, escaped by html/template.
func (a *App) adminPage(w http.ResponseWriter, r *http.Request) {
	msgs, err := a.db.Messages(r.Context(), adminListed)
	if err != nil {
		unavailable(w, r, err)
		return
	}
	entries := make([]adminEntry, len(msgs))
	for i, m := range msgs {
		entries[i] = adminEntry{Name: m.Name, Email: m.Email, Date: m.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"),
			Body: template.HTML(sanitize.RichText(m.Body))} // #nosec G203 -- the allowlist's output is safe HTML
	}
	var b strings.Builder
	if err := a.admin.Execute(&b, struct {
		StyleSRI template.HTMLAttr
		Messages []adminEntry
	}{a.sriAttr("style.css"), entries}); err != nil {
		internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(b.String()))
}
