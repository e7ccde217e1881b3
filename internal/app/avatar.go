package app

import (
	"net/http"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/session"
)

// avatar stores the signed-in user's avatar: one file in the multipart
// field "avatar", at most 5 MB, a PNG, JPEG, GIF or WebP image by its
// content (never by its name or declared type). Larger: 413; another
// type: 415; nothing is written unless the whole file was accepted. The
// file is stored under the data directory with a generated name
// (the user's id and random hex digits), through os.Root, so no name can
// leave the directory. The CSRF token travels in the X-CSRF-Token header:
// the CSRF layer reads a form field only from bodies of up to 64 KiB.
func (a *App) avatar(w http.ResponseWriter, r *http.Request) {
	rec, err := a.upload.Receive(w, r)
	if err != nil {
		input.Reject(w, r, err)
		return
	}
	f := rec.Files[0]
	// User ids are base32 (A-Z, 2-7): safe in a file name.
	f.Name = session.From(r).UserID() + "-" + f.Name
	if err := f.Save(a.avatars); err != nil {
		internalError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, successBody)
}
