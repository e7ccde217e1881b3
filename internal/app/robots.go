package app

import (
	"net/http"

	"github.com/harden-go/harden/respond"
)

// robots serves the embedded robots.txt, so that crawlers' unprompted fetch
// of it is answered rather than refused: the API and the admin page are
// not for indexing.
func (a *App) robots(w http.ResponseWriter, r *http.Request) {
	b, err := assets.ReadFile("assets/robots.txt")
	if err != nil { // cannot happen: the file is embedded
		respond.Reject(w, r, &respond.Rejection{Status: http.StatusNotFound, Message: "Not found"})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(b)
}
