package app

import (
	"net/http"
	"path"

	"github.com/harden-go/harden/input"
	"github.com/harden-go/harden/session"
)

// avatar stores the signed-in user's avatar: one file in the multipart
// field "avatar", at most 5 MB, a PNG, JPEG, GIF or WebP image by its
// content (never by its name or declared type). Larger: 413; another
// type: 415; nothing is written unless the whole file was accepted. The
// file is written under the data directory with a generated name, then
// renamed over the user's one avatar file (<user id><ext>), through os.Root,
// so no name can leave the directory and a user cannot fill the disk by
// uploading again and again. The CSRF token travels in the X-CSRF-Token header:
// the CSRF layer reads a form field only from bodies of up to 64 KiB.
func (a *App) avatar(w http.ResponseWriter, r *http.Request) {
	files, _, err := a.upload.Receive(w, r)
	if err != nil {
		input.Reject(w, r, err)
		return
	}
	f := files[0]
	// User ids are base32 (A-Z, 2-7): safe in a file name.
	user := session.From(r).UserID()
	// f.Name is random, so concurrent uploads never write the same file.
	if err := f.Save(a.avatars); err != nil {
		internalError(w, r, err)
		return
	}
	final := user + path.Ext(f.Name)
	if err := a.avatars.Rename(f.Name, final); err != nil { // atomic replace of the previous avatar
		_ = a.avatars.Remove(f.Name)
		internalError(w, r, err)
		return
	}
	// One avatar per user: drop one of another type left from before.
	for _, ext := range avatarExts {
		if name := user + ext; name != final {
			_ = a.avatars.Remove(name) // usually absent
		}
	}
	writeJSON(w, http.StatusCreated, successBody)
}

// avatarExts are the extensions input gives the accepted image types.
var avatarExts = []string{".png", ".jpg", ".gif", ".webp"}
