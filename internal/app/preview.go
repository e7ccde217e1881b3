package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/harden-go/harden/respond"
	"github.com/harden-go/harden/seclog"
	"github.com/harden-go/harden/ssrf"
)

// Bounds of a preview.
const (
	previewTimeout   = 10 * time.Second
	previewReadBytes = 256 << 10 // the title is in the head: read no further
	titleMaxRunes    = 300
)

// previewRequest is the payload of POST /api/preview.
type previewRequest struct {
	URL string `json:"url" normalize:"trim" validate:"required,max=2048"`
}

// previewURL fetches a URL for a signed-in user through the SSRF-safe
// client and answers its status and title. A destination the client
// refuses — an internal address however spelled, a host resolving to one,
// a redirect to one, another scheme or port — gets 400 {"error":
// "destination not allowed"} and an ssrf_blocked event carrying the
// refused host and address (never shown to the client).
func (a *App) previewURL(w http.ResponseWriter, r *http.Request) {
	var p previewRequest
	if !a.valid.Bind(w, r, &p) {
		return
	}
	if err := a.preview.Check(p.URL); err != nil {
		refuseDestination(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), previewTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL, nil)
	if err != nil {
		refuseDestination(w, r, err)
		return
	}
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "harden-preview/1")
	resp, err := a.preview.Do(req)
	if err != nil {
		var dnsErr *net.DNSError
		switch {
		case errors.Is(err, ssrf.ErrDestinationNotAllowed):
			refuseDestination(w, r, err)
		case errors.As(err, &dnsErr):
			// A name that does not resolve gets the same answer as one that
			// resolves to an internal address: otherwise a user could probe
			// which internal (split-horizon) names exist.
			refuseDestination(w, r, fetchError{host: req.URL.Hostname(), err: err})
		default:
			respond.Reject(w, r, &respond.Rejection{Status: http.StatusBadGateway, Message: "Could not fetch the URL",
				Event: "preview_failed", Err: fetchError{host: req.URL.Hostname(), err: err}})
		}
		return
	}
	defer resp.Body.Close()
	// A body cut by the client's size cap still yields the title it held.
	title := pageTitle(io.LimitReader(resp.Body, previewReadBytes))
	writeValue(w, r, struct {
		Status int    `json:"status"`
		Title  string `json:"title"`
	}{resp.StatusCode, title})
}

// refuseDestination answers a destination the SSRF client refused.
func refuseDestination(w http.ResponseWriter, r *http.Request, cause error) {
	respond.Reject(w, r, &respond.Rejection{Status: http.StatusBadRequest, Message: "destination not allowed",
		Event: seclog.EventSSRFBlocked, Err: logOnly{cause}})
}

// logOnly carries a refusal's cause to the security log (which records
// the ssrf refusal it wraps: reason, host, address, port) while its
// text, which a development responder shows as "detail", names none of
// them: what a host resolves to on the inside is the very thing an SSRF
// probe wants to learn.
type logOnly struct{ err error }

func (e logOnly) Error() string { return "ssrf: destination not allowed" }
func (e logOnly) Unwrap() error { return e.err }

// fetchError describes a failed fetch by its host and the kind of failure:
// the URL's path and query (the user's data) stay out of the log, which the
// error text of net/http's *url.Error would carry.
type fetchError struct {
	host string
	err  error
}

func (e fetchError) Error() string { return "preview: fetch failed" }

// LogValue records the host and the kind of failure, never the URL.
func (e fetchError) LogValue() slog.Value {
	reason := "fetch failed"
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(e.err, &dnsErr):
		reason = "name not resolved"
	case errors.Is(e.err, context.DeadlineExceeded) || os.IsTimeout(e.err):
		reason = "timeout"
	case errors.As(e.err, &opErr):
		reason = opErr.Op + " failed"
	}
	return slog.GroupValue(slog.String("host", e.host), slog.String("reason", reason))
}

// pageTitle returns the text of the first <title> of the HTML in body,
// white space collapsed, at most titleMaxRunes runes; "" when there is
// none before <body>.
func pageTitle(body io.Reader) string {
	z := html.NewTokenizer(body)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "title":
				if z.Next() != html.TextToken {
					return ""
				}
				return clip(strings.Join(strings.Fields(string(z.Text())), " "), titleMaxRunes) // one line, single spaces
			case "body":
				return ""
			}
		}
	}
}

// clip cuts s to at most n runes, at a rune boundary.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
