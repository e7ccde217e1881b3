package session

import "net/http"

// cookieSaver is a Session as the hook of its request's ResponseWriter
// wrapper: it saves the session just before the response header goes out,
// so the cookie can still be set; when that save fails it answers 503
// instead of the handler's response.
type cookieSaver Session

// BeforeHeader implements statuswriter.HeaderHook.
func (c *cookieSaver) BeforeHeader(w http.ResponseWriter, _ int) error {
	s := (*Session)(c)
	if err := s.save(w, true); err != nil {
		s.replace(w, err)
		return errReplaced
	}
	return nil
}

// replace answers 503 in place of the handler's response, dropping the
// headers the handler meant for that response: a redirect or a download
// must not ride on the error.
func (s *Session) replace(w http.ResponseWriter, err error) {
	h := w.Header()
	for _, k := range []string{"Set-Cookie", "Location", "Content-Disposition", "Content-Range", "Etag", "Last-Modified", "Refresh"} {
		h.Del(k)
	}
	s.m.fail(w, s.r, "save", err)
}

// writer readies the request's ResponseWriter wrapper around rw and
// returns what the handler writes to. The wrapper has exactly the optional
// interfaces of rw (Flush, Hijack, Push, ReadFrom) and Unwrap, for
// http.ResponseController.
func (s *Session) writer(rw http.ResponseWriter) http.ResponseWriter {
	s.w.Reset(rw, (*cookieSaver)(s))
	return s.w.ResponseWriter()
}

// finish runs after the handler returned.
func (s *Session) finish() {
	w := &s.w
	if !w.Started() {
		// The handler wrote nothing: net/http will send 200 with these
		// headers, so the cookie can still be set (or the 503 sent).
		_ = w.Finish()
		return
	}
	if w.Err() != nil {
		return // the save failed and the response is the 503
	}
	// Changes made after the response started, or on a hijacked
	// connection: saved when they need no new cookie, logged otherwise; a
	// failure can only be logged.
	if err := s.save(w.Unwrap(), false); err != nil {
		s.m.logStoreError("save", err)
	}
}
